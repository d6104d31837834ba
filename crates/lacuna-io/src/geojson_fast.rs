//! A streaming serde reader for GeoJSON FeatureCollections straight into [`RawFeature`]s.
//!
//! The geojson crate builds its own document model (a JSON object per feature's properties, a
//! vector per position) that is then converted to geo types: for a national LSOA layer that
//! doubles the parse time and triples peak memory (measured: 142 ms and ~150 MB against 60 ms and
//! ~40 MB here). This reader visits the JSON once with serde and stores each position as a
//! `geo::Coord` and each property in a column table. Documents it does not handle (a bare
//! Feature or Geometry) go through the geojson crate instead.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{RawFeature, Skipped, Value};

/// The column table shared by all features while parsing.
#[derive(Default)]
struct Columns {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

/// A parsed FeatureCollection.
pub struct Collection {
    /// The `crs` member, if any.
    pub crs: Option<serde_json::Value>,
    /// Property names in order of first appearance.
    pub columns: Vec<String>,
    /// The features.
    pub features: Vec<RawFeature>,
    /// Features whose geometry could not be used.
    pub skipped: Vec<(usize, String)>,
    /// The document's `type` member.
    pub kind: Option<String>,
}

/// Documents smaller than this are parsed in one piece.
const PARALLEL_MIN_BYTES: usize = 4 << 20;

/// Parses a GeoJSON document that should be a FeatureCollection; a large one is cut between
/// features and the pieces parsed in parallel (same result as [`parse`], feature for feature).
///
/// The cuts are found without a full scan: from evenly spaced offsets, the next
/// `, { "type" : "Feature"` is taken as the start of a feature. A cut in the wrong place (the
/// pattern inside a string) makes a piece invalid JSON, and then the whole document is parsed
/// in one piece, so errors keep their exact line and column.
pub fn parse_parallel(bytes: &[u8]) -> Result<Collection, serde_json::Error> {
    let pieces = rayon::current_num_threads() * 4;
    if bytes.len() < PARALLEL_MIN_BYTES || pieces < 8 {
        return parse(bytes);
    }
    let mut cuts = Vec::new();
    for k in 1..pieces {
        let from = (bytes.len() / pieces * k).max(cuts.last().map_or(0, |c| c + 1));
        if let Some(c) = next_cut(bytes, from) {
            cuts.push(c);
        }
    }
    cuts.dedup();
    match parse_pieces(&cuts, bytes.len(), |buf, a, b| {
        buf.extend_from_slice(&bytes[a..b]);
        Ok(())
    }) {
        Some(c) => Ok(c),
        None => parse(bytes),
    }
}

/// Size of the windows read around each evenly spaced offset to find a cut.
const CUT_WINDOW: usize = 8 << 10;

/// Parses a large GeoJSON file the way [`parse_parallel`] parses its bytes, but reads each
/// piece straight from the file into the buffer it is parsed from: the whole file is never held
/// in memory, nor copied, and the pieces are read in parallel. `None` when the file is small,
/// no cut is found, or a piece does not parse: the caller then reads the whole file and parses
/// it in one piece (for an exact error position).
pub fn parse_file_parallel(file: &std::fs::File, len: usize) -> Option<Collection> {
    let pieces = rayon::current_num_threads() * 32;
    if len < PARALLEL_MIN_BYTES || pieces < 8 {
        return None;
    }
    let cuts = file_cuts(file, len, pieces, CUT_WINDOW)?;
    parse_pieces(&cuts, len, |buf, a, b| {
        let at = buf.len();
        buf.resize(at + b - a, 0);
        read_at(file, &mut buf[at..], a)
    })
}

/// The cuts of [`parse_parallel`] found by reading windows of `window` bytes from the file
/// (`None` when the file cannot be read).
fn file_cuts(
    file: &std::fs::File,
    len: usize,
    pieces: usize,
    window_size: usize,
) -> Option<Vec<usize>> {
    // Consecutive windows overlap by this much, so that a comma and `{"type":"Feature"` split
    // across two windows are still seen together.
    const OVERLAP: usize = 64;
    debug_assert!(window_size > OVERLAP, "windows must move forward");
    let mut cuts = Vec::new();
    let mut window = Vec::new();
    for k in 1..pieces {
        let from = (len / pieces * k).max(cuts.last().map_or(0, |c| c + 1));
        let mut start = from;
        loop {
            let end = (start + window_size).min(len);
            window.resize(end - start, 0);
            read_at(file, &mut window, start).ok()?;
            if let Some(c) = next_cut(&window, 0) {
                cuts.push(start + c);
                break;
            }
            if end == len {
                break;
            }
            start = end - OVERLAP;
        }
    }
    cuts.dedup();
    Some(cuts)
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: usize) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset as u64)
}

