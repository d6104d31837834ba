//! The findings as tables and map layers, one submodule per finding: each [`Finding`] has its
//! files ([`files`]) and one writer per file. `findings.md` is the report's (lacuna-render).

mod access;
mod bundles;
mod equity;
mod hotspots;
mod lottery;
mod reach;
mod scenario;
mod sites;
mod unserved;

use std::path::{Path, PathBuf};

use geo::InteriorPoint;
use rayon::prelude::*;

use super::layers::{geometry_json, FeatureText, Wgs84Geometries};
use super::{num, opt, push_num};
use crate::atomic::write_atomic;
use crate::crs::{Transformer, WGS84};
use crate::error::{Error, Result};
use crate::load::LoadedStudy as Study;
use lacuna_core::metrics::coverage::Coverage;
use lacuna_core::metrics::findings::{Finding, Findings};

/// A yes/no column: "1" or "0".
fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.to_string()
}

/// A need decile, empty when the area has none.
fn decile(d: Option<u8>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// A table's header as it must read: without any population the findings weigh areas by
/// their size, so every `population` column holds square metres and is named `area_m2`.
/// Deciles derived within the study (from a score or rank) are not national deciles, so
/// `need_decile` is named `study_decile` then.
fn relabel(header: &str, labels: Labels) -> Vec<String> {
    header
        .split(',')
        .map(|h| {
            let h = if labels.by_population {
                h.to_string()
            } else {
                h.replace("population", "area_m2")
            };
            if labels.study_deciles && h == "need_decile" {
                "study_decile".to_string()
            } else {
                h
            }
        })
        .collect()
}

/// How a table's columns are named (see [`relabel`]).
#[derive(Debug, Clone, Copy)]
struct Labels {
    by_population: bool,
    study_deciles: bool,
}

fn write_csv(path: &Path, header: &str, labels: Labels, rows: Vec<Vec<String>>) -> Result<()> {
    write_atomic(path, |w| {
        let mut csv = ::csv::Writer::from_writer(w);
        csv.write_record(relabel(header, labels))?;
        for r in rows {
            csv.write_record(&r)?;
        }
        csv.flush()
    })
}

/// Writes one file of a finding to the path it is given.
type Writer = fn(&Ctx, &Path) -> Result<()>;

/// The files of `finding`, each with its writer, in the order runs list them.
fn writers(finding: Finding) -> &'static [(&'static str, Writer)] {
    match finding {
        Finding::Unserved => &[
            ("unserved.csv", unserved::unserved_csv),
            ("unserved.geojson", unserved::unserved_geojson),
            ("gaps.geojson", unserved::gaps_geojson),
        ],
        Finding::Equity => &[
            ("access_equity.csv", equity::access_equity_csv),
            ("equity_deciles.csv", equity::equity_deciles_csv),
        ],
        Finding::Lottery => &[
            ("lottery_pairs.csv", lottery::lottery_pairs_csv),
            ("groups.csv", lottery::groups_csv),
            ("lottery.geojson", lottery::lottery_geojson),
        ],
        Finding::Reach => &[
            ("reach.csv", reach::reach_csv),
            ("network_gaps.csv", reach::network_gaps_csv),
            ("critical_providers.csv", reach::critical_providers_csv),
        ],
        Finding::Access => &[
            ("access.csv", access::access_csv),
            ("access_summary.csv", access::access_summary_csv),
        ],
        Finding::Scenario => &[
            ("scenario.csv", scenario::scenario_csv),
            ("scenario_summary.csv", scenario::scenario_summary_csv),
            ("scenario_coverage.csv", scenario::scenario_coverage_csv),
            ("scenario_providers.csv", scenario::scenario_providers_csv),
        ],
        Finding::Hotspots => &[
            ("hotspots.csv", hotspots::hotspots_csv),
            ("hotspots_weights.gal", hotspots::hotspots_weights_gal),
        ],
        Finding::Sites => &[
            ("sites.csv", sites::sites_csv),
            ("sites.geojson", sites::sites_geojson),
        ],
        Finding::Bundles => &[
            ("bundles.csv", bundles::bundles_csv),
            ("bundles_summary.csv", bundles::bundles_summary_csv),
        ],
    }
}

/// The names of the files `finding` writes.
pub fn files(finding: Finding) -> impl Iterator<Item = &'static str> {
    writers(finding).iter().map(|(name, _)| *name)
}

/// What every writer reads.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    study: &'a Study,
    coverage: &'a Coverage,
    f: &'a Findings,
    /// Area geometries already in WGS84 (from `areas.geojson`), reused.
    known: &'a Wgs84Geometries,
    labels: Labels,
    to_wgs84: &'a Transformer,
}

/// Writes the files of `finding` into `out` and returns their paths. Area geometries already
/// in WGS84 (`known`, from `areas.geojson`) are reused; the others are transformed here.
///
/// # Errors
/// When a file cannot be written.
pub fn write(
    finding: Finding,
    out: &Path,
    study: &Study,
    coverage: &Coverage,
    f: &Findings,
    known: &Wgs84Geometries,
) -> Result<Vec<PathBuf>> {
    let to_wgs84 = Transformer::new(study.working_crs, WGS84).map_err(|e| Error::crs(out, e))?;
    let cx = Ctx {
        study,
        coverage,
        f,
        known,
        labels: Labels {
            by_population: coverage.method
                != lacuna_core::metrics::coverage::PopulationMethod::None,
            study_deciles: super::study_deciles(study),
        },
        to_wgs84: &to_wgs84,
    };
    // The files are independent: write them side by side.
    writers(finding)
        .par_iter()
        .map(|(name, write)| {
            let p = out.join(name);
            write(&cx, &p).map(|()| p)
        })
        .collect()
}

/// `make(i)` for each distinct area among `areas`, in parallel; the value for area `i` is
/// `values[slot[i]]`.
fn per_distinct_area<T: Send>(
    count: usize,
    areas: impl Iterator<Item = usize>,
    make: impl Fn(usize) -> Result<T> + Sync,
) -> Result<(Vec<usize>, Vec<T>)> {
    let mut distinct: Vec<usize> = areas.collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut slot = vec![usize::MAX; count];
    for (k, &i) in distinct.iter().enumerate() {
        slot[i] = k;
    }
    let values = distinct
        .par_iter()
        .map(|&i| make(i))
        .collect::<Result<_>>()?;
    Ok((slot, values))
}

fn write_feature_collection(path: &Path, run_id: &str, features: &[String]) -> Result<()> {
    write_features(path, run_id, features.len(), |w, i| {
        w.write_all(features[i].as_bytes())
    })
}

/// Writes a FeatureCollection of `count` features, feature i written by `feature(w, i)`.
fn write_features(
    path: &Path,
    run_id: &str,
    count: usize,
    feature: impl Fn(&mut (dyn std::io::Write + Send), usize) -> std::io::Result<()>,
) -> Result<()> {
    write_atomic(path, |w| {
        w.write_all(super::collection_head(run_id).as_bytes())?;
        for i in 0..count {
            if i > 0 {
                w.write_all(b",\n")?;
            }
            feature(w, i)?;
        }
        w.write_all(b"\n]}\n")
    })
}
