//! `report.html` and `report.md`: one document for a committee paper, written twice.
//!
//! The report is built once as a list of blocks (headings, paragraphs, tables, figures) and
//! rendered to Markdown (figures as links to the PNG maps) and to one self-contained HTML file
//! that opens offline and makes no network request (its Content-Security-Policy forbids any):
//! by default with the interactive map (see `interactive`) and the maps linked as files; with
//! `[maps] interactive = false` (`--no-interactive`), with inline CSS, every SVG map inlined and
//! no scripts.

mod bundles;
mod hotspots;
mod scenario;
mod sites;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::canvas::escape;
use lacuna_core::metrics::access::Access;
use lacuna_core::metrics::coverage::Coverage;
use lacuna_core::metrics::equity::EquityRow;
use lacuna_core::metrics::findings::{Finding, Findings, ServiceFindings};
use lacuna_core::metrics::reach::{self, Reach};
use lacuna_core::params::{Adjacency, DeprivationKind};
use lacuna_io::atomic::write_atomic;
use lacuna_io::error::{Error, Result};
use lacuna_io::load::FileReport;
use lacuna_io::write::{fixed, pct1, thousands, Units};
use lacuna_io::LoadedStudy as Study;

/// Said once, up front, wherever findings are shown without any population.
pub const AREA_BASED: &str = "No population was given (no population points and no population \
    column in the need file), so every finding here is weighted by area, not people: shares are \
    shares of the area, uncovered and unmet-need figures are in km² of area, and the indices \
    compare areas by size. Give population-weighted points or a need-file population column for \
    figures about people.";

/// A block of the report.
#[derive(Debug, Clone)]
enum Block {
    /// A heading of level 1 to 3.
    Heading(u8, String),
    /// A paragraph of plain text.
    Para(String),
    /// A bulleted list.
    List(Vec<String>),
    /// A table: header and rows of cells.
    Table(Vec<String>, Vec<Vec<String>>),
    /// A map or chart: the file stem in `maps/` and a caption.
    Figure(String, String),
}

/// The report being built, block by block, and which figures exist (stems in `maps/`).
struct Doc<'a>(Vec<Block>, &'a [String]);

impl Doc<'_> {
    fn heading(&mut self, level: u8, text: impl Into<String>) {
        self.0.push(Block::Heading(level, text.into()));
    }

    fn para(&mut self, text: impl Into<String>) {
        self.0.push(Block::Para(text.into()));
    }

    fn list(&mut self, items: Vec<String>) {
        self.0.push(Block::List(items));
    }

    fn table(&mut self, head: &[&str], rows: Vec<Vec<String>>) {
        let head = head.iter().map(|c| c.to_string()).collect();
        self.0.push(Block::Table(head, rows));
    }

    /// A figure of the map `stem`, when it was drawn.
    fn figure(&mut self, stem: String, caption: impl Into<String>) {
        if self.1.contains(&stem) {
            self.0.push(Block::Figure(stem, caption.into()));
        }
    }

    /// A table of one row per item: each column its header and its cell of an item.
    fn columns<T>(&mut self, items: impl Iterator<Item = T>, columns: &[Column<T>]) {
        let head: Vec<&str> = columns.iter().map(|c| c.0).collect();
        let rows = items.map(|x| columns.iter().map(|c| (c.1)(&x)).collect());
        self.table(&head, rows.collect());
    }
}

/// A table's column: its header, and its cell of an item.
type Column<'a, T> = (&'a str, &'a dyn Fn(&T) -> String);

fn row(cells: &[&dyn std::fmt::Display]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// A share, or "–" when there is none.
fn opt_pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), pct1)
}

/// The report's blocks; `maps` says which figures exist (stems in `maps/`). With `maps` None,
/// those of `findings.md`: the headline table and each service's findings, without the inputs,
/// reach, method or maps.
fn blocks(study: &Study, coverage: &Coverage, f: &Findings, maps: Option<&[String]>) -> Vec<Block> {
    let units = Units::of(study, coverage);
    let mut d = Doc(Vec::new(), maps.unwrap_or_default());
    let what = if maps.is_some() {
        "gaps in service coverage"
    } else {
        "findings"
    };
    title(&mut d, study, what);
    summary(&mut d, study, coverage, f, units);
    if maps.is_some() {
        inputs(&mut d, study, coverage, f);
    }
    for sf in &f.services {
        service(&mut d, study, f, sf, units);
    }
    bundles::bundles_section(&mut d, study, f.bundles.as_ref(), units);
    sites::sites_section(&mut d, study, f.sites.as_ref(), units);
    if maps.is_some() {
        reach(&mut d, study, f);
        method(&mut d, study, units);
    }
    d.0
}

/// `findings.md`: the headline table and each service's findings, without maps, written by the
/// report's own Markdown writer (names rather than codes, escaped cells, formatted numbers).
pub fn findings_markdown(study: &Study, coverage: &Coverage, f: &Findings) -> String {
    to_markdown(&blocks(study, coverage, f, None))
}

