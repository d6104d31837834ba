//! One attribute value of an input row (a cell of a CSV file, a GeoJSON property, a dBase
//! field), and the parsing of numbers written the way people write them ("29,199").

/// One attribute value as read from a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Missing or empty.
    Null,
    /// Text (numbers in CSV files arrive as text and are parsed on use).
    Text(String),
    /// A number stored as a number (GeoJSON, dBase numeric fields).
    Number(f64),
}

impl Value {
    /// A CSV cell. A number written in its shortest form (`1488`, `449118.3`, `-2.5`) is stored
    /// as a number, which `as_text` gives back unchanged: a national points file then holds no
    /// string per coordinate. Anything else (codes with leading zeros, `"29,199"`, `1e3`, `+1`,
    /// `1.50`, more than 15 digits) stays text and is parsed on use.
    pub fn from_csv_cell(s: &str) -> Value {
        if is_canonical_number(s) {
            if let Ok(x) = s.parse::<f64>() {
                return Value::Number(x);
            }
        }
        Value::Text(s.to_string())
    }

    /// The value as text; `None` when missing or blank.
    pub fn as_text(&self) -> Option<String> {
        self.text().map(std::borrow::Cow::into_owned)
    }

    /// [`as_text`](Self::as_text) without copying a text value (for lookups).
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            Value::Null => None,
            Value::Text(t) => Some(Cow::Borrowed(t.trim())).filter(|t| !t.is_empty()),
            Value::Number(x) => Some(Cow::Owned(if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{}", *x as i64)
            } else {
                format!("{x}")
            })),
        }
    }

    /// The value as a number. `Ok(None)` when missing or blank; `Err` with the offending text
    /// when it is not a number. Accepts quoted thousands separators ("29,199").
    pub fn as_number(&self) -> std::result::Result<Option<f64>, String> {
        match self {
            Value::Null => Ok(None),
            Value::Number(x) if x.is_finite() => Ok(Some(*x)),
            Value::Number(x) => Err(format!("{x}")),
            Value::Text(t) => {
                let t = t.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                parse_number(t)
                    .map(Some)
                    .ok_or_else(|| brief(t).into_owned())
            }
        }
    }
}

/// The longest text from an input quoted in a message: a cell or a column name is cut there
/// (with "…"), so a message never repeats a huge field (a binary file read as one header).
pub const QUOTE_CHARS: usize = 100;

/// `s` cut to [`QUOTE_CHARS`] characters, with "…" when cut.
pub fn brief(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(QUOTE_CHARS) {
        None => std::borrow::Cow::Borrowed(s),
        Some((at, _)) => std::borrow::Cow::Owned(format!("{}…", &s[..at])),
    }
}

/// Column names for a message: each cut by [`brief`], at most 50 of them (then "… and N more").
pub fn list_columns(columns: &[String]) -> String {
    const MAX: usize = 50;
    let mut out: Vec<std::borrow::Cow<'_, str>> =
        columns.iter().take(MAX).map(|c| brief(c)).collect();
    if columns.len() > MAX {
        out.push(format!("… and {} more", columns.len() - MAX).into());
    }
    out.join(", ")
}

/// True when `s` is a decimal number that `Value::as_text` would print back identically from its
/// `f64`: optional `-`, no leading zeros, at most one `.` followed by digits not ending in `0`,
/// at most 15 significant digits (so the double round-trips), and not `-0`.
fn is_canonical_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || (int.len() > 1 && int.starts_with('0')) {
        return false;
    }
    if let Some(f) = frac {
        if !all_digits(f) || f.ends_with('0') {
            return false;
        }
    }
    let significant = int.trim_start_matches('0').len() + frac.map_or(0, str::len);
    let negative_zero = s.starts_with('-') && int == "0" && frac.is_none();
    significant <= 15 && !negative_zero
}

/// Parses a number as written in spreadsheets: `1234.5`, `-3`, `"29,199"`, `1,234,567.25`.
/// Commas are accepted only as thousands separators in groups of three, so `1,5` is refused
/// rather than read as 15.
pub fn parse_number(t: &str) -> Option<f64> {
    let t = t.trim();
    let x = if t.contains(',') {
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits = int.trim_start_matches(['-', '+']);
        let groups: Vec<&str> = digits.split(',').collect();
        let ok = !groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return None;
        }
        let joined = format!("{}{}", &int[..int.len() - digits.len()], groups.concat());
        if frac.is_empty() && !t.ends_with('.') {
            joined.parse::<f64>().ok()?
        } else {
            format!("{joined}.{frac}").parse::<f64>().ok()?
        }
    } else {
        t.parse::<f64>().ok()?
    };
    x.is_finite().then_some(x)
}
