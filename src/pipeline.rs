//! The whole job: load a study, compute coverage, write the outputs. Shared by `lacuna run` and
//! `lacuna coverage`, which differ only in how they build the [`StudySpec`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use lacuna_core::metrics::coverage::{compute, Coverage};
use lacuna_core::metrics::findings::{self, Findings};
use lacuna_io::config::StudySpec;
use lacuna_io::error::{Error, Result};
use lacuna_io::load::{load, LoadedStudy as Study};
use lacuna_io::outdir::OutputDir;
use lacuna_io::write as report;

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
    /// Every finding.
    All,
    /// Only the files of one finding (`report::findings::UNSERVED_FILES`, ...).
    Only(&'static [&'static str]),
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

/// [`run`] into the staging folder `out`.
fn write_run(spec: &StudySpec, out: &Path, which: FindingsOutput) -> Result<RunOutcome> {
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
    // Each writer formats in parallel but writes its file serially: running both at once keeps
    // the cores busy while the other writes.
    let (csv, layer) = rayon::join(
        || report::tables::write_coverage(&coverage_csv, &study, &coverage.rows),
        || {
            report::layers::write_areas(
                &areas,
                &study,
                &coverage.rows,
                which != FindingsOutput::None,
            )
        },
    );
    csv?;
    let geometries = layer?.unwrap_or_default();
    let mut written = vec![coverage_csv, areas, record.clone()];
    #[cfg(feature = "geoparquet")]
    if spec.geoparquet {
        let p = out.join("areas.parquet");
        lacuna_io::geoparquet::write_areas(&p, &study, &coverage.rows)?;
        written.push(p);
    }
    let t_write = t2.elapsed().as_secs_f64();
    let mut timings = vec![("load", t_load), ("coverage", t_cov), ("write", t_write)];
    let findings = match which {
        FindingsOutput::None => None,
        FindingsOutput::All | FindingsOutput::Only(_) => {
            let t3 = Instant::now();
            let wanted: Vec<&str> = report::findings::ALL_FILES
                .into_iter()
                .filter(|n| match which {
                    FindingsOutput::Only(o) => o.contains(n),
                    _ => true,
                })
                .collect();
            let (late, early): (Vec<&str>, Vec<&str>) = wanted
                .iter()
                .partition(|n| report::findings::EQUITY_FILES.contains(n));
            let write = |f: &findings::Findings, names: &[&str]| {
                let t = Instant::now();
                let files = if names.is_empty() {
                    Ok(Vec::new())
                } else {
                    report::findings::write_all(out, &study, &coverage, f, Some(names), &geometries)
                };
                (files, t.elapsed().as_secs_f64())
            };
            // Files that do not need the equity rows are written while they are computed.
            let (f, (early_files, t_early)) =
                findings::compute_and(&study, &coverage, |f| write(f, &early));
            let (late_files, t_late) = write(&f, &late);
            let mut files = early_files?;
            files.extend(late_files?);
            if wanted.contains(&"findings.md") {
                let p = out.join("findings.md");
                let md = lacuna_render::document::findings_markdown(&study, &coverage, &f);
                lacuna_io::atomic::write_atomic(&p, |w| w.write_all(md.as_bytes()))?;
                files.push(p);
            }
            let rank = |p: &PathBuf| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                report::findings::ALL_FILES.iter().position(|&n| n == name)
            };
            files.sort_by_key(rank);
            written.extend(files);
            drop(geometries);
            timings.push(("findings", t3.elapsed().as_secs_f64()));
            timings.extend(f.timings.iter().copied());
            timings.push(("findings/write files", t_early + t_late));
            if which == FindingsOutput::All {
                let maps = out.join("maps");
                std::fs::create_dir_all(&maps).map_err(|e| Error::io(&maps, e))?;
                let t4 = Instant::now();
                let drawn = lacuna_render::maps::write_all(&maps, &study, &coverage, &f)?;
                let t_maps = t4.elapsed().as_secs_f64();
                written.extend(lacuna_render::document::write_reports(
                    out, &study, &coverage, &f, &drawn,
                )?);
                written.extend(drawn);
                let t_all = t4.elapsed().as_secs_f64();
                timings.push(("maps and report", t_all));
                timings.push(("maps and report/maps", t_maps));
                timings.push(("maps and report/report", t_all - t_maps));
            }
            Some(f)
        }
    };
    let outputs = lacuna_io::provenance::manifest(out)?;
    report::run_record::write_run_record(&record, &study, &coverage, &timings, &outputs)?;
    Ok(RunOutcome {
        study,
        coverage,
        findings,
        written,
        timings,
    })
}
