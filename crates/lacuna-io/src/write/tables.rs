//! `coverage.csv`: one row per area and service type (long form).

use std::path::Path;

use rayon::prelude::*;

use super::push_num;
use crate::atomic::write_atomic;
use crate::error::Result;
use lacuna_core::metrics::coverage::CoverageRow;
use lacuna_core::Study;

/// Rows formatted per parallel task.
const CHUNK: usize = 2048;

/// The header of `coverage.csv`.
pub const COVERAGE_COLUMNS: [&str; 11] = [
    "area_code",
    "area_name",
    "group",
    "service_type",
    "area_m2",
    "area_share",
    "population",
    "covered_population",
    "population_share",
    "nearest_m",
    "providers_within",
];

/// Writes `coverage.csv`. Shares have 9 decimals, areas and populations 3, distances 1.
/// Rows are formatted in parallel chunks and written in order.
///
/// # Errors
/// When the file cannot be written.
pub fn write_coverage(path: &Path, study: &Study, rows: &[CoverageRow]) -> Result<()> {
    write_atomic(path, |w| write_coverage_to(w, study, rows))
}

/// `coverage.csv`'s bytes (header and rows) into any writer: a file, or memory for a batch
/// partition that is checksummed and combined without being read back.
///
/// # Errors
/// When the writer fails.
pub fn write_coverage_to(
    w: &mut (dyn std::io::Write + Send),
    study: &Study,
    rows: &[CoverageRow],
) -> std::io::Result<()> {
    // The text fields go through the csv crate's quoting once per area (and once per service
    // type); the numbers, which never need quoting, are appended directly.
    let services: Vec<String> = study
        .service_types
        .iter()
        .map(|t| csv_prefix(&[t]))
        .collect::<std::io::Result<_>>()?;
    let format = |chunk: &[CoverageRow]| -> std::io::Result<Vec<u8>> {
        let mut out = String::with_capacity(chunk.len() * 120);
        let mut prefix = String::new();
        let mut prefix_of = None;
        let mut int = itoa::Buffer::new();
        for r in chunk {
            if prefix_of != Some(r.area) {
                let a = &study.areas[r.area];
                prefix = csv_prefix(&[&a.code, &a.name, &a.group])?;
                prefix_of = Some(r.area);
            }
            out.push_str(&prefix);
            out.push_str(&services[r.service]);
            for (x, d) in [
                (Some(r.area_m2), 3),
                (Some(r.area_share), 9),
                (r.population, 3),
                (r.covered_population, 3),
                (r.population_share, 9),
                (r.nearest_m, 1),
            ] {
                if let Some(x) = x {
                    push_num(&mut out, x, d);
                }
                out.push(',');
            }
            out.push_str(int.format(r.providers_within));
            out.push('\n');
        }
        Ok(out.into_bytes())
    };
    let mut header = ::csv::Writer::from_writer(Vec::new());
    header.write_record(COVERAGE_COLUMNS)?;
    w.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
    // Batch by batch: memory stays bounded.
    super::write_batches(w, rows.chunks(CHUNK * 8), |batch| {
        batch.par_chunks(CHUNK).map(format).collect()
    })
}

/// The fields as the start of a CSV record, each quoted as the csv crate does when needed and
/// followed by a comma: `E01000001,"Camden 001A, north",E09000007,`.
fn csv_prefix(fields: &[&str]) -> std::io::Result<String> {
    // A record with one more, empty field, less its line end: the quoting is decided with the
    // real delimiter and terminator in force (a newline in a name must be quoted).
    let mut w = ::csv::WriterBuilder::new()
        .buffer_capacity(256)
        .from_writer(Vec::with_capacity(64));
    w.write_record(fields.iter().chain(&[""]))?;
    let mut bytes = w.into_inner().map_err(|e| e.into_error())?;
    bytes.pop();
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::csv_prefix;

    #[test]
    fn prefix_quotes_like_a_whole_record() {
        let fields = ["E01000001", "Camden 001A, \"north\"", "", "line\nbreak"];
        let mut w = ::csv::Writer::from_writer(Vec::new());
        w.write_record(fields.iter().chain(&["0.5"])).unwrap();
        let whole = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let prefix = csv_prefix(&fields).unwrap();
        assert_eq!(format!("{prefix}0.5\n"), whole);
        assert_eq!(
            prefix,
            "E01000001,\"Camden 001A, \"\"north\"\"\",,\"line\nbreak\","
        );
    }
}
