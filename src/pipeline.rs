//! The whole job: load a study, compute coverage, write the outputs. Shared by `lacuna run` and
//! `lacuna coverage`, which differ only in how they build the [`StudySpec`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::config::StudySpec;
use crate::error::{Error, Result};
use crate::load::{load, Study};
use crate::metrics::coverage::{compute, Coverage};
use crate::report;

/// What a finished run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// The loaded study (inputs, counts, warnings).
    pub study: Study,
    /// The coverage computed and written.
    pub coverage: Coverage,
    /// The files written.
    pub written: Vec<PathBuf>,
    /// Seconds spent per stage.
    pub timings: Vec<(&'static str, f64)>,
}

/// Runs a study and writes `coverage.csv`, `areas.geojson` and `run.json` into `out`.
///
/// # Errors
/// Any loading error (see [`load`]), or when an output cannot be written.
pub fn run(spec: &StudySpec, out: &Path) -> Result<RunOutcome> {
    let t0 = Instant::now();
    let study = load(spec)?;
    let t_load = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let coverage = compute(&study);
    let t_cov = t1.elapsed().as_secs_f64();
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let t2 = Instant::now();
    let coverage_csv = out.join("coverage.csv");
    let areas = out.join("areas.geojson");
    let record = out.join("run.json");
    report::tables::write_coverage(&coverage_csv, &study, &coverage.rows)?;
    report::layers::write_areas(&areas, &study, &coverage.rows)?;
    let t_write = t2.elapsed().as_secs_f64();
    let timings = vec![("load", t_load), ("coverage", t_cov), ("write", t_write)];
    report::run_record::write_run_record(&record, &study, &coverage, &timings)?;
    Ok(RunOutcome {
        study,
        coverage,
        written: vec![coverage_csv, areas, record],
        timings,
    })
}
