//! Command-line interface: clap arguments, one file per subcommand, dispatch. Flags become a
//! checked [`lacuna_io::StudySpec`] before the library sees them.

mod batch;
mod coverage;
mod demo;
mod map;
mod run;
mod scenario;
mod sites;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Find the gaps in public and voluntary service coverage.
#[derive(Parser)]
#[command(name = "lacuna", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a whole study from a TOML file (default: the embedded demo): coverage and findings.
    Run(run::Args),
    /// Unserved neighbourhoods of a study (unserved.csv, gaps.geojson).
    Unserved(run::Args),
    /// Uneven universal access of a study (access_equity.csv, equity_deciles.csv).
    Equity(run::Args),
    /// The postcode lottery of a study (lottery_pairs.csv, groups.csv, lottery.geojson).
    Lottery(run::Args),
    /// Reach of each provider network of a study, and what closing each provider alone would
    /// cost (reach.csv, network_gaps.csv, critical_providers.csv).
    Reach(run::Args),
    /// Capacity-aware access of a study: supply per person within reach by 2SFCA, E2SFCA or
    /// gravity (access.csv, access_summary.csv).
    Access(run::Args),
    /// What closing providers (and opening new sites) would do: coverage before and after per
    /// area, council and need decile, recomputing only the areas the change reaches
    /// (scenario.csv, scenario_summary.csv, scenario_coverage.csv, scenario_providers.csv).
    Scenario(Box<scenario::ScenarioArgs>),
    /// Joined-up bundles of a study with [bundles]: per bundle of services, the areas whose
    /// people lack part or all of it (bundles.csv, bundles_summary.csv).
    Bundles(run::Args),
    /// Hot spots of unmet need per service: Getis-Ord Gi* and local Moran's I with permutation
    /// p-values and a false discovery rate (hotspots.csv, hotspots_weights.gal).
    Hotspots(run::Args),
    /// Where to open next: K new sites of a service bringing the most need-weighted people
    /// within reach (maximal covering location; sites.csv, sites.geojson).
    Sites(Box<sites::SitesArgs>),
    /// The network catchments of a study with standards along its street network: coverage,
    /// each provider's service area (service_areas.geojson), each population point's way
    /// onto the streets with its network distance (network_points.geojson) and the graph as
    /// built (network_edges_PROFILE.csv), for QGIS.
    Network(run::Args),
    /// Coverage per area and service type from files given as flags.
    Coverage(Box<coverage::Args>),
    /// One study over many partitions (a file split by a column, or many boundary files), in
    /// parallel, resumable; exit 1 when a partition failed.
    Batch(Box<batch::Args>),
    /// Check input files without running a study (exit 0 clean, 1 findings, 2 unreadable).
    Validate(validate::Args),
    /// Draw one map (PNG or SVG) from any polygon layer, shaded by a numeric column.
    Map(map::Args),
    /// Regenerate the synthetic demo region (data/demo).
    Demo(demo::Args),
}

/// A progress bar drawn with `template` (indicatif's default bar should it not parse).
fn progress_bar(template: &str) -> indicatif::ProgressBar {
    let style = indicatif::ProgressStyle::with_template(template);
    indicatif::ProgressBar::new(0)
        .with_style(style.unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()))
}

/// Parses the command line and runs the subcommand.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(a) => run::run_with(a, lacuna::pipeline::FindingsOutput::All),
        Command::Unserved(a) => run::run_with(a, only(Finding::Unserved)),
        Command::Equity(a) => run::run_with(a, only(Finding::Equity)),
        Command::Lottery(a) => run::run_with(a, only(Finding::Lottery)),
        Command::Reach(a) => run::run_with(a, only(Finding::Reach)),
        Command::Access(a) => run::run_with(a, only(Finding::Access)),
        Command::Scenario(a) => scenario::run(*a),
        Command::Sites(a) => sites::run(*a),
        Command::Hotspots(a) => run::run_with(a, only(Finding::Hotspots)),
        Command::Bundles(a) => run::run_edited(a, only(Finding::Bundles), |spec| {
            if spec.bundles.is_empty() {
                anyhow::bail!(
                    "the study has no bundles: add e.g. [bundles] essentials = [\"gp\", \
                     \"pharmacy\"] to it"
                );
            }
            Ok(())
        }),
        Command::Network(a) => run::run_edited(a, lacuna::pipeline::FindingsOutput::None, |spec| {
            if !spec.services.values().any(|s| s.network.is_some()) {
                anyhow::bail!(
                    "the study measures nothing along a street network: add [network] path = \
                     \"region.osm.pbf\" and network = \"walk\" with max_m or max_minutes to a \
                     [services.TYPE] standard"
                );
            }
            if let Some(n) = &mut spec.network {
                n.write_graph = true;
            }
            Ok(())
        }),
        Command::Coverage(a) => coverage::run(*a),
        Command::Batch(a) => batch::run_batch(*a),
        Command::Validate(a) => validate::run(a),
        Command::Map(a) => map::run(a),
        Command::Demo(a) => demo::run(a),
    }
}

use lacuna_core::metrics::findings::Finding;

