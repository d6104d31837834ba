//! ESRI Shapefile reader: geometry from `.shp`, attributes from `.dbf` (decoded with the `.cpg`
//! code page when present), and the CRS from `.prj`, which the `shapefile` crate ignores and
//! [`super::prj`] recognises.

use std::path::Path;

use ::shapefile::dbase::FieldValue;

use super::{prj, resolve_crs, Layer, RawFeature, ReadOptions, Skipped, Value};
use crate::error::{Error, Result};

fn field_value(v: FieldValue) -> Value {
    match v {
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => Value::Text(s),
        FieldValue::Numeric(Some(x)) | FieldValue::Double(x) | FieldValue::Currency(x) => {
            Value::Number(x)
        }
        FieldValue::Float(Some(x)) => Value::Number(x as f64),
        FieldValue::Integer(i) => Value::Number(i as f64),
        FieldValue::Logical(Some(b)) => Value::Text(b.to_string()),
        FieldValue::Date(Some(d)) => {
            Value::Text(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        _ => Value::Null,
    }
}

/// Reads a shapefile and its sidecar files.
///
/// # Errors
/// When `.shp`, `.shx` or `.dbf` cannot be read, or when the `.prj` is missing or describes a CRS
/// this tool does not know and `--crs` was not given (or contradicts it).
pub fn read(path: &Path, opts: &ReadOptions) -> Result<Layer> {
    let prj_path = path.with_extension("prj");
    let declared = match std::fs::read(&prj_path) {
        Ok(bytes) => match prj::recognise(&String::from_utf8_lossy(&bytes)) {
            Ok((crs, how)) => Some((crs, format!("recognised from {how}"))),
            Err(_) if opts.crs.is_some() => None,
            Err(msg) => {
                return Err(Error::crs(
                    path,
                    format!(
                        "{msg} ({}); reproject the file to EPSG:27700 or EPSG:4326, or pass \
                         --crs EPSG:NNNN if you know its CRS",
                        prj_path.display()
                    ),
                ))
            }
        },
        Err(_) => None,
    };
    let (crs, crs_source) = resolve_crs(
        path,
        declared,
        opts,
        None,
        &format!(
            "no {} beside the shapefile, so its coordinates could be in any CRS; pass --crs \
             EPSG:NNNN (EPSG:27700 for British National Grid) or add the .prj",
            prj_path.file_name().unwrap_or_default().to_string_lossy()
        ),
    )?;

    let shp_err = |e: ::shapefile::Error| {
        let hint = match e {
            ::shapefile::Error::MissingDbf => " (the .dbf attribute file is missing)",
            _ => "",
        };
        Error::format(path, format!("cannot read shapefile: {e}{hint}"))
    };
    let columns: Vec<String> = ::shapefile::dbase::Reader::from_path(path.with_extension("dbf"))
        .map_err(|e| Error::format(path, format!("cannot read the .dbf: {e}")))?
        .fields()
        .iter()
        .map(|f| f.name().to_string())
        .filter(|n| n != "DeletionFlag")
        .collect();
    let reader = ::shapefile::Reader::from_path(path).map_err(shp_err)?;
    let (mut features, mut skipped) = read_records(path, reader, &columns)?;
    let has_cpg = path.with_extension("cpg").exists();
    let garbled = |fs: &[RawFeature]| {
        fs.iter()
            .flat_map(|f| &f.values)
            .any(|v| matches!(v, Value::Text(t) if t.contains('\u{FFFD}')))
    };
    let mut encoding_note = None;
    if !has_cpg && garbled(&features) {
        // No .cpg and not valid UTF-8: most such files from UK GIS tools are Windows-1252
        // (Latin-1 plus a few symbols), which keeps Welsh and accented names readable.
        let dbf =
            std::fs::File::open(path.with_extension("dbf")).map_err(|e| Error::io(path, e))?;
        let dbase = ::shapefile::dbase::ReaderBuilder::new()
            .with_encoding(::shapefile::dbase::encoding::EncodingRs::from(
                encoding_rs::WINDOWS_1252,
            ))
            .build(std::io::BufReader::new(dbf))
            .map_err(|e| Error::format(path, format!("cannot read the .dbf: {e}")))?;
        let shapes = ::shapefile::ShapeReader::from_path(path).map_err(shp_err)?;
        let (f2, s2) = read_records(path, ::shapefile::Reader::new(shapes, dbase), &columns)?;
        features = f2;
        skipped = s2;
        encoding_note = Some(
            "the .dbf has no .cpg and its text is not UTF-8: read as Windows-1252 (Latin-1); add a \
             .cpg file naming the encoding if names look wrong"
                .to_string(),
        );
    }
    let mut notes = vec![format!("CRS {crs}: {crs_source}")];
    if has_cpg {
        notes.push("attribute encoding from the .cpg file".into());
    }
    notes.extend(encoding_note);
    Ok(Layer {
        path: path.to_path_buf(),
        crs: Some(crs),
        crs_source,
        columns,
        features,
        skipped,
        notes,
        unit: "feature",
    })
}

type Records = (Vec<RawFeature>, Vec<Skipped>);

/// Reads every shape and record of an open shapefile.
fn read_records<T: std::io::Read + std::io::Seek, D: std::io::Read + std::io::Seek>(
    path: &Path,
    mut reader: ::shapefile::Reader<T, D>,
    columns: &[String],
) -> Result<Records> {
    let mut features = Vec::new();
    let mut skipped = Vec::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(|e| {
            Error::format(
                path,
                format!("feature {i} cannot be read: {e} (is the file truncated?)"),
            )
        })?;
        let mut map: std::collections::HashMap<String, FieldValue> = record.into();
        let values = columns
            .iter()
            .map(|c| map.remove(c).map(field_value).unwrap_or(Value::Null))
            .collect();
        let geometry = match shape {
            ::shapefile::Shape::NullShape => None,
            shape => match geo::Geometry::<f64>::try_from(shape) {
                Ok(g) => Some(g),
                Err(e) => {
                    skipped.push(Skipped {
                        file: path.display().to_string(),
                        position: format!("feature {i}"),
                        id: None,
                        reason: format!("geometry could not be converted: {e}"),
                    });
                    None
                }
            },
        };
        features.push(RawFeature {
            position: i,
            geometry,
            values,
            fixed: None,
        });
    }
    Ok((features, skipped))
}
