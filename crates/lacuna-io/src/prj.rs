//! Recognises the CRS described by an ESRI `.prj` (WKT1) file.
//!
//! The `shapefile` crate never reads `.prj`, and real files often lack an EPSG code: the Camden
//! census shapefiles call British National Grid only "Transverse_Mercator" with datum
//! `D_OSGB_1936`. So besides names and `AUTHORITY` codes this module recognises British National
//! Grid and WGS84 UTM zones by their projection parameters.
//!
//! A projected CRS's coordinates may be in feet (US survey or international) rather than metres.
//! The `.prj`'s linear `UNIT` is honoured: a CRS recognised by its parameters (false easting and
//! northing converted to metres first) comes with the factor that turns the file's coordinates
//! into that CRS's metres, and an EPSG code whose own unit differs from the `UNIT` likewise.

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

    /// A `PARAMETER` holding a length (false easting/northing), in metres: WKT2 gives each its own
    /// `LENGTHUNIT`; WKT1 writes it in the CRS's linear unit, `unit`.
    fn length_parameter(&self, names: &[&str], unit: f64) -> Option<f64> {
        self.args().iter().find_map(|a| {
            if !a.name().eq_ignore_ascii_case("PARAMETER")
                || !names.contains(&&*normalise(a.label()))
            {
                return None;
            }
            let own = a
                .child("LENGTHUNIT")
                .and_then(|u| u.numbers().first().copied());
            Some(a.numbers().first()? * own.unwrap_or(unit))
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

/// The linear unit of a projected CRS's coordinates: its name and length in metres.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearUnit {
    /// The unit's name as the `.prj` writes it ("Foot_US").
    pub name: String,
    /// Its length in metres (0.3048006096012192 for the US survey foot).
    pub metres: f64,
}

/// What a `.prj` declares.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    /// The CRS the coordinates are in once multiplied by `scale`.
    pub crs: Crs,
    /// How it was recognised, for the user to check.
    pub how: String,
    /// The factor turning the file's coordinates into `crs`'s units: 1 unless the file's linear
    /// unit differs from the CRS's (a British National Grid in feet: 0.3048).
    pub scale: f64,
    /// The file's linear unit when it is not the metre.
    pub unit: Option<LinearUnit>,
}

/// The linear unit of a projected CRS node: WKT1's `UNIT` child, or WKT2's `LENGTHUNIT` (a child,
/// or on the first axis). `None` when the node names none (metres are then assumed).
fn linear_unit(wkt: &Wkt) -> Result<Option<LinearUnit>, String> {
    let node = wkt
        .args()
        .iter()
        .find(|a| {
            a.name().eq_ignore_ascii_case("UNIT") || a.name().eq_ignore_ascii_case("LENGTHUNIT")
        })
        .or_else(|| wkt.child("AXIS").and_then(|a| a.child("LENGTHUNIT")));
    let Some(node) = node else {
        return Ok(None);
    };
    match node.numbers().first() {
        Some(&m) if m.is_finite() && m > 0.0 => Ok(Some(LinearUnit {
            name: node.label().to_string(),
            metres: m,
        })),
        _ => Err(format!(
            "the .prj's linear unit \"{}\" gives no positive length in metres",
            node.label()
        )),
    }
}

/// Recognises the CRS in the text of a `.prj` file.
///
/// Returns the CRS, how it was recognised and the factor to metres of the file's linear unit,
/// or a message saying what the file describes and why it is not supported.
pub fn recognise(text: &str) -> Result<Declared, String> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err("the .prj file is empty".into());
    }
    let wkt = parse(text).map_err(|e| format!("the .prj file is not valid WKT: {e}"))?;
    let kind = wkt.name().to_ascii_uppercase();
    let projected = matches!(kind.as_str(), "PROJCS" | "PROJCRS");
    let unit = if projected { linear_unit(&wkt)? } else { None };
    let units = Units {
        metres: unit.as_ref().map_or(1.0, |u| u.metres),
        unit: unit.filter(|u| (u.metres - 1.0).abs() > 1e-12),
    };
    if let Some(code) = wkt.epsg() {
        let crs = Crs(code);
        if let Ok(proj) = crs.proj() {
            // The EPSG code's own unit (proj's `to_meter`; 1 for geographic CRSs, whose UNIT is
            // angular and not read here).
            let crs_metres = if projected { proj.to_meter() } else { 1.0 };
            return Ok(units.declared(
                crs,
                format!("AUTHORITY[\"EPSG\",\"{code}\"] in the .prj"),
                crs_metres,
            ));
        }
    }
    match kind.as_str() {
        "PROJCS" | "PROJCRS" => projected_crs(&wkt, &units),
        "GEOGCS" | "GEOGCRS" => geographic_crs(&wkt, &units),
        other => Err(format!(
            "the .prj describes a {other} CRS, which this tool does not support"
        )),
    }
}

