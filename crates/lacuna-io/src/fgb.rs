//! FlatGeobuf (`.fgb`), the streaming format of GDAL users, with the `flatgeobuf` crate. Read:
//! features through its geo-traits view (Z and M dropped, with a note), attributes by the
//! header's columns, the CRS from the header (an EPSG code, or its WKT recognised as a `.prj`).
//! Written: a layer with its columns, the CRS's EPSG code in the header, and the packed
//! Hilbert R-tree index.

use std::path::Path;

use flatgeobuf::geozero::{ColumnValue, FeatureProperties, PropertyProcessor};
use flatgeobuf::{FallibleStreamingIterator, FgbReader};
use geo_traits::to_geo::ToGeoGeometry;

use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::layer::{resolve_crs, Layer, RawFeature, ReadOptions, Skipped, Value};
use crate::prj;

/// A feature's values, placed by column index.
struct Values(Vec<Value>);

impl PropertyProcessor for Values {
    fn property(
        &mut self,
        idx: usize,
        _name: &str,
        value: &ColumnValue,
    ) -> flatgeobuf::geozero::error::Result<bool> {
        let v = match value {
            ColumnValue::Byte(x) => Value::Number(f64::from(*x)),
            ColumnValue::UByte(x) => Value::Number(f64::from(*x)),
            ColumnValue::Bool(x) => Value::Number(f64::from(u8::from(*x))),
            ColumnValue::Short(x) => Value::Number(f64::from(*x)),
            ColumnValue::UShort(x) => Value::Number(f64::from(*x)),
            ColumnValue::Int(x) => Value::Number(f64::from(*x)),
            ColumnValue::UInt(x) => Value::Number(f64::from(*x)),
            ColumnValue::Long(x) => Value::Number(*x as f64),
            ColumnValue::ULong(x) => Value::Number(*x as f64),
            ColumnValue::Float(x) => Value::Number(f64::from(*x)),
            ColumnValue::Double(x) => Value::Number(*x),
            ColumnValue::String(s) | ColumnValue::Json(s) | ColumnValue::DateTime(s) => {
                Value::Text(s.to_string())
            }
            ColumnValue::Binary(b) => Value::Text(format!("(binary, {} bytes)", b.len())),
        };
        if let Some(slot) = self.0.get_mut(idx) {
            *slot = v;
        }
        Ok(false)
    }
}

/// Reads a FlatGeobuf file into a layer.
///
/// # Errors
/// When the file is not FlatGeobuf or is damaged, or its CRS is unknown (and `--crs` does not
/// say it).
pub fn read(path: &Path, opts: &ReadOptions) -> Result<Layer> {
    let bad = |e: flatgeobuf::Error| {
        Error::format(
            path,
            format!("cannot read the FlatGeobuf file: {e} (is it complete, and FlatGeobuf?)"),
        )
    };
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = FgbReader::open(std::io::BufReader::new(file)).map_err(bad)?;
    let header = reader.header();
    let columns: Vec<String> = header
        .columns()
        .map(|cs| cs.iter().map(|c| c.name().to_string()).collect())
        .unwrap_or_default();
    let zm = header.has_z() || header.has_m();
    let declared = match header.crs() {
        None => None,
        Some(c) if c.code() > 0 && c.org().is_none_or(|o| o.eq_ignore_ascii_case("EPSG")) => {
            let crs = u16::try_from(c.code())
                .ok()
                .map(Crs)
                .filter(|c| c.proj().is_ok());
            match crs {
                Some(crs) => Some((crs, format!("EPSG:{} in the FlatGeobuf header", c.code()))),
                None => return Err(unknown_crs(path, &format!("EPSG:{}", c.code()))),
            }
        }
        Some(c) => match c.wkt().map(prj::recognise) {
            Some(Ok(d)) if d.scale == 1.0 => Some((
                d.crs,
                format!("recognised from the header's WKT: {}", d.how),
            )),
            _ => {
                return Err(unknown_crs(
                    path,
                    c.name().unwrap_or("a CRS without a code"),
                ))
            }
        },
    };
    let (crs, crs_source) = resolve_crs(
        path,
        declared,
        opts,
        None,
        "the FlatGeobuf header names no CRS; pass --crs EPSG:NNNN (EPSG:27700 for British \
         National Grid)",
    )?;
    let mut features = Vec::new();
    let mut skipped = Vec::new();
    let mut iter = reader.select_all().map_err(bad)?;
    let mut position = 0;
    while let Some(f) = iter.next().map_err(bad)? {
        let mut values = Values(vec![Value::Null; columns.len()]);
        let read = f
            .process_properties(&mut values)
            .map_err(|e| e.to_string())
            .and_then(|_| f.geometry_trait().map_err(|e| e.to_string()));
        match read {
            Ok(g) => features.push(RawFeature {
                position,
                geometry: g.and_then(|g| g.try_to_geometry()),
                values: values.0,
                fixed: None,
            }),
            Err(reason) => {
                let at = format!("feature {position}");
                skipped.push(Skipped::new(path.display(), at, reason))
            }
        }
        position += 1;
    }
    let mut notes = vec![format!("CRS {crs}: {crs_source}")];
    if zm {
        notes.push("the file has Z or M values: dropped (lacuna works in 2D)".into());
    }
    let layer = Layer::features(path, crs, crs_source, columns, features, skipped, notes);
    Ok(layer)
}

