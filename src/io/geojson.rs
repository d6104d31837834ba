//! GeoJSON reader: RFC 7946 (WGS84 longitude/latitude) and the legacy `crs` member
//! (`urn:ogc:def:crs:EPSG::27700`) that ogr2ogr still writes.
//!
//! The whole document is parsed at once (not streamed): geojson's streaming `FeatureReader` fails
//! when a `"bbox"` key precedes `"features"` (georust/geojson#207), and whole-file parsing of a
//! national LSOA layer takes about a tenth of a second.

use std::path::Path;

use ::geojson::{FeatureCollection, GeoJson};

use super::{crs::Crs, implied_wgs84, resolve_crs, Layer, RawFeature, ReadOptions, Value};
use crate::error::{Error, Result};

/// Reads a GeoJSON file (FeatureCollection, Feature or bare Geometry).
///
/// # Errors
/// When the file cannot be read or parsed (with the line and column of a syntax error), when its
/// `crs` member names an unknown CRS, or when it conflicts with `--crs`.
pub fn read(path: &Path, opts: &ReadOptions) -> Result<Layer> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::format(
            path,
            "the file is empty (0 features): nothing to read",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let doc: GeoJson = serde_json::from_slice(bytes).map_err(|e| {
        let hint = if e.is_eof() {
            " (the file ends early: was it truncated while copying or downloading?)"
        } else {
            ""
        };
        Error::format(path, format!("not valid GeoJSON: {e}{hint}"))
    })?;
    let (collection, top_members) = match doc {
        GeoJson::FeatureCollection(fc) => {
            let members = fc.foreign_members.clone();
            (fc, members)
        }
        GeoJson::Feature(f) => {
            let members = f.foreign_members.clone();
            (FeatureCollection::new([f]), members)
        }
        GeoJson::Geometry(g) => (FeatureCollection::new([::geojson::Feature::from(g)]), None),
    };
    let declared = match top_members.as_ref().and_then(|m| m.get("crs")) {
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
    let mut columns: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut features = Vec::with_capacity(collection.features.len());
    let mut skipped = Vec::new();
    for (i, f) in collection.features.into_iter().enumerate() {
        let mut values = vec![Value::Null; columns.len()];
        if let Some(props) = f.properties {
            for (k, v) in props {
                let col = *index.entry(k.clone()).or_insert_with(|| {
                    columns.push(k);
                    columns.len() - 1
                });
                if col >= values.len() {
                    values.resize(col + 1, Value::Null);
                }
                values[col] = match v {
                    serde_json::Value::Null => Value::Null,
                    serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
                    serde_json::Value::String(s) => Value::Text(s),
                    other => Value::Text(other.to_string()),
                };
            }
        }
        let geometry = match f.geometry {
            None => None,
            Some(g) => match geo::Geometry::<f64>::try_from(g) {
                Ok(g) => Some(g),
                Err(e) => {
                    skipped.push(super::Skipped {
                        file: path.display().to_string(),
                        position: format!("feature {i}"),
                        id: None,
                        reason: format!("geometry could not be read: {e}"),
                    });
                    None
                }
            },
        };
        features.push(RawFeature {
            position: i,
            geometry,
            values,
        });
    }
    for f in &mut features {
        f.values.resize(columns.len(), Value::Null);
    }
    let mut notes = Vec::new();
    let (crs, crs_source) = match declared {
        Some(d) => resolve_crs(path, Some(d), opts, None, "")?,
        None => implied_wgs84(
            path,
            &features,
            opts,
            "no crs member (RFC 7946)",
            &mut notes,
        )?,
    };
    notes.insert(0, format!("CRS {crs}: {crs_source}"));
    Ok(Layer {
        path: path.to_path_buf(),
        crs: Some(crs),
        notes,
        crs_source,
        columns,
        features,
        skipped,
        unit: "feature",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::crs::BNG;
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
        assert_eq!(layer.features[0].values[2], Value::Null);
        assert!(layer.features[1].geometry.is_none());
    }

    #[test]
    fn conflicting_crs_flag_is_an_error() {
        let f = write(
            r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:27700"}},"features":[]}"#,
        );
        let opts = ReadOptions {
            crs: Some(crate::io::crs::WGS84),
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
        assert_eq!(layer.crs, Some(crate::io::crs::WGS84));
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