/// The linear unit of a `.prj`'s coordinates: its length in metres (1 when none is named) and
/// the unit itself when it is not the metre.
struct Units {
    metres: f64,
    unit: Option<LinearUnit>,
}

impl Units {
    /// What the `.prj` declares once recognised as `crs` (whose own unit is `crs_metres`
    /// long): the scale from the file's unit to the CRS's, said in `how` when it is not 1.
    fn declared(&self, crs: Crs, how: String, crs_metres: f64) -> Declared {
        let scale = self.metres / crs_metres;
        let unit = self.unit.clone().filter(|_| (scale - 1.0).abs() > 1e-12);
        let how = match &unit {
            Some(u) => format!(
                "{how}, coordinates in \"{}\" ({} m), converted to the CRS's units",
                u.name, u.metres
            ),
            None => how,
        };
        Declared {
            crs,
            how,
            scale: if unit.is_some() { scale } else { 1.0 },
            unit,
        }
    }
}

/// A projected CRS without a usable EPSG code, recognised by its name or its parameters:
/// British National Grid, or a WGS84 UTM zone. Parameters are compared in metres, so a grid
/// whose `.prj` is in feet is still recognised.
fn projected_crs(wkt: &Wkt, units: &Units) -> Result<Declared, String> {
    let label = normalise(wkt.label());
    let projection = wkt.child("PROJECTION").map(|p| normalise(p.label()));
    let is_tm = projection.as_deref() == Some("transversemercator");
    let lat0 = wkt.parameter(&["latitudeoforigin"]);
    let lon0 = wkt.parameter(&["centralmeridian", "longitudeoforigin"]);
    let k = wkt.parameter(&["scalefactor"]);
    let fe = wkt.length_parameter(&["falseeasting"], units.metres);
    let fn_ = wkt.length_parameter(&["falsenorthing"], units.metres);
    // The name alone is trusted unless a false easting contradicts it (a "British
    // National Grid" whose origin is in another unit than its UNIT says).
    if label.contains("britishnationalgrid") && (fe.is_none() || close(fe, 400_000.0, 1e-2)) {
        return Ok(units.declared(BNG, format!("the .prj names \"{}\"", wkt.label()), 1.0));
    }
    if is_tm
        && close(lat0, 49.0, 1e-9)
        && close(lon0, -2.0, 1e-9)
        && close(k, 0.9996012717, 1e-10)
        && close(fe, 400_000.0, 1e-2)
        && close(fn_, -100_000.0, 1e-2)
        && datum_is(wkt, &["osgb1936", "osgb36"], 6_377_563.396)
    {
        return Ok(units.declared(
            BNG,
            format!(
                "the .prj's Transverse Mercator parameters and Airy 1830 datum (\"{}\")",
                wkt.label()
            ),
            1.0,
        ));
    }
    if is_tm
        && close(lat0, 0.0, 1e-9)
        && close(k, 0.9996, 1e-9)
        && close(fe, 500_000.0, 1e-2)
        && datum_is(wkt, &["wgs1984", "wgs84"], 6_378_137.0)
    {
        if let Some(lon0) = lon0 {
            let zone = ((lon0 + 183.0) / 6.0).round();
            if (1.0..=60.0).contains(&zone) && close(Some(lon0), zone * 6.0 - 183.0, 1e-9) {
                let base = if close(fn_, 0.0, 1e-2) { 32600 } else { 32700 };
                return Ok(units.declared(
                    Crs(base + zone as u16),
                    format!("the .prj's WGS84 UTM zone {zone} parameters"),
                    1.0,
                ));
            }
        }
    }
    let in_unit = units
        .unit
        .as_ref()
        .map(|u| format!(", in \"{}\" of {} m", u.name, u.metres))
        .unwrap_or_default();
    Err(format!(
        "the .prj describes the projected CRS \"{}\" ({}{in_unit}), which this tool does \
         not recognise",
        wkt.label(),
        projection.unwrap_or_else(|| "no PROJECTION".into())
    ))
}

