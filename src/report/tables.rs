//! `coverage.csv`: one row per area and service type (long form).

use std::path::Path;

use rayon::prelude::*;

use super::push_num;
use crate::error::Result;
use crate::io::atomic::write_atomic;
use crate::load::Study;
use crate::metrics::coverage::CoverageRow;

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
    w: &mut dyn std::io::Write,
    study: &Study,
    rows: &[CoverageRow],
) -> std::io::Result<()> {
    let format = |chunk: &[CoverageRow]| {
        let mut csv = ::csv::Writer::from_writer(Vec::with_capacity(chunk.len() * 120));
        let mut buf = String::with_capacity(32);
        let mut number = |csv: &mut ::csv::Writer<Vec<u8>>, x: Option<f64>, d: u32| {
            buf.clear();
            if let Some(x) = x {
                push_num(&mut buf, x, d);
            }
            csv.write_field(&buf)
        };
        for r in chunk {
            let a = &study.areas[r.area];
            let res: ::csv::Result<()> = (|| {
                csv.write_field(&a.code)?;
                csv.write_field(&a.name)?;
                csv.write_field(&a.group)?;
                csv.write_field(&study.service_types[r.service])?;
                number(&mut csv, Some(r.area_m2), 3)?;
                number(&mut csv, Some(r.area_share), 9)?;
                number(&mut csv, r.population, 3)?;
                number(&mut csv, r.covered_population, 3)?;
                number(&mut csv, r.population_share, 9)?;
                number(&mut csv, r.nearest_m, 1)?;
                csv.write_field(r.providers_within.to_string())?;
                csv.write_record(None::<&[u8]>)
            })();
            res.expect("writing CSV to memory cannot fail");
        }
        csv.into_inner()
            .expect("flushing CSV to memory cannot fail")
    };
    let mut header = ::csv::Writer::from_writer(Vec::new());
    header.write_record(COVERAGE_COLUMNS)?;
    w.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
    // Format a batch of chunks in parallel, write it, go on: memory stays bounded.
    for batch in rows.chunks(CHUNK * 16) {
        let texts: Vec<Vec<u8>> = batch.par_chunks(CHUNK).map(format).collect();
        for t in texts {
            w.write_all(&t)?;
        }
    }
    Ok(())
}