/// Elsewhere the whole file is read and parsed as before.
#[cfg(not(unix))]
fn read_at(_: &std::fs::File, _: &mut [u8], _: usize) -> std::io::Result<()> {
    Err(std::io::Error::other(
        "reading at an offset is only used on Unix",
    ))
}

/// Parses the pieces between `cuts` (offsets of the commas between features) in parallel and
/// merges them; `read(buf, a, b)` appends bytes `a..b` of the document to `buf`.
fn parse_pieces(
    cuts: &[usize],
    len: usize,
    read: impl Fn(&mut Vec<u8>, usize, usize) -> std::io::Result<()> + Sync,
) -> Option<Collection> {
    use rayon::prelude::*;
    if cuts.is_empty() {
        return None;
    }
    // Piece 0 is the document up to the first cut, closed; the others are wrapped as
    // collections of their features; the last keeps whatever follows the features array.
    let mut ranges = Vec::with_capacity(cuts.len() + 1);
    let mut from = 0;
    for &c in cuts {
        ranges.push((from, c));
        from = c + 1;
    }
    ranges.push((from, len));
    let last = ranges.len() - 1;
    let parts: Vec<Option<Collection>> = ranges
        .par_iter()
        .enumerate()
        .map(|(k, &(a, b))| {
            let mut buf = Vec::with_capacity(b - a + 16);
            if k > 0 {
                buf.extend_from_slice(b"{\"features\":[");
            }
            read(&mut buf, a, b).ok()?;
            if k < last {
                buf.extend_from_slice(b"]}");
            }
            let body = if k == 0 {
                buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf)
            } else {
                &buf[..]
            };
            parse(body).ok()
        })
        .collect();
    let parts: Vec<Collection> = parts.into_iter().collect::<Option<_>>()?;
    let total = parts.iter().map(|p| p.features.len()).sum();
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out = Collection {
        crs: None,
        columns: Vec::new(),
        features: Vec::with_capacity(total),
        skipped: Vec::new(),
        kind: None,
    };
    for part in parts {
        let offset = out.features.len();
        if out.kind.is_none() {
            out.kind = part.kind;
        }
        if out.crs.is_none() {
            out.crs = part.crs;
        }
        let map: Vec<usize> = part
            .columns
            .into_iter()
            .map(|name| {
                *index.entry(name.clone()).or_insert_with(|| {
                    names.push(name);
                    names.len() - 1
                })
            })
            .collect();
        let identity = map.iter().enumerate().all(|(i, &m)| i == m);
        out.skipped
            .extend(part.skipped.into_iter().map(|(i, e)| (i + offset, e)));
        out.features.extend(part.features.into_iter().map(|mut f| {
            f.position += offset;
            // Pieces usually meet the columns in the same order: nothing to move then.
            if !identity {
                let values = std::mem::take(&mut f.values);
                f.values = vec![Value::Null; names.len()];
                for (local, v) in values.into_iter().enumerate() {
                    f.values[map[local]] = v;
                }
            }
            f
        }));
    }
    for f in &mut out.features {
        f.values.resize(names.len(), Value::Null);
    }
    out.columns = names;
    Some(out)
}

