//! Writing feature layers into a new GeoPackage (1.3): the `gpkg_*` tables, one table per layer
//! with its contents and geometry-column entries, and an R-tree spatial index per layer with the
//! standard's triggers, so QGIS and GDAL open it indexed and ready to style.

use std::path::Path;

use geo::{BoundingRect, Geometry, Rect};
use rusqlite::{params_from_iter, Connection};

use super::binary;
use super::read::quoted;
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::layer::Value;

/// The SQL type of an attribute column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text.
    Text,
    /// A floating-point number.
    Real,
    /// A whole number.
    Integer,
}

/// A layer to write: its name, geometry type, columns and features (geometry in the file's CRS,
/// values aligned with the columns).
#[derive(Debug, Clone)]
pub struct OutLayer {
    /// Table name (and layer name in QGIS).
    pub name: String,
    /// What the layer is, for `gpkg_contents.description`.
    pub description: String,
    /// `MULTIPOLYGON`, `LINESTRING`, `POINT`...
    pub geometry_type: &'static str,
    /// Column names and types.
    pub columns: Vec<(String, ColumnType)>,
    /// Features: geometry and values.
    pub features: Vec<(Option<Geometry>, Vec<Value>)>,
}

/// OGC WKT of the CRSs lacuna works in (British National Grid, WGS84 and its UTM zones); GDAL
/// and QGIS read the EPSG code beside it in any case.
fn wkt(crs: Crs) -> String {
    let datum = "DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]]";
    let wgs84 = format!(
        "GEOGCS[\"WGS 84\",{datum},PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AUTHORITY[\"EPSG\",\"4326\"]]"
    );
    match crs.0 {
        4326 => wgs84,
        27700 => "PROJCS[\"OSGB36 / British National Grid\",GEOGCS[\"OSGB36\",DATUM[\"Ordnance_Survey_of_Great_Britain_1936\",SPHEROID[\"Airy 1830\",6377563.396,299.3249646,AUTHORITY[\"EPSG\",\"7001\"]],TOWGS84[446.448,-125.157,542.06,0.15,0.247,0.842,-20.489],AUTHORITY[\"EPSG\",\"6277\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AUTHORITY[\"EPSG\",\"4277\"]],PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"latitude_of_origin\",49],PARAMETER[\"central_meridian\",-2],PARAMETER[\"scale_factor\",0.9996012717],PARAMETER[\"false_easting\",400000],PARAMETER[\"false_northing\",-100000],UNIT[\"metre\",1,AUTHORITY[\"EPSG\",\"9001\"]],AXIS[\"Easting\",EAST],AXIS[\"Northing\",NORTH],AUTHORITY[\"EPSG\",\"27700\"]]".into(),
        code @ (32601..=32660 | 32701..=32760) => {
            let (zone, south) = (code % 100, code > 32700);
            format!(
                "PROJCS[\"WGS 84 / UTM zone {zone}{}\",{wgs84},PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"latitude_of_origin\",0],PARAMETER[\"central_meridian\",{}],PARAMETER[\"scale_factor\",0.9996],PARAMETER[\"false_easting\",500000],PARAMETER[\"false_northing\",{}],UNIT[\"metre\",1,AUTHORITY[\"EPSG\",\"9001\"]],AXIS[\"Easting\",EAST],AXIS[\"Northing\",NORTH],AUTHORITY[\"EPSG\",\"{code}\"]]",
                if south { "S" } else { "N" },
                i32::from(zone) * 6 - 183,
                if south { 10_000_000 } else { 0 }
            )
        }
        _ => "undefined".into(),
    }
}

const SCHEMA: &str = "
PRAGMA application_id = 1196444487;
PRAGMA user_version = 10300;
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
  description TEXT);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
  identifier TEXT UNIQUE, description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
  definition TEXT NOT NULL, scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
";

/// The standard's triggers keeping a layer's R-tree in step with its table (GeoPackage 1.3,
/// extension F.3), for `t` the table and `c` the geometry column.
fn rtree_triggers(t: &str, c: &str) -> String {
    let r = quoted(&format!("rtree_{t}_{c}"));
    let (qt, qc) = (quoted(t), quoted(c));
    let name = |s: &str| quoted(&format!("rtree_{t}_{c}_{s}"));
    let insert = format!("INSERT OR REPLACE INTO {r} VALUES (NEW.fid, ST_MinX(NEW.{qc}), ST_MaxX(NEW.{qc}), ST_MinY(NEW.{qc}), ST_MaxY(NEW.{qc}))");
    format!(
        "CREATE TRIGGER {} AFTER INSERT ON {qt} WHEN (new.{qc} NOT NULL AND NOT ST_IsEmpty(NEW.{qc})) BEGIN {insert}; END;
CREATE TRIGGER {} AFTER UPDATE OF {qc} ON {qt} WHEN OLD.fid = NEW.fid AND (NEW.{qc} NOTNULL AND NOT ST_IsEmpty(NEW.{qc})) BEGIN {insert}; END;
CREATE TRIGGER {} AFTER UPDATE OF {qc} ON {qt} WHEN OLD.fid = NEW.fid AND (NEW.{qc} ISNULL OR ST_IsEmpty(NEW.{qc})) BEGIN DELETE FROM {r} WHERE id = OLD.fid; END;
CREATE TRIGGER {} AFTER UPDATE ON {qt} WHEN OLD.fid != NEW.fid AND (NEW.{qc} NOTNULL AND NOT ST_IsEmpty(NEW.{qc})) BEGIN DELETE FROM {r} WHERE id = OLD.fid; {insert}; END;
CREATE TRIGGER {} AFTER UPDATE ON {qt} WHEN OLD.fid != NEW.fid AND (NEW.{qc} ISNULL OR ST_IsEmpty(NEW.{qc})) BEGIN DELETE FROM {r} WHERE id IN (OLD.fid, NEW.fid); END;
CREATE TRIGGER {} AFTER DELETE ON {qt} WHEN old.{qc} NOT NULL BEGIN DELETE FROM {r} WHERE id = OLD.fid; END;",
        name("insert"),
        name("update1"),
        name("update2"),
        name("update3"),
        name("update4"),
        name("delete"),
    )
}