fn title(d: &mut Doc, study: &Study, what: &str) {
    let title = crate::maps::study_name(study, "Service coverage study");
    d.heading(1, format!("{title}: {what}"));
    let points = study
        .points
        .as_ref()
        .map(|p| format!(" and {} population points", thousands(p.len() as f64)))
        .unwrap_or_default();
    d.para(format!(
        "Made by lacuna {} (run {}) from {} areas, {} providers in {} service types{points}. Working CRS {} ({}).",
        env!("CARGO_PKG_VERSION"),
        study.run_id,
        thousands(study.areas.len() as f64),
        thousands(study.providers.len() as f64),
        study.service_types.len(),
        study.working_crs,
        study.working_crs_source
    ));
}

/// `value()` when `finding` was computed, else "not computed" (never a zero that was not
/// counted).
fn computed(f: &Findings, finding: Finding, value: impl FnOnce() -> String) -> String {
    if f.has(finding) {
        value()
    } else {
        "not computed".into()
    }
}

/// How the summary names a service's standard: "1600 m", "1600 m walk", "12 min walk".
fn catchment_label(s: Option<&lacuna_io::config::Standard>) -> String {
    let Some(s) = s else {
        return "as given".into();
    };
    match (s.network, s.max_m, s.max_minutes, s.radius_m) {
        (Some(p), Some(m), _, _) => format!("{m} m {p}"),
        (Some(p), None, Some(min), _) => format!("{min} min {p}"),
        (_, _, _, Some(r)) => format!("{r} m"),
        _ => "as given".into(),
    }
}

/// What measuring along the street network means, and what it left out.
fn network_note(n: &lacuna_io::load::network::NetworkLoad) -> String {
    let types: Vec<&str> = n.services.iter().map(|s| s.service_type.as_str()).collect();
    let off: usize = n
        .services
        .iter()
        .map(|s| s.points_off_network)
        .max()
        .unwrap_or(0);
    let providers_off: usize = n
        .services
        .iter()
        .map(|s| s.providers_off_network.len())
        .sum();
    format!(
        "{} {} measured along the street network ({}): a person is within reach when the \
         journey from the nearest point of a street to the provider's, along the streets, is \
         within the standard (the walk to the street counted at walking speed); an area's share \
         is the part of it within {} m of a street so reached. Up to {} population point(s) lie beyond \
         the snapping distance of every street and count as not covered; {} provider(s) are \
         off the network.{}{}",
        types.join(", "),
        if types.len() == 1 { "is" } else { "are" },
        n.report
            .path
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(&n.report.path),
        n.lateral_m,
        off,
        providers_off,
        if n.walk_trunk {
            " Trunk (A) roads without sidewalk tags are walked ([network] walk_trunk = true), \
             as if they had pavements."
        } else {
            ""
        },
        n.report
            .source
            .as_ref()
            .map(|s| format!(" Network: {s}."))
            .unwrap_or_default()
    )
}

/// The headline table: per service, its coverage and each finding's headline figure.
fn summary(d: &mut Doc, study: &Study, coverage: &Coverage, f: &Findings, units: Units) {
    let types = study.service_types.len();
    d.heading(2, "Summary");
    let mut rows = Vec::new();
    for sf in &f.services {
        let t = &study.service_types[sf.service];
        // People, or square metres when no population was given (the units say which).
        let (pop, cov): (f64, f64) = (0..study.areas.len()).fold((0.0, 0.0), |acc, i| {
            let r = &coverage.rows[i * types + sf.service];
            if units.by_population {
                (
                    acc.0 + r.population.unwrap_or(0.0),
                    acc.1 + r.covered_population.unwrap_or(0.0),
                )
            } else if r.area_share.is_finite() {
                (acc.0 + r.area_m2, acc.1 + r.area_m2 * r.area_share)
            } else {
                acc
            }
        });
        let unserved_people: f64 = sf.unserved.iter().map(|u| u.uncovered_population).sum();
        rows.push(row(&[
            t,
            &catchment_label(study.spec.services.get(t)),
            &opt_pct((pop > 0.0).then(|| cov / pop)),
            &computed(f, Finding::Unserved, || sf.unserved.len().to_string()),
            &computed(f, Finding::Unserved, || units.value(unserved_people)),
            &computed(f, Finding::Lottery, || sf.pairs.len().to_string()),
            &computed(f, Finding::Equity, || {
                sf.equity.first().map_or_else(
                    || "not universal".into(),
                    |e| fixed(e.concentration_index, 3),
                )
            }),
        ]));
    }
    let within = format!("{} within reach", units.whole());
    let uncovered = format!("{} in them", units.heading("uncovered"));
    let head = [
        "service",
        "catchment",
        &within,
        "unserved areas",
        &uncovered,
        "postcode-lottery pairs",
        "concentration index",
    ];
    d.table(&head, rows);
    if !units.by_population {
        d.para(AREA_BASED);
    }
    if let Some(n) = &study.street_network {
        d.para(network_note(n));
    }
    // A scenario (bundles) is a finding only of a study that weighs a change (has bundles).
    let applicable = Finding::ALL
        .iter()
        .filter(|&&x| match x {
            Finding::Scenario => study.scenario.is_some(),
            Finding::Bundles => !study.params.bundles.is_empty(),
            Finding::Sites => study.sites.is_some(),
            _ => true,
        })
        .count();
    if f.computed.len() < applicable {
        let names: Vec<String> = f
            .computed
            .iter()
            .map(|x| format!("`lacuna {}`", x.name()))
            .collect();
        d.para(format!(
            "Only {} was computed: figures of the other findings are \"not computed\", not \
             zero (`lacuna run` computes them all).",
            names.join(", ")
        ));
    }
    d.para(format!(
        "An area is unserved when the share of its {} within reach is below the service's \
         threshold. A postcode-lottery pair is two neighbouring areas in different councils with \
         similar deprivation and very different coverage. The concentration index is negative \
         when access is concentrated among the more deprived areas, positive when among the less \
         deprived.",
        units.whole()
    ));
}

