//! Outputs: tables (CSV), map layers (GeoJSON, WGS84) and the run record (JSON), each written
//! atomically.

pub mod layers;
pub mod run_record;
pub mod tables;

/// Formats a number with at most `decimals` decimals, trimming trailing zeros, so outputs are
/// compact and byte-for-byte reproducible.
pub fn num(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// Like [`num`], empty for `None`.
pub fn opt(x: Option<f64>, decimals: usize) -> String {
    x.map(|x| num(x, decimals)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formatting() {
        assert_eq!(num(1.0, 6), "1");
        assert_eq!(num(0.1234567, 6), "0.123457");
        assert_eq!(num(-0.0000001, 3), "0");
        assert_eq!(num(f64::NAN, 3), "");
        assert_eq!(opt(None, 2), "");
        assert_eq!(num(1500.25, 1), "1500.2");
    }
}
