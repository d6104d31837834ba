//! `areas.geojson`: the areas in WGS84 (RFC 7946) with their coverage per service type as
//! properties (`<type>_area_share`, `<type>_population_share`, `<type>_nearest_m`,
//! `<type>_providers_within`), ready for QGIS or a web map.
//!
//! Features are formatted in parallel (transforming a national layer back to WGS84 is most of
//! the cost) and written in area order, so the bytes do not depend on the thread count.

use std::cell::RefCell;
use std::path::Path;

use geo::Coord;

use rayon::prelude::*;

use super::push_num;
use crate::atomic::write_atomic;
use crate::crs::{Crs, Transformer, WGS84};
use crate::error::{Error, Result};
use crate::load::LoadedStudy as Study;
use lacuna_core::metrics::coverage::{group_by_area, CoverageRow};
use lacuna_core::spatial::overlay::LocalPolygon;

/// Areas formatted per parallel batch.
const BATCH: usize = 1024;

/// Slots in each thread's cache of transformed vertices (a power of two).
const CACHE_SLOTS: usize = 4096;

/// Recently transformed vertices, per thread: neighbouring areas share their boundary vertices
/// and are usually formatted one after another (areas are in code order, and codes follow
/// geography), so a small direct-mapped cache saves about half of the CRS transforms, the
/// largest cost of writing a national layer. A hit returns the very value the transform gave.
struct VertexCache {
    /// The transform the entries belong to.
    owner: Option<(Crs, Crs)>,
    keys: Vec<(u64, u64)>,
    values: Vec<Coord>,
}

thread_local! {
    static VERTEX_CACHE: RefCell<VertexCache> = const {
        RefCell::new(VertexCache { owner: None, keys: Vec::new(), values: Vec::new() })
    };
}

/// `t.apply(coords)`, through this thread's [`VertexCache`].
fn transform_cached(t: &Transformer, coords: &mut [Coord]) -> std::result::Result<(), String> {
    if t.is_identity() {
        return Ok(());
    }
    VERTEX_CACHE.with_borrow_mut(|cache| {
        let owner = Some((t.from(), t.to()));
        if cache.owner != owner {
            cache.owner = owner;
            // NaN bits never equal a finite input's bits, so empty slots never hit.
            cache.keys = vec![(f64::NAN.to_bits(), f64::NAN.to_bits()); CACHE_SLOTS];
            cache.values = vec![Coord { x: 0.0, y: 0.0 }; CACHE_SLOTS];
        }
        let slot = |k: (u64, u64)| {
            let h = (k.0 ^ k.1.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            (h >> 52) as usize & (CACHE_SLOTS - 1)
        };
        let mut missed: Vec<Coord> = Vec::new();
        let mut missed_at: Vec<usize> = Vec::new();
        for (i, c) in coords.iter_mut().enumerate() {
            let k = (c.x.to_bits(), c.y.to_bits());
            let s = slot(k);
            if cache.keys[s] == k {
                *c = cache.values[s];
            } else {
                missed.push(*c);
                missed_at.push(i);
            }
        }
        if missed.is_empty() {
            return Ok(());
        }
        let inputs = missed.clone();
        t.apply(&mut missed)?;
        for ((&i, input), output) in missed_at.iter().zip(inputs).zip(missed) {
            let k = (input.x.to_bits(), input.y.to_bits());
            let s = slot(k);
            cache.keys[s] = k;
            cache.values[s] = output;
            coords[i] = output;
        }
        Ok(())
    })
}

/// A string as a JSON string literal.
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_string(&mut out, s);
    out
}

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

