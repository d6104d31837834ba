//! The findings as tables and map layers: `unserved.csv`, `unserved.geojson`, `gaps.geojson`
//! (gap polygons), `access_equity.csv`, `reach.csv`, `network_gaps.csv`,
//! `lottery_pairs.csv`, `groups.csv`, `lottery.geojson`, and `findings.md` with the headline
//! tables in Markdown for a committee paper.

use std::path::{Path, PathBuf};

use geo::InteriorPoint;
use rayon::prelude::*;

use super::layers::{geometry_json, json_string, push_json_string, Wgs84Geometries};
use super::{num, push_num};
use crate::atomic::write_atomic;
use crate::crs::{Transformer, WGS84};
use crate::error::{Error, Result};
use crate::load::LoadedStudy as Study;
use lacuna_core::metrics::coverage::Coverage;
use lacuna_core::metrics::findings::Findings;

fn opt_num(x: Option<f64>, d: u32) -> String {
    x.map(|x| num(x, d)).unwrap_or_default()
}

/// A table's header as it must read: without any population the findings weigh areas by
/// their size, so every `population` column holds square metres and is named `area_m2`.
/// Deciles derived within the study (from a score or rank) are not national deciles, so
/// `need_decile` is named `study_decile` then.
fn relabel(header: &[&str], labels: Labels) -> Vec<String> {
    header
        .iter()
        .map(|h| {
            let h = if labels.by_population {
                (*h).to_string()
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

fn write_csv(path: &Path, header: &[&str], labels: Labels, rows: Vec<Vec<String>>) -> Result<()> {
    write_atomic(path, |w| {
        let mut csv = ::csv::Writer::from_writer(w);
        csv.write_record(relabel(header, labels))?;
        for r in rows {
            csv.write_record(&r)?;
        }
        csv.flush()
    })
}

/// Like [`write_csv`] for long tables: each row is filled into one reused record (text pushed
/// into cleared fields) instead of a vector of new strings per row.
fn write_csv_each<T>(
    path: &Path,
    header: &[&str],
    labels: Labels,
    items: impl Iterator<Item = T>,
    fill: impl Fn(T, &mut [String]),
) -> Result<()> {
    write_atomic(path, |w| {
        let mut csv = ::csv::Writer::from_writer(w);
        csv.write_record(relabel(header, labels))?;
        let mut record = vec![String::new(); header.len()];
        for item in items {
            record.iter_mut().for_each(String::clear);
            fill(item, &mut record);
            csv.write_record(&record)?;
        }
        csv.flush()
    })
}

/// The findings files, by finding.
pub const UNSERVED_FILES: &[&str] = &[
    "unserved.csv",
    "unserved.geojson",
    "gaps.geojson",
    "findings.md",
];
/// Files of the access-equity finding: the only ones that need the equity rows, so the
/// others can be written while those are computed (see
/// [`lacuna_core::metrics::findings::compute_and`]).
pub const EQUITY_FILES: &[&str] = &["access_equity.csv", "findings.md"];
/// Every findings file, in the order [`write_all`] lists them.
pub const ALL_FILES: [&str; 10] = [
    "unserved.csv",
    "access_equity.csv",
    "lottery_pairs.csv",
    "groups.csv",
    "gaps.geojson",
    "unserved.geojson",
    "lottery.geojson",
    "reach.csv",
    "network_gaps.csv",
    "findings.md",
];
/// Files of the network-reach finding.
pub const REACH_FILES: &[&str] = &["reach.csv", "network_gaps.csv"];
/// Files of the postcode-lottery finding.
pub const LOTTERY_FILES: &[&str] = &[
    "lottery_pairs.csv",
    "groups.csv",
    "lottery.geojson",
    "findings.md",
];

/// Writes the findings files into `out` (all of them, or those named in `only`) and returns
/// their paths. Area geometries already in WGS84 (`known`, from `areas.geojson`) are reused;
/// the others are transformed here.
///
/// # Errors
/// When a file cannot be written.
pub fn write_all(
    out: &Path,
    study: &Study,
    coverage: &Coverage,
    f: &Findings,
    only: Option<&[&str]>,
    known: &Wgs84Geometries,
) -> Result<Vec<PathBuf>> {
    let wanted = |name: &str| only.is_none_or(|o| o.contains(&name));
    let by_population = coverage.method != lacuna_core::metrics::coverage::PopulationMethod::None;
    let labels = Labels {
        by_population,
        study_deciles: super::study_deciles(study),
    };
    let types = study.service_types.len();
    let area = |i: usize| &study.areas[i];

    let job_unserved_csv = |p: &Path| -> Result<()> {
        let rows = f
            .services
            .iter()
            .flat_map(|s| s.unserved.iter().map(move |u| (s.service, u)));
        write_csv_each(
            p,
            &[
                "service_type",
                "rank",
                "area_code",
                "area_name",
                "group",
                "group_rank",
                "population",
                "target_population",
                "covered_share",
                "uncovered_population",
                "uncovered_target",
                "need_decile",
                "need_weight",
                "unmet_need",
                "nearest_m",
            ],
            labels,
            rows,
            |(t, u), r| {
                let a = area(u.area);
                let mut int = itoa::Buffer::new();
                r[0].push_str(&u.service_type);
                r[1].push_str(int.format(u.rank));
                r[2].push_str(&a.code);
                r[3].push_str(&a.name);
                r[4].push_str(&a.group);
                r[5].push_str(int.format(u.group_rank));
                push_num(&mut r[6], u.population, 3);
                push_num(&mut r[7], u.target_population, 3);
                push_num(&mut r[8], u.covered_share, 9);
                push_num(&mut r[9], u.uncovered_population, 3);
                push_num(&mut r[10], u.uncovered_target, 3);
                if let Some(d) = u.need_decile {
                    r[11].push_str(int.format(d));
                }
                push_num(&mut r[12], u.need_weight, 6);
                push_num(&mut r[13], u.unmet_need, 3);
                if let Some(n) = coverage.rows[u.area * types + t].nearest_m {
                    push_num(&mut r[14], n, 1);
                }
            },
        )?;
        Ok(())
    };

    let job_access_equity_csv = |p: &Path| -> Result<()> {
        let rows = f
            .services
            .iter()
            .flat_map(|s| &s.equity)
            .map(|e| {
                vec![
                    e.service_type.clone(),
                    e.group.clone(),
                    e.areas.to_string(),
                    num(e.population, 3),
                    num(e.population_meeting_standard, 3),
                    num(e.share_meeting_standard, 9),
                    num(e.zero_access_population, 3),
                    num(e.gini, 9),
                    num(e.theil, 9),
                    opt_num(e.theil_between, 9),
                    opt_num(e.theil_within, 9),
                    opt_num(e.theil_between_share, 9),
                    opt_num(e.between_share_p_value, 6),
                    num(e.concentration_index, 9),
                    num(e.erreygers_index, 9),
                    num(e.ci_low, 9),
                    num(e.ci_high, 9),
                ]
            })
            .collect();
        write_csv(
            p,
            &[
                "service_type",
                "group",
                "areas",
                "population",
                "population_meeting_standard",
                "share_meeting_standard",
                "zero_access_population",
                "gini",
                "theil",
                "theil_between",
                "theil_within",
                "theil_between_share",
                "between_share_p_value",
                "concentration_index",
                "erreygers_index",
                "ci_low",
                "ci_high",
            ],
            labels,
            rows,
        )?;
        Ok(())
    };

    let job_lottery_pairs_csv = |p: &Path| -> Result<()> {
        let rows = f
            .services
            .iter()
            .flat_map(|s| &s.pairs)
            .map(|x| {
                let (a, b) = (area(x.a), area(x.b));
                vec![
                    x.service_type.clone(),
                    a.code.clone(),
                    a.name.clone(),
                    a.group.clone(),
                    b.code.clone(),
                    b.name.clone(),
                    b.group.clone(),
                    num(x.share_a, 9),
                    num(x.share_b, 9),
                    x.need_a.to_string(),
                    x.need_b.to_string(),
                    num(x.difference, 9),
                    num(x.shared_boundary_m, 1),
                    num(x.population_a, 3),
                    num(x.population_b, 3),
                    num(x.score, 3),
                ]
            })
            .collect();
        write_csv(
            p,
            &[
                "service_type",
                "area_a",
                "name_a",
                "group_a",
                "area_b",
                "name_b",
                "group_b",
                "share_a",
                "share_b",
                "need_a",
                "need_b",
                "difference",
                "shared_boundary_m",
                "population_a",
                "population_b",
                "score",
            ],
            labels,
            rows,
        )?;
        Ok(())
    };

    let job_groups_csv = |p: &Path| -> Result<()> {
        let rows = f
            .services
            .iter()
            .flat_map(|s| &s.league)
            .map(|g| {
                vec![
                    g.service_type.clone(),
                    g.rank.to_string(),
                    g.group.clone(),
                    g.areas.to_string(),
                    num(g.population, 3),
                    num(g.covered_population, 3),
                    num(g.coverage, 9),
                    opt_num(g.coverage_most_deprived, 9),
                    opt_num(g.coverage_least_deprived, 9),
                    opt_num(g.need_gap, 9),
                    num(g.uncovered_population, 3),
                    num(g.population_in_unserved_areas, 3),
                ]
            })
            .collect();
        write_csv(
            p,
            &[
                "service_type",
                "rank",
                "group",
                "areas",
                "population",
                "covered_population",
                "coverage",
                "coverage_most_deprived",
                "coverage_least_deprived",
                "need_gap",
                "uncovered_population",
                "population_in_unserved_areas",
            ],
            labels,
            rows,
        )?;
        Ok(())
    };

    let t = Transformer::new(study.working_crs, WGS84).map_err(|e| Error::crs(out, e))?;
    let job_gaps_geojson = |p: &Path| -> Result<()> {
        let mut features = Vec::new();
        for sf in &f.services {
            for (k, gap) in sf.gaps.iter().enumerate() {
                let mut g = String::new();
                let local = lacuna_core::spatial::overlay::LocalPolygon::new(&gap.shape);
                geometry_json(&mut g, &local, &t).map_err(|e| Error::crs(p, e))?;
                let codes: Vec<&str> = gap.areas.iter().map(|&i| area(i).code.as_str()).collect();
                let mut groups: Vec<&str> =
                    gap.areas.iter().map(|&i| area(i).group.as_str()).collect();
                groups.sort_unstable();
                groups.dedup();
                let mut props = format!(
                    "{{\"service_type\":{},\"gap\":{},\"area_m2\":",
                    json_string(&study.service_types[sf.service]),
                    k + 1
                );
                push_num(&mut props, gap.area_m2, 1);
                if gap.population.is_finite() {
                    props.push_str(",\"population\":");
                    push_num(&mut props, gap.population, 3);
                }
                props.push_str(&format!(
                    ",\"n_areas\":{},\"areas\":{},\"groups\":{}}}",
                    codes.len(),
                    json_string(&codes.join(";")),
                    json_string(&groups.join(";"))
                ));
                features.push(format!(
                    "{{\"type\":\"Feature\",\"properties\":{props},\"geometry\":{g}}}"
                ));
            }
        }
        write_feature_collection(p, &study.run_id, &features)?;
        Ok(())
    };

    let job_unserved_geojson = |p: &Path| -> Result<()> {
        let all: Vec<_> = f.services.iter().flat_map(|s| &s.unserved).collect();
        // An area unserved for several services is transformed to WGS84 once, and not at all
        // when `areas.geojson` already did.
        let missing = all
            .iter()
            .map(|u| u.area)
            .filter(|&i| known.get(i).is_none());
        let (slot, shapes) = per_distinct_area(study.areas.len(), missing, |i| {
            let mut g = String::new();
            geometry_json(&mut g, &area(i).local, &t).map_err(|e| Error::crs(p, e))?;
            Ok(g)
        })?;
        let geometry = |i: usize| known.get(i).unwrap_or_else(|| &shapes[slot[i]]);
        // Properties formatted in parallel (a national run lists thousands of areas per
        // service); each feature is then written as its properties, the shared geometry string
        // and a closing brace, so a geometry is never copied into a feature string.
        let props: Vec<String> = all
            .par_iter()
            .map(|u| {
                let a = area(u.area);
                let mut props = String::with_capacity(256);
                props.push_str("{\"type\":\"Feature\",\"properties\":{\"service_type\":");
                push_json_string(&mut props, &u.service_type);
                props.push_str(",\"rank\":");
                props.push_str(itoa::Buffer::new().format(u.rank));
                props.push_str(",\"area_code\":");
                push_json_string(&mut props, &a.code);
                props.push_str(",\"area_name\":");
                push_json_string(&mut props, &a.name);
                props.push_str(",\"group\":");
                push_json_string(&mut props, &a.group);
                props.push_str(",\"covered_share\":");
                push_num(&mut props, u.covered_share, 9);
                props.push_str(if by_population {
                    ",\"uncovered_population\":"
                } else {
                    ",\"uncovered_area_m2\":"
                });
                push_num(&mut props, u.uncovered_population, 3);
                props.push_str(",\"unmet_need\":");
                push_num(&mut props, u.unmet_need, 3);
                props.push_str("},\"geometry\":");
                props
            })
            .collect();
        write_features(p, &study.run_id, all.len(), |w, k| {
            w.write_all(props[k].as_bytes())?;
            w.write_all(geometry(all[k].area).as_bytes())?;
            w.write_all(b"}")
        })
    };

    let job_lottery_geojson = |p: &Path| -> Result<()> {
        let mut features = Vec::new();
        // Each area's interior point once, in parallel: areas recur across pairs and services.
        let ends = f
            .services
            .iter()
            .flat_map(|s| &s.pairs)
            .flat_map(|x| [x.a, x.b]);
        let (slot, points) = per_distinct_area(study.areas.len(), ends, |i| {
            let c = area(i)
                .local
                .shape()
                .interior_point()
                .map(|p| p.0)
                .ok_or_else(|| Error::crs(p, "area without interior point"))?;
            let mut one = [c];
            t.apply(&mut one).map_err(|e| Error::crs(p, e))?;
            Ok(one[0])
        })?;
        for s in &f.services {
            for x in &s.pairs {
                let (pa, pb) = (points[slot[x.a]], points[slot[x.b]]);
                let mut g = String::from("{\"type\":\"LineString\",\"coordinates\":[[");
                for (k, c) in [pa, pb].iter().enumerate() {
                    if k > 0 {
                        g.push_str("],[");
                    }
                    push_num(&mut g, c.x, 7);
                    g.push(',');
                    push_num(&mut g, c.y, 7);
                }
                g.push_str("]]}");
                let mut props = format!(
                "{{\"service_type\":{},\"area_a\":{},\"group_a\":{},\"area_b\":{},\"group_b\":{},\"difference\":",
                json_string(&x.service_type),
                json_string(&area(x.a).code),
                json_string(&area(x.a).group),
                json_string(&area(x.b).code),
                json_string(&area(x.b).group)
            );
                push_num(&mut props, x.difference, 9);
                props.push_str(",\"score\":");
                push_num(&mut props, x.score, 3);
                props.push('}');
                features.push(format!(
                    "{{\"type\":\"Feature\",\"properties\":{props},\"geometry\":{g}}}"
                ));
            }
        }
        write_feature_collection(p, &study.run_id, &features)?;
        Ok(())
    };

    let job_reach_csv = |p: &Path| -> Result<()> {
        write_csv_each(
            p,
            &[
                "level",
                "service_type",
                "network",
                "provider",
                "population",
                "target_population",
                "need_weighted_population",
                "exclusive_population",
                "overlap_population",
                "share_of_target_reached",
            ],
            labels,
            f.reach.iter().flatten(),
            |x, r| {
                r[0].push_str(match (&x.provider, &x.network) {
                    (Some(_), _) => "provider",
                    (None, Some(_)) => "network",
                    (None, None) => "service_type",
                });
                r[1].push_str(&x.service_type);
                r[2].push_str(x.network.as_deref().unwrap_or_default());
                r[3].push_str(x.provider.as_deref().unwrap_or_default());
                push_num(&mut r[4], x.population, 3);
                push_num(&mut r[5], x.target_population, 3);
                push_num(&mut r[6], x.need_weighted_population, 3);
                push_num(&mut r[7], x.exclusive_population, 3);
                push_num(&mut r[8], x.overlap_population, 3);
                push_num(&mut r[9], x.share_of_target_reached, 9);
            },
        )?;
        Ok(())
    };

    let job_network_gaps_csv = |p: &Path| -> Result<()> {
        write_csv_each(
            p,
            &[
                "missing_network",
                "covering_network",
                "area_code",
                "area_name",
                "group",
                "share_missing",
                "share_covering",
                "population",
            ],
            labels,
            f.missed.iter(),
            |m, r| {
                let a = area(m.area);
                r[0].push_str(&f.networks[m.missing].name);
                r[1].push_str(&f.networks[m.covering].name);
                r[2].push_str(&a.code);
                r[3].push_str(&a.name);
                r[4].push_str(&a.group);
                push_num(&mut r[5], m.share_missing, 9);
                push_num(&mut r[6], m.share_covering, 9);
                push_num(&mut r[7], m.population, 3);
            },
        )?;
        Ok(())
    };

    // The files are independent: write them side by side.
    let jobs: [&WriteJob; 9] = [
        &job_unserved_csv,
        &job_access_equity_csv,
        &job_lottery_pairs_csv,
        &job_groups_csv,
        &job_gaps_geojson,
        &job_unserved_geojson,
        &job_lottery_geojson,
        &job_reach_csv,
        &job_network_gaps_csv,
    ];
    let jobs: Vec<(&str, &WriteJob)> = ALL_FILES.into_iter().zip(jobs).collect();
    let done: Vec<Result<PathBuf>> = jobs
        .par_iter()
        .filter(|(name, _)| wanted(name))
        .map(|(name, job)| {
            let p = out.join(name);
            job(&p).map(|()| p)
        })
        .collect();
    done.into_iter().collect()
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

/// Writes one findings file to the path it is given.
type WriteJob<'a> = dyn Fn(&Path) -> Result<()> + Sync + 'a;

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
