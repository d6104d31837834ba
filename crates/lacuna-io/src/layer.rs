//! Readers and writers, one per format, chosen by file extension.
//!
//! Every reader returns a [`Layer`]: the features or rows as read, with their geometry still in
//! the file's own CRS, the CRS it found (and how), and notes on what it chose (columns,
//! encodings). Turning a layer into domain objects in the working CRS happens in [`crate::load`].

use std::path::{Path, PathBuf};

use crate::crs::{self, Crs};
use crate::error::{Error, Result};
use crate::{csv, geojson, shapefile};

pub use lacuna_core::value::{brief, list_columns, parse_number, Value, QUOTE_CHARS};

/// A JSON property value: strings and numbers as such, arrays and objects as their JSON text.
pub fn value_from_json(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::Text(s),
        other => Value::Text(other.to_string()),
    }
}

/// One feature or row as read.
#[derive(Debug, Clone)]
pub struct RawFeature {
    /// Where it is in the file: feature index (0-based) for GeoJSON and shapefiles, line number
    /// (1-based, header is line 1) for CSV.
    pub position: usize,
    /// Its geometry in the layer's CRS, if any.
    pub geometry: Option<geo::Geometry>,
    /// Its attribute values, aligned with [`Layer::columns`].
    pub values: Vec<Value>,
    /// What the reader had to fix to read it (e.g. a ring that was not closed).
    pub fixed: Option<String>,
}

/// What a reader found in a file.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The file.
    pub path: PathBuf,
    /// The CRS of the coordinates (None for tables without geometry).
    pub crs: Option<Crs>,
    /// How the CRS was found ("declared in the crs member", "given (--crs, or crs = in the study)", ...).
    pub crs_source: String,
    /// Attribute column names, in file order.
    pub columns: Vec<String>,
    /// The features or rows.
    pub features: Vec<RawFeature>,
    /// Rows or features the reader could not use, with the reason (kept for the run report).
    pub skipped: Vec<Skipped>,
    /// What the reader chose, for the user to check ("coordinates from columns lon, lat").
    pub notes: Vec<String>,
    /// "feature" or "row": how positions are named in messages.
    pub unit: &'static str,
}

/// A feature or row left out, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    /// The file.
    pub file: String,
    /// Feature index (0-based) or CSV line (1-based).
    pub position: String,
    /// The feature's id, when known.
    pub id: Option<String>,
    /// Why it was left out or changed.
    pub reason: String,
}

impl Skipped {
    /// `reason` for leaving out (or changing) the feature or row at `position` of `file`.
    pub fn new(
        file: impl std::fmt::Display,
        position: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Skipped {
            file: file.to_string(),
            position: position.into(),
            id: None,
            reason: reason.into(),
        }
    }
}

impl Layer {
    /// A layer of features (a file of geometries) in `crs`.
    pub fn features(
        path: &Path,
        crs: Crs,
        crs_source: impl Into<String>,
        columns: Vec<String>,
        features: Vec<RawFeature>,
        skipped: Vec<Skipped>,
        notes: Vec<String>,
    ) -> Self {
        Layer {
            path: path.to_path_buf(),
            crs: Some(crs),
            crs_source: crs_source.into(),
            columns,
            features,
            skipped,
            notes,
            unit: "feature",
        }
    }