/// The input files and what happened to them: read, kept, repaired, dropped, and why.
fn inputs(d: &mut Doc, study: &Study, coverage: &Coverage, f: &Findings) {
    d.heading(2, "Inputs and what happened to them");
    let crs = |fr: &&FileReport| match (&fr.crs, fr.crs_source.is_empty()) {
        (Some(c), false) => format!("{c} ({})", fr.crs_source),
        (Some(c), true) => c.clone(),
        (None, _) => "– (a table)".into(),
    };
    let columns: [Column<&FileReport>; 8] = [
        ("role", &|fr| fr.role.clone()),
        ("file", &|fr| fr.path.clone()),
        ("CRS", &crs),
        ("read", &|fr| fr.read.to_string()),
        ("kept", &|fr| fr.kept.to_string()),
        ("repaired", &|fr| fr.repaired.to_string()),
        ("dropped", &|fr| fr.dropped.to_string()),
        ("source", &|fr| {
            fr.source.clone().unwrap_or_else(|| "–".into())
        }),
    ];
    let sourced = study.files.iter().any(|fr| fr.source.is_some());
    d.columns(study.files.iter(), &columns[..7 + usize::from(sourced)]);
    let mut notes =
        vec![lacuna_io::write::run_record::population_note(coverage.method).to_string()];
    if let Some(n) = &study.need {
        notes.push(format!(
            "Need file {} joined on {:?}: {} areas matched, {} areas without a need row, {} need rows without an area.",
            n.path,
            n.id_column,
            n.matched,
            n.unmatched_areas.len(),
            n.unmatched_rows.len()
        ));
    }
    notes.extend(study.warnings.iter().cloned());
    if f.reach.is_none() {
        notes.push(format!("Network reach not computed: {}.", reach::NO_POINTS));
    } else if study.points.is_none() {
        notes.push(format!("Network reach: {}.", reach::AREAL));
    }
    d.list(notes);
    let problems: Vec<String> = study
        .files
        .iter()
        .flat_map(|fr| fr.problems.iter())
        .take(20)
        .map(|p| {
            let id = p.id.as_ref().map(|i| format!(" ({i})")).unwrap_or_default();
            format!("{} {}{id}: {}", p.file, p.position, p.reason)
        })
        .collect();
    if !problems.is_empty() {
        let total: usize = study.files.iter().map(|fr| fr.problems.len()).sum();
        let some = if total > 20 {
            ", the first 20 here"
        } else {
            ""
        };
        d.para(format!(
            "Features repaired or dropped ({total} in all{some}; every one is listed in run.json):"
        ));
        d.list(problems);
    }
}

/// One section of a service's findings.
type Section = fn(&mut Doc, &ServiceCx);

/// What every section of one service's findings reads.
struct ServiceCx<'a> {
    study: &'a Study,
    sf: &'a ServiceFindings,
    units: Units,
    /// The service type's code.
    t: &'a str,
    /// How the tables name need deciles.
    decile: &'static str,
    /// Capacity-aware access to the service, when its providers have capacities.
    access: Option<&'a lacuna_core::metrics::capacity::ServiceAccess>,
    /// The study's change, when it weighs one.
    scenario: Option<&'a lacuna_core::metrics::scenario::Scenario>,
    /// The hot spots, when computed.
    hotspots: Option<&'a lacuna_core::metrics::hotspots::Hotspots>,
}

impl ServiceCx<'_> {
    /// Area `i`'s council, by name.
    fn council(&self, i: usize) -> &str {
        self.study.group_label(&self.study.areas[i].group)
    }
}

/// One service's section: its coverage map, then the section of each finding computed (equity,
/// unserved neighbourhoods and gaps, the postcode lottery and its councils).
fn service(d: &mut Doc, study: &Study, f: &Findings, sf: &ServiceFindings, units: Units) {
    let t = &study.service_types[sf.service];
    let cx = ServiceCx {
        study,
        sf,
        units,
        t,
        decile: if lacuna_io::write::study_deciles(study) {
            "study decile"
        } else {
            "need decile"
        },
        access: f.capacity.services.iter().find(|a| a.service == sf.service),
        scenario: f.scenario.as_ref(),
        hotspots: f.hotspots.as_ref(),
    };
    let label = study.service_label(sf.service);
    if label == *t {
        d.heading(2, format!("Service: {t}"));
    } else {
        d.heading(2, format!("Service: {label} ({t})"));
    }
    let caption = format!(
        "Share of {} within reach of a {label}, by area.",
        units.whole()
    );
    d.figure(format!("coverage_{t}"), caption);
    // Equity first: whether everyone reaches a universal service is the headline question.
    let sections: [(Finding, Section); 7] = [
        (Finding::Equity, equity_section),
        (Finding::Scenario, scenario::scenario_section),
        (Finding::Access, access_section),
        (Finding::Unserved, unserved_section),
        (Finding::Hotspots, hotspots::hotspots_section),
        (Finding::Lottery, lottery_section),
        (Finding::Lottery, councils_section),
    ];
    for (finding, section) in sections {
        if f.has(finding) {
            section(d, &cx);
        }
    }
}