/// The offset of the first comma at or after `from` that separates two features: a comma
/// followed by `{ "type" : "Feature"` (whitespace allowed between the tokens).
fn next_cut(bytes: &[u8], from: usize) -> Option<usize> {
    let finder = memchr::memmem::Finder::new(b"\"Feature\"");
    let skip_ws_back = |mut i: usize| {
        while i > 0 && bytes[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        i
    };
    let mut at = from;
    while let Some(found) = finder.find(bytes.get(at..)?) {
        let hit = at + found;
        at = hit + 1;
        // Walk back over `{ "type" :` to the comma before the feature.
        let i = skip_ws_back(hit);
        if i == 0 || bytes[i - 1] != b':' {
            continue;
        }
        let i = skip_ws_back(i - 1);
        if i < 7 || &bytes[i - 6..i] != b"\"type\"" {
            continue;
        }
        let i = skip_ws_back(i - 6);
        if i == 0 || bytes[i - 1] != b'{' {
            continue;
        }
        let i = skip_ws_back(i - 1);
        if i == 0 || bytes[i - 1] != b',' || i - 1 < from {
            continue;
        }
        return Some(i - 1);
    }
    None
}

/// Parses a GeoJSON document that should be a FeatureCollection.
pub fn parse(bytes: &[u8]) -> Result<Collection, serde_json::Error> {
    let columns = RefCell::new(Columns::default());
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut c = CollectionSeed { columns: &columns }.deserialize(&mut de)?;
    de.end()?;
    let cols = columns.into_inner().names;
    for f in &mut c.features {
        f.values.resize(cols.len(), Value::Null);
    }
    c.columns = cols;
    Ok(c)
}

struct CollectionSeed<'a> {
    columns: &'a RefCell<Columns>,
}

impl<'de> DeserializeSeed<'de> for CollectionSeed<'_> {
    type Value = Collection;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Collection, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CollectionSeed<'_> {
    type Value = Collection;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Collection, A::Error> {
        let mut out = Collection {
            crs: None,
            columns: Vec::new(),
            features: Vec::new(),
            skipped: Vec::new(),
            kind: None,
        };
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "type" => out.kind = Some(map.next_value()?),
                "crs" => out.crs = Some(map.next_value()?),
                "features" => {
                    let (features, skipped) = map.next_value_seed(FeaturesSeed {
                        columns: self.columns,
                    })?;
                    out.features = features;
                    out.skipped = skipped;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

struct FeaturesSeed<'a> {
    columns: &'a RefCell<Columns>,
}

type Features = (Vec<RawFeature>, Vec<(usize, String)>);

impl<'de> DeserializeSeed<'de> for FeaturesSeed<'_> {
    type Value = Features;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Features, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FeaturesSeed<'_> {
    type Value = Features;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Features, A::Error> {
        let mut features = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let mut skipped = Vec::new();
        let mut i = 0;
        while let Some((geom, values, unclosed)) = seq.next_element_seed(FeatureSeed {
            columns: self.columns,
        })? {
            let geometry = match geom {
                Ok(g) => g,
                Err(e) => {
                    skipped.push((i, e));
                    None
                }
            };
            features.push(RawFeature {
                position: i,
                geometry,
                values,
                fixed: unclosed.then(|| {
                    "a ring was not closed (closed by repeating its first point)".to_string()
                }),
            });
            i += 1;
        }
        Ok((features, skipped))
    }
}

struct FeatureSeed<'a> {
    columns: &'a RefCell<Columns>,
}

type FeatureParts = (Result<Option<Geometry>, String>, Vec<Value>, bool);