    /// The index of a column by exact name, or case-insensitively.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name).or_else(|| {
            self.columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name))
        })
    }

    /// Finds the column named `wanted` (the user's choice: an error when missing), or else the
    /// first of `candidates` present (compared case-insensitively, ignoring spaces and `_`).
    /// `what` and `flag` name the column's role and the flag that sets it, for messages.
    pub fn choose_column(
        &mut self,
        wanted: Option<&str>,
        candidates: &[&str],
        what: &str,
        flag: &str,
    ) -> Result<Option<usize>> {
        if let Some(w) = wanted {
            return match self.column_index(w) {
                Some(i) => Ok(Some(i)),
                None => Err(Error::column(
                    &self.path,
                    format!(
                        "no column {:?} for the {what} ({flag}); columns are: {}",
                        brief(w),
                        list_columns(&self.columns)
                    ),
                )),
            };
        }
        for cand in candidates {
            let cn = letters_lower(cand);
            if let Some(i) = self.columns.iter().position(|c| letters_lower(c) == cn) {
                self.note_chosen(i, what, flag);
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    /// Notes that column `i` was chosen automatically as the `what` (`flag` chooses another).
    pub(crate) fn note_chosen(&mut self, i: usize, what: &str, flag: &str) {
        let column = &self.columns[i];
        let note =
            format!("{what}: column {column:?} (chosen automatically; set {flag} to change)");
        self.notes.push(note);
    }

    /// Describes a position for messages: "feature 12" or "row 14".
    pub fn describe(&self, position: usize) -> String {
        format!("{} {}", self.unit, position)
    }
}

/// Options that apply to every reader.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The CRS to assume for inputs that do not declare one (`--crs`).
    pub crs: Option<Crs>,
    /// Explicit coordinate columns for CSV points (x/longitude/easting, y/latitude/northing).
    pub xy_columns: Option<(String, String)>,
    /// The layer to read from a file that holds several (a GeoPackage's table name).
    pub layer: Option<String>,
}

/// The file formats this tool reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// GeoJSON (`.geojson`, `.json`).
    GeoJson,
    /// GeoParquet (`.parquet`, `.geoparquet`), with the `geoparquet` feature.
    GeoParquet,
    /// ESRI Shapefile (`.shp` with `.dbf`, `.prj`, `.cpg`).
    Shapefile,
    /// Comma-separated values (`.csv`, `.csv.gz`, `.txt`).
    Csv,
    /// OGC GeoPackage (`.gpkg`): one of its feature layers.
    GeoPackage,
    /// FlatGeobuf (`.fgb`).
    FlatGeobuf,
}

impl Format {
    /// The format of a path, from its extension.
    pub fn of(path: &Path) -> Result<Format> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if name.ends_with(".geojson") || name.ends_with(".json") {
            Ok(Format::GeoJson)
        } else if name.ends_with(".shp") {
            Ok(Format::Shapefile)
        } else if name.ends_with(".csv") || name.ends_with(".csv.gz") || name.ends_with(".txt") {
            Ok(Format::Csv)
        } else if name.ends_with(".parquet") || name.ends_with(".geoparquet") {
            Ok(Format::GeoParquet)
        } else if name.ends_with(".gpkg") {
            Ok(Format::GeoPackage)
        } else if name.ends_with(".fgb") {
            Ok(Format::FlatGeobuf)
        } else {
            Err(Error::format(
                path,
                "unknown file type: expected .geojson/.json, .shp, .gpkg, .csv (.csv.gz) or .parquet",
            ))
        }
    }
}

/// Reads a file with geometry (areas, providers or points), choosing the reader by extension.
pub fn read_layer(path: &Path, opts: &ReadOptions) -> Result<Layer> {
    let layer = match Format::of(path)? {
        Format::GeoJson => geojson::read(path, opts)?,
        Format::Shapefile => shapefile::read(path, opts)?,
        Format::Csv => csv::read_points(path, opts)?,
        Format::GeoPackage => crate::gpkg::read(path, opts)?,
        Format::FlatGeobuf => crate::fgb::read(path, opts)?,
        #[cfg(feature = "geoparquet")]
        Format::GeoParquet => crate::geoparquet::read(path, opts)?,
        #[cfg(not(feature = "geoparquet"))]
        Format::GeoParquet => return Err(Error::format(
            path,
            "GeoParquet needs lacuna built with it: cargo build --release --features geoparquet",
        )),
    };
    check_coordinate_range(&layer)?;
    Ok(layer)
}