fn unknown_crs(path: &Path, what: &str) -> Error {
    Error::crs(
        path,
        format!(
            "the FlatGeobuf header's CRS ({what}) is not one this tool knows; reproject the file \
             to EPSG:27700 or EPSG:4326, or pass --crs EPSG:NNNN if you know its CRS"
        ),
    )
}

/// Writes `layer` as a FlatGeobuf file at `path` (atomically), its geometry in `crs`, with a
/// spatial index.
///
/// # Errors
/// When the file cannot be written.
pub fn write(path: &Path, crs: Crs, layer: &crate::gpkg::OutLayer) -> Result<()> {
    use crate::gpkg::ColumnType as T;
    use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
    let geometry_type = match layer.geometry_type {
        "MULTIPOLYGON" => GeometryType::MultiPolygon,
        "POLYGON" => GeometryType::Polygon,
        "POINT" => GeometryType::Point,
        "LINESTRING" => GeometryType::LineString,
        _ => GeometryType::Unknown,
    };
    let options = FgbWriterOptions {
        write_index: true,
        crs: FgbCrs {
            code: i32::from(crs.0),
            ..Default::default()
        },
        ..Default::default()
    };
    let fail = |e: String| Error::format(path, format!("cannot write FlatGeobuf: {e}"));
    let mut fgb = FgbWriter::create_with_options(&layer.name, geometry_type, options)
        .map_err(|e| fail(e.to_string()))?;
    for (name, kind) in &layer.columns {
        let kind = match kind {
            T::Text => ColumnType::String,
            T::Real => ColumnType::Double,
            T::Integer => ColumnType::Long,
        };
        fgb.add_column(name, kind, |_, col| col.nullable = true);
    }
    for (geometry, values) in &layer.features {
        // FlatGeobuf has no null geometry: features without one are left out (none of lacuna's
        // layers has any).
        let Some(g) = geometry else { continue };
        let mut result = Ok(());
        fgb.add_feature_geom(g.clone(), |feat| {
            for (k, ((name, kind), v)) in layer.columns.iter().zip(values).enumerate() {
                let r = match (v, kind) {
                    (Value::Null, _) => continue,
                    (Value::Number(x), T::Integer) => {
                        feat.property(k, name, &ColumnValue::Long(*x as i64))
                    }
                    (Value::Number(x), _) => feat.property(k, name, &ColumnValue::Double(*x)),
                    (Value::Text(s), _) => feat.property(k, name, &ColumnValue::String(s)),
                };
                if let Err(e) = r {
                    result = Err(e.to_string());
                }
            }
        })
        .map_err(|e| fail(e.to_string()))?;
        result.map_err(fail)?;
    }
    crate::atomic::write_atomic(path, |w| {
        fgb.write(w)
            .map_err(|e| std::io::Error::other(e.to_string()))
    })
}
