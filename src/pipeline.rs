//! The whole job: load a study, compute coverage, write the outputs. Shared by `lacuna run` and
//! `lacuna coverage`, which differ only in how they build the [`StudySpec`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use lacuna_core::metrics::coverage::{compute, Coverage};
use lacuna_core::metrics::findings::{self, Finding, Findings};
use lacuna_io::config::StudySpec;
use lacuna_io::error::{Error, Result};
use lacuna_io::load::{load, LoadedStudy as Study};
use lacuna_io::outdir::OutputDir;
use lacuna_io::write;

/// What a finished run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// The loaded study (inputs, counts, warnings).
    pub study: Study,
    /// The coverage computed and written.
    pub coverage: Coverage,
    /// The findings, when they were asked for.
    pub findings: Option<Findings>,
    /// The files written.
    pub written: Vec<PathBuf>,
    /// Seconds spent per stage.
    pub timings: Vec<(&'static str, f64)>,
}

/// Which findings a run computes and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingsOutput {
    /// Coverage only.
    None,
    /// Every finding, the maps and the report.
    All,
    /// One finding's files (and `findings.md` with its section, when it has one), computing
    /// only what it depends on.
    Only(Finding),
}

/// Runs a study and writes `coverage.csv`, `areas.geojson` and `run.json` into `out`, plus the
/// findings asked for. The files are written into a staging folder beside `out` that replaces
/// `out` whole once every file is on disk ([`OutputDir`]): `out` holds one complete run.
///
/// # Errors
/// Any loading error (see [`load`]), or when an output cannot be written.
pub fn run(spec: &StudySpec, out: &Path, which: FindingsOutput) -> Result<RunOutcome> {
    let dir = OutputDir::begin(out)?;
    match write_run(spec, dir.staging(), which) {
        Ok(mut outcome) => {
            for p in &mut outcome.written {
                *p = dir.final_path(p);
            }
            dir.commit()?;
            Ok(outcome)
        }
        Err(e) => {
            dir.abandon();
            Err(e)
        }
    }
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// [`run`] into the staging folder `out`.
fn write_run(spec: &StudySpec, out: &Path, which: FindingsOutput) -> Result<RunOutcome> {
    let t = Instant::now();
    let study = load(spec)?;
    let mut timings = vec![("load", secs(t))];
    let t = Instant::now();
    let coverage = compute(&study);
    timings.push(("coverage", secs(t)));
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let t = Instant::now();
    let (csv, areas) = (out.join("coverage.csv"), out.join("areas.geojson"));
    write::tables::write_coverage(&csv, &study, &coverage.rows)?;
    // The areas' WGS84 geometries, kept for the findings' layers when findings are written.
    let keep = which != FindingsOutput::None;
    let geometries = write::layers::write_areas(&areas, &study, &coverage.rows, keep)?;
    let geometries = geometries.unwrap_or_default();
    let mut written = vec![csv, areas];
    #[cfg(feature = "geoparquet")]
    if spec.geoparquet {
        let p = out.join("areas.parquet");
        lacuna_io::geoparquet::write_areas(&p, &study, &coverage.rows)?;
        written.push(p);
    }
    written.extend(write::network::write_network_layers(out, &study)?);
    timings.push(("write", secs(t)));
    let wanted = match which {
        FindingsOutput::None => Vec::new(),
        FindingsOutput::All => Finding::ALL.to_vec(),
        FindingsOutput::Only(f) => vec![f],
    };
    let findings = if wanted.is_empty() {
        None
    } else {
        let t = Instant::now();
        let f = findings::compute(&study, &coverage, &wanted);
        let t_compute = secs(t);
        let t = Instant::now();
        // The findings computed: a scenario only when the study weighs a change.
        for &finding in &f.computed {
            written.extend(write::findings::write(
                finding,
                out,
                &study,
                &coverage,
                &f,
                &geometries,
            )?);
        }
        if f.computed.iter().any(|&w| w != Finding::Reach) {
            let p = out.join("findings.md");
            let md = lacuna_render::document::findings_markdown(&study, &coverage, &f);
            lacuna_io::atomic::write_atomic(&p, |w| w.write_all(md.as_bytes()))?;
            written.push(p);
        }
        let t_files = secs(t);
        timings.push(("findings", t_compute + t_files));
        timings.extend(f.timings.iter().copied());
        timings.push(("findings/write files", t_files));
        Some(f)
    };
    drop(geometries);
    if spec.gpkg {
        let p = out.join("lacuna.gpkg");
        write::gpkg::write_gpkg(&p, &study, &coverage.rows, findings.as_ref())?;
        written.push(p);
    }
    if spec.fgb {
        let p = out.join("areas.fgb");
        write::gpkg::write_fgb(&p, &study, &coverage.rows)?;
        written.push(p);
    }
    // A scenario or new sites are weighed for a paper: `lacuna scenario` and `lacuna sites`
    // draw their maps and the report too.
    let drawn = matches!(
        which,
        FindingsOutput::All
            | FindingsOutput::Only(Finding::Scenario)
            | FindingsOutput::Only(Finding::Sites)
    );
    if let (true, Some(f)) = (drawn, &findings) {
        written.extend(draw(out, &study, &coverage, f, &mut timings)?);
    }
    let outputs = lacuna_io::provenance::manifest(out)?;
    let record = out.join("run.json");
    let notes = findings
        .as_ref()
        .map(|f| f.notes(&study.service_types))
        .unwrap_or_default();
    write::run_record::write_run_record(&record, &study, &coverage, &timings, &outputs, &notes)?;
    written.insert(2, record);
    Ok(RunOutcome {
        study,
        coverage,
        findings,
        written,
        timings,
    })
}

/// Draws the maps into `out/maps` and writes `report.html` and `report.md`.
fn draw(
    out: &Path,
    study: &Study,
    coverage: &Coverage,
    f: &Findings,
    timings: &mut Vec<(&'static str, f64)>,
) -> Result<Vec<PathBuf>> {
    let maps = out.join("maps");
    std::fs::create_dir_all(&maps).map_err(|e| Error::io(&maps, e))?;
    let t = Instant::now();
    let drawn = lacuna_render::maps::write_all(&maps, study, coverage, f)?;
    let t_maps = secs(t);
    let mut written = lacuna_render::document::write_reports(out, study, coverage, f, &drawn)?;
    written.extend(drawn);
    let t_all = secs(t);
    timings.push(("maps and report", t_all));
    timings.push(("maps and report/maps", t_maps));
    timings.push(("maps and report/report", t_all - t_maps));
    Ok(written)
}