impl<'de> DeserializeSeed<'de> for FeatureSeed<'_> {
    type Value = FeatureParts;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<FeatureParts, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FeatureSeed<'_> {
    type Value = FeatureParts;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FeatureParts, A::Error> {
        let mut geometry = Ok(None);
        let mut values = Vec::new();
        let mut unclosed = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "geometry" => {
                    let raw: Option<RawGeometry> = map.next_value()?;
                    geometry = raw.map(|g| g.into_geo(&mut unclosed)).transpose();
                }
                "properties" => {
                    values = map.next_value_seed(PropertiesSeed {
                        columns: self.columns,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((geometry, values, unclosed))
    }
}

struct PropertiesSeed<'a> {
    columns: &'a RefCell<Columns>,
}

impl<'de> DeserializeSeed<'de> for PropertiesSeed<'_> {
    type Value = Vec<Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Value>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for PropertiesSeed<'_> {
    type Value = Vec<Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a properties object or null")
    }
    fn visit_none<E>(self) -> Result<Vec<Value>, E> {
        Ok(Vec::new())
    }
    fn visit_unit<E>(self) -> Result<Vec<Value>, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Value>, D::Error> {
        d.deserialize_map(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Value>, A::Error> {
        // Features usually share their property names: size for the columns seen so far, so the
        // vector does not grow (and over-allocate) one property at a time.
        let mut values = Vec::with_capacity(self.columns.borrow().names.len());
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let v: serde_json::Value = map.next_value()?;
            let col = {
                let mut cols = self.columns.borrow_mut();
                match cols.index.get(key.as_ref()) {
                    Some(&i) => i,
                    None => {
                        let i = cols.names.len();
                        cols.names.push(key.to_string());
                        cols.index.insert(key.into_owned(), i);
                        i
                    }
                }
            };
            if col >= values.len() {
                values.resize(col + 1, Value::Null);
            }
            values[col] = crate::value_from_json(v);
        }
        Ok(values)
    }
}

/// Nested coordinate arrays, whatever the geometry type: a position, a list of positions, or a
/// list of lists. Positions are stored inline (no allocation per position).
#[derive(Debug)]
enum Coords {
    Pos(Coord),
    List(Vec<Coord>),
    Nested(Vec<Coords>),
    Empty,
}

impl<'de> serde::Deserialize<'de> for Coords {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Coords, D::Error> {
        d.deserialize_seq(CoordsVisitor)
    }
}

struct CoordsVisitor;

/// One element of a coordinate array: a number (inside a position) or a nested array.
enum Elem {
    Num(f64),
    Coords(Coords),
}

