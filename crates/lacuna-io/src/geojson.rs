//! GeoJSON reader: RFC 7946 (WGS84 longitude/latitude) and the legacy `crs` member
//! (`urn:ogc:def:crs:EPSG::27700`) that ogr2ogr still writes.
//!
//! FeatureCollections go through the lean serde reader in `geojson_fast`; a single Feature or bare
//! Geometry through the geojson crate. The geojson crate's streaming `FeatureReader` is not used:
//! it fails when a `"bbox"` key precedes `"features"` (georust/geojson#207).

use std::path::Path;

use ::geojson::GeoJson;

use super::{crs::Crs, implied_wgs84, resolve_crs, Layer, RawFeature, ReadOptions};
use crate::error::{Error, Result};

type Parts = (
    Option<serde_json::Value>,
    Vec<String>,
    Vec<RawFeature>,
    Vec<super::Skipped>,
);

/// A single Feature or bare Geometry document, through the geojson crate.
fn read_other(path: &Path, bytes: &[u8]) -> std::result::Result<Parts, serde_json::Error> {
    let doc: GeoJson = serde_json::from_slice(bytes)?;
    let (feature, crs) = match doc {
        GeoJson::Feature(f) => {
            let crs = f
                .foreign_members
                .as_ref()
                .and_then(|m| m.get("crs").cloned());
            (f, crs)
        }
        GeoJson::Geometry(g) => {
            let crs = g
                .foreign_members
                .as_ref()
                .and_then(|m| m.get("crs").cloned());
            (::geojson::Feature::from(g), crs)
        }
        GeoJson::FeatureCollection(_) => unreachable!("handled by the fast reader"),
    };
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for (k, v) in feature.properties.unwrap_or_default() {
        columns.push(k);
        values.push(crate::value_from_json(v));
    }
    let mut skipped = Vec::new();
    let geometry = match feature.geometry.map(geo::Geometry::<f64>::try_from) {
        None => None,
        Some(Ok(g)) => Some(g),
        Some(Err(e)) => {
            let reason = format!("geometry could not be read: {e}");
            skipped.push(super::Skipped::new(path.display(), "feature 0", reason));
            None
        }
    };
    let f = RawFeature {
        position: 0,
        geometry,
        values,
        fixed: None,
    };
    Ok((crs, columns, vec![f], skipped))
}

/// Reads a GeoJSON file (FeatureCollection, Feature or bare Geometry).
///
/// # Examples
/// The demo's libraries: points in WGS84 (RFC 7946), with a `name` property.
/// ```
/// use std::path::Path;
/// use lacuna_io::{crs::WGS84, geojson, ReadOptions};
///
/// let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/libraries.geojson");
/// let layer = geojson::read(&path, &ReadOptions::default())?;
/// assert_eq!(layer.crs, Some(WGS84));
/// assert_eq!(layer.features.len(), 7);
/// let name = layer.column_index("name").expect("a name column");
/// assert_eq!(layer.features[0].values[name].as_text().as_deref(), Some("Demo Library 1"));
/// assert!(matches!(layer.features[0].geometry, Some(geo::Geometry::Point(_))));
/// # Ok::<(), lacuna_io::Error>(())
/// ```
///
/// # Errors
/// When the file cannot be read or parsed (with the line and column of a syntax error), when its
/// `crs` member names an unknown CRS, or when it conflicts with `--crs`.
pub fn read(path: &Path, opts: &ReadOptions) -> Result<Layer> {
    let (crs_member, columns, features, skipped) = read_whole(path)?;
    finish(path, opts, crs_member, columns, features, skipped)
}

/// The whole file read and parsed (any GeoJSON document), with exact error positions.
fn read_whole(path: &Path) -> Result<Parts> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::format(
            path,
            "the file is empty (0 features): nothing to read",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    // Does the error point at the very end of the file (a cut-off download or copy)?
    let trimmed_end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let at_end = |e: &serde_json::Error| {
        let offset: usize = bytes
            .split(|b| *b == b'\n')
            .take(e.line().saturating_sub(1))
            .map(|l| l.len() + 1)
            .sum::<usize>()
            + e.column();
        offset >= trimmed_end
    };
    let parse_error = |e: serde_json::Error| {
        let hint = if e.is_eof() || at_end(&e) {
            " (the file ends early: was it truncated while copying or downloading?)"
        } else {
            ""
        };
        Error::format(path, format!("not valid GeoJSON: {e}{hint}"))
    };
    let fast = super::geojson_fast::parse(bytes).map_err(parse_error)?;
    let (crs_member, columns, features, skipped) = match fast.kind.as_deref() {
        Some("FeatureCollection") => (
            fast.crs,
            fast.columns,
            fast.features,
            super::geojson_fast::skipped(path, fast.skipped),
        ),
        Some("Feature")
        | Some("Point")
        | Some("MultiPoint")
        | Some("LineString")
        | Some("MultiLineString")
        | Some("Polygon")
        | Some("MultiPolygon")
        | Some("GeometryCollection") => read_other(path, bytes).map_err(parse_error)?,
        Some(other) => {
            return Err(Error::format(
                path,
                format!("GeoJSON type {other:?} is not a FeatureCollection, Feature or Geometry"),
            ))
        }
        None => {
            return Err(Error::format(
                path,
                "not GeoJSON: the top-level object has no \"type\" member",
            ))
        }
    };
    Ok((crs_member, columns, features, skipped))
}

