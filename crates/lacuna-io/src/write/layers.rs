//! `areas.geojson`: the areas in WGS84 (RFC 7946) with their coverage per service type as
//! properties (`<type>_area_share`, `<type>_population_share`, `<type>_nearest_m`,
//! `<type>_providers_within`), ready for QGIS or a web map.
//!
//! Features are formatted in parallel (transforming a national layer back to WGS84 is most of
//! the cost) and written in area order, so the bytes do not depend on the thread count.

use std::path::Path;

use rayon::prelude::*;

use super::push_num;
use crate::atomic::write_atomic;
use crate::crs::{Transformer, WGS84};
use crate::error::{Error, Result};
use crate::load::LoadedStudy as Study;
use lacuna_core::metrics::coverage::{group_by_area, CoverageRow};
use lacuna_core::spatial::overlay::LocalPolygon;

/// Areas formatted per parallel batch.
const BATCH: usize = 1024;

/// Appends `s` as a JSON string literal, exactly as `serde_json` writes it. Codes and names
/// rarely hold a character JSON escapes (a quote, a backslash, a control character), so those
/// are copied as they are and only the others go through `serde_json`.
pub(crate) fn push_json_string(out: &mut String, s: &str) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(&serde_json::to_string(s).expect("a string always serialises"));
    } else {
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

/// A GeoJSON feature as the layers write it: its properties in the order added (strings escaped
/// as `serde_json` escapes them, numbers by [`push_num`]), then its geometry.
pub(crate) struct FeatureText(String);

impl FeatureText {
    pub(crate) fn new() -> Self {
        FeatureText(String::from("{\"type\":\"Feature\",\"properties\":{"))
    }

    fn key(&mut self, key: &str) -> &mut String {
        if !self.0.ends_with('{') {
            self.0.push(',');
        }
        push_json_string(&mut self.0, key);
        self.0.push(':');
        &mut self.0
    }

    pub(crate) fn text(&mut self, key: &str, value: &str) -> &mut Self {
        push_json_string(self.key(key), value);
        self
    }

    pub(crate) fn num(&mut self, key: &str, value: f64, decimals: u32) -> &mut Self {
        push_num(self.key(key), value, decimals);
        self
    }

    /// The text so far with the geometry's key: the geometry and a closing brace follow.
    pub(crate) fn geometry(mut self) -> String {
        self.0.push_str("},\"geometry\":");
        self.0
    }
}

pub(crate) fn geometry_json(
    out: &mut String,
    shape: &LocalPolygon,
    t: &Transformer,
) -> std::result::Result<(), String> {
    out.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
    for (pi, rings) in shape.world_rings().enumerate() {
        out.push_str(if pi > 0 { ",[" } else { "[" });
        for (ri, mut coords) in rings.into_iter().enumerate() {
            t.apply(&mut coords)?;
            out.push_str(if ri > 0 { ",[" } else { "[" });
            for (ci, c) in coords.iter().enumerate() {
                out.push_str(if ci > 0 { ",[" } else { "[" });
                push_num(out, c.x, 7);
                out.push(',');
                push_num(out, c.y, 7);
                out.push(']');
            }
            out.push(']');
        }
        out.push(']');
    }
    out.push_str("]}");
    Ok(())
}

/// Each area's geometry as GeoJSON in WGS84, exactly as `areas.geojson` has it: kept by
/// [`write_areas`] for the findings' layers, so that they do not transform the same areas again
/// (on the national bench `unserved.geojson` repeats 15,000 of them).
#[derive(Debug, Clone, Default)]
pub struct Wgs84Geometries(Vec<String>);

impl Wgs84Geometries {
    /// Area `i`'s geometry; `None` when it was not kept.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.0.get(i).map(String::as_str)
    }
}

/// Writes `areas.geojson`. Coordinates have 7 decimals (about 1 cm). Rings keep the working
/// CRS's orientation (outer counter-clockwise), as RFC 7946 asks. With `keep`, also returns
/// every area's geometry string (see [`Wgs84Geometries`]).
///
/// # Errors
/// When the file cannot be written or a coordinate cannot be transformed to WGS84.
pub fn write_areas(
    path: &Path,
    study: &Study,
    rows: &[CoverageRow],
    keep: bool,
) -> Result<Option<Wgs84Geometries>> {
    let t = Transformer::new(study.working_crs, WGS84).map_err(|e| Error::crs(path, e))?;
    let (start, ids) = group_by_area(study.areas.len(), rows.iter().map(|r| Some(r.area)));
    let flat: Vec<&CoverageRow> = ids.iter().map(|&i| &rows[i]).collect();
    let by_area: Vec<&[&CoverageRow]> = start.windows(2).map(|w| &flat[w[0]..w[1]]).collect();
    // A feature's bytes, and its geometry string when kept.
    type Feature = (Vec<u8>, Option<String>);
    let feature =
        |a: &lacuna_core::model::Area, rows: &[&CoverageRow]| -> std::io::Result<Feature> {
            let mut f = FeatureText::new();
            f.text("area_code", &a.code)
                .text("area_name", &a.name)
                .text("group", &a.group)
                .num("area_m2", a.local.area(), 1);
            if let Some(p) = rows.first().and_then(|r| r.population) {
                f.num("population", p, 3);
            }
            for r in rows {
                let t = &study.service_types[r.service];
                for (key, value, d) in [
                    ("area_share", Some(r.area_share), 9),
                    ("population_share", r.population_share, 9),
                    ("nearest_m", r.nearest_m, 1),
                    ("providers_within", Some(r.providers_within as f64), 0),
                ] {
                    if let Some(v) = value.filter(|v| v.is_finite()) {
                        f.num(&format!("{t}_{key}"), v, d);
                    }
                }
            }
            let mut s = f.geometry();
            let start = s.len();
            geometry_json(&mut s, &a.local, &t)
                .map_err(|e| std::io::Error::other(format!("area {}: {e}", a.code)))?;
            let geometry = keep.then(|| s[start..].to_string());
            s.push('}');
            Ok((s.into_bytes(), geometry))
        };
    let mut kept = vec![String::new(); if keep { study.areas.len() } else { 0 }];
    write_atomic(path, |w| {
        w.write_all(super::collection_head(&study.run_id).as_bytes())?;
        // Batch by batch, so memory holds one batch of formatted features, not the layer.
        let batches = study.areas.chunks(BATCH).zip(by_area.chunks(BATCH));
        for (b, (areas, rows)) in batches.enumerate() {
            let features: Vec<Feature> = areas
                .par_iter()
                .zip(rows)
                .map(|(a, r)| feature(a, r))
                .collect::<std::io::Result<_>>()?;
            for (i, (bytes, geometry)) in features.into_iter().enumerate() {
                if b + i > 0 {
                    w.write_all(b",\n")?;
                }
                w.write_all(&bytes)?;
                if let Some(g) = geometry {
                    kept[b * BATCH + i] = g;
                }
            }
        }
        w.write_all(b"\n]}\n")
    })?;
    Ok(keep.then_some(Wgs84Geometries(kept)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_written_as_serde_json_writes_them() {
        for s in [
            "",
            "E09000007",
            "Camden 001A",
            "Bury's \"East\" ward",
            "back\\slash/slash",
            "tab\there\nline\r\u{1}\u{1f}\u{7f}",
            "Ynys Môn – Llŷn 😀",
        ] {
            let mut out = String::new();
            push_json_string(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }
}