/// Uneven access to a universal service (universal services only).
fn equity_section(d: &mut Doc, cx: &ServiceCx) {
    let ServiceCx { sf, units, .. } = *cx;
    let Some(all) = sf.equity.first() else {
        return;
    };
    d.heading(3, "Uneven access to a universal service");
    d.para(format!(
        "{} Erreygers index {}. The permutation p is how often shuffling areas between \
         councils gives a between-council share this large.",
        equity_sentence(all, units),
        fixed(all.erreygers_index, 3),
    ));
    if let Some(caveat) = all_or_nothing(&sf.access, all) {
        d.para(caveat);
    }
    d.figure(
        format!("equity_{}", cx.t),
        "Coverage by deprivation decile per council, and the concentration curve.",
    );
    if sf.equity.len() < 2 {
        return;
    }
    d.para(
        "Per council (C below 0: access concentrated among the more deprived; the interval is a \
         seeded bootstrap over the council's areas):",
    );
    let group = |e: &&EquityRow| match e.group.as_str() {
        "ALL" => "All councils".to_string(),
        g => cx.study.group_label(g).to_string(),
    };
    let people = units.heading("");
    d.columns(
        sf.equity.iter(),
        &[
            ("council", &group),
            (&people, &|e| units.value(e.population)),
            ("meeting the standard", &|e| pct1(e.share_meeting_standard)),
            ("with no access", &|e| units.value(e.zero_access_population)),
            ("Gini", &|e| fixed(e.gini, 3)),
            ("Theil", &|e| fixed(e.theil, 3)),
            ("concentration C", &|e| fixed(e.concentration_index, 3)),
            ("95% interval", &|e| {
                format!("{} to {}", fixed(e.ci_low, 3), fixed(e.ci_high, 3))
            }),
        ],
    );
}

/// Capacity per person within reach (services whose providers have capacities): the method,
/// the spread, the councils and the areas with the least.
fn access_section(d: &mut Doc, cx: &ServiceCx) {
    let Some(a) = cx.access else {
        return;
    };
    d.heading(3, "Capacity per person within reach");
    d.para(format!(
        "Each provider's capacity is shared among the people within its reach ({}; see \
         docs/methods.md), and each area gets the capacity per person it can reach: {} on \
         average over the study. Gini index of that access {}, concentration index by \
         deprivation {} (below 0: more capacity per person in the more deprived areas). An \
         access ratio of 0.5 means half the study's average.",
        a.rule.method_name().to_uppercase(),
        fixed(a.mean, 3),
        fixed(a.gini, 3),
        fixed(a.concentration_index, 3),
    ));
    d.figure(
        format!("access_{}", cx.t),
        "Capacity per person within reach over the study's mean, by area.",
    );
    let people = cx.units.heading("");
    d.columns(
        a.groups.iter(),
        &[
            ("council", &|g| cx.study.group_label(&g.0).to_string()),
            (&people, &|g| cx.units.value(g.1)),
            ("capacity per person", &|g| fixed(g.2, 3)),
            ("ratio to the mean", &|g| fixed(g.2 / a.mean, 2)),
        ],
    );
    let mut least: Vec<usize> = (0..a.access.len())
        .filter(|&i| a.access[i].is_some())
        .collect();
    least.sort_by(|&x, &y| {
        let key = |i: usize| a.access[i].unwrap_or(f64::NAN);
        key(x).total_cmp(&key(y))
    });
    least.truncate(cx.study.spec.findings.top_n.min(10));
    d.para("The areas with the least capacity per person within reach:");
    d.columns(
        least.into_iter(),
        &[
            ("area", &|&i| cx.study.areas[i].name.clone()),
            ("council", &|&i| cx.council(i).to_string()),
            (&people, &|&i| cx.units.value(a.population[i])),
            ("ratio to the mean", &|&i| {
                fixed(a.ratio(i).unwrap_or(f64::NAN), 2)
            }),
        ],
    );
}

/// Unserved neighbourhoods ranked by unmet need, and the gaps outside every catchment.
fn unserved_section(d: &mut Doc, cx: &ServiceCx) {
    let ServiceCx {
        study, sf, units, ..
    } = *cx;
    let top = study.spec.findings.top_n;
    d.heading(
        3,
        format!(
            "Unserved neighbourhoods: {} (the top {} by unmet need)",
            sf.unserved.len(),
            top.min(sf.unserved.len())
        ),
    );
    if !sf.gaps.is_empty() {
        d.para(gaps_sentence(cx));
    }
    let uncovered = units.heading("uncovered");
    let caption = format!("Unserved areas shaded by unmet need ({uncovered} x need weight).");
    d.figure(format!("unmet_need_{}", cx.t), caption);
    if sf.unserved.is_empty() {
        return;
    }
    let unmet = if units.by_population {
        "unmet need"
    } else {
        "unmet need (km²)"
    };
    let area = |i: usize| &study.areas[i];
    d.columns(
        sf.unserved.iter().take(top),
        &[
            ("rank", &|u| u.rank.to_string()),
            ("area", &|u| area(u.area).name.clone()),
            ("code", &|u| area(u.area).code.clone()),
            ("council", &|u| cx.council(u.area).to_string()),
            ("covered", &|u| pct1(u.covered_share)),
            (&uncovered, &|u| units.value(u.uncovered_population)),
            (cx.decile, &|u| {
                u.need_decile.map_or_else(|| "–".into(), |d| d.to_string())
            }),
            (unmet, &|u| units.value(u.unmet_need)),
        ],
    );
}