/// Combines the CRS a file declares with `--crs`: they must agree when both are present.
pub(crate) fn resolve_crs(
    path: &Path,
    declared: Option<(Crs, String)>,
    opts: &ReadOptions,
    default: Option<(Crs, String)>,
    missing_message: &str,
) -> Result<(Crs, String)> {
    match (declared, opts.crs) {
        (Some((d, how)), Some(o)) if d != o => Err(Error::crs(
            path,
            format!(
                "the file declares {d} ({how}) but --crs says {o}; remove --crs or fix the file"
            ),
        )),
        (Some((d, how)), _) => Ok((d, how)),
        (None, Some(o)) => Ok((o, "given (--crs, or crs = in the study)".into())),
        (None, None) => default.ok_or_else(|| Error::crs(path, missing_message.to_string())),
    }
}

/// True when every coordinate of the features lies within longitude/latitude ranges.
pub(crate) fn looks_geographic(features: &[RawFeature]) -> bool {
    use geo::BoundingRect;
    let mut any = false;
    let all = features
        .iter()
        .filter_map(|f| f.geometry.as_ref().and_then(|g| g.bounding_rect()))
        .all(|r| {
            any = true;
            r.min().x >= -180.0 && r.max().x <= 180.0 && r.min().y >= -90.0 && r.max().y <= 90.0
        });
    any && all
}

