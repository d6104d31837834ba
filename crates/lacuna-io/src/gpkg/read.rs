//! Reading one feature layer of a GeoPackage: which layer (the only one, or the one named), its
//! CRS (the layer's `srs_id`: an EPSG code, or a WKT definition recognised as `.prj` files are),
//! its attribute columns and its features.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::binary::{self, Read};
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::layer::{resolve_crs, Layer, RawFeature, ReadOptions, Skipped, Value};
use crate::prj;

/// A feature layer as `gpkg_geometry_columns` lists it.
#[derive(Debug, Clone)]
pub(crate) struct FeatureTable {
    pub table: String,
    pub column: String,
    pub geometry_type: String,
    pub srs_id: i64,
}

/// `name` quoted as an SQL identifier.
pub(crate) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Opens a GeoPackage read-only, after checking that it is an SQLite database at all.
pub(crate) fn open(path: &Path) -> Result<Connection> {
    use std::io::Read as _;
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| Error::io(path, e))?;
    if n < 16 || &head != b"SQLite format 3\0" {
        return Err(Error::format(
            path,
            "not a GeoPackage: the file is not an SQLite database (a GeoPackage is one; is it \
             another format with a .gpkg name, or an incomplete download?)",
        ));
    }
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| sqlite_error(path, e))
}

/// An SQLite error as an error about the file, with what it usually means.
pub(crate) fn sqlite_error(path: &Path, e: rusqlite::Error) -> Error {
    let text = e.to_string();
    let hint = if text.contains("malformed") || text.contains("not a database") {
        " (the file is damaged or truncated: download or export it again)"
    } else {
        ""
    };
    Error::format(path, format!("cannot read the GeoPackage: {text}{hint}"))
}

/// The feature layers of a GeoPackage, in `gpkg_geometry_columns` order.
pub(crate) fn feature_tables(conn: &Connection, path: &Path) -> Result<Vec<FeatureTable>> {
    let sql = "SELECT table_name, column_name, geometry_type_name, srs_id \
               FROM gpkg_geometry_columns ORDER BY rowid";
    let mut stmt = conn.prepare(sql).map_err(|e| {
        if e.to_string().contains("no such table") {
            Error::format(
                path,
                "an SQLite database but not a GeoPackage: it has no gpkg_geometry_columns table \
                 (export the layer from QGIS or GDAL as GeoPackage)",
            )
        } else {
            sqlite_error(path, e)
        }
    })?;
    let rows = stmt
        .query_map([], |r| {
            Ok(FeatureTable {
                table: r.get(0)?,
                column: r.get(1)?,
                geometry_type: r.get(2)?,
                srs_id: r.get(3)?,
            })
        })
        .map_err(|e| sqlite_error(path, e))?;
    rows.collect::<rusqlite::Result<_>>()
        .map_err(|e| sqlite_error(path, e))
}

/// The layer to read: the one named, or the only one.
fn choose<'t>(
    path: &Path,
    tables: &'t [FeatureTable],
    name: Option<&str>,
) -> Result<&'t FeatureTable> {
    let names = || {
        tables
            .iter()
            .map(|t| format!("\"{}\" ({})", t.table, t.geometry_type.to_lowercase()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (name, tables) {
        (_, []) => Err(Error::format(path, "the GeoPackage has no feature layer")),
        (Some(n), _) => tables.iter().find(|t| t.table == n).ok_or_else(|| {
            Error::format(
                path,
                format!(
                    "the GeoPackage has no layer \"{n}\"; its layers: {}",
                    names()
                ),
            )
        }),
        (None, [only]) => Ok(only),
        (None, _) => Err(Error::format(
            path,
            format!(
                "the GeoPackage has {} layers: say which with layer = \"NAME\" beside its path \
                 in the study ([areas], [[providers]] or [points]; lacuna validate --layer \
                 NAME); its layers: {}",
                tables.len(),
                names()
            ),
        )),
    }
}

/// The CRS of `srs_id`: an EPSG code this tool knows, or a definition it recognises.
fn crs_of(conn: &Connection, path: &Path, t: &FeatureTable) -> Result<Option<(Crs, String)>> {
    // -1 and 0 are the standard's undefined Cartesian and geographic systems: no CRS said.
    if t.srs_id == -1 || t.srs_id == 0 {
        return Ok(None);
    }
    let sql = "SELECT organization, organization_coordsys_id, definition \
               FROM gpkg_spatial_ref_sys WHERE srs_id = ?1";
    let row: Option<(String, i64, String)> = conn
        .query_row(sql, [t.srs_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(sqlite_error(path, e)),
        })?;
    let unknown = |why: String| {
        Error::crs(
            path,
            format!(
                "layer \"{}\": srs_id {} {why}; reproject the layer to EPSG:27700 or EPSG:4326, \
                 or pass --crs EPSG:NNNN if you know its CRS",
                t.table, t.srs_id
            ),
        )
    };
    let Some((org, code, definition)) = row else {
        return Err(unknown("is not in gpkg_spatial_ref_sys".into()));
    };
    if org.eq_ignore_ascii_case("EPSG") {
        if let Some(crs) = u16::try_from(code)
            .ok()
            .map(Crs)
            .filter(|c| c.proj().is_ok())
        {
            return Ok(Some((
                crs,
                format!("srs_id {} (EPSG:{code}) of the layer", t.srs_id),
            )));
        }
    }
    match prj::recognise(&definition) {
        Ok(d) if d.scale == 1.0 => Ok(Some((
            d.crs,
            format!(
                "recognised from the layer's srs_id {} definition: {}",
                t.srs_id, d.how
            ),
        ))),
        Ok(d) => Err(unknown(format!(
            "is in {} units, not metres",
            d.unit.map_or_else(String::new, |u| u.name)
        ))),
        Err(why) => Err(unknown(format!(
            "({org} {code}) is not a CRS this tool knows: {why}"
        ))),
    }
}

/// The attribute columns: every column but the geometry and the integer primary key.
fn columns(conn: &Connection, path: &Path, t: &FeatureTable) -> Result<Vec<String>> {
    let sql = format!("PRAGMA table_info({})", quoted(&t.table));
    let mut stmt = conn.prepare(&sql).map_err(|e| sqlite_error(path, e))?;
    let cols = stmt
        .query_map([], |r| {
            let name: String = r.get(1)?;
            let kind: String = r.get(2)?;
            let pk: i64 = r.get(5)?;
            Ok((name, kind, pk))
        })
        .map_err(|e| sqlite_error(path, e))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| sqlite_error(path, e))?;
    Ok(cols
        .into_iter()
        .filter(|(name, kind, pk)| {
            let key = *pk > 0 && kind.eq_ignore_ascii_case("INTEGER");
            !(key || name.eq_ignore_ascii_case(&t.column))
        })
        .map(|(name, _, _)| name)
        .collect())
}

fn value(v: ValueRef) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Number(i as f64),
        ValueRef::Real(x) => Value::Number(x),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Text(format!("(a blob of {} bytes)", b.len())),
    }
}

