//! `areas.geojson`: the areas in WGS84 (RFC 7946) with their coverage per service type as
//! properties (`<type>_area_share`, `<type>_population_share`, `<type>_nearest_m`), ready for
//! QGIS or a web map.

use std::path::Path;

use geo::{Coord, MultiPolygon};
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use crate::io::crs::{Transformer, WGS84};
use crate::load::Study;
use crate::metrics::coverage::CoverageRow;

fn round7(x: f64) -> Value {
    // 7 decimals of a degree is about 1 cm: more would only add bytes.
    json!((x * 1e7).round() / 1e7)
}

fn rings_json(shape: &MultiPolygon, t: &Transformer) -> std::result::Result<Value, String> {
    let mut polys = Vec::with_capacity(shape.0.len());
    for p in &shape.0 {
        let mut rings = Vec::new();
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            let mut coords: Vec<Coord> = ring.0.clone();
            t.apply(&mut coords)?;
            rings.push(Value::Array(
                coords
                    .iter()
                    .map(|c| Value::Array(vec![round7(c.x), round7(c.y)]))
                    .collect(),
            ));
        }
        polys.push(Value::Array(rings));
    }
    Ok(json!({"type": "MultiPolygon", "coordinates": polys}))
}

/// Writes `areas.geojson`. Rings keep the working CRS's orientation (outer counter-clockwise),
/// as RFC 7946 asks.
///
/// # Errors
/// When the file cannot be written or a coordinate cannot be transformed to WGS84.
pub fn write_areas(path: &Path, study: &Study, rows: &[CoverageRow]) -> Result<()> {
    let t = Transformer::new(study.working_crs, WGS84).map_err(|e| Error::crs(path, e))?;
    let mut by_area: Vec<Vec<&CoverageRow>> = vec![Vec::new(); study.areas.len()];
    for r in rows {
        by_area[r.area].push(r);
    }
    let mut features = Vec::with_capacity(study.areas.len());
    for (a, rows) in study.areas.iter().zip(&by_area) {
        let mut props = Map::new();
        props.insert("area_code".into(), json!(a.code));
        props.insert("area_name".into(), json!(a.name));
        props.insert("group".into(), json!(a.group));
        props.insert(
            "area_m2".into(),
            json!((a.local.area() * 10.0).round() / 10.0),
        );
        if let Some(p) = rows.first().and_then(|r| r.population) {
            props.insert("population".into(), json!((p * 1000.0).round() / 1000.0));
        }
        for r in rows {
            let t = &r.service_type;
            let r9 = |x: f64| (x * 1e9).round() / 1e9;
            props.insert(format!("{t}_area_share"), json!(r9(r.area_share)));
            if let Some(s) = r.population_share {
                props.insert(format!("{t}_population_share"), json!(r9(s)));
            }
            if let Some(d) = r.nearest_m {
                props.insert(format!("{t}_nearest_m"), json!((d * 10.0).round() / 10.0));
            }
            props.insert(format!("{t}_providers_within"), json!(r.providers_within));
        }
        let geometry = rings_json(&a.shape, &t)
            .map_err(|e| Error::crs(path, format!("area {}: {e}", a.code)))?;
        features.push(json!({"type": "Feature", "properties": props, "geometry": geometry}));
    }
    write_atomic(path, |w| {
        w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
        for (i, f) in features.iter().enumerate() {
            if i > 0 {
                w.write_all(b",\n")?;
            }
            serde_json::to_writer(&mut *w, f)?;
        }
        w.write_all(b"\n]}\n")
    })
}
