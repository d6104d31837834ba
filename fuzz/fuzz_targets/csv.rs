//! Any bytes as a CSV of points and as a need table: a result or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::io::Write::write_all(&mut f, data).unwrap();
    let _ = lacuna::io::read_layer(f.path(), &Default::default());
    if let Ok(t) = lacuna::io::csv::read_table(f.path()) {
        for row in &t.features {
            for v in &row.values {
                let _ = v.as_number();
            }
        }
    }
});