fn only(finding: Finding) -> lacuna::pipeline::FindingsOutput {
    lacuna::pipeline::FindingsOutput::Only(finding)
}

/// On SIGINT, SIGTERM or SIGHUP, removes the staging folder of the run writing to `out` and ends
/// the process, so an interrupted run leaves the previous output set and nothing beside it. (A
/// SIGKILL cannot be caught: the next run into `out` removes what it left.)
fn clean_up_on_signal(out: &std::path::Path) {
    let out = out.to_path_buf();
    let _ = ctrlc::set_handler(move || {
        lacuna_io::outdir::interrupt(&out);
        eprintln!("lacuna: interrupted; the output folder was left as it was");
        std::process::exit(130);
    });
}

/// Shows the library's progress counts (see `lacuna_core::progress`) on a bar while `work` runs,
/// when stderr is a terminal (or `LACUNA_PROGRESS=1` asks for plain lines, e.g. in a log) and a
/// stage takes longer than a second.
fn with_progress<T>(quiet: bool, work: impl FnOnce() -> T) -> T {
    use std::io::IsTerminal;
    let plain = std::env::var_os("LACUNA_PROGRESS").is_some_and(|v| v == "1");
    if quiet || !(plain || std::io::stderr().is_terminal()) {
        return work();
    }
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| show_progress(&stop, plain));
        let out = work();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        out
    })
}

fn show_progress(stop: &std::sync::atomic::AtomicBool, plain: bool) {
    let tick = std::time::Duration::from_millis(100);
    let mut since: Option<(&str, std::time::Instant)> = None;
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut last_line = std::time::Instant::now();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        std::thread::sleep(tick);
        let (stage, done, total) = lacuna_core::progress::now();
        if stage.is_empty() || since.is_none_or(|(s, _)| s != stage) {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
            since = (!stage.is_empty()).then(|| (stage, std::time::Instant::now()));
            continue;
        }
        let Some((_, t0)) = since else { continue };
        if t0.elapsed().as_secs_f64() < 1.0 {
            continue;
        }
        if plain {
            if last_line.elapsed().as_secs_f64() >= 1.0 {
                eprintln!("{stage}: {done}/{total}");
                last_line = std::time::Instant::now();
            }
            continue;
        }
        let b = bar.get_or_insert_with(|| {
            progress_bar("{msg} {bar:30} {pos}/{len} [{elapsed_precise}, ETA {eta}]")
                .with_message(stage)
        });
        b.set_length(total as u64);
        b.set_position(done as u64);
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}

/// Prints what a run did: per-file accounting, notes, warnings, a per-service summary.
fn print_outcome(o: &lacuna::pipeline::RunOutcome, quiet: bool) {
    if quiet {
        return;
    }
    let s = &o.study;
    if o.coverage.method == lacuna_core::metrics::coverage::PopulationMethod::None {
        eprintln!("note: {}", lacuna_render::document::AREA_BASED);
    }
    eprintln!("working CRS {} ({})", s.working_crs, s.working_crs_source);
    print_files(&s.files);
    if let Some(n) = &s.street_network {
        print_network(n);
    }
    print_warnings(o);
    print_coverage(o);
    if let Some(f) = &o.findings {
        print_findings(s, f);
    }
    for p in &o.written {
        eprintln!("wrote {}", p.display());
    }
    // The findings' parts are in run.json; the summary line keeps to the stages.
    let t: Vec<String> = o
        .timings
        .iter()
        .filter(|(k, _)| !k.contains('/'))
        .map(|(k, v)| format!("{k} {v:.2}s"))
        .collect();
    eprintln!("time: {}", t.join(", "));
}

/// Each input file's accounting, its CRS, its notes and its first few problems (all of them
/// are in run.json).
fn print_files(files: &[lacuna_io::load::FileReport]) {
    for f in files {
        eprintln!("{}", f.summary());
        if let Some(crs) = &f.crs {
            eprintln!("  CRS {crs}: {}", f.crs_source);
        }
        for n in f.notes.iter().filter(|n| !n.starts_with("CRS ")) {
            eprintln!("  {n}");
        }
        for p in f.problems.iter().take(5) {
            let id =
                p.id.as_deref()
                    .map(|i| format!(" ({i})"))
                    .unwrap_or_default();
            eprintln!("  {}{id}: {}", p.position, p.reason);
        }
        if f.problems.len() > 5 {
            eprintln!("  ... {} more listed in run.json", f.problems.len() - 5);
        }
    }
}