/// Reads a GeoPackage's feature layer (the only one, or `opts.layer`).
///
/// # Errors
/// When the file is not a GeoPackage, is damaged, has several layers and none was named, names a
/// layer it does not have, or its CRS is unknown (and `--crs` does not say it).
pub fn read(path: &Path, opts: &ReadOptions) -> Result<Layer> {
    let conn = open(path)?;
    let tables = feature_tables(&conn, path)?;
    let t = choose(path, &tables, opts.layer.as_deref())?;
    let declared = crs_of(&conn, path, t)?;
    let (crs, crs_source) = resolve_crs(
        path,
        declared,
        opts,
        None,
        &format!(
            "layer \"{}\" has an undefined CRS (srs_id {}); pass --crs EPSG:NNNN (EPSG:27700 for \
             British National Grid)",
            t.table, t.srs_id
        ),
    )?;
    let columns = columns(&conn, path, t)?;
    let sql = format!(
        "SELECT {}{} FROM {}",
        quoted(&t.column),
        columns
            .iter()
            .map(|c| format!(", {}", quoted(c)))
            .collect::<String>(),
        quoted(&t.table)
    );
    let mut stmt = conn.prepare(&sql).map_err(|e| sqlite_error(path, e))?;
    let mut rows = stmt.query([]).map_err(|e| sqlite_error(path, e))?;
    let (mut features, mut skipped, mut dropped_zm) = (Vec::new(), Vec::new(), 0usize);
    let mut position = 0;
    while let Some(row) = rows.next().map_err(|e| sqlite_error(path, e))? {
        let values: Vec<Value> = (1..=columns.len())
            .map(|k| row.get_ref(k).map_or(Value::Null, value))
            .collect();
        let geometry = match row.get_ref(0).map_err(|e| sqlite_error(path, e))? {
            ValueRef::Blob(b) => binary::read(b),
            ValueRef::Null => Ok(Read::Empty),
            _ => Err("the geometry column holds a value that is not a blob".into()),
        };
        let geometry = match geometry {
            Ok(Read::Geometry(g, zm)) => {
                dropped_zm += usize::from(zm);
                Some(g)
            }
            Ok(Read::Empty) => None,
            Err(why) => {
                let at = format!("layer \"{}\" feature {position}", t.table);
                skipped.push(Skipped::new(path.display(), at, why));
                position += 1;
                continue;
            }
        };
        features.push(RawFeature {
            position,
            geometry,
            values,
            fixed: None,
        });
        position += 1;
    }
    let mut notes = vec![
        format!("CRS {crs}: {crs_source}"),
        format!(
            "GeoPackage layer \"{}\" ({} of {} layers; geometry column \"{}\", {})",
            t.table,
            tables.iter().position(|x| x.table == t.table).unwrap_or(0) + 1,
            tables.len(),
            t.column,
            t.geometry_type.to_lowercase()
        ),
    ];
    if dropped_zm > 0 {
        notes.push(format!(
            "{dropped_zm} geometries have Z or M values: dropped (lacuna works in 2D)"
        ));
    }
    let layer = Layer::features(path, crs, crs_source, columns, features, skipped, notes);
    Ok(layer)
}
