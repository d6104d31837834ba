//! CSV reader for point layers (lon/lat or easting/northing columns) and attribute tables
//! (need indicators), as spreadsheets export them: UTF-8 BOM, quoted thousands separators
//! ("29,199"), blank rows, and `.csv.gz`.

use std::io::Read;
use std::path::Path;

use super::crs::{BNG, WGS84};
use super::{implied_wgs84, resolve_crs, Layer, RawFeature, ReadOptions, Skipped, Value};
use crate::error::{Error, Result};

fn open(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = if path.to_string_lossy().to_lowercase().ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::format(path, format!("cannot decompress: {e}")))?;
        out
    } else {
        raw
    };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::format(
            path,
            "the file is empty: no header row and no data",
        ));
    }
    Ok(bytes)
}

/// Reads a CSV file as a table without geometry.
///
/// Rows whose fields are all blank are skipped; a row with a different number of fields from the
/// header is an error naming its line.
pub fn read_table(path: &Path) -> Result<Layer> {
    let bytes = open(path)?;
    let mut rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(&bytes[..]);
    let columns: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::format(path, format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut features = Vec::new();
    let mut blank = 0usize;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| Error::format(path, format!("cannot read CSV: {e}")))?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        if rec.iter().all(|f| f.trim().is_empty()) {
            blank += 1;
            continue;
        }
        if rec.len() != columns.len() {
            return Err(Error::format(
                path,
                format!(
                    "row {line} has {} fields but the header has {}: check for unquoted commas \
                     in that row",
                    rec.len(),
                    columns.len()
                ),
            ));
        }
        features.push(RawFeature {
            position: line,
            geometry: None,
            values: rec.iter().map(Value::from_csv_cell).collect(),
            fixed: None,
        });
    }
    let mut notes = Vec::new();
    if blank > 0 {
        notes.push(format!("{blank} blank rows ignored"));
    }
    Ok(Layer {
        path: path.to_path_buf(),
        crs: None,
        crs_source: String::new(),
        columns,
        features,
        skipped: Vec::new(),
        notes,
        unit: "row",
    })
}

const LON: &[&str] = &["lon", "long", "longitude", "lng"];
const LAT: &[&str] = &["lat", "latitude"];
const EAST: &[&str] = &["bng_e", "easting", "eastings", "east", "x_coordinate"];
const NORTH: &[&str] = &["bng_n", "northing", "northings", "north", "y_coordinate"];
const X: &[&str] = &["x"];
const Y: &[&str] = &["y"];