pub(crate) fn geometry_json(
    out: &mut String,
    shape: &LocalPolygon,
    t: &Transformer,
) -> std::result::Result<(), String> {
    out.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
    for (pi, rings) in shape.world_rings().enumerate() {
        out.push_str(if pi > 0 { ",[" } else { "[" });
        for (ri, mut coords) in rings.into_iter().enumerate() {
            transform_cached(t, &mut coords)?;
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
    // Property names per service type, escaped once.
    let keys: Vec<[String; 4]> = study
        .service_types
        .iter()
        .map(|t| {
            [
                "area_share",
                "population_share",
                "nearest_m",
                "providers_within",
            ]
            .map(|k| json_string(&format!("{t}_{k}")))
        })
        .collect();
    // A feature's bytes, and its geometry string when kept.
    type Feature = (Vec<u8>, Option<String>);
    let feature = |index: usize,
                   a: &lacuna_core::model::Area,
                   rows: &[&CoverageRow]|
     -> std::io::Result<Feature> {
        let mut s = String::with_capacity(
            48 * a.local.vertex_count() + 256 + 160 * study.service_types.len(),
        );
        if index > 0 {
            s.push_str(",\n");
        }
        s.push_str("{\"type\":\"Feature\",\"properties\":{\"area_code\":");
        s.push_str(&json_string(&a.code));
        s.push_str(",\"area_name\":");
        s.push_str(&json_string(&a.name));
        s.push_str(",\"group\":");
        s.push_str(&json_string(&a.group));
        s.push_str(",\"area_m2\":");
        push_num(&mut s, a.local.area(), 1);
        if let Some(p) = rows.first().and_then(|r| r.population) {
            s.push_str(",\"population\":");
            push_num(&mut s, p, 3);
        }
        for r in rows {
            let k = &keys[r.service];
            for (key, value, d) in [
                (&k[0], Some(r.area_share), 9),
                (&k[1], r.population_share, 9),
                (&k[2], r.nearest_m, 1),
                (&k[3], Some(r.providers_within as f64), 0),
            ] {
                if let Some(v) = value.filter(|v| v.is_finite()) {
                    s.push(',');
                    s.push_str(key);
                    s.push(':');
                    push_num(&mut s, v, d);
                }
            }
        }
        s.push_str("},\"geometry\":");
        let start = s.len();
        geometry_json(&mut s, &a.local, &t)
            .map_err(|e| std::io::Error::other(format!("area {}: {e}", a.code)))?;
        let geometry = keep.then(|| s[start..].to_string());
        s.push('}');
        Ok((s.into_bytes(), geometry))
    };
    let kept = std::sync::Mutex::new(vec![
        String::new();
        if keep { study.areas.len() } else { 0 }
    ]);
    write_atomic(path, |w| {
        w.write_all(super::collection_head(&study.run_id).as_bytes())?;
        // Batch by batch: memory stays bounded by two batches.
        let batches = study.areas.chunks(BATCH).zip(by_area.chunks(BATCH));
        super::write_batches(w, batches.enumerate(), |(b, (areas, rows))| {
            let features: Vec<(Vec<u8>, Option<String>)> = areas
                .par_iter()
                .zip(rows.par_iter())
                .enumerate()
                .map(|(i, (a, r))| feature(b * BATCH + i, a, r))
                .collect::<std::io::Result<_>>()?;
            let mut kept = kept
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Ok(features
                .into_iter()
                .enumerate()
                .map(|(i, (bytes, geometry))| {
                    if let Some(g) = geometry {
                        kept[b * BATCH + i] = g;
                    }
                    bytes
                })
                .collect())
        })?;
        w.write_all(b"\n]}\n")
    })?;
    Ok(keep.then(|| {
        Wgs84Geometries(
            kept.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }))
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
            assert_eq!(json_string(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn cached_transform_equals_the_transform_and_follows_its_owner() {
        let pts = vec![
            Coord {
                x: 530_000.0,
                y: 180_000.0,
            },
            Coord {
                x: 383_000.0,
                y: 398_000.0,
            },
            Coord {
                x: 530_000.0,
                y: 180_000.0,
            },
        ];
        let to_wgs = Transformer::new(crate::crs::BNG, WGS84).unwrap();
        let utm = Transformer::new(crate::crs::BNG, Crs(32630)).unwrap();
        for t in [&to_wgs, &utm, &to_wgs] {
            let mut direct = pts.clone();
            t.apply(&mut direct).unwrap();
            // Twice: the second pass is served from the cache.
            for _ in 0..2 {
                let mut cached = pts.clone();
                transform_cached(t, &mut cached).unwrap();
                assert_eq!(cached, direct);
            }
        }
    }
}
