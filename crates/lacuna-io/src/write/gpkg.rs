//! `lacuna.gpkg` (`--gpkg`, or `gpkg = true` in a study): the run's map layers in one
//! GeoPackage in the working CRS, for QGIS: `areas` (the columns of `areas.geojson`), and, with
//! the findings, `unserved`, `gaps` and `lottery` (the columns of their GeoJSON files); and
//! `areas.fgb` (`--fgb`, `fgb = true`): the same areas layer as FlatGeobuf.

use std::path::Path;

use geo::{Geometry, InteriorPoint, LineString};

use crate::error::Result;
use crate::gpkg::{ColumnType, OutLayer};
use crate::layer::Value;
use crate::LoadedStudy as Study;
use lacuna_core::metrics::coverage::CoverageRow;
use lacuna_core::metrics::findings::Findings;

use ColumnType::{Integer, Real, Text};

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn num(x: f64) -> Value {
    if x.is_finite() {
        Value::Number(x)
    } else {
        Value::Null
    }
}

fn columns(list: &[(&str, ColumnType)]) -> Vec<(String, ColumnType)> {
    list.iter().map(|(n, t)| (n.to_string(), *t)).collect()
}

/// The areas with their coverage per service type, as `areas.geojson` has them.
fn areas(study: &Study, rows: &[CoverageRow]) -> OutLayer {
    let types = study.service_types.len();
    let mut cols = columns(&[
        ("area_code", Text),
        ("area_name", Text),
        ("group", Text),
        ("area_m2", Real),
        ("population", Real),
    ]);
    for t in &study.service_types {
        for (key, kind) in [
            ("area_share", Real),
            ("population_share", Real),
            ("nearest_m", Real),
            ("providers_within", Integer),
        ] {
            cols.push((format!("{t}_{key}"), kind));
        }
    }
    let features = study
        .areas
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let rs = &rows[i * types..(i + 1) * types];
            let mut v = vec![
                text(&a.code),
                text(&a.name),
                text(&a.group),
                num(a.local.area()),
                rs.first()
                    .and_then(|r| r.population)
                    .map_or(Value::Null, num),
            ];
            for r in rs {
                v.push(num(r.area_share));
                v.push(r.population_share.map_or(Value::Null, num));
                v.push(r.nearest_m.map_or(Value::Null, num));
                v.push(num(r.providers_within as f64));
            }
            (Some(Geometry::MultiPolygon(a.local.shape())), v)
        })
        .collect();
    OutLayer {
        name: "areas".into(),
        description: "Areas and their coverage per service type (as areas.geojson)".into(),
        geometry_type: "MULTIPOLYGON",
        columns: cols,
        features,
    }
}

/// The unserved areas, ranked per service type (as `unserved.geojson`).
fn unserved(study: &Study, f: &Findings) -> OutLayer {
    let by_population = f.services.first().is_some_and(|s| s.access.by_population);
    let uncovered = if by_population {
        "uncovered_population"
    } else {
        "uncovered_area_m2"
    };
    let features = f
        .services
        .iter()
        .flat_map(|s| &s.unserved)
        .map(|u| {
            let a = &study.areas[u.area];
            let v = vec![
                text(&u.service_type),
                num(u.rank as f64),
                text(&a.code),
                text(&a.name),
                text(&a.group),
                num(u.covered_share),
                num(u.uncovered_population),
                num(u.unmet_need),
            ];
            (Some(Geometry::MultiPolygon(a.local.shape())), v)
        })
        .collect();
    OutLayer {
        name: "unserved".into(),
        description: "Unserved areas ranked by unmet need, per service type".into(),
        geometry_type: "MULTIPOLYGON",
        columns: columns(&[
            ("service_type", Text),
            ("rank", Integer),
            ("area_code", Text),
            ("area_name", Text),
            ("group", Text),
            ("covered_share", Real),
            (uncovered, Real),
            ("unmet_need", Real),
        ]),
        features,
    }
}

/// The gap polygons (as `gaps.geojson`).
fn gaps(study: &Study, f: &Findings) -> OutLayer {
    let mut features = Vec::new();
    for sf in &f.services {
        for (k, gap) in sf.gaps.iter().enumerate() {
            let (codes, groups) = super::gap_lists(&study.areas, &gap.areas);
            let v = vec![
                text(&study.service_types[sf.service]),
                num((k + 1) as f64),
                num(gap.area_m2),
                num(gap.population),
                num(codes.len() as f64),
                text(&codes.join(";")),
                text(&groups.join(";")),
            ];
            features.push((Some(Geometry::MultiPolygon(gap.shape.clone())), v));
        }
    }
    OutLayer {
        name: "gaps".into(),
        description: "Connected gaps outside every catchment, per service type".into(),
        geometry_type: "MULTIPOLYGON",
        columns: columns(&[
            ("service_type", Text),
            ("gap", Integer),
            ("area_m2", Real),
            ("population", Real),
            ("n_areas", Integer),
            ("areas", Text),
            ("groups", Text),
        ]),
        features,
    }
}

/// The postcode-lottery pairs as lines between the two areas' interior points (as
/// `lottery.geojson`).
fn lottery(study: &Study, f: &Findings) -> OutLayer {
    let inside = |i: usize| study.areas[i].local.shape().interior_point().map(|p| p.0);
    let features = f
        .services
        .iter()
        .flat_map(|s| &s.pairs)
        .map(|x| {
            let line = inside(x.a)
                .zip(inside(x.b))
                .map(|(a, b)| Geometry::LineString(LineString::new(vec![a, b])));
            let (a, b) = (&study.areas[x.a], &study.areas[x.b]);
            let v = vec![
                text(&x.service_type),
                text(&a.code),
                text(&a.group),
                text(&b.code),
                text(&b.group),
                num(x.difference),
                num(x.score),
            ];
            (line, v)
        })
        .collect();
    OutLayer {
        name: "lottery".into(),
        description: "Postcode-lottery pairs: neighbouring areas in different councils".into(),
        geometry_type: "LINESTRING",
        columns: columns(&[
            ("service_type", Text),
            ("area_a", Text),
            ("group_a", Text),
            ("area_b", Text),
            ("group_b", Text),
            ("difference", Real),
            ("score", Real),
        ]),
        features,
    }
}

/// Writes `lacuna.gpkg` into `out`: the areas, and the findings' layers when `f` has them.
///
/// # Errors
/// When the file cannot be written.
pub fn write_gpkg(
    path: &Path,
    study: &Study,
    rows: &[CoverageRow],
    f: Option<&Findings>,
) -> Result<()> {
    let mut layers = vec![areas(study, rows)];
    if let Some(f) = f {
        layers.extend([unserved(study, f), gaps(study, f), lottery(study, f)]);
    }
    crate::gpkg::write(path, study.working_crs, &layers)
}

/// Writes `areas.fgb` at `path`: the areas layer of `lacuna.gpkg`, as FlatGeobuf in the working
/// CRS.
///
/// # Errors
/// When the file cannot be written.
pub fn write_fgb(path: &Path, study: &Study, rows: &[CoverageRow]) -> Result<()> {
    crate::fgb::write(path, study.working_crs, &areas(study, rows))
}