/// The gap polygons in a sentence: how many, how large, how many people, and where the
/// largest lies.
fn gaps_sentence(cx: &ServiceCx) -> String {
    let gaps = &cx.sf.gaps;
    let largest = &gaps[0];
    let people: f64 = gaps.iter().map(|g| g.population).sum();
    let councils: std::collections::BTreeSet<&str> =
        largest.areas.iter().map(|&i| cx.council(i)).collect();
    let total_km2 = fixed(gaps.iter().map(|g| g.area_m2).sum::<f64>() / 1e6, 1);
    let count = match gaps.len() {
        1 => "one gap".to_string(),
        n => format!("{n} separate gaps"),
    };
    let spans = format!(
        "spans {} {} in {}",
        largest.areas.len(),
        if largest.areas.len() == 1 {
            "area"
        } else {
            "areas"
        },
        councils.into_iter().collect::<Vec<_>>().join(", ")
    );
    let head = format!("Gap polygons: {count} outside every catchment, {total_km2} km²");
    match (people.is_finite(), gaps.len()) {
        (true, 1) => format!("{head} holding {} people; it {spans}.", thousands(people)),
        (true, _) => format!(
            "{head} holding {} people; the largest by population ({} people, {} km²) {spans}.",
            thousands(people),
            thousands(largest.population),
            fixed(largest.area_m2 / 1e6, 1),
        ),
        (false, _) => format!("{head} in all."),
    }
}

/// The postcode lottery: flagged cross-boundary pairs.
fn lottery_section(d: &mut Doc, cx: &ServiceCx) {
    let ServiceCx { study, sf, .. } = *cx;
    let top = study.spec.findings.top_n;
    let n = sf.pairs.len();
    d.heading(3, format!("Postcode lottery: {n} cross-boundary pairs"));
    d.figure(
        format!("lottery_{}", cx.t),
        "Neighbouring areas in different councils with similar need and very different coverage.",
    );
    if sf.pairs.is_empty() {
        return;
    }
    let name = |i: usize| study.areas[i].name.clone();
    let deciles = format!("{}s", cx.decile);
    d.columns(
        sf.pairs.iter().take(top),
        &[
            ("better served", &|x| name(x.a)),
            ("council", &|x| cx.council(x.a).to_string()),
            ("covered", &|x| pct1(x.share_a)),
            ("worse served", &|x| name(x.b)),
            ("council", &|x| cx.council(x.b).to_string()),
            ("covered", &|x| pct1(x.share_b)),
            (&deciles, &|x| format!("{} / {}", x.need_a, x.need_b)),
        ],
    );
}

/// The council league table.
fn councils_section(d: &mut Doc, cx: &ServiceCx) {
    let ServiceCx {
        study, sf, units, ..
    } = *cx;
    d.heading(3, "Councils");
    let uncovered = units.heading("uncovered");
    d.columns(
        sf.league.iter(),
        &[
            ("rank", &|g| g.rank.to_string()),
            ("council", &|g| study.group_label(&g.group).to_string()),
            ("coverage", &|g| pct1(g.coverage)),
            ("most deprived fifth", &|g| {
                opt_pct(g.coverage_most_deprived)
            }),
            ("least deprived fifth", &|g| {
                opt_pct(g.coverage_least_deprived)
            }),
            (&uncovered, &|g| units.value(g.uncovered_population)),
        ],
    );
}

