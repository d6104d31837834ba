//! A small writer of the compact JSON the interactive map reads: objects of columns (arrays of
//! whole numbers or strings), written straight into one string, with the escaping that keeps
//! the text safe inside an HTML `<script>` element.

use std::fmt::Write as _;

/// JSON being written: a stack of open objects and lists, each knowing whether it has a member
/// yet (to place the commas). Members start with [`key`](Json::key), list elements with
/// [`element`](Json::element); values are written by the other methods.
pub(crate) struct Json {
    out: String,
    first: Vec<bool>,
}

impl Json {
    /// A new document holding one object.
    pub(crate) fn object() -> Json {
        Json {
            out: String::from("{"),
            first: vec![true],
        }
    }

    fn sep(&mut self) {
        if let Some(first) = self.first.last_mut() {
            if !*first {
                self.out.push(',');
            }
            *first = false;
        }
    }

    /// Starts member `key` of the open object (its value comes next).
    pub(crate) fn key(&mut self, key: &str) -> &mut Json {
        self.sep();
        push_str(&mut self.out, key);
        self.out.push(':');
        self
    }

    /// A string value.
    pub(crate) fn str(&mut self, s: &str) {
        push_str(&mut self.out, s);
    }

    /// A number value, written with at most `digits` decimals (integers stay integers).
    pub(crate) fn num(&mut self, x: f64, digits: usize) {
        push_num(&mut self.out, x, digits);
    }

    /// A boolean value.
    pub(crate) fn bool(&mut self, b: bool) {
        self.out.push_str(if b { "true" } else { "false" });
    }

    /// An array of whole numbers.
    pub(crate) fn ints(&mut self, v: impl IntoIterator<Item = i64>) {
        self.out.push('[');
        for (k, x) in v.into_iter().enumerate() {
            if k > 0 {
                self.out.push(',');
            }
            let _ = write!(self.out, "{x}");
        }
        self.out.push(']');
    }

    /// An array of numbers with at most `digits` decimals; non-finite ones as `null`.
    pub(crate) fn nums(&mut self, v: impl IntoIterator<Item = f64>, digits: usize) {
        self.out.push('[');
        for (k, x) in v.into_iter().enumerate() {
            if k > 0 {
                self.out.push(',');
            }
            push_num(&mut self.out, x, digits);
        }
        self.out.push(']');
    }

    /// An array of strings.
    pub(crate) fn strs<'s>(&mut self, v: impl IntoIterator<Item = &'s str>) {
        self.out.push('[');
        for (k, s) in v.into_iter().enumerate() {
            if k > 0 {
                self.out.push(',');
            }
            push_str(&mut self.out, s);
        }
        self.out.push(']');
    }

    /// A value already written as JSON by the caller (arrays of arrays).
    pub(crate) fn raw(&mut self, json: &str) {
        self.out.push_str(json);
    }

    /// Opens an object as the current value.
    pub(crate) fn open(&mut self) {
        self.out.push('{');
        self.first.push(true);
    }

    /// Closes the innermost object opened by [`open`](Json::open).
    pub(crate) fn close(&mut self) {
        self.out.push('}');
        self.first.pop();
    }

    /// Opens an array of objects as the current value; each element starts with
    /// [`element`](Json::element).
    pub(crate) fn open_list(&mut self) {
        self.out.push('[');
        self.first.push(true);
    }

    /// Starts the next element of the open list, an object closed with [`close`](Json::close).
    pub(crate) fn element(&mut self) {
        self.sep();
        self.open();
    }

    /// Closes the list opened by [`open_list`](Json::open_list).
    pub(crate) fn close_list(&mut self) {
        self.out.push(']');
        self.first.pop();
    }

    /// The document, its top object closed.
    pub(crate) fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// `x` with at most `digits` decimals, trailing zeros dropped; `null` when not finite.
fn push_num(out: &mut String, x: f64, digits: usize) {
    if !x.is_finite() {
        out.push_str("null");
        return;
    }
    let s = format!("{x:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    out.push_str(if s == "-0" { "0" } else { s });
}

/// `s` as a JSON string. `<` is escaped too, so no `</script>` inside a name can end the
/// element the data sits in.
fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("\\u003c"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_valid_compact_json() {
        let mut j = Json::object();
        j.key("name").str("a \"b\" </script>");
        j.key("n").ints([1, -2, 3]);
        j.key("x").nums([0.5, f64::NAN, 2.0, -0.0001], 2);
        j.key("s").strs(["p", "q"]);
        j.key("o").open();
        j.key("k").bool(true);
        j.close();
        j.key("l").open_list();
        j.element();
        j.key("a").num(1.25, 1);
        j.close();
        j.element();
        j.key("a").num(3.0, 1);
        j.close();
        j.close_list();
        let s = j.finish();
        assert!(!s.contains("</script>"));
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["name"], "a \"b\" </script>");
        assert_eq!(v["n"], serde_json::json!([1, -2, 3]));
        assert_eq!(v["x"], serde_json::json!([0.5, null, 2, 0]));
        assert_eq!(v["o"]["k"], true);
        assert_eq!(v["l"][0]["a"], 1.2);
        assert_eq!(v["l"][1]["a"], 3);
    }
}
