//! CSV reader for point layers (lon/lat or easting/northing columns) and attribute tables
//! (need indicators), as spreadsheets export them: UTF-8 BOM, quoted thousands separators
//! ("29,199"), blank rows, and `.csv.gz`.

use std::cell::Cell;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use super::crs::{BNG, WGS84};
use super::{
    brief, implied_wgs84, list_columns, resolve_crs, Layer, RawFeature, ReadOptions, Skipped, Value,
};
use crate::error::{Error, Result};

/// The longest row (one record, quoted line breaks included) read: a longer one is binary data
/// or a quote left open, and reading on would hold it all in memory.
pub const MAX_ROW_BYTES: u64 = 1 << 20;

/// The most a `.gz` table may expand: real tables compress 2 to 20 times (the ONS and IoD files
/// 2 to 19); a file that expands over 100 times is a decompression bomb or not a table, and its
/// rows would fill memory long before the end. Checked once 16 MiB have come out.
pub const MAX_GZ_RATIO: u64 = 100;
const GZ_CHECK_AFTER: u64 = 16 << 20;

/// Why [`Guard`] stopped reading, carried through the csv crate's I/O error.
#[derive(Debug)]
enum Refused {
    Nul { line: u64 },
    LongRow { line: u64 },
    Bomb { compressed: u64, read: u64 },
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Nul { line } => write!(
                f,
                "line {line} holds a NUL byte: this is binary data, not a CSV file (check the \
                 file given)"
            ),
            Refused::Bomb { compressed, read } => write!(
                f,
                "decompresses to over {MAX_GZ_RATIO} times its size ({} MiB out of {} KiB so \
                 far): real tables compress 2 to 20 times, so this is not a table lacuna will \
                 read whole; if it is genuine, decompress it and give the .csv",
                read >> 20,
                compressed >> 10
            ),
            Refused::LongRow { line } => write!(
                f,
                "the row starting at line {line} is longer than {} MiB: binary data, or a quote \
                 left open",
                MAX_ROW_BYTES >> 20
            ),
        }
    }
}

impl std::error::Error for Refused {}

/// Streams the (decompressed) bytes to the csv reader, refusing NUL bytes and rows longer than
/// [`MAX_ROW_BYTES`], so neither a binary file nor a gzip bomb is read into memory.
struct Guard<R> {
    inner: R,
    /// Bytes passed on so far, and newlines among them.
    read: u64,
    lines: u64,
    /// Where the row being read starts (bytes, line), set by the reader's loop.
    row_start: Rc<Cell<(u64, u64)>>,
    /// The size of the compressed file, for a `.gz`.
    compressed: Option<u64>,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        if let Some(at) = memchr::memchr(0, chunk) {
            let line = self.lines + 1 + memchr::memchr_iter(b'\n', &chunk[..at]).count() as u64;
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                Refused::Nul { line },
            ));
        }
        self.read += n as u64;
        self.lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
        if let Some(c) = self.compressed {
            if self.read > GZ_CHECK_AFTER && self.read > c.saturating_mul(MAX_GZ_RATIO) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    Refused::Bomb {
                        compressed: c,
                        read: self.read,
                    },
                ));
            }
        }
        let (start, line) = self.row_start.get();
        // The csv reader buffers ahead of the row it parses, hence the margin.
        if self.read.saturating_sub(start) > MAX_ROW_BYTES + (64 << 10) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                Refused::LongRow { line },
            ));
        }
        Ok(n)
    }
}

/// A csv reader over the file, decompressed as it is read when it ends in `.gz`, without a
/// UTF-8 BOM; and the cell through which the caller marks where each row starts.
type Rows = (::csv::Reader<Guard<Box<dyn BufRead>>>, Rc<Cell<(u64, u64)>>);

fn open(path: &Path) -> Result<Rows> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
    let gz = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().to_lowercase().ends_with(".gz"));
    let mut bytes: Box<dyn BufRead> = if gz {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(
            BufReader::new(file),
        )))
    } else {
        Box::new(BufReader::new(file))
    };
    let decompress = |e: std::io::Error| {
        if gz {
            Error::format(path, format!("cannot decompress: {e}"))
        } else {
            Error::io(path, e)
        }
    };
    // A spreadsheet's UTF-8 BOM is not part of the first column's name.
    if bytes
        .fill_buf()
        .map_err(decompress)?
        .starts_with(b"\xEF\xBB\xBF")
    {
        bytes.consume(3);
    }
    let row_start = Rc::new(Cell::new((0, 1)));
    let guard = Guard {
        inner: bytes,
        read: 0,
        lines: 0,
        row_start: Rc::clone(&row_start),
        compressed: gz.then_some(size),
    };
    let rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(guard);
    Ok((rdr, row_start))
}

/// A csv error as a lacuna error: the guard's refusal as it is, others with their position.
fn csv_error(path: &Path, what: &str, e: ::csv::Error) -> Error {
    if let ::csv::ErrorKind::Io(io) = e.kind() {
        if let Some(r) = io.get_ref().and_then(|r| r.downcast_ref::<Refused>()) {
            return Error::format(path, r.to_string());
        }
    }
    Error::format(path, format!("cannot read {what}: {e}"))
}

