//! Study inputs made from the network's own data, for regions without official files: provider
//! points from OpenStreetMap tags (`[[providers]] osm = "amenity=pharmacy"`), population points
//! from OpenStreetMap buildings or addresses scaled to a given total (`[points] osm =
//! "building=*"`, a proxy: every building counts the same), and areas as a regular hexagon grid
//! over the streets (`[areas] hex_m = 500`). Each is returned as a [`Layer`], so the rest of
//! the loader treats it as any file.

use std::path::Path;

use geo::{Coord, Geometry, LineString, Point, Polygon};

use super::profile::{Profile, Speeds};
use crate::crs::{Crs, WGS84};
use crate::error::{Error, Result};
use crate::layer::{Layer, RawFeature};
use lacuna_core::value::Value;

/// `amenity=pharmacy`, or several separated by commas (`amenity=doctors,healthcare=doctor`);
/// `building=*` for any value.
///
/// # Errors
/// When a part has no `=`.
pub fn parse_tags(text: &str) -> Result<Vec<(String, String)>> {
    text.split(',')
        .map(|part| {
            let (k, v) = part.trim().split_once('=').ok_or_else(|| {
                Error::Config(format!(
                    "osm = {text:?}: write a tag as key=value (amenity=pharmacy), several \
                     separated by commas, or key=* for any value"
                ))
            })?;
            Ok((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

/// The nodes and ways of the PBF at `path` carrying `tags`, as points (a way at its nodes'
/// mean), with columns `id` (`node/ID`, `way/ID`) and `name`.
///
/// # Errors
/// When the file cannot be read or the tag is malformed.
pub fn tagged_points(path: &Path, tags: &str) -> Result<Layer> {
    let wanted = parse_tags(tags)?;
    let (_, found, _) = super::osm::read(path, &[], &Speeds::default(), &wanted)?;
    let features: Vec<RawFeature> = found
        .into_iter()
        .enumerate()
        .map(|(i, t)| RawFeature {
            position: i,
            geometry: Some(Geometry::Point(Point(t.at))),
            values: vec![Value::Text(t.id), t.name.map_or(Value::Null, Value::Text)],
            fixed: None,
        })
        .collect();
    let note = format!(
        "{} OpenStreetMap feature(s) tagged {tags} (nodes as they are, buildings and other \
         ways at their nodes' mean)",
        features.len()
    );
    let columns = vec!["id".into(), "name".into()];
    let (source, notes) = ("OpenStreetMap PBF (WGS84)", vec![note]);
    let layer = Layer::features(path, WGS84, source, columns, features, vec![], notes);
    Ok(layer)
}

/// Population points from the features of the PBF at `path` carrying `tags` (buildings,
/// addresses), each standing for `total / n` people, or for 1 when no total is given.
///
/// # Errors
/// When the file cannot be read, the tag is malformed or nothing carries it.
pub fn proxy_points(path: &Path, tags: &str, total: Option<f64>) -> Result<Layer> {
    let mut layer = tagged_points(path, tags)?;
    let n = layer.features.len();
    if n == 0 {
        return Err(Error::Format {
            path: path.to_path_buf(),
            message: format!("no OpenStreetMap feature is tagged {tags}: no population points"),
        });
    }
    if let Some(total) = total {
        let each = total / n as f64;
        for f in &mut layer.features {
            f.values.push(Value::Number(each));
        }
        layer.columns.push("population".into());
        layer.notes.push(format!(
            "population proxy: {total} people spread evenly over the {n} features ({each:.3} each)"
        ));
    }
    Ok(layer)
}

/// A hexagon grid (pointy-top, `hex_m` across the flats) over the street nodes of the network
/// `path` for `profiles`, in `working` (or the CRS chosen for the network's extent when None):
/// every hexagon holding a node of some profile's streets. Vertices sit on one lattice, so
/// neighbours share their corners exactly.
///
/// # Errors
/// When the network cannot be read.
pub fn hex_areas(
    spec: &super::NetworkSpec,
    profiles: &[Profile],
    working: Option<Crs>,
    hex_m: f64,
) -> Result<Layer> {
    let crs = match working {
        Some(c) => c,
        None => Crs::working_for(super::wgs84_extent(spec, profiles)?),
    };
    let (graphs, _) = super::read(spec, profiles, crs)?;
    let nodes: Vec<Coord> = graphs
        .values()
        .flat_map(|g| g.nodes.iter().copied())
        .collect();
    let min_x = nodes.iter().map(|c| c.x).fold(f64::INFINITY, f64::min);
    let min_y = nodes.iter().map(|c| c.y).fold(f64::INFINITY, f64::min);
    let half_w = hex_m / 2.0;
    let r = hex_m / 3f64.sqrt();
    // Lattice origin a hexagon below and left of every node; x = x0 + k w/2, y = y0 + m R/2.
    let (x0, y0) = (
        (min_x / hex_m).floor() * hex_m - hex_m,
        (min_y / hex_m).floor() * hex_m - hex_m,
    );
    let centre = |row: i64, col: i64| Coord {
        x: x0 + (2 * col + (row & 1) + 1) as f64 * half_w,
        y: y0 + (3 * row) as f64 * r / 2.0,
    };
    let mut cells: Vec<(i64, i64)> = nodes
        .iter()
        .map(|p| {
            let row = ((p.y - y0) / (1.5 * r)).round() as i64;
            let mut best = (f64::INFINITY, 0, 0);
            for rr in row - 1..=row + 1 {
                let col = ((p.x - x0) / hex_m - 0.5 - 0.5 * (rr & 1) as f64).round() as i64;
                for cc in col - 1..=col + 1 {
                    let c = centre(rr, cc);
                    let d = (c.x - p.x).powi(2) + (c.y - p.y).powi(2);
                    if d < best.0 {
                        best = (d, rr, cc);
                    }
                }
            }
            (best.1, best.2)
        })
        .collect();
    cells.sort_unstable();
    cells.dedup();
    let vertex = |k: i64, m: i64| Coord {
        x: x0 + k as f64 * half_w,
        y: y0 + m as f64 * r / 2.0,
    };
    let features: Vec<RawFeature> = cells
        .iter()
        .enumerate()
        .map(|(i, &(row, col))| {
            let (k, m) = (2 * col + (row & 1) + 1, 3 * row);
            let ring: Vec<Coord> = [(0, -2), (1, -1), (1, 1), (0, 2), (-1, 1), (-1, -1), (0, -2)]
                .iter()
                .map(|&(dk, dm)| vertex(k + dk, m + dm))
                .collect();
            let code = format!("HEX_{row}_{col}");
            RawFeature {
                position: i,
                geometry: Some(Geometry::Polygon(Polygon::new(LineString(ring), vec![]))),
                values: vec![Value::Text(code.clone()), Value::Text(code)],
                fixed: None,
            }
        })
        .collect();
    let notes = vec![format!(
        "areas: {} hexagons {hex_m} m across (each {:.0} m²) holding the network's streets",
        features.len(),
        3f64.sqrt() / 2.0 * hex_m * hex_m
    )];
    let columns = vec!["code".into(), "name".into()];
    let source = "hexagon grid made in the working CRS";
    let layer = Layer::features(&spec.path, crs, source, columns, features, vec![], notes);
    Ok(layer)
}