/// Network reach: per service type and named network, and the areas one network leaves
/// unserved that another serves.
fn reach(d: &mut Doc, study: &Study, f: &Findings) {
    let Some(reach) = &f.reach else {
        return;
    };
    d.heading(2, "Network reach");
    d.para(
        "Per service type and per named network: people inside at least one catchment, the \
         share of the study's target population reached, and how many are covered by exactly \
         one of its providers or by two or more (duplication). Per provider figures are in \
         reach.csv.",
    );
    let name = |r: &&Reach| {
        let t = study
            .service_types
            .iter()
            .position(|x| *x == r.service_type)
            .unwrap_or(0);
        match &r.network {
            Some(n) => format!("{n} ({})", study.service_label(t)),
            None => study.service_label(t),
        }
    };
    let providers = |r: &&Reach| {
        let n = study
            .providers
            .iter()
            .filter(|p| p.service_type == r.service_type)
            .filter(|p| r.network.is_none() || p.network == r.network)
            .count();
        n.to_string()
    };
    d.columns(
        reach.iter().filter(|r| r.provider.is_none()),
        &[
            ("network", &name),
            ("providers", &providers),
            ("people reached", &|r| thousands(r.population)),
            ("share of target reached", &|r| {
                pct1(r.share_of_target_reached)
            }),
            ("by one provider only", &|r| {
                thousands(r.exclusive_population)
            }),
            ("by two or more", &|r| thousands(r.overlap_population)),
        ],
    );
    // Areas and people per (unserved by, served by) pair of networks.
    let nets = f.networks.len();
    let mut pairs = vec![(0usize, 0.0f64); nets * nets];
    for m in &f.missed {
        let p = &mut pairs[m.missing * nets + m.covering];
        p.0 += 1;
        p.1 += m.population;
    }
    let label = |n: &reach::Network| {
        if n.named {
            n.name.clone()
        } else {
            study.service_label(n.service)
        }
    };
    if pairs.iter().all(|p| p.0 == 0) {
        return;
    }
    d.para(
        "Neighbourhoods one network leaves unserved that another serves (listed in \
         network_gaps.csv):",
    );
    d.columns(
        (0..nets * nets).filter(|&k| pairs[k].0 > 0),
        &[
            ("unserved by", &|&k| label(&f.networks[k / nets])),
            ("served by", &|&k| label(&f.networks[k % nets])),
            ("areas", &|&k| pairs[k].0.to_string()),
            ("people in them", &|&k| thousands(pairs[k].1)),
        ],
    );
}

/// The method in brief, the study's deciles when derived, and the caveats.
fn method(d: &mut Doc, study: &Study, units: Units) {
    let params = &study.spec.findings;
    d.heading(2, "Method");
    d.list(vec![
        "Coverage: area_share = area(area ∩ union of catchments) / area(area); discs are exact circles (no polygonisation). A population point is covered when it lies within a catchment.".into(),
        format!(
            "Unmet need = uncovered (target) {} × need weight; the weight falls linearly from {} for the most deprived decile to {} for the least deprived.",
            if units.by_population { "population" } else { "area (km² here, m² in the tables)" },
            params.need_weight_most_deprived, params.need_weight_least_deprived
        ),
        "Gini G = Σi Σj pi pj |ai − aj| / (2μ); Theil T = Σi pi (ai/μ) ln(ai/μ), split into between-council T_B = Σg Sg ln(Sg/Pg) and within-council T_W = Σg Sg Tg.".into(),
        "Concentration index C = (2/μ) Σi pi (ai − μ)(Ri − ½), areas ordered from most to least deprived (Ri: fractional rank); Erreygers E = 4μC. Negative: access concentrated among the more deprived.".into(),
        format!(
            "Parameters: lottery pairs need deciles within {} and coverage at least {} apart; neighbours {} (boundary snapping {} m); {} permutations and {} bootstrap draws with seed {}.",
            params.lottery_max_need_gap,
            pct1(params.lottery_min_difference),
            match params.adjacency {
                Adjacency::SharedBoundary => "share a boundary",
                Adjacency::Touching => "share a boundary or touch at a corner",
            },
            params.boundary_tolerance_m,
            params.permutations,
            params.bootstrap,
            params.seed
        ),
        "Full formulas, defaults and sources: docs/methods.md in the lacuna repository.".into(),
    ]);
    if let Some(n) = study.need.as_ref().filter(|n| n.deciles_within_study) {
        d.para(format!(
            "Study deciles: the need file's {} column is a {}, so deciles were derived within \
             this study (decile 1 is the most deprived tenth of these {} areas), not taken from a \
             national decile column; an area in the most deprived national tenth can be in a \
             higher study decile.",
            n.deprivation_column.as_deref().unwrap_or("deprivation"),
            match n.deprivation_kind {
                Some(DeprivationKind::Rank) => "rank",
                _ => "score",
            },
            thousands(study.areas.len() as f64)
        ));
    }
    d.heading(2, "Caveats");
    d.list(vec![
        "Catchments are straight-line distances, not travel times: rivers, motorways and railways are not barriers here.".into(),
        "Boundaries and indicators have vintages: areas without a need row, or need rows without an area, usually mean mismatched vintages (see the inputs above).".into(),
        "Coordinates in other CRSs were transformed with proj4rs; the OSGB36 to WGS84 shift is the 7-parameter Helmert transformation (2 to 5 m from OSTN15), small against catchments of hundreds of metres.".into(),
        "Gap polygons approximate discs by 256-sided polygons (area 0.01% short); coverage shares do not.".into(),
        format!("Attribution: {}", params.attribution),
    ]);
}

/// When every area is covered wholly or not at all (one population point per area, as with
/// population-weighted centroids), Gini is exactly 1 − coverage and Theil −ln(coverage): the
/// indices restate the covered share and say nothing about how access is spread. The caveat
/// that must stand next to them then.
fn all_or_nothing(access: &Access, all: &EquityRow) -> Option<String> {
    let binary = access
        .share
        .iter()
        .zip(&access.weight)
        .filter(|(_, w)| **w > 0.0)
        .all(|(s, _)| *s == 0.0 || *s == 1.0);
    // With nobody covered the indices are undefined ("–"), not 1 − 0.
    let covered = all.share_meeting_standard > 0.0;
    if !access.by_population || !binary || !covered {
        return None;
    }
    Some(format!(
        "Caveat: every area here is covered wholly or not at all (one population point per \
         area), so the Gini index is exactly 1 − coverage ({}) and Theil is −ln(coverage) ({}): \
         they restate the covered share and do not describe how access is spread within or \
         between councils. For statements about the distribution, give finer population points \
         (e.g. output-area population-weighted centroids, several per area).",
        fixed(1.0 - all.share_meeting_standard, 3),
        fixed(-all.share_meeting_standard.ln(), 3),
    ))
}