impl<'de> serde::Deserialize<'de> for Elem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Elem, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Elem;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or an array of coordinates")
            }
            fn visit_f64<E>(self, x: f64) -> Result<Elem, E> {
                Ok(Elem::Num(x))
            }
            fn visit_i64<E>(self, x: i64) -> Result<Elem, E> {
                Ok(Elem::Num(x as f64))
            }
            fn visit_u64<E>(self, x: u64) -> Result<Elem, E> {
                Ok(Elem::Num(x as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Elem, A::Error> {
                CoordsVisitor.visit_seq(seq).map(Elem::Coords)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Visitor<'de> for CoordsVisitor {
    type Value = Coords;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a coordinate array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
        let Some(first) = seq.next_element::<Elem>()? else {
            return Ok(Coords::Empty);
        };
        match first {
            Elem::Num(x) => {
                let y = match seq.next_element::<Elem>()? {
                    Some(Elem::Num(y)) => y,
                    _ => return Err(de::Error::custom("a position needs at least two numbers")),
                };
                // Ignore elevation and measures.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Coords::Pos(Coord { x, y }))
            }
            Elem::Coords(Coords::Pos(c)) => {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(8) + 1);
                v.push(c);
                while let Some(e) = seq.next_element::<Coords>()? {
                    match e {
                        Coords::Pos(c) => v.push(c),
                        _ => return Err(de::Error::custom("mixed positions and arrays")),
                    }
                }
                Ok(Coords::List(v))
            }
            Elem::Coords(c) => {
                let mut v = vec![c];
                while let Some(e) = seq.next_element::<Coords>()? {
                    v.push(e);
                }
                Ok(Coords::Nested(v))
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct RawGeometry {
    #[serde(rename = "type")]
    kind: String,
    coordinates: Option<Coords>,
    geometries: Option<Vec<RawGeometry>>,
}

fn list(c: Coords) -> Result<Vec<Coord>, String> {
    match c {
        Coords::List(v) => Ok(v),
        Coords::Empty => Ok(Vec::new()),
        Coords::Pos(_) => Err("expected a list of positions, found one position".into()),
        Coords::Nested(_) => Err("expected a list of positions, found nested lists".into()),
    }
}

fn nested(c: Coords) -> Result<Vec<Coords>, String> {
    match c {
        Coords::Nested(v) => Ok(v),
        Coords::Empty => Ok(Vec::new()),
        Coords::List(v) => Ok(v.into_iter().map(Coords::Pos).collect()),
        Coords::Pos(_) => Err("expected nested coordinate lists, found one position".into()),
    }
}

/// A polygon from its rings; sets `unclosed` when a ring's last position differs from its first
/// (geo closes it; GeoJSON requires it closed).
fn polygon(c: Coords, unclosed: &mut bool) -> Result<Polygon, String> {
    let mut rings = nested(c)?
        .into_iter()
        .map(|r| {
            list(r).map(|v| {
                if v.len() > 1 && v.first() != v.last() {
                    *unclosed = true;
                }
                LineString::from(v)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if rings.is_empty() {
        return Ok(Polygon::new(LineString::new(vec![]), vec![]));
    }
    let ext = rings.remove(0);
    Ok(Polygon::new(ext, rings))
}

impl RawGeometry {
    fn into_geo(self, unclosed: &mut bool) -> Result<Geometry, String> {
        let c = match self.coordinates {
            Some(c) => c,
            None if self.kind == "GeometryCollection" => Coords::Empty,
            None => return Err(format!("{} geometry without coordinates", self.kind)),
        };
        Ok(match self.kind.as_str() {
            "Point" => match c {
                Coords::Pos(p) => Geometry::Point(Point(p)),
                Coords::Empty => return Err("empty Point".into()),
                _ => return Err("Point coordinates must be one position".into()),
            },
            "MultiPoint" => {
                Geometry::MultiPoint(MultiPoint(list(c)?.into_iter().map(Point).collect()))
            }
            "LineString" => Geometry::LineString(LineString::from(list(c)?)),
            "MultiLineString" => Geometry::MultiLineString(MultiLineString(
                nested(c)?
                    .into_iter()
                    .map(|l| list(l).map(LineString::from))
                    .collect::<Result<_, _>>()?,
            )),
            "Polygon" => Geometry::Polygon(polygon(c, unclosed)?),
            "MultiPolygon" => Geometry::MultiPolygon(MultiPolygon(
                nested(c)?
                    .into_iter()
                    .map(|p| polygon(p, unclosed))
                    .collect::<Result<_, _>>()?,
            )),
            "GeometryCollection" => Geometry::GeometryCollection(geo::GeometryCollection(
                self.geometries
                    .unwrap_or_default()
                    .into_iter()
                    .map(|g| g.into_geo(unclosed))
                    .collect::<Result<_, _>>()?,
            )),
            other => return Err(format!("unknown geometry type {other:?}")),
        })
    }
}

/// Converts skipped feature positions into report entries.
pub fn skipped(path: &std::path::Path, s: Vec<(usize, String)>) -> Vec<Skipped> {
    s.into_iter()
        .map(|(i, reason)| Skipped {
            file: path.display().to_string(),
            position: format!("feature {i}"),
            id: None,
            reason: format!("geometry could not be read: {reason}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_geometry_type_and_properties() {
        let doc = br#"{"bbox":[0,0,9,9],"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"a":1,"b":"x"},"geometry":{"coordinates":[1.5,2,99],"type":"Point"}},
          {"type":"Feature","properties":{"b":null,"c":[1,2]},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]],[[0.1,0.1],[0.2,0.1],[0.2,0.2],[0.1,0.1]]]]}},
          {"type":"Feature","properties":null,"geometry":null},
          {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
          {"type":"Feature","geometry":{"type":"Blob","coordinates":[]}}
        ]}"#;
        let c = parse(doc).unwrap();
        assert_eq!(c.kind.as_deref(), Some("FeatureCollection"));
        assert_eq!(c.columns, vec!["a", "b", "c"]);
        assert_eq!(c.features.len(), 5);
        assert_eq!(
            c.features[0].values,
            vec![Value::Number(1.0), Value::Text("x".into()), Value::Null]
        );
        assert_eq!(
            c.features[0].geometry,
            Some(Geometry::Point(Point::new(1.5, 2.0)))
        );
        assert_eq!(c.features[1].values[2], Value::Text("[1,2]".into()));
        match &c.features[1].geometry {
            Some(Geometry::MultiPolygon(mp)) => {
                assert_eq!(mp.0.len(), 1);
                assert_eq!(mp.0[0].interiors().len(), 1);
                assert_eq!(mp.0[0].exterior().0.len(), 4);
            }
            g => panic!("{g:?}"),
        }
        assert!(c.features[2].geometry.is_none());
        assert!(matches!(c.features[3].geometry, Some(Geometry::Polygon(_))));
        assert_eq!(c.skipped.len(), 1);
        assert!(c.skipped[0].1.contains("Blob"));
    }

    #[test]
    fn parallel_parse_equals_serial_parse() {
        // Features with different property sets (columns appear in different pieces), spaced
        // JSON like ogr2ogr's, a string that contains the cut pattern, and a member after the
        // features array.
        let mut doc = String::from(
            r#"{ "type": "FeatureCollection", "crs": {"type":"name","properties":{"name":"EPSG:27700"}}, "features": ["#,
        );
        for i in 0..40_000 {
            if i > 0 {
                doc.push_str(",\n");
            }
            let props = match i % 3 {
                0 => format!(r#"{{"code":"A{i}","pop":{i}}}"#),
                1 => format!(r#"{{"code":"A{i}","note":", {{ \"type\": \"Feature\""}}"#),
                _ => format!(r#"{{"extra_{}":true,"code":"A{i}"}}"#, i / 10_000),
            };
            let x = f64::from(i) * 10.0;
            doc.push_str(&format!(
                r#"{{ "type": "Feature", "properties": {props}, "geometry": {{"type":"Polygon","coordinates":[[[{x},0],[{x},5],[{},5],[{x},0]]]}} }}"#,
                x + 5.0
            ));
        }
        doc.push_str(r#"], "bbox": [0, 0, 1, 1] }"#);
        assert!(doc.len() > PARALLEL_MIN_BYTES);
        let serial = parse(doc.as_bytes()).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let cuts: std::collections::BTreeSet<usize> = (1..16)
            .filter_map(|k| next_cut(doc.as_bytes(), doc.len() / 16 * k))
            .collect();
        assert!(cuts.len() > 8, "the document was cut");
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, doc.as_bytes()).unwrap();
        // Windows far smaller than a feature: the search goes on across windows.
        let expected: Vec<usize> = {
            let mut c: Vec<usize> = Vec::new();
            for k in 1..64 {
                let from = (doc.len() / 64 * k).max(c.last().map_or(0, |c| c + 1));
                c.extend(next_cut(doc.as_bytes(), from));
            }
            c.dedup();
            c
        };
        assert_eq!(file_cuts(&file, doc.len(), 64, 100), Some(expected));
        let from_bytes = pool.install(|| parse_parallel(doc.as_bytes())).unwrap();
        let from_file = pool
            .install(|| parse_file_parallel(&file, doc.len()))
            .expect("read piece by piece");
        for parallel in [from_bytes, from_file] {
            assert_eq!(parallel.columns, serial.columns);
            assert_eq!(parallel.kind, serial.kind);
            assert_eq!(parallel.crs, serial.crs);
            assert_eq!(parallel.features.len(), serial.features.len());
            for (a, b) in parallel.features.iter().zip(&serial.features) {
                assert_eq!(a.position, b.position);
                assert_eq!(a.values, b.values);
                assert_eq!(a.geometry, b.geometry);
            }
        }
    }

    #[test]
    fn unclosed_rings_are_closed_and_flagged() {
        let doc = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}},
          {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
        let c = parse(doc).unwrap();
        assert!(c.features[0]
            .fixed
            .as_deref()
            .unwrap()
            .contains("not closed"));
        assert!(c.features[1].fixed.is_none());
        match &c.features[0].geometry {
            Some(Geometry::Polygon(p)) => assert_eq!(p.exterior().0.len(), 4),
            g => panic!("{g:?}"),
        }
    }

    #[test]
    fn agrees_with_the_geojson_crate() {
        let doc = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"k":"v"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[3,0],[3,3],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}}]}"#;
        let ours = parse(doc).unwrap();
        let theirs: ::geojson::FeatureCollection = serde_json::from_slice(doc).unwrap();
        let g: Geometry = theirs.features[0]
            .geometry
            .clone()
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(ours.features[0].geometry, Some(g));
    }
}