/// The street network: its graphs and how each network service type joined it.
fn print_network(n: &lacuna_io::load::network::NetworkLoad) {
    let r = &n.report;
    eprintln!("network {}: CRS {}", r.path, r.crs);
    for p in &r.profiles {
        eprintln!(
            "  {}: {} nodes, {} edges, {:.1} km of street, {} connected part(s) ({:.1}% of edges in the largest)",
            p.profile, p.nodes, p.edges, p.km, p.parts, 100.0 * p.largest_share
        );
    }
    if r.missing_nodes > 0 {
        eprintln!(
            "  {} way segment(s) left out: a node is missing from the extract (ways cut at its edge)",
            r.missing_nodes
        );
    }
    for note in r.notes.iter().filter(|n| !n.starts_with("CRS ")) {
        eprintln!("  {note}");
    }
    for s in &n.services {
        let unit = match s.metric {
            Some(lacuna_core::network::Metric::Time) => "minutes",
            _ => "m",
        };
        eprintln!(
            "  {}: within {} {unit} along the network; {} of {} providers and {} points off the network; mean distance to the street {:.0} m",
            s.service_type,
            s.budget,
            s.providers_off_network.len(),
            s.providers,
            s.points_off_network,
            s.mean_snap_m
        );
    }
    if let Some(src) = &r.source {
        eprintln!("  source: {src}");
    }
}

/// The study's warnings, then what reach could not do or did by area, and the overlay's
/// failures.
fn print_warnings(o: &lacuna::pipeline::RunOutcome) {
    let s = &o.study;
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    if o.findings
        .as_ref()
        .is_some_and(|f| f.has(Finding::Reach) && f.reach.is_none())
    {
        eprintln!("warning: {}", lacuna_core::metrics::reach::NO_POINTS);
    } else if o.findings.is_some() && s.points.is_none() {
        eprintln!("note: {}", lacuna_core::metrics::reach::AREAL);
    }
    for n in o.findings.iter().flat_map(|f| f.notes(&s.service_types)) {
        eprintln!("warning: {n}");
    }
    let failures = o.coverage.failures.len();
    if failures > 0 {
        eprintln!(
            "warning: the overlay failed for {failures} area x service pairs (listed in run.json)"
        );
    }
}

/// One line per service type: the share of the area and of the population covered, and how
/// many areas are under half covered.
fn print_coverage(o: &lacuna::pipeline::RunOutcome) {
    let s = &o.study;
    eprintln!(
        "coverage by service type ({}):",
        match o.coverage.method {
            lacuna_core::metrics::coverage::PopulationMethod::Points => "population from points",
            lacuna_core::metrics::coverage::PopulationMethod::UniformFromNeed =>
                "need-file population spread over each area",
            lacuna_core::metrics::coverage::PopulationMethod::None => "no population",
        }
    );
    for (ti, t) in s.service_types.iter().enumerate() {
        let rows: Vec<_> = o.coverage.rows.iter().filter(|r| r.service == ti).collect();
        let area: f64 = rows.iter().map(|r| r.area_m2).sum();
        let covered: f64 = rows
            .iter()
            .filter(|r| r.area_share.is_finite())
            .map(|r| r.area_m2 * r.area_share)
            .sum();
        let pop: f64 = rows.iter().filter_map(|r| r.population).sum();
        let cpop: f64 = rows.iter().filter_map(|r| r.covered_population).sum();
        let under = rows
            .iter()
            .filter(|r| r.population_share.unwrap_or(r.area_share) < 0.5)
            .count();
        let pop_text = if pop > 0.0 {
            format!(
                "{:.1}% of {}",
                100.0 * cpop / pop,
                if s.points_counted {
                    "points"
                } else {
                    "population"
                }
            )
        } else {
            "no population".into()
        };
        eprintln!(
            "  {t:<12} {:>5.1}% of area, {pop_text}; {under} of {} areas under half covered",
            100.0 * covered / area.max(f64::MIN_POSITIVE),
            rows.len()
        );
    }
}

/// One line per service type: unserved areas, flagged pairs and the inequality indices.
fn print_findings(s: &lacuna_io::load::LoadedStudy, f: &lacuna_core::metrics::findings::Findings) {
    eprintln!("findings:");
    if f.has(Finding::Unserved) && !f.gap_polygons {
        eprintln!(
            "  gap polygons not built for {} areas (set gap_polygons = true in [findings])",
            s.areas.len()
        );
    }
    for sf in &f.services {
        let t = &s.service_types[sf.service];
        // Only what was computed: a count of a finding not asked for would read as zero.
        let mut parts = Vec::new();
        if f.has(Finding::Unserved) {
            parts.push(format!("{} unserved areas", sf.unserved.len()));
        }
        if f.has(Finding::Lottery) {
            parts.push(format!("{} cross-council pairs flagged", sf.pairs.len()));
        }
        // An index that cannot be computed (no population, one council) is "–", never NaN.
        if let Some(e) = sf.equity.first() {
            parts.push(format!(
                "Gini {}, between-council share of Theil {}",
                lacuna_io::write::fixed(e.gini, 3),
                lacuna_io::write::pct1(e.theil_between_share.unwrap_or(f64::NAN))
            ));
        }
        if let Some(a) = f.capacity.services.iter().find(|a| a.service == sf.service) {
            parts.push(format!(
                "capacity per person {} ({}), its Gini {}",
                lacuna_io::write::fixed(a.mean, 3),
                a.rule.method_name(),
                lacuna_io::write::fixed(a.gini, 3)
            ));
        }
        if !parts.is_empty() {
            eprintln!("  {t:<12} {}", parts.join(", "));
        }
    }
}
