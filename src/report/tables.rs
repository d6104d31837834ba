//! `coverage.csv`: one row per area and service type (long form).

use std::path::Path;

use rayon::prelude::*;

use super::{num, opt};
use crate::error::Result;
use crate::io::atomic::write_atomic;
use crate::load::Study;
use crate::metrics::coverage::CoverageRow;

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
    let chunks: Vec<Vec<u8>> = rows
        .par_chunks(4096)
        .map(|chunk| {
            let mut csv = ::csv::Writer::from_writer(Vec::with_capacity(chunk.len() * 120));
            for r in chunk {
                let a = &study.areas[r.area];
                csv.write_record([
                    a.code.as_str(),
                    a.name.as_str(),
                    a.group.as_str(),
                    r.service_type.as_str(),
                    &num(r.area_m2, 3),
                    &num(r.area_share, 9),
                    &opt(r.population, 3),
                    &opt(r.covered_population, 3),
                    &opt(r.population_share, 9),
                    &opt(r.nearest_m, 1),
                    &r.providers_within.to_string(),
                ])
                .expect("writing CSV to memory cannot fail");
            }
            csv.into_inner().expect("flushing CSV to memory cannot fail")
        })
        .collect();
    write_atomic(path, |w| {
        let mut header = ::csv::Writer::from_writer(Vec::new());
        header.write_record(COVERAGE_COLUMNS)?;
        w.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
        for c in &chunks {
            w.write_all(c)?;
        }
        Ok(())
    })
}
