//! Outputs: tables (CSV), map layers (GeoJSON, WGS84) and the run record (JSON), each written
//! atomically, and the number formats they share with the report.

pub mod findings;
pub mod gpkg;
pub mod layers;
pub mod network;
pub mod run_record;
pub mod tables;

/// The opening of a GeoJSON FeatureCollection that names the run it belongs to (a foreign
/// member, which RFC 7946 allows and GIS readers ignore).
pub(crate) fn collection_head(run_id: &str) -> String {
    format!("{{\"type\":\"FeatureCollection\",\"run_id\":\"{run_id}\",\"features\":[\n")
}

/// What the findings' weights are, as tables, maps, the report and the console must name them:
/// people, or (when a study gives no population at all) the areas' size, which must never be
/// shown as people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Units {
    /// True when the weights are people (or counted points).
    pub by_population: bool,
    /// What a unit of population is: "people", or "points" when the points had no population
    /// column and each counts as one.
    pub people: &'static str,
}

impl Units {
    /// The units of a coverage run.
    pub fn of(
        study: &lacuna_core::Study,
        coverage: &lacuna_core::metrics::coverage::Coverage,
    ) -> Units {
        Units::new(
            study,
            coverage.method != lacuna_core::metrics::coverage::PopulationMethod::None,
        )
    }

    /// The units of a study whose findings are weighted by population (or by area).
    pub fn new(study: &lacuna_core::Study, by_population: bool) -> Units {
        Units {
            by_population,
            people: if study.points_counted {
                "points"
            } else {
                "people"
            },
        }
    }

    /// A weight as text: "29,199" people, or square metres as "2.81" km².
    pub fn value(self, x: f64) -> String {
        if self.by_population {
            thousands(x)
        } else {
            fixed(x / 1e6, 2)
        }
    }

    /// A weight with its unit: "29,199 people" or "2.81 km²".
    pub fn amount(self, x: f64) -> String {
        if self.by_population {
            format!("{} {}", thousands(x), self.people)
        } else {
            format!("{} km²", fixed(x / 1e6, 2))
        }
    }

    /// The weights as a column heading: "people" or "area (km²)"; `what` qualifies them
    /// ("uncovered" gives "uncovered people" or "uncovered area (km²)").
    pub fn heading(self, what: &str) -> String {
        let unit = if self.by_population {
            self.people
        } else {
            "area (km²)"
        };
        if what.is_empty() {
            unit.to_string()
        } else {
            format!("{what} {unit}")
        }
    }

    /// What a covered share is a share of: "people" or "the area".
    pub fn whole(self) -> &'static str {
        if self.by_population {
            self.people
        } else {
            "area"
        }
    }
}

/// True when the need deciles were derived within the study (from a score or rank), so tables
/// and maps must say "study decile", not a national decile.
pub fn study_deciles(study: &lacuna_core::Study) -> bool {
    study.need.as_ref().is_some_and(|n| n.deciles_within_study)
}

/// The codes of a gap's `areas` and their councils (distinct, sorted).
pub(crate) fn gap_lists<'a>(
    all: &'a [lacuna_core::model::Area],
    areas: &[usize],
) -> (Vec<&'a str>, Vec<&'a str>) {
    let codes = areas.iter().map(|&i| all[i].code.as_str()).collect();
    let mut groups: Vec<&str> = areas.iter().map(|&i| all[i].group.as_str()).collect();
    groups.sort_unstable();
    groups.dedup();
    (codes, groups)
}

/// A share as a percentage with one decimal ("49.2%"); "–" when not finite.
pub fn pct1(x: f64) -> String {
    if x.is_finite() {
        // `+ 0.0` turns a negative zero (an empty float sum is -0.0) into 0.
        format!("{:.1}%", 100.0 * x + 0.0)
    } else {
        "–".into()
    }
}

/// `x` with `d` decimals; "–" when not finite.
pub fn fixed(x: f64, d: usize) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let s = format!("{:.d$}", x + 0.0);
    // -0.0004 rounds to "-0.000": a sign on zero reads as a finding.
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// `x` rounded to a whole number with thousands separators ("29,199"); "–" when not finite.
pub fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let n = x.round() as i64;
    let s = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Appends `x` rounded to at most `decimals` decimals, trailing zeros trimmed ("0.25", "3",
/// "-1.5"); nothing for NaN or infinities. Halves of the scaled value round away from zero.
pub fn push_num(out: &mut String, x: f64, decimals: u32) {
    use std::fmt::Write as _;
    if !x.is_finite() {
        return;
    }
    let scale = 10f64.powi(decimals as i32);
    let y = (x * scale).round();
    if decimals > 15 || y.abs() >= 9.0e15 {
        // `+ 0.0` turns a negative zero (-0.0001 rounded) into 0; the shortest decimal that
        // reads back as the rounded value has no trailing zeros.
        let _ = write!(out, "{}", y / scale + 0.0);
        return;
    }
    // Below 2^53 the rounded value is an exact integer: its digits with the point put back are
    // the same text as the float formatter's, about three times faster, and a national layer
    // prints millions of numbers (0.3 s of the 1.2 s national coverage job).
    let n = y as i64;
    if n < 0 {
        out.push('-');
    }
    let (n, p) = (n.unsigned_abs(), 10u64.pow(decimals));
    let mut digits = itoa::Buffer::new();
    out.push_str(digits.format(n / p));
    let mut frac = n % p;
    if frac != 0 {
        let mut width = decimals as usize;
        while frac.is_multiple_of(10) {
            frac /= 10;
            width -= 1;
        }
        let text = digits.format(frac);
        out.push('.');
        out.extend(std::iter::repeat_n('0', width - text.len()));
        out.push_str(text);
    }
}

/// [`push_num`] into a new string.
pub fn num(x: f64, decimals: u32) -> String {
    let mut s = String::new();
    push_num(&mut s, x, decimals);
    s
}

/// Like [`num`], empty for `None`.
pub fn opt(x: Option<f64>, decimals: u32) -> String {
    x.map(|x| num(x, decimals)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formatting() {
        assert_eq!(fixed(-0.0004, 3), "0.000");
        assert_eq!(fixed(-0.0005, 3), "-0.001");
        assert_eq!(num(1.0, 6), "1");
        assert_eq!(num(0.1234567, 6), "0.123457");
        assert_eq!(num(-0.0000001, 3), "0");
        assert_eq!(num(f64::NAN, 3), "");
        assert_eq!(opt(None, 2), "");
        assert_eq!(num(1500.25, 1), "1500.3", "halves round away from zero");
        assert_eq!(num(0.3, 9), "0.3");
        assert_eq!(num(123_456_789.123_456, 3), "123456789.123");
        assert_eq!(num(-2.000_000_04, 7), "-2");
        assert_eq!(num(-0.05, 7), "-0.05");
        assert_eq!(num(53.123_456_78, 7), "53.1234568");
        assert_eq!(num(1e-9, 9), "0.000000001");
        for x in [0.1, 0.123456789, 7.0, 1e6 / 3.0, -12.5, 0.000_31] {
            let fixed = format!("{x:.9}");
            let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
            assert_eq!(num(x, 9), trimmed);
        }
    }
}