/// A geographic CRS without a usable EPSG code: WGS84 when its datum is WGS84 or ETRS89.
fn geographic_crs(wkt: &Wkt, units: &Units) -> Result<Declared, String> {
    if datum_is(
        wkt,
        &["wgs1984", "wgs84", "etrs1989", "etrs89"],
        6_378_137.0,
    ) {
        Ok(units.declared(
            WGS84,
            format!(
                "the .prj's geographic CRS \"{}\" (WGS84 / ETRS89 datum, treated as \
                 EPSG:4326; ETRS89 and WGS84 differ by under a metre in Britain)",
                wkt.label()
            ),
            1.0,
        ))
    } else {
        Err(format!(
            "the .prj describes the geographic CRS \"{}\" on a datum this tool does not \
             recognise",
            wkt.label()
        ))
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
        let Declared { crs, how, .. } = recognise(CAMDEN).unwrap();
        assert_eq!(crs, BNG);
        assert!(how.contains("parameters"), "{how}");
    }

    #[test]
    fn bng_by_name_and_wgs84_and_utm() {
        assert_eq!(recognise(ESRI_BNG).unwrap().crs, BNG);
        assert_eq!(recognise(WGS).unwrap().crs, WGS84);
        assert_eq!(recognise(UTM30).unwrap().crs, Crs(32630));
        for metric in [CAMDEN, ESRI_BNG, WGS, UTM30] {
            let d = recognise(metric).unwrap();
            assert_eq!((d.scale, d.unit), (1.0, None));
        }
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
        let Declared { crs, how, .. } = recognise(wkt).unwrap();
        assert_eq!(crs, BNG);
        assert!(how.contains("AUTHORITY"));
    }

    /// A British National Grid in feet: the false origin in the unit, and the unit's factor.
    fn bng_in(unit: &str, metres: f64, name: &str) -> String {
        CAMDEN
            .replace("Transverse_Mercator\",GEOGCS", &format!("{name}\",GEOGCS"))
            .replace("400000", &format!("{}", 400_000.0 / metres))
            .replace("-100000", &format!("{}", -100_000.0 / metres))
            .replace("UNIT[\"Meter\",1]", &format!("UNIT[\"{unit}\",{metres}]"))
    }

    #[test]
    fn feet_are_honoured_by_parameters_and_by_name() {
        for (unit, metres) in [("Foot_US", 0.3048006096012192), ("foot", 0.3048)] {
            for name in ["Transverse_Mercator", "British_National_Grid_Feet"] {
                let wkt = bng_in(unit, metres, name);
                let d = recognise(&wkt).unwrap_or_else(|e| panic!("{wkt}: {e}"));
                assert_eq!(d.crs, BNG, "{wkt}");
                assert_eq!(d.scale, metres, "{wkt}");
                assert_eq!(d.unit.as_ref().unwrap().name, unit);
                assert!(d.how.contains(unit), "{}", d.how);
            }
        }
        // A name that says British National Grid over an origin in another unit is not trusted.
        let wrong = ESRI_BNG.replace(
            "UNIT[\"Meter\",1.0]",
            "UNIT[\"Foot_US\",0.3048006096012192]",
        );
        let err = recognise(&wrong).unwrap_err();
        assert!(
            err.contains("Foot_US") && err.contains("does not recognise"),
            "{err}"
        );
    }

    #[test]
    fn an_epsg_code_in_feet_keeps_its_own_unit() {
        // EPSG:2263 is in US survey feet: proj applies the unit, so no scale here.
        let ny = r#"PROJCS["NAD83 / New York Long Island (ftUS)",GEOGCS["NAD83",DATUM["North_American_Datum_1983",SPHEROID["GRS 1980",6378137,298.257222101]]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["false_easting",984250.0000000002],UNIT["US survey foot",0.3048006096012192],AUTHORITY["EPSG","2263"]]"#;
        let d = recognise(ny).unwrap();
        assert_eq!((d.crs, d.scale, d.unit), (Crs(2263), 1.0, None));
        // A metric code whose UNIT says feet: the UNIT describes the coordinates.
        let bng_ft = ny
            .replace("2263", "27700")
            .replace("US survey foot\",0.3048006096012192", "foot\",0.3048");
        let d = recognise(&bng_ft).unwrap();
        assert_eq!((d.crs, d.scale), (BNG, 0.3048));
    }
}