/// Reads a CSV file as a table without geometry.
///
/// Rows whose fields are all blank are skipped; a row with a different number of fields from the
/// header is an error naming its line. A file holding NUL bytes (binary data) or a row longer
/// than [`MAX_ROW_BYTES`] is an error naming its line.
pub fn read_table(path: &Path) -> Result<Layer> {
    let (mut rdr, row_start) = open(path)?;
    let columns: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(path, "the header row", e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut features = Vec::new();
    let mut blank = 0usize;
    let mut rec = ::csv::StringRecord::new();
    loop {
        let p = rdr.position();
        row_start.set((p.byte(), p.line()));
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, "CSV", e)),
        }
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
    if features.is_empty() && columns.iter().all(|c| c.is_empty()) {
        return Err(Error::format(
            path,
            "the file is empty: no header row and no data",
        ));
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
                    list_columns(&layer.columns)
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
                    Ok(None) => Some(format!("{} is blank", brief(col))),
                    Err(t) => Some(format!("{} is not a number ({:?})", brief(col), brief(&t))),
                };
                let reason = [what(x, &layer.columns[xi]), what(y, &layer.columns[yi])]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; ");
                let position = format!("row {}", f.position);
                layer
                    .skipped
                    .push(Skipped::new(&file, position, format!("dropped: {reason}")));
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

    fn gz(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new()
            .suffix(".csv.gz")
            .tempfile()
            .unwrap();
        let mut z = flate2::write::GzEncoder::new(&mut f, flate2::Compression::fast());
        z.write_all(bytes).unwrap();
        z.finish().unwrap();
        f
    }

    #[test]
    fn binary_data_is_an_error_not_an_empty_table() {
        for f in [write(&[0u8; 4096]), gz(&vec![0u8; 8 << 20])] {
            let err = read_table(f.path()).unwrap_err().to_string();
            assert!(err.contains("line 1 holds a NUL byte"), "{err}");
            assert!(err.contains(&f.path().display().to_string()), "{err}");
        }
        // A NUL further down is found on its line.
        let f = write(b"code,population\nA,1\nB,2\0\n");
        let err = read_table(f.path()).unwrap_err().to_string();
        assert!(err.contains("line 3 holds a NUL byte"), "{err}");
    }

    #[test]
    fn a_gzip_bomb_of_valid_rows_is_refused_early() {
        // 40 MB of "0,0" rows compress about 1000 times: refused once 16 MiB came out, long
        // before ten million points fill memory.
        let mut text = b"lon,lat\n".to_vec();
        text.extend(std::iter::repeat_n(b"0,0\n".as_slice(), 10_000_000).flatten());
        let f = gz(&text);
        let err = read_table(f.path()).unwrap_err().to_string();
        assert!(
            err.contains("decompresses to over 100 times its size"),
            "{err}"
        );
        // A real table's ratio passes.
        let mut real = b"code,population\n".to_vec();
        for i in 0..200_000u32 {
            real.extend(format!("E0{:07},{}\n", i * 7919 % 10_000_000, i % 3000).bytes());
        }
        assert_eq!(
            read_table(gz(&real).path()).unwrap().features.len(),
            200_000
        );
    }

    #[test]
    fn a_runaway_row_is_refused_without_reading_it_all() {
        // 8 MB of '0' with no line break (a few kB compressed): one header "field" of 8 MB.
        let f = gz(&vec![b'0'; 8 << 20]);
        let err = read_table(f.path()).unwrap_err().to_string();
        assert!(
            err.contains("row starting at line 1 is longer than 1 MiB"),
            "{err}"
        );
        // A quote left open runs on over lines: refused at the row where it opened.
        let mut text = b"code,name\nA,\"open\n".to_vec();
        text.extend(std::iter::repeat_n(b"x,y\n".as_slice(), 600_000).flatten());
        let err = read_table(write(&text).path()).unwrap_err().to_string();
        assert!(err.contains("row starting at line 2 is longer"), "{err}");
    }

    #[test]
    fn messages_quoting_the_input_are_bounded() {
        // A 500 kB header of one name, and 300 columns: the message stays short.
        let mut text = vec![b'h'; 500_000];
        text.extend_from_slice(b",a\n1,2\n");
        let err = read_points(write(&text).path(), &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.len() < 1000 && err.contains("hhh…"),
            "{} bytes",
            err.len()
        );
        let header: Vec<String> = (0..300).map(|i| format!("c{i}")).collect();
        let text = format!("{}\n", header.join(","));
        let err = read_points(write(text.as_bytes()).path(), &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("… and 250 more") && err.len() < 1000, "{err}");
    }

    #[test]
    fn an_empty_or_blank_file_is_an_error() {
        for text in [&b""[..], b"\n\n  \n", b"\xEF\xBB\xBF"] {
            let err = read_table(write(text).path()).unwrap_err().to_string();
            assert!(err.contains("empty"), "{err}");
        }
    }
}
