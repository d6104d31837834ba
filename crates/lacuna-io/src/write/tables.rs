//! `coverage.csv`: one row per area and service type (long form).

use std::path::Path;

use super::push_num;
use crate::atomic::write_atomic;
use crate::error::Result;
use lacuna_core::metrics::coverage::CoverageRow;
use lacuna_core::Study;

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
    let mut out = ::csv::Writer::from_writer(w);
    out.write_record(COVERAGE_COLUMNS)?;
    let mut field = String::new();
    for r in rows {
        let a = &study.areas[r.area];
        for text in [&a.code, &a.name, &a.group, &study.service_types[r.service]] {
            out.write_field(text)?;
        }
        for (x, d) in [
            (Some(r.area_m2), 3),
            (Some(r.area_share), 9),
            (r.population, 3),
            (r.covered_population, 3),
            (r.population_share, 9),
            (r.nearest_m, 1),
            (Some(r.providers_within as f64), 0),
        ] {
            field.clear();
            if let Some(x) = x {
                push_num(&mut field, x, d);
            }
            out.write_field(&field)?;
        }
        out.write_record(None::<&[u8]>)?;
    }
    out.flush()
}