/// The headline sentence of a universal service's access equity (the `ALL` row).
fn equity_sentence(all: &EquityRow, units: Units) -> String {
    let no_access = if units.by_population {
        format!("{} live", units.amount(all.zero_access_population))
    } else {
        format!("{} of area lie", units.amount(all.zero_access_population))
    };
    format!(
        "{} of the {} is within a catchment; {no_access} in areas with no access at all. \
         Gini {}, Theil {} (between councils: {} of it, permutation p = {}). Concentration \
         index against deprivation {} (95% bootstrap interval {} to {}; negative means access \
         is concentrated among the more deprived).",
        pct1(all.share_meeting_standard),
        if !units.by_population {
            "area"
        } else if units.people == "people" {
            "population"
        } else {
            "points"
        },
        fixed(all.gini, 3),
        fixed(all.theil, 3),
        opt_pct(all.theil_between_share),
        all.between_share_p_value
            .map_or("–".into(), |p| fixed(p, 3)),
        fixed(all.concentration_index, 3),
        fixed(all.ci_low, 3),
        fixed(all.ci_high, 3),
    )
}

/// The blocks as Markdown; figures link to `maps/<stem>.png`.
fn to_markdown(blocks: &[Block]) -> String {
    let mut s = String::new();
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                let _ = writeln!(s, "{} {text}\n", "#".repeat(usize::from(*level)));
            }
            Block::Para(text) => {
                let _ = writeln!(s, "{text}\n");
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(s, "- {i}");
                }
                s.push('\n');
            }
            Block::Table(h, rows) => {
                let row = |s: &mut String, r: &[String]| {
                    let cells: Vec<String> = r.iter().map(|c| c.replace('|', "\\|")).collect();
                    let _ = writeln!(s, "| {} |", cells.join(" | "));
                };
                row(&mut s, h);
                let _ = writeln!(s, "|{}", "---|".repeat(h.len()));
                for r in rows {
                    row(&mut s, r);
                }
                s.push('\n');
            }
            Block::Figure(stem, caption) => {
                let _ = writeln!(s, "![{caption}](maps/{stem}.png)\n\n*{caption}*\n");
            }
        }
    }
    s
}

/// The static report may show its inline styles and images, and request nothing.
const STATIC_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:";

/// What the interactive map is, before it.
const MAP_INTRO: &str =
    "<h2 id=\"map\">Map</h2>\n<p>Hover over an area for its figures (click to keep \
    them), switch the service and the layer top right, or find an area by name or code top left. \
    The maps of each section below are linked as SVG and PNG files for papers.</p>\n";

/// SVG maps larger than this are put in the report as their PNG.
const INLINE_SVG_LIMIT: usize = 2_000_000;