/// A column name's letters and digits only, lower case: "IMD_Decile", "imd decile" and "IMD
/// Decile" agree.
pub(crate) fn letters_lower(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// The CRS of a file that only implies WGS84 (GeoJSON without a `crs` member, CSV columns named
/// lon/lat), given `--crs`. A projected `--crs` meant for other files is set aside when the
/// coordinates are degrees (a note says so); it applies when they are not.
pub(crate) fn implied_wgs84(
    features: &[RawFeature],
    opts: &ReadOptions,
    implied_by: &str,
    notes: &mut Vec<String>,
) -> (Crs, String) {
    if let Some(o) = opts.crs {
        if o.is_geographic() || !looks_geographic(features) {
            let why = format!("given (--crs, or crs = in the study; {implied_by} but the coordinates are not degrees)");
            return (o, why);
        }
        notes.push(format!(
            "--crs {o} not applied to this file: {implied_by} and its coordinates are degrees"
        ));
    }
    let why = format!("{implied_by}: WGS84 longitude/latitude");
    (crs::WGS84, why)
}

/// Refuses coordinates that cannot be in the layer's CRS: metres declared as degrees, and
/// latitude/longitude given in the wrong order for Britain.
fn check_coordinate_range(layer: &Layer) -> Result<()> {
    use geo::BoundingRect;
    let Some(crs) = layer.crs else {
        return Ok(());
    };
    let [x0, y0, x1, y1] = crs.plausible_range();
    for f in &layer.features {
        let Some(rect) = f.geometry.as_ref().and_then(|g| g.bounding_rect()) else {
            continue;
        };
        let (lo, hi) = (rect.min(), rect.max());
        if lo.x < x0 || lo.y < y0 || hi.x > x1 || hi.y > y1 {
            let hint = if crs.is_geographic() {
                "the coordinates look projected (metres), not degrees: pass --crs with the right \
                 EPSG code (EPSG:27700 for British National Grid)"
            } else {
                "check the CRS: pass --crs with the right EPSG code"
            };
            return Err(Error::crs(
                &layer.path,
                format!(
                    "{} has coordinate ({}, {}) outside the range of {crs} ({}); {hint}",
                    layer.describe(f.position),
                    if lo.x < x0 || lo.y < y0 { lo.x } else { hi.x },
                    if lo.x < x0 || lo.y < y0 { lo.y } else { hi.y },
                    layer.crs_source
                ),
            ));
        }
    }
    if crs.is_geographic() {
        let rects: Vec<_> = layer
            .features
            .iter()
            .filter_map(|f| f.geometry.as_ref().and_then(|g| g.bounding_rect()))
            .collect();
        let swapped = !rects.is_empty()
            && rects.iter().all(|r| {
                r.min().x >= 49.0 && r.max().x <= 61.0 && r.min().y >= -9.0 && r.max().y <= 2.5
            });
        if swapped {
            return Err(Error::crs(
                &layer.path,
                "every coordinate has x between 49 and 61 and y between -9 and 2.5: these look \
                 like latitude/longitude in the wrong order (x must be longitude). Swap the \
                 columns (or set the coordinate columns explicitly)",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn paths_that_are_not_utf8_are_read() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let name = |ext: &str| {
            let mut n = b"areas-\xFF-".to_vec();
            n.extend_from_slice(ext.as_bytes());
            dir.path().join(std::ffi::OsStr::from_bytes(&n))
        };
        let geojson = name("x.geojson");
        std::fs::write(
            &geojson,
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"A"},"geometry":{"type":"Polygon","coordinates":[[[-2.2,53.4],[-2.1,53.4],[-2.1,53.5],[-2.2,53.4]]]}}]}"#,
        )
        .unwrap();
        let csv = name("x.csv");
        std::fs::write(&csv, "name,lon,lat\na,-2.2,53.5\nb,x,53.5\n").unwrap();
        let gz = name("x.csv.gz");
        std::fs::write(&gz, [0x1f, 0x8b, 0]).unwrap();
        let opts = ReadOptions::default();
        assert_eq!(read_layer(&geojson, &opts).unwrap().features.len(), 1);
        let l = read_layer(&csv, &opts).unwrap();
        assert_eq!((l.features.len(), l.skipped.len()), (1, 1));
        assert!(
            l.skipped[0].file.contains('\u{FFFD}'),
            "{:?}",
            l.skipped[0].file
        );
        // Errors name the file too (lossily), without panicking.
        let err = read_layer(&gz, &opts).unwrap_err().to_string();
        assert!(err.contains("areas-\u{FFFD}-x.csv.gz"), "{err}");
        let err = read_layer(&name("missing.shp"), &opts)
            .unwrap_err()
            .to_string();
        assert!(err.contains("areas-\u{FFFD}-missing"), "{err}");
    }

    #[test]
    fn numbers_with_thousands_separators() {
        assert_eq!(parse_number("29,199"), Some(29199.0));
        assert_eq!(parse_number("1,234,567.25"), Some(1234567.25));
        assert_eq!(parse_number("-1,000"), Some(-1000.0));
        assert_eq!(parse_number(" 42 "), Some(42.0));
        assert_eq!(parse_number("1,5"), None);
        assert_eq!(parse_number("12,34,567"), None);
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("inf"), None);
    }

    #[test]
    fn value_text_and_number() {
        assert_eq!(Value::Number(3.0).as_text().as_deref(), Some("3"));
        assert_eq!(Value::Text("  ".into()).as_text(), None);
        for kept in ["1488", "449118.3", "-2.5", "0", "0.25", "123456789012345"] {
            assert!(
                matches!(Value::from_csv_cell(kept), Value::Number(_)),
                "{kept}"
            );
            assert_eq!(Value::from_csv_cell(kept).as_text().as_deref(), Some(kept));
        }
        for text in [
            "00123",
            "1.50",
            "-0",
            "+1",
            "1e3",
            "29,199",
            " 12",
            "1.",
            ".5",
            "E01012007",
            "",
            "1234567890123456",
            "NaN",
            "inf",
        ] {
            assert_eq!(
                Value::from_csv_cell(text),
                Value::Text(text.into()),
                "{text}"
            );
        }
        assert_eq!(Value::Text("\"x\"".into()).as_number(), Err("\"x\"".into()));
        assert_eq!(Value::Text("".into()).as_number(), Ok(None));
    }
}
