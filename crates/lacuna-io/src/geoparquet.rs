//! GeoParquet (1.1) input and output, with the `geoparquet` cargo feature.
//!
//! Reading: any GeoParquet file whose primary geometry column is WKB or GeoArrow-encoded becomes
//! a [`Layer`] like the other readers give, so GeoParquet areas, providers and points go through
//! the same normalisation and accounting. The CRS comes from the column's PROJJSON `id`
//! (`EPSG:NNNN`); a column without `crs` is OGC:CRS84 (WGS84 longitude/latitude), as the
//! specification says.
//!
//! Writing: `areas.parquet`, the areas in WGS84 with their coverage per service type, WKB
//! geometry with a `bbox` covering column, Snappy-compressed, readable by GeoPandas, DuckDB,
//! SedonaDB and Spark without conversion.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use geo_traits::to_geo::ToGeoGeometry;
use geoarrow_array::array::from_arrow_array;
use geoarrow_array::builder::MultiPolygonBuilder;
use geoarrow_array::{GeoArrowArray, GeoArrowArrayAccessor};
use geoarrow_schema::{Dimension, Metadata, MultiPolygonType};
use geoparquet::metadata::GeoParquetMetadata;
use geoparquet::reader::{GeoParquetReaderBuilder, GeoParquetRecordBatchReader};
use geoparquet::writer::{
    GeoParquetRecordBatchEncoder, GeoParquetWriterEncoding, GeoParquetWriterOptionsBuilder,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;

use super::crs::{Crs, Transformer, WGS84};
use super::{Layer, RawFeature, ReadOptions, Value};
use crate::atomic::write_atomic;
use crate::error::{Error, Result};
use crate::load::LoadedStudy;
use lacuna_core::metrics::coverage::CoverageRow;

fn err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::format(path, format!("GeoParquet: {e}"))
}

/// The EPSG code of a PROJJSON CRS (its `id`, or the `id` of its base CRS).
fn epsg_of(projjson: &serde_json::Value) -> Option<u16> {
    let id = projjson
        .get("id")
        .or_else(|| projjson.get("base_crs")?.get("id"))?;
    let authority = id.get("authority")?.as_str()?;
    let code = id.get("code")?;
    let code = code
        .as_u64()
        .map(|c| c.to_string())
        .or_else(|| code.as_str().map(str::to_string))?;
    match (authority.to_ascii_uppercase().as_str(), code.as_str()) {
        ("EPSG", c) => c.parse().ok(),
        ("OGC", "CRS84" | "84") => Some(4326),
        _ => None,
    }
}

fn cell(array: &ArrayRef, row: usize) -> Value {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float32Type, Float64Type, Int32Type, Int64Type};
    if array.is_null(row) {
        return Value::Null;
    }
    match array.data_type() {
        DataType::Utf8 => Value::Text(array.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => Value::Text(array.as_string::<i64>().value(row).to_string()),
        DataType::Float64 => Value::Number(array.as_primitive::<Float64Type>().value(row)),
        DataType::Float32 => {
            Value::Number(f64::from(array.as_primitive::<Float32Type>().value(row)))
        }
        DataType::Int64 => Value::Number(array.as_primitive::<Int64Type>().value(row) as f64),
        DataType::Int32 => Value::Number(f64::from(array.as_primitive::<Int32Type>().value(row))),
        // Other types (booleans, small and unsigned integers) as their text.
        _ => arrow_cast_text(array, row).map_or(Value::Null, Value::Text),
    }
}

fn arrow_cast_text(array: &ArrayRef, row: usize) -> Option<String> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Int16Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type};
    Some(match array.data_type() {
        DataType::Boolean => array.as_boolean().value(row).to_string(),
        DataType::Int8 => array.as_primitive::<Int8Type>().value(row).to_string(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(row).to_string(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().value(row).to_string(),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().value(row).to_string(),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(row).to_string(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(row).to_string(),
        _ => return None,
    })
}

/// Reads a GeoParquet file into a layer.
///
/// # Errors
/// When the file is not Parquet, has no GeoParquet metadata, or its CRS is not an EPSG code
/// this tool knows (then `--crs` must say it).
pub fn read(path: &Path, opts: &ReadOptions) -> Result<Layer> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| err(path, e))?;
    let meta = builder
        .geoparquet_metadata()
        .ok_or_else(|| {
            err(
                path,
                "a Parquet file without GeoParquet (\"geo\") metadata: nothing says which column \
                 is the geometry",
            )
        })?
        .map_err(|e| err(path, e))?;
    let (crs, crs_source) = crs_of(path, &meta, opts)?;
    let schema = builder
        .geoarrow_schema(&meta, false, Default::default())
        .map_err(|e| err(path, e))?;
    let reader = builder
        .with_batch_size(65_536)
        .build()
        .map_err(|e| err(path, e))?;
    let reader = GeoParquetRecordBatchReader::try_new(reader, schema).map_err(|e| err(path, e))?;
    let mut rows = Rows::new(path, &meta);
    for batch in reader {
        rows.push_batch(&batch.map_err(|e| err(path, e))?)?;
    }
    let mut layer = Layer {
        path: path.to_path_buf(),
        crs: Some(crs),
        crs_source: crs_source.clone(),
        columns: rows.columns,
        features: rows.features,
        skipped: rows.skipped,
        notes: vec![format!("CRS {crs}: {crs_source}")],
        unit: "row",
    };
    if layer.features.is_empty() && layer.skipped.is_empty() {
        layer.notes.push("the file has no rows".into());
    }
    Ok(layer)
}