const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#111;line-height:1.45}\
h1{font-size:1.8em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}\
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}\
th{background:#f2f2f2}td:not(:first-child){font-variant-numeric:tabular-nums}\
figure{margin:1em 0}figure svg{width:100%;height:auto;border:1px solid #ddd}figcaption{color:#555;font-size:.9em}\
@media print{figure{page-break-inside:avoid}}";

/// The blocks as one self-contained HTML page. With the interactive `map` (its HTML), the map
/// goes after the summary and the figures link to their files in `maps/` (charts stay
/// inlined); without it, every figure is inlined from the SVG files of `maps_dir`.
///
/// # Errors
/// When a map cannot be read.
fn to_html(blocks: &[Block], maps_dir: &Path, map: Option<&str>) -> Result<String> {
    let title = blocks
        .iter()
        .find_map(|b| match b {
            Block::Heading(1, t) => Some(t.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let mut s = String::new();
    let (csp, styles) = match map {
        Some(_) => (crate::interactive::CSP, crate::interactive::styles()),
        None => (STATIC_CSP, String::new()),
    };
    let _ = writeln!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}\n{styles}</style>\n</head>\n<body>",
        escape(&title)
    );
    let mut level2 = 0;
    for block in blocks {
        if let (Some(map), Block::Heading(2, _)) = (map, block) {
            level2 += 1;
            if level2 == 2 {
                s.push_str(MAP_INTRO);
                s.push_str(map);
            }
        }
        match block {
            Block::Heading(level, text) => {
                let _ = writeln!(s, "<h{level}>{}</h{level}>", escape(text));
            }
            Block::Para(text) => {
                let _ = writeln!(s, "<p>{}</p>", escape(text));
            }
            Block::List(items) => {
                s.push_str("<ul>\n");
                for i in items {
                    let _ = writeln!(s, "<li>{}</li>", escape(i));
                }
                s.push_str("</ul>\n");
            }
            Block::Table(h, rows) => {
                s.push_str("<table>\n<thead><tr>");
                for c in h {
                    let _ = write!(s, "<th>{}</th>", escape(c));
                }
                s.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    s.push_str("<tr>");
                    for c in r {
                        let _ = write!(s, "<td>{}</td>", escape(c));
                    }
                    s.push_str("</tr>\n");
                }
                s.push_str("</tbody>\n</table>\n");
            }
            Block::Figure(stem, caption) if map.is_some() && !stem.starts_with("equity_") => {
                let png = if maps_dir.join(format!("{stem}.png")).exists() {
                    format!(" · <a href=\"maps/{}.png\">PNG</a>", escape(stem))
                } else {
                    String::new()
                };
                let _ = writeln!(
                    s,
                    "<figure id=\"{0}\" class=\"lacuna-maps\"><figcaption>{1}</figcaption>\n<a href=\"maps/{0}.svg\">Map (SVG)</a>{png}</figure>",
                    escape(stem),
                    escape(caption)
                );
            }
            Block::Figure(stem, caption) => {
                let path = maps_dir.join(format!("{stem}.svg"));
                let svg = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
                let png = maps_dir.join(format!("{stem}.png"));
                // A national map's SVG holds tens of thousands of paths: inlined twenty times
                // it makes a report browsers struggle with. Such maps go in as their PNG, still
                // inside the file (a data URI, not a request).
                let figure = if svg.len() > INLINE_SVG_LIMIT && png.exists() {
                    use base64::Engine as _;
                    let bytes = std::fs::read(&png).map_err(|e| Error::io(&png, e))?;
                    format!(
                        "<img alt=\"{}\" style=\"width:100%\" src=\"data:image/png;base64,{}\">",
                        escape(caption),
                        base64::engine::general_purpose::STANDARD.encode(bytes)
                    )
                } else {
                    svg.trim_end().to_string()
                };
                let _ = writeln!(
                    s,
                    "<figure id=\"{}\">\n{figure}<figcaption>{}</figcaption>\n</figure>",
                    escape(stem),
                    escape(caption)
                );
            }
        }
    }
    s.push_str("</body>\n</html>\n");
    Ok(s)
}

/// Writes `report.md` and `report.html` into `out` (maps already in `out/maps`).
///
/// # Errors
/// When a file cannot be read or written.
pub fn write_reports(
    out: &Path,
    study: &Study,
    coverage: &Coverage,
    f: &Findings,
    maps: &[PathBuf],
) -> Result<Vec<PathBuf>> {
    let stems: Vec<String> = maps
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let blocks = blocks(study, coverage, f, Some(&stems));
    let md = out.join("report.md");
    let text = to_markdown(&blocks);
    write_atomic(&md, |w| w.write_all(text.as_bytes()))?;
    let html = out.join("report.html");
    let map = study
        .spec
        .maps
        .interactive
        .then(|| crate::interactive::section(study, coverage, f));
    let page = to_html(&blocks, &out.join("maps"), map.as_deref())?;
    write_atomic(&html, |w| w.write_all(page.as_bytes()))?;
    Ok(vec![md, html])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Block> {
        vec![
            Block::Heading(1, "T & <x>".into()),
            Block::Para("a | b".into()),
            Block::Table(
                vec!["h1".into(), "h2".into()],
                vec![vec!["1".into(), "x|y".into()]],
            ),
            Block::List(vec!["one".into()]),
        ]
    }

    #[test]
    fn markdown_tables_escape_pipes() {
        let md = to_markdown(&sample());
        assert!(md.starts_with("# T & <x>\n"));
        assert!(
            md.contains("| h1 | h2 |\n|---|---|\n| 1 | x\\|y |\n"),
            "{md}"
        );
        assert!(md.contains("- one\n"));
    }

    #[test]
    fn html_escapes_and_has_no_external_resources() {
        let html = to_html(&sample(), Path::new("/nonexistent"), None).unwrap();
        assert!(html.contains("<h1>T &amp; &lt;x&gt;</h1>"));
        assert!(html.contains("<title>T &amp; &lt;x&gt;</title>"));
        assert!(html.contains("<td>x|y</td>"));
        for bad in ["src=", "href=", "<script", "@import", "url("] {
            assert!(!html.contains(bad), "{bad}");
        }
    }

    #[test]
    fn large_maps_go_in_as_png_data() {
        let dir = tempfile::tempdir().unwrap();
        let big = format!("<svg>{}</svg>", "x".repeat(INLINE_SVG_LIMIT));
        std::fs::write(dir.path().join("big.svg"), big).unwrap();
        std::fs::write(dir.path().join("big.png"), [137u8, 80, 78, 71]).unwrap();
        std::fs::write(dir.path().join("small.svg"), "<svg><path/></svg>").unwrap();
        let blocks = [
            Block::Figure("big".into(), "Big".into()),
            Block::Figure("small".into(), "Small".into()),
        ];
        let html = to_html(&blocks, dir.path(), None).unwrap();
        assert!(
            html.contains(r#"src="data:image/png;base64,iVBORw==""#),
            "{}",
            &html[..300]
        );
        assert!(html.contains("<svg><path/></svg>"));
        assert!(!html.contains("xxxx"));
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(thousands(29199.4), "29,199");
        assert_eq!(thousands(-1234.0), "-1,234");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(f64::NAN), "–");
    }
}