/// Writes `layers` into a new GeoPackage at `path` (replacing any file there), every geometry
/// in `crs`. The file appears whole or not at all: it is built beside `path` and renamed.
///
/// # Errors
/// When the file cannot be written.
pub fn write(path: &Path, crs: Crs, layers: &[OutLayer]) -> Result<()> {
    let tmp = path.with_extension("gpkg.partial");
    let _ = std::fs::remove_file(&tmp);
    let sql = |e: rusqlite::Error| Error::format(path, format!("cannot write the GeoPackage: {e}"));
    {
        let mut conn = Connection::open(&tmp).map_err(sql)?;
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            .map_err(sql)?;
        let tx = conn.transaction().map_err(sql)?;
        tx.execute_batch(SCHEMA).map_err(sql)?;
        let srs_id = i32::from(crs.0);
        let srs_name = if crs.0 == 27700 {
            "OSGB36 / British National Grid".to_string()
        } else {
            crs.to_string()
        };
        tx.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2, ?3, NULL)",
            rusqlite::params![srs_name, srs_id, wkt(crs)],
        )
        .map_err(sql)?;
        if crs.0 != 4326 {
            tx.execute(
                "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?1, NULL)",
                [wkt(Crs(4326))],
            )
            .map_err(sql)?;
        }
        for layer in layers {
            write_layer(&tx, layer, srs_id).map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// One layer: its table, rows, contents entry, geometry column, R-tree and triggers.
fn write_layer(tx: &rusqlite::Transaction, layer: &OutLayer, srs_id: i32) -> rusqlite::Result<()> {
    let t = &layer.name;
    let cols: String = layer
        .columns
        .iter()
        .map(|(name, kind)| {
            let kind = match kind {
                ColumnType::Text => "TEXT",
                ColumnType::Real => "REAL",
                ColumnType::Integer => "INTEGER",
            };
            format!(", {} {kind}", quoted(name))
        })
        .collect();
    tx.execute_batch(&format!(
        "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom {}{cols});
         CREATE VIRTUAL TABLE {} USING rtree(id, minx, maxx, miny, maxy);",
        quoted(t),
        layer.geometry_type,
        quoted(&format!("rtree_{t}_geom")),
    ))?;
    let marks: String = (0..layer.columns.len())
        .map(|k| format!(", ?{}", k + 2))
        .collect();
    let mut insert = tx.prepare(&format!(
        "INSERT INTO {} VALUES (NULL, ?1{marks})",
        quoted(t)
    ))?;
    let mut index = tx.prepare(&format!(
        "INSERT INTO {} VALUES (?1, ?2, ?3, ?4, ?5)",
        quoted(&format!("rtree_{t}_geom"))
    ))?;
    let mut extent: Option<Rect> = None;
    for (geometry, values) in &layer.features {
        let blob = geometry.as_ref().map(|g| binary::write(g, srs_id));
        let values = values.iter().map(|v| match v {
            Value::Null => rusqlite::types::Value::Null,
            Value::Number(x) if x.is_finite() => rusqlite::types::Value::Real(*x),
            Value::Number(_) => rusqlite::types::Value::Null,
            Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
        });
        let params = std::iter::once(
            blob.map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Blob),
        )
        .chain(values);
        insert.execute(params_from_iter(params))?;
        if let Some(r) = geometry.as_ref().and_then(|g| g.bounding_rect()) {
            let fid = tx.last_insert_rowid();
            index.execute(rusqlite::params![
                fid,
                r.min().x,
                r.max().x,
                r.min().y,
                r.max().y
            ])?;
            extent = lacuna_core::spatial::bounding_union(extent.into_iter().chain([r]));
        }
    }
    let (x0, y0, x1, y1) = extent.map_or((None, None, None, None), |r| {
        (
            Some(r.min().x),
            Some(r.min().y),
            Some(r.max().x),
            Some(r.max().y),
        )
    });
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id)
         VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![t, layer.description, x0, y0, x1, y1, srs_id],
    )?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
        rusqlite::params![t, layer.geometry_type, srs_id],
    )?;
    tx.execute(
        "INSERT INTO gpkg_extensions VALUES (?1, 'geom', 'gpkg_rtree_index',
         'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        [t],
    )?;
    // Last, so they never run here: they call ST_ functions that the reading application
    // (GDAL, QGIS) provides and this connection does not.
    tx.execute_batch(&rtree_triggers(t, "geom"))
}