/// The CRS of the primary geometry column and how it was found: the metadata's EPSG code,
/// else `--crs`; a column without `crs` is CRS84 by definition.
fn crs_of(path: &Path, meta: &GeoParquetMetadata, opts: &ReadOptions) -> Result<(Crs, String)> {
    let declared = meta
        .columns
        .get(&meta.primary_column)
        .and_then(|c| c.crs.clone());
    let (file_crs, source) = match &declared {
        None => (
            Some(WGS84),
            "no crs in the GeoParquet metadata: OGC:CRS84 (WGS84 longitude/latitude)".to_string(),
        ),
        Some(v) => match epsg_of(v).and_then(|c| Crs::parse(&format!("EPSG:{c}"))) {
            Some(c) => (
                Some(c),
                format!("declared in the GeoParquet metadata ({c})"),
            ),
            None => (None, String::new()),
        },
    };
    // A column without `crs` is CRS84 by definition, not by declaration: like an RFC 7946
    // GeoJSON file, it does not conflict with a --crs meant for the study's other files.
    match (file_crs, opts.crs) {
        (Some(f), Some(given)) if f != given && declared.is_some() => Err(Error::crs(
            path,
            format!("the file declares {f} but --crs says {given}: remove --crs or fix the file"),
        )),
        (Some(f), _) => Ok((f, source)),
        (None, Some(given)) => Ok((given, "given (--crs, or crs = in the study)".to_string())),
        (None, None) => Err(Error::crs(
            path,
            "the GeoParquet CRS is not an EPSG code this tool knows: pass --crs EPSG:NNNN",
        )),
    }
}

/// The rows of a GeoParquet file as they are read, batch by batch: the attribute columns, the
/// features, and the rows whose geometry could not be read.
struct Rows<'a> {
    path: &'a Path,
    meta: &'a GeoParquetMetadata,
    /// The bbox covering columns, which describe the geometry and are not attributes.
    coverings: Vec<String>,
    columns: Vec<String>,
    features: Vec<RawFeature>,
    skipped: Vec<super::Skipped>,
}

