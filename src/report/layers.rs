//! `areas.geojson`: the areas in WGS84 (RFC 7946) with their coverage per service type as
//! properties (`<type>_area_share`, `<type>_population_share`, `<type>_nearest_m`,
//! `<type>_providers_within`), ready for QGIS or a web map.
//!
//! Features are formatted in parallel (transforming a national layer back to WGS84 is most of
//! the cost) and written in area order, so the bytes do not depend on the thread count.

use std::fmt::Write as _;
use std::path::Path;

use geo::{Coord, MultiPolygon};
use rayon::prelude::*;
use serde_json::{json, Map};

use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use crate::io::crs::{Transformer, WGS84};
use crate::load::Study;
use crate::metrics::coverage::CoverageRow;

/// Rounds to `d` decimals for output (7 decimals of a degree is about 1 cm).
fn round(x: f64, d: i32) -> f64 {
    let k = 10f64.powi(d);
    (x * k).round() / k
}

fn geometry_json(out: &mut String, shape: &MultiPolygon, t: &Transformer) -> std::result::Result<(), String> {
    out.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
    for (pi, p) in shape.0.iter().enumerate() {
        out.push_str(if pi > 0 { ",[" } else { "[" });
        for (ri, ring) in std::iter::once(p.exterior()).chain(p.interiors()).enumerate() {
            let mut coords: Vec<Coord> = ring.0.clone();
            t.apply(&mut coords)?;
            out.push_str(if ri > 0 { ",[" } else { "[" });
            for (ci, c) in coords.iter().enumerate() {
                let _ = write!(
                    out,
                    "{}[{},{}]",
                    if ci > 0 { "," } else { "" },
                    round(c.x, 7),
                    round(c.y, 7)
                );
            }
            out.push(']');
        }
        out.push(']');
    }
    out.push_str("]}");
    Ok(())
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
    let features: Vec<String> = study
        .areas
        .par_iter()
        .zip(by_area.par_iter())
        .map(|(a, rows)| {
            let mut props = Map::new();
            props.insert("area_code".into(), json!(a.code));
            props.insert("area_name".into(), json!(a.name));
            props.insert("group".into(), json!(a.group));
            props.insert("area_m2".into(), json!(round(a.local.area(), 1)));
            if let Some(p) = rows.first().and_then(|r| r.population) {
                props.insert("population".into(), json!(round(p, 3)));
            }
            for r in rows {
                let t = &r.service_type;
                if r.area_share.is_finite() {
                    props.insert(format!("{t}_area_share"), json!(round(r.area_share, 9)));
                }
                if let Some(s) = r.population_share {
                    props.insert(format!("{t}_population_share"), json!(round(s, 9)));
                }
                if let Some(d) = r.nearest_m {
                    props.insert(format!("{t}_nearest_m"), json!(round(d, 1)));
                }
                props.insert(format!("{t}_providers_within"), json!(r.providers_within));
            }
            let mut s = String::with_capacity(64 * a.local.vertex_count() + 512);
            s.push_str("{\"type\":\"Feature\",\"properties\":");
            s.push_str(&serde_json::Value::Object(props).to_string());
            s.push_str(",\"geometry\":");
            geometry_json(&mut s, &a.shape, &t)
                .map_err(|e| Error::crs(path, format!("area {}: {e}", a.code)))?;
            s.push('}');
            Ok(s)
        })
        .collect::<Result<_>>()?;
    write_atomic(path, |w| {
        w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
        for (i, f) in features.iter().enumerate() {
            if i > 0 {
                w.write_all(b",\n")?;
            }
            w.write_all(f.as_bytes())?;
        }
        w.write_all(b"\n]}\n")
    })
}
