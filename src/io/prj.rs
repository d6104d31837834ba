//! Recognises the CRS described by an ESRI `.prj` (WKT1) file.
//!
//! The `shapefile` crate never reads `.prj`, and real files often lack an EPSG code: the Camden
//! census shapefiles call British National Grid only "Transverse_Mercator" with datum
//! `D_OSGB_1936`. So besides names and `AUTHORITY` codes this module recognises British National
//! Grid and WGS84 UTM zones by their projection parameters.

use super::crs::{Crs, BNG, WGS84};

/// One WKT node: `NAME["text", 1.0, CHILD[...], ...]`.
#[derive(Debug, Clone, PartialEq)]
enum Wkt {
    Node(String, Vec<Wkt>),
    Text(String),
    Number(f64),
}

impl Wkt {
    fn name(&self) -> &str {
        match self {
            Wkt::Node(n, _) => n,
            _ => "",
        }
    }

    fn args(&self) -> &[Wkt] {
        match self {
            Wkt::Node(_, a) => a,
            _ => &[],
        }
    }

    /// The node's first text argument (its name in WKT).
    fn label(&self) -> &str {
        self.args()
            .iter()
            .find_map(|a| match a {
                Wkt::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .unwrap_or("")
    }

    fn child(&self, name: &str) -> Option<&Wkt> {
        self.args()
            .iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    fn find_deep(&self, name: &str) -> Option<&Wkt> {
        if self.name().eq_ignore_ascii_case(name) {
            return Some(self);
        }
        self.args().iter().find_map(|a| a.find_deep(name))
    }

    fn numbers(&self) -> Vec<f64> {
        self.args()
            .iter()
            .filter_map(|a| match a {
                Wkt::Number(x) => Some(*x),
                _ => None,
            })
            .collect()
    }

    /// `PARAMETER["name", value]` children by normalised name.
    fn parameter(&self, names: &[&str]) -> Option<f64> {
        self.args().iter().find_map(|a| {
            if !a.name().eq_ignore_ascii_case("PARAMETER") {
                return None;
            }
            let label = normalise(a.label());
            if names.iter().any(|n| label == *n) {
                a.numbers().first().copied()
            } else {
                None
            }
        })
    }

    fn epsg(&self) -> Option<u16> {
        let auth = self.child("AUTHORITY")?;
        if !auth.label().eq_ignore_ascii_case("EPSG") {
            return None;
        }
        match auth.args().get(1)? {
            Wkt::Text(t) => t.trim().parse().ok(),
            Wkt::Number(x) => Some(*x as u16),
            _ => None,
        }
    }
}

fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn parse(text: &str) -> Result<Wkt, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let node = p.node()?;
    p.ws();
    if p.i < p.s.len() {
        return Err(format!("unexpected text after the WKT at byte {}", p.i));
    }
    Ok(node)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && (self.s[self.i].is_ascii_whitespace() || self.s[self.i] == 0)
        {
            self.i += 1;
        }
    }

    fn node(&mut self) -> Result<Wkt, String> {
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
        {
            self.i += 1;
        }
        if start == self.i {
            return Err(format!("expected a WKT keyword at byte {start}"));
        }
        let name = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        self.ws();
        let close = match self.s.get(self.i) {
            Some(b'[') => b']',
            Some(b'(') => b')',
            _ => return Ok(Wkt::Node(name, Vec::new())),
        };
        self.i += 1;
        let mut args = Vec::new();
        loop {
            self.ws();
            match self.s.get(self.i) {
                None => return Err("the WKT ends before its closing bracket".into()),
                Some(&c) if c == close => {
                    self.i += 1;
                    break;
                }
                Some(b',') => self.i += 1,
                Some(b'"') => {
                    self.i += 1;
                    let start = self.i;
                    while self.i < self.s.len() && self.s[self.i] != b'"' {
                        self.i += 1;
                    }
                    if self.i >= self.s.len() {
                        return Err("unterminated string in WKT".into());
                    }
                    args.push(Wkt::Text(
                        String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
                    ));
                    self.i += 1;
                }
                Some(c) if c.is_ascii_digit() || *c == b'-' || *c == b'+' || *c == b'.' => {
                    let start = self.i;
                    while self.i < self.s.len()
                        && matches!(
                            self.s[self.i],
                            b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
                        )
                    {
                        self.i += 1;
                    }
                    let t = String::from_utf8_lossy(&self.s[start..self.i]);
                    args.push(Wkt::Number(
                        t.parse().map_err(|_| format!("bad number {t:?} in WKT"))?,
                    ));
                }
                Some(_) => args.push(self.node()?),
            }
        }
        Ok(Wkt::Node(name, args))
    }
}

fn close(a: Option<f64>, b: f64, tol: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= tol)
}

fn datum_is(wkt: &Wkt, names: &[&str], semi_major: f64) -> bool {
    let datum = wkt.find_deep("DATUM").map(|d| normalise(d.label()));
    let spheroid = wkt.find_deep("SPHEROID");
    datum.is_some_and(|d| names.iter().any(|n| d.contains(n)))
        || spheroid.is_some_and(|s| close(s.numbers().first().copied(), semi_major, 0.01))
}