impl<'a> Rows<'a> {
    /// No rows yet, the covering columns found in the metadata.
    fn new(path: &'a Path, meta: &'a GeoParquetMetadata) -> Self {
        let coverings = meta
            .columns
            .values()
            .filter_map(|c| c.covering.as_ref().map(|cov| cov.bbox.xmin[0].clone()))
            .collect();
        Rows {
            path,
            meta,
            coverings,
            columns: Vec::new(),
            features: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// Adds one record batch: its attribute columns (every column but the geometry columns and
    /// their coverings) and each row's geometry, decoded through WKB whatever its encoding.
    fn push_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        let path = self.path;
        let schema = batch.schema();
        let geom_idx = schema
            .index_of(&self.meta.primary_column)
            .map_err(|e| err(path, e))?;
        let keep: Vec<usize> = (0..schema.fields().len())
            .filter(|&i| {
                let name = schema.field(i).name();
                i != geom_idx
                    && !self.meta.columns.contains_key(name)
                    && !self.coverings.iter().any(|c| c == name)
            })
            .collect();
        if self.columns.is_empty() {
            self.columns = keep
                .iter()
                .map(|&i| schema.field(i).name().clone())
                .collect();
        }
        let geoms = from_arrow_array(batch.column(geom_idx), schema.field(geom_idx))
            .map_err(|e| err(path, e))?;
        let wkb = geoarrow_array::cast::to_wkb::<i32>(geoms.as_ref()).map_err(|e| err(path, e))?;
        for row in 0..batch.num_rows() {
            let position = self.features.len() + self.skipped.len();
            let geometry = if wkb.is_null(row) {
                None
            } else {
                match wkb.value(row) {
                    Ok(g) => g.try_to_geometry(),
                    Err(e) => {
                        let at = format!("row {position}");
                        let why = format!("unreadable geometry: {e}");
                        let s = super::Skipped::new(path.display(), at, why);
                        self.skipped.push(s);
                        continue;
                    }
                }
            };
            self.features.push(RawFeature {
                position,
                geometry,
                values: keep.iter().map(|&i| cell(batch.column(i), row)).collect(),
                fixed: None,
            });
        }
        Ok(())
    }
}

/// Writes `areas.parquet`: the areas in WGS84 with the coverage columns of `areas.geojson`.
///
/// # Errors
/// When a coordinate cannot be transformed or the file cannot be written.
pub fn write_areas(path: &Path, study: &LoadedStudy, rows: &[CoverageRow]) -> Result<()> {
    let t = Transformer::new(study.working_crs, WGS84).map_err(|e| Error::crs(path, e))?;
    let shapes: Vec<geo::MultiPolygon> = study
        .areas
        .par_iter()
        .map(|a| {
            let mut mp = a.local.shape();
            for poly in &mut mp.0 {
                let mut fix = Ok(());
                poly.exterior_mut(|r| fix = t.apply(&mut r.0));
                fix.map_err(|e| Error::crs(path, format!("area {}: {e}", a.code)))?;
                let mut fix = Ok(());
                poly.interiors_mut(|rings| {
                    for r in rings {
                        if fix.is_ok() {
                            fix = t.apply(&mut r.0);
                        }
                    }
                });
                fix.map_err(|e| Error::crs(path, format!("area {}: {e}", a.code)))?;
            }
            Ok(mp)
        })
        .collect::<Result<_>>()?;
    let typ = MultiPolygonType::new(Dimension::XY, Arc::new(Metadata::default()));
    let geometry = MultiPolygonBuilder::from_multi_polygons(&shapes, typ).finish();
    let types = study.service_types.len();
    let text = |f: &dyn Fn(&lacuna_core::model::Area) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(study.areas.iter().map(f)))
    };
    let mut fields = vec![
        Field::new("area_code", DataType::Utf8, false),
        Field::new("area_name", DataType::Utf8, false),
        Field::new("group", DataType::Utf8, false),
        Field::new("area_m2", DataType::Float64, false),
        Field::new("population", DataType::Float64, true),
    ];
    let mut arrays: Vec<ArrayRef> = vec![
        text(&|a| &a.code),
        text(&|a| &a.name),
        text(&|a| &a.group),
        Arc::new(Float64Array::from_iter_values(
            study.areas.iter().map(|a| a.local.area()),
        )),
        Arc::new(Float64Array::from_iter(
            (0..study.areas.len()).map(|i| rows.get(i * types).and_then(|r| r.population)),
        )),
    ];
    for (ti, name) in study.service_types.iter().enumerate() {
        let col = |f: &dyn Fn(&CoverageRow) -> Option<f64>| -> ArrayRef {
            Arc::new(Float64Array::from_iter(
                (0..study.areas.len()).map(|i| f(&rows[i * types + ti])),
            ))
        };
        for (suffix, array) in [
            (
                "area_share",
                col(&|r| Some(r.area_share).filter(|x| x.is_finite())),
            ),
            ("population_share", col(&|r| r.population_share)),
            ("nearest_m", col(&|r| r.nearest_m.filter(|x| x.is_finite()))),
            (
                "providers_within",
                col(&|r| Some(r.providers_within as f64)),
            ),
        ] {
            fields.push(Field::new(
                format!("{name}_{suffix}"),
                DataType::Float64,
                true,
            ));
            arrays.push(array);
        }
    }
    fields.push(geometry.data_type().to_field("geometry", true));
    arrays.push(geometry.into_array_ref());
    let schema = Schema::new(fields);
    let batch = RecordBatch::try_new(Arc::new(schema.clone()), arrays).map_err(|e| err(path, e))?;
    let options = GeoParquetWriterOptionsBuilder::default()
        .set_encoding(GeoParquetWriterEncoding::WKB)
        .set_generate_covering(true)
        .build();
    let mut encoder =
        GeoParquetRecordBatchEncoder::try_new(&schema, &options).map_err(|e| err(path, e))?;
    let mut bytes = Vec::new();
    {
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer = ArrowWriter::try_new(&mut bytes, encoder.target_schema(), Some(props))
            .map_err(|e| err(path, e))?;
        let encoded = encoder
            .encode_record_batch(&batch)
            .map_err(|e| err(path, e))?;
        writer.write(&encoded).map_err(|e| err(path, e))?;
        writer.append_key_value_metadata(encoder.into_keyvalue().map_err(|e| err(path, e))?);
        writer.finish().map_err(|e| err(path, e))?;
    }
    write_atomic(path, |w| w.write_all(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epsg_codes_from_projjson() {
        let bng = serde_json::json!({"type": "ProjectedCRS", "name": "OSGB36 / British National Grid",
            "id": {"authority": "EPSG", "code": 27700}});
        assert_eq!(epsg_of(&bng), Some(27700));
        let crs84 = serde_json::json!({"id": {"authority": "OGC", "code": "CRS84"}});
        assert_eq!(epsg_of(&crs84), Some(4326));
        let ogc84 = serde_json::json!({"id": {"authority": "OGC", "code": 84}});
        assert_eq!(epsg_of(&ogc84), Some(4326));
        assert_eq!(epsg_of(&serde_json::json!({"name": "x"})), None);
    }
}