/// Reads a CSV file of points, finding the coordinate columns by name.
///
/// Longitude/latitude columns are WGS84; `BNG_E`/`BNG_N` are British National Grid;
/// easting/northing and x/y need `--crs`. Rows with a missing or non-numeric coordinate are
/// skipped and listed.
pub fn read_points(path: &Path, opts: &ReadOptions) -> Result<Layer> {
    let mut layer = read_table(path)?;
    let (xi, yi, declared) = if let Some((x, y)) = &opts.xy_columns {
        let xi = layer.choose_column(Some(x), &[], "x coordinate", "the x column setting")?;
        let yi = layer.choose_column(Some(y), &[], "y coordinate", "the y column setting")?;
        (xi.unwrap_or(0), yi.unwrap_or(0), None)
    } else {
        let find = |names: &[&str]| {
            layer
                .columns
                .iter()
                .position(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
        };
        if let (Some(x), Some(y)) = (find(LON), find(LAT)) {
            (
                x,
                y,
                Some((
                    WGS84,
                    "longitude/latitude columns: WGS84 assumed".to_string(),
                )),
            )
        } else if let (Some(x), Some(y)) = (find(EAST), find(NORTH)) {
            let bng = layer.columns[x].eq_ignore_ascii_case("bng_e");
            (
                x,
                y,
                bng.then(|| {
                    (
                        BNG,
                        "BNG_E/BNG_N columns: British National Grid".to_string(),
                    )
                }),
            )
        } else if let (Some(x), Some(y)) = (find(X), find(Y)) {
            (x, y, None)
        } else {
            return Err(Error::column(
                path,
                format!(
                    "no coordinate columns found (looked for lon/long/longitude + lat/latitude, \
                     easting/BNG_E + northing/BNG_N, x + y); columns are: {}",
                    layer.columns.join(", ")
                ),
            ));
        }
    };
    let geographic_names = declared.as_ref().is_some_and(|(c, _)| *c == WGS84);
    let file = path.display().to_string();
    let mut kept = Vec::with_capacity(layer.features.len());
    for mut f in std::mem::take(&mut layer.features) {
        let x = f.values[xi].as_number();
        let y = f.values[yi].as_number();
        match (x, y) {
            (Ok(Some(x)), Ok(Some(y))) => {
                f.geometry = Some(geo::Geometry::Point(geo::Point::new(x, y)));
                kept.push(f);
            }
            (x, y) => {
                let what = |r: std::result::Result<Option<f64>, String>, col: &str| match r {
                    Ok(Some(_)) => None,
                    Ok(None) => Some(format!("{col} is blank")),
                    Err(t) => Some(format!("{col} is not a number ({t:?})")),
                };
                let reason = [what(x, &layer.columns[xi]), what(y, &layer.columns[yi])]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; ");
                layer.skipped.push(Skipped {
                    file: file.clone(),
                    position: format!("row {}", f.position),
                    id: None,
                    reason: format!("dropped: {reason}"),
                });
            }
        }
    }
    layer.features = kept;
    let (crs, crs_source) = if geographic_names {
        implied_wgs84(
            &layer.features,
            opts,
            "longitude/latitude columns",
            &mut layer.notes,
        )
    } else {
        resolve_crs(
            path,
            declared,
            opts,
            None,
            &format!(
                "coordinates in columns {:?}/{:?} with no CRS: pass --crs EPSG:NNNN (EPSG:27700 \
                 for British National Grid eastings/northings)",
                layer.columns[xi], layer.columns[yi]
            ),
        )?
    };
    layer.notes.push(format!(
        "coordinates from columns {:?} (x) and {:?} (y); CRS {crs}: {crs_source}",
        layer.columns[xi], layer.columns[yi]
    ));
    layer.crs = Some(crs);
    layer.crs_source = crs_source;
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(text: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        f.write_all(text).unwrap();
        f
    }

    #[test]
    fn bom_thousands_and_blank_rows() {
        let f = write(b"\xEF\xBB\xBFcode,population\nA,\"29,199\"\n\n,\nB,12\n");
        let t = read_table(f.path()).unwrap();
        assert_eq!(t.columns, vec!["code", "population"]);
        assert_eq!(t.features.len(), 2);
        assert_eq!(t.features[0].values[1].as_number(), Ok(Some(29199.0)));
        assert_eq!(t.features[1].position, 5);
    }

    #[test]
    fn lon_lat_points_and_bad_rows() {
        let f = write(b"name,lat,lon\na,53.5,-2.2\nb,x,-2.1\nc,,-2.0\n");
        let l = read_points(f.path(), &ReadOptions::default()).unwrap();
        assert_eq!(l.crs, Some(WGS84));
        assert_eq!(l.features.len(), 1);
        assert_eq!(l.skipped.len(), 2);
        assert!(
            l.skipped[0].reason.contains("not a number"),
            "{:?}",
            l.skipped
        );
        assert!(l.skipped[1].reason.contains("blank"));
        let p = match l.features[0].geometry {
            Some(geo::Geometry::Point(p)) => p,
            _ => panic!(),
        };
        assert_eq!((p.x(), p.y()), (-2.2, 53.5));
    }

    #[test]
    fn easting_northing_needs_crs() {
        let f = write(b"id,easting,northing\na,383000,398000\n");
        let err = read_points(f.path(), &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("--crs"), "{err}");
        let opts = ReadOptions {
            crs: Some(BNG),
            ..Default::default()
        };
        assert_eq!(read_points(f.path(), &opts).unwrap().crs, Some(BNG));
    }

    #[test]
    fn ragged_row_is_an_error_with_its_line() {
        let f = write(b"a,b\n1,2\n3,4,5\n");
        let err = read_table(f.path()).unwrap_err().to_string();
        assert!(err.contains("row 3"), "{err}");
    }
}