/// Recognises the CRS in the text of a `.prj` file.
///
/// Returns the CRS and how it was recognised, or a message saying what the file describes and
/// why it is not supported.
pub fn recognise(text: &str) -> Result<(Crs, String), String> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err("the .prj file is empty".into());
    }
    let wkt = parse(text).map_err(|e| format!("the .prj file is not valid WKT: {e}"))?;
    let kind = wkt.name().to_ascii_uppercase();
    if let Some(code) = wkt.epsg() {
        let crs = Crs(code);
        if crs.proj().is_ok() {
            return Ok((crs, format!("AUTHORITY[\"EPSG\",\"{code}\"] in the .prj")));
        }
    }
    let label = normalise(wkt.label());
    match kind.as_str() {
        "PROJCS" | "PROJCRS" => {
            if label.contains("britishnationalgrid") {
                return Ok((BNG, format!("the .prj names \"{}\"", wkt.label())));
            }
            let projection = wkt.child("PROJECTION").map(|p| normalise(p.label()));
            let is_tm = projection.as_deref() == Some("transversemercator");
            let lat0 = wkt.parameter(&["latitudeoforigin"]);
            let lon0 = wkt.parameter(&["centralmeridian", "longitudeoforigin"]);
            let k = wkt.parameter(&["scalefactor"]);
            let fe = wkt.parameter(&["falseeasting"]);
            let fn_ = wkt.parameter(&["falsenorthing"]);
            if is_tm
                && close(lat0, 49.0, 1e-9)
                && close(lon0, -2.0, 1e-9)
                && close(k, 0.9996012717, 1e-10)
                && close(fe, 400_000.0, 1e-3)
                && close(fn_, -100_000.0, 1e-3)
                && datum_is(&wkt, &["osgb1936", "osgb36"], 6_377_563.396)
            {
                return Ok((
                    BNG,
                    format!(
                        "the .prj's Transverse Mercator parameters and Airy 1830 datum (\"{}\")",
                        wkt.label()
                    ),
                ));
            }
            if is_tm
                && close(lat0, 0.0, 1e-9)
                && close(k, 0.9996, 1e-9)
                && close(fe, 500_000.0, 1e-3)
                && datum_is(&wkt, &["wgs1984", "wgs84"], 6_378_137.0)
            {
                if let Some(lon0) = lon0 {
                    let zone = ((lon0 + 183.0) / 6.0).round();
                    if (1.0..=60.0).contains(&zone) && close(Some(lon0), zone * 6.0 - 183.0, 1e-9) {
                        let base = if close(fn_, 0.0, 1e-3) { 32600 } else { 32700 };
                        return Ok((
                            Crs(base + zone as u16),
                            format!("the .prj's WGS84 UTM zone {zone} parameters"),
                        ));
                    }
                }
            }
            Err(format!(
                "the .prj describes the projected CRS \"{}\" ({}), which this tool does not \
                 recognise",
                wkt.label(),
                projection.unwrap_or_else(|| "no PROJECTION".into())
            ))
        }
        "GEOGCS" | "GEOGCRS" => {
            if datum_is(
                &wkt,
                &["wgs1984", "wgs84", "etrs1989", "etrs89"],
                6_378_137.0,
            ) {
                Ok((
                    WGS84,
                    format!(
                        "the .prj's geographic CRS \"{}\" (WGS84 / ETRS89 datum, treated as \
                         EPSG:4326; ETRS89 and WGS84 differ by under a metre in Britain)",
                        wkt.label()
                    ),
                ))
            } else {
                Err(format!(
                    "the .prj describes the geographic CRS \"{}\" on a datum this tool does not \
                     recognise",
                    wkt.label()
                ))
            }
        }
        other => Err(format!(
            "the .prj describes a {other} CRS, which this tool does not support"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAMDEN: &str = r#"PROJCS["Transverse_Mercator",GEOGCS["GCS_OSGB 1936",DATUM["D_OSGB_1936",SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",49],PARAMETER["central_meridian",-2],PARAMETER["scale_factor",0.9996012717],PARAMETER["false_easting",400000],PARAMETER["false_northing",-100000],UNIT["Meter",1]]"#;
    const ESRI_BNG: &str = r#"PROJCS["British_National_Grid",GEOGCS["GCS_OSGB_1936",DATUM["D_OSGB_1936",SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",400000.0],PARAMETER["False_Northing",-100000.0],PARAMETER["Central_Meridian",-2.0],PARAMETER["Scale_Factor",0.9996012717],PARAMETER["Latitude_Of_Origin",49.0],UNIT["Meter",1.0]]"#;
    const WGS: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    const UTM30: &str = r#"PROJCS["WGS_1984_UTM_Zone_30N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",-3.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

    #[test]
    fn bng_by_parameters_without_its_name() {
        let (crs, how) = recognise(CAMDEN).unwrap();
        assert_eq!(crs, BNG);
        assert!(how.contains("parameters"), "{how}");
    }

    #[test]
    fn bng_by_name_and_wgs84_and_utm() {
        assert_eq!(recognise(ESRI_BNG).unwrap().0, BNG);
        assert_eq!(recognise(WGS).unwrap().0, WGS84);
        assert_eq!(recognise(UTM30).unwrap().0, Crs(32630));
    }

    #[test]
    fn tm_with_other_parameters_is_refused() {
        let irish = CAMDEN
            .replace("0.9996012717", "1.000035")
            .replace("-2]", "-8]");
        let err = recognise(&irish).unwrap_err();
        assert!(err.contains("does not recognise"), "{err}");
    }

    #[test]
    fn broken_wkt_is_an_error() {
        assert!(recognise("PROJCS[\"x\",GEOGCS[")
            .unwrap_err()
            .contains("not valid WKT"));
        assert!(recognise("").unwrap_err().contains("empty"));
    }

    #[test]
    fn authority_code_wins() {
        let wkt = r#"PROJCS["OSGB 1936 / British National Grid",GEOGCS["OSGB 1936",DATUM["OSGB_1936",SPHEROID["Airy 1830",6377563.396,299.3249646]]],PROJECTION["Transverse_Mercator"],AUTHORITY["EPSG","27700"]]"#;
        let (crs, how) = recognise(wkt).unwrap();
        assert_eq!(crs, BNG);
        assert!(how.contains("AUTHORITY"));
    }
}