fn finish(
    path: &Path,
    opts: &ReadOptions,
    crs_member: Option<serde_json::Value>,
    columns: Vec<String>,
    features: Vec<RawFeature>,
    skipped: Vec<super::Skipped>,
) -> Result<Layer> {
    let declared = match crs_member.as_ref() {
        None => None,
        Some(member) => {
            let name = member
                .pointer("/properties/name")
                .and_then(|v| v.as_str())
                .or_else(|| member.pointer("/properties/code").and_then(|v| v.as_str()));
            let Some(name) = name else {
                return Err(Error::crs(
                    path,
                    format!("the crs member {member} has no properties.name: remove it or use a named CRS"),
                ));
            };
            match Crs::parse(name) {
                Some(c) => Some((c, format!("declared in the file's crs member ({name})"))),
                None => {
                    return Err(Error::crs(
                        path,
                        format!(
                            "the crs member names {name:?}, which this tool does not recognise; \
                             reproject to EPSG:4326 or EPSG:27700"
                        ),
                    ))
                }
            }
        }
    };
    let mut notes = Vec::new();
    let (crs, crs_source) = match declared {
        Some(d) => resolve_crs(path, Some(d), opts, None, "")?,
        None => implied_wgs84(&features, opts, "no crs member (RFC 7946)", &mut notes),
    };
    notes.insert(0, format!("CRS {crs}: {crs_source}"));
    let layer = Layer::features(path, crs, crs_source, columns, features, skipped, notes);
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::BNG;
    use std::io::Write;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new()
            .suffix(".geojson")
            .tempfile()
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn legacy_crs_member_and_properties() {
        let f = write(
            r#"{"type":"FeatureCollection","bbox":[0,0,1,1],
            "crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::27700"}},
            "features":[{"type":"Feature","properties":{"code":"A","pop":"1,200"},
              "geometry":{"type":"Polygon","coordinates":[[[0,0],[100,0],[100,100],[0,0]]]}},
              {"type":"Feature","properties":{"code":"B","extra":2},"geometry":null}]}"#,
        );
        let layer = read(f.path(), &ReadOptions::default()).unwrap();
        assert_eq!(layer.crs, Some(BNG));
        assert_eq!(layer.columns, vec!["code", "pop", "extra"]);
        assert_eq!(layer.features.len(), 2);
        assert_eq!(layer.features[0].values[1].as_number(), Ok(Some(1200.0)));
        assert_eq!(layer.features[0].values[2], crate::Value::Null);
        assert!(layer.features[1].geometry.is_none());
    }

    #[test]
    fn conflicting_crs_flag_is_an_error() {
        let f = write(
            r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:27700"}},"features":[]}"#,
        );
        let opts = ReadOptions {
            crs: Some(crate::crs::WGS84),
            ..Default::default()
        };
        let err = read(f.path(), &opts).unwrap_err().to_string();
        assert!(
            err.contains("declares EPSG:27700") && err.contains("--crs"),
            "{err}"
        );
    }

    #[test]
    fn no_crs_member_is_wgs84_even_with_a_projected_crs_flag() {
        let f = write(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
            "geometry":{"type":"Point","coordinates":[-2.2,53.4]}}]}"#,
        );
        let opts = ReadOptions {
            crs: Some(BNG),
            ..Default::default()
        };
        let layer = read(f.path(), &opts).unwrap();
        assert_eq!(layer.crs, Some(crate::crs::WGS84));
        assert!(
            layer.notes.iter().any(|n| n.contains("not applied")),
            "{:?}",
            layer.notes
        );
        let f = write(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
            "geometry":{"type":"Point","coordinates":[383000,398000]}}]}"#,
        );
        assert_eq!(read(f.path(), &opts).unwrap().crs, Some(BNG));
    }

    #[test]
    fn truncated_file_says_so() {
        let f = write(r#"{"type":"FeatureCollection","features":[{"type":"Feature","#);
        let err = read(f.path(), &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("truncated"), "{err}");
    }
}
