//! `lacuna validate`: checks boundary, provider, point and need files without running a study,
//! and says what a run would do with every feature: the CRS found and how, the feature count,
//! invalid or unusable geometries with the reason and whether they can be repaired, duplicate
//! ids, blank attribute values, non-numeric values in numeric columns, and points outside every
//! area when an area file is among the files checked.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use geo::Geometry;
use serde::Serialize;

use crate::io::crs::{Crs, Transformer};
use crate::io::{self, Format, Layer, ReadOptions};
use crate::normalise::{self, Fixed};
use crate::spatial::overlay::LocalPolygon;

/// One problem found in a file.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Feature index, CSV row or column.
    pub position: String,
    /// The feature's id, when known.
    pub id: Option<String>,
    /// A short kind: invalid_geometry, empty_geometry, duplicate_id, blank_values,
    /// not_a_number, outside_areas, read_fix.
    pub kind: String,
    /// What is wrong.
    pub detail: String,
    /// Whether a run would repair it (true), drop it or fail (false); None when not applicable.
    pub repairable: Option<bool>,
}

/// What was found in one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileCheck {
    /// The file.
    pub path: String,
    /// False when the file could not be read at all.
    pub readable: bool,
    /// The error that stopped reading, if any.
    pub error: Option<String>,
    /// The CRS found.
    pub crs: Option<String>,
    /// How it was found.
    pub crs_source: String,
    /// Features or rows read.
    pub features: usize,
    /// Count of each geometry type.
    pub geometry_types: BTreeMap<String, usize>,
    /// The id column used for the duplicate check.
    pub id_column: Option<String>,
    /// What the reader chose.
    pub notes: Vec<String>,
    /// Every problem, in file order.
    pub problems: Vec<Problem>,
}

/// Options of a validation.
#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    /// CRS for files that declare none.
    pub crs: Option<Crs>,
    /// The id column (default: detected as `lacuna run` would).
    pub id: Option<String>,
}

fn problem(
    position: String,
    id: Option<String>,
    kind: &str,
    detail: String,
    repairable: Option<bool>,
) -> Problem {
    Problem {
        position,
        id,
        kind: kind.into(),
        detail,
        repairable,
    }
}

/// The id column to check for duplicates: the one given, else for polygon layers and tables the
/// area code as `lacuna run` detects it; point layers (providers often carry their council's
/// code) only by an explicit id name.
fn id_column(layer: &Layer, wanted: Option<&str>) -> Option<usize> {
    if let Some(w) = wanted {
        return layer.column_index(w);
    }
    let points = layer
        .features
        .iter()
        .any(|f| matches!(f.geometry, Some(Geometry::Point(_))));
    if points {
        return ["provider_id", "id"]
            .iter()
            .find_map(|c| layer.column_index(c));
    }
    ["area_code", "code", "id"]
        .iter()
        .find_map(|c| layer.column_index(c))
        .or_else(|| {
            layer.columns.iter().position(|c| {
                let u = c.to_ascii_uppercase();
                u.len() > 2 && u.ends_with("CD")
            })
        })
}

fn check_layer(layer: &Layer, opts: &ValidateOptions) -> FileCheck {
    let mut check = FileCheck {
        path: layer.path.display().to_string(),
        readable: true,
        error: None,
        crs: layer.crs.map(|c| c.to_string()),
        crs_source: layer.crs_source.clone(),
        features: layer.features.len() + layer.skipped.len(),
        geometry_types: BTreeMap::new(),
        id_column: None,
        notes: layer.notes.clone(),
        problems: Vec::new(),
    };
    for s in &layer.skipped {
        check.problems.push(problem(
            s.position.clone(),
            s.id.clone(),
            "unreadable",
            s.reason.clone(),
            Some(false),
        ));
    }
    let id = id_column(layer, opts.id.as_deref());
    check.id_column = id.map(|i| layer.columns[i].clone());
    let id_of = |f: &io::RawFeature| id.and_then(|i| f.values[i].as_text());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in &layer.features {
        let pos = layer.describe(f.position);
        let fid = id_of(f);
        if let Some(code) = &fid {
            if let Some(first) = seen.insert(code.clone(), f.position) {
                check.problems.push(problem(
                    pos.clone(),
                    fid.clone(),
                    "duplicate_id",
                    format!("id {code} already used by {} {first}", layer.unit),
                    Some(false),
                ));
            }
        }
        if let Some(fix) = &f.fixed {
            check.problems.push(problem(
                pos.clone(),
                fid.clone(),
                "read_fix",
                fix.clone(),
                Some(true),
            ));
        }
        match &f.geometry {
            None if layer.crs.is_some() && layer.unit == "feature" => {
                check.problems.push(problem(
                    pos,
                    fid,
                    "empty_geometry",
                    "has no geometry".into(),
                    Some(false),
                ));
            }
            None => {}
            Some(g) => {
                *check
                    .geometry_types
                    .entry(normalise::kind(g).to_string())
                    .or_default() += 1;
                match g {
                    Geometry::Point(p) if !p.x().is_finite() || !p.y().is_finite() => {
                        check.problems.push(problem(
                            pos,
                            fid,
                            "invalid_geometry",
                            "NaN or infinite coordinate".into(),
                            Some(false),
                        ));
                    }
                    Geometry::Point(_) | Geometry::MultiPoint(_) => {}
                    g => match normalise::polygonal(g.clone()) {
                        Ok((_, Fixed::Unchanged)) => {}
                        Ok((_, Fixed::Repaired(why))) => check.problems.push(problem(
                            pos,
                            fid,
                            "invalid_geometry",
                            why,
                            Some(true),
                        )),
                        Err(why) => check.problems.push(problem(
                            pos,
                            fid,
                            "invalid_geometry",
                            why,
                            Some(false),
                        )),
                    },
                }
            }
        }
    }
    // Blank values and non-numbers in mostly numeric columns, one entry per column.
    for (c, name) in layer.columns.iter().enumerate() {
        let mut blank = 0;
        let mut numbers = 0;
        let mut bad: Vec<(usize, String)> = Vec::new();
        let mut negative: Vec<(usize, f64)> = Vec::new();
        // A count of people cannot be negative; other columns (scores, coordinates) can.
        let counts_people = name.to_ascii_lowercase().contains("pop");
        for f in &layer.features {
            match f.values[c].as_number() {
                Ok(None) => blank += 1,
                Ok(Some(v)) => {
                    numbers += 1;
                    if counts_people && v < 0.0 {
                        negative.push((f.position, v));
                    }
                }
                Err(t) => bad.push((f.position, t)),
            }
        }
        for (p, v) in negative.iter().take(20) {
            check.problems.push(problem(
                layer.describe(*p),
                None,
                "negative_value",
                format!("column {name:?} counts people but is {v} here: fix the value (a run drops such a population point, and refuses such a need row)"),
                Some(false),
            ));
        }
        if blank > 0 {
            check.problems.push(problem(
                format!("column {name:?}"),
                None,
                "blank_values",
                format!("{blank} of {} values are blank", layer.features.len()),
                None,
            ));
        }
        if numbers > 0 && !bad.is_empty() && numbers >= 4 * bad.len() {
            for (p, t) in bad.iter().take(20) {
                check.problems.push(problem(
                    layer.describe(*p),
                    None,
                    "not_a_number",
                    format!("column {name:?} is numeric elsewhere but has {t:?} here"),
                    Some(false),
                ));
            }
        }
    }
    check
}

fn read_any(path: &Path, opts: &ValidateOptions) -> Result<Layer, crate::Error> {
    let ro = ReadOptions {
        crs: opts.crs,
        xy_columns: None,
    };
    match Format::of(path)? {
        Format::Csv => match io::read_layer(path, &ro) {
            Err(crate::Error::Column { message, .. })
                if message.contains("no coordinate columns") =>
            {
                io::csv::read_table(path)
            }
            other => other,
        },
        _ => io::read_layer(path, &ro),
    }
}

/// True when a problem should make `lacuna validate` exit 1 (blank values are information only:
/// optional columns are often blank).
pub fn is_finding(p: &Problem) -> bool {
    p.kind != "blank_values"
}

/// Checks every file; point files are also checked against the first polygon file among them.
pub fn validate(paths: &[PathBuf], opts: &ValidateOptions) -> Vec<FileCheck> {
    let mut layers: Vec<Option<Layer>> = Vec::new();
    let mut checks: Vec<FileCheck> = Vec::new();
    for p in paths {
        match read_any(p, opts) {
            Ok(layer) => {
                checks.push(check_layer(&layer, opts));
                layers.push(Some(layer));
            }
            Err(e) => {
                checks.push(FileCheck {
                    path: p.display().to_string(),
                    readable: false,
                    error: Some(e.to_string()),
                    crs: None,
                    crs_source: String::new(),
                    features: 0,
                    geometry_types: BTreeMap::new(),
                    id_column: None,
                    notes: Vec::new(),
                    problems: Vec::new(),
                });
                layers.push(None);
            }
        }
    }
    // Points outside every area, in the areas' CRS.
    let areas = layers.iter().flatten().find(|l| {
        l.features.iter().any(|f| {
            matches!(
                f.geometry,
                Some(Geometry::Polygon(_)) | Some(Geometry::MultiPolygon(_))
            )
        })
    });
    if let Some(areas) = areas {
        let target = areas.crs.unwrap_or(crate::io::crs::WGS84);
        let polys: Vec<LocalPolygon> = areas
            .features
            .iter()
            .filter_map(|f| f.geometry.clone())
            .filter_map(|g| normalise::polygonal(g).ok())
            .map(|(mp, _)| LocalPolygon::new(&mp))
            .collect();
        for (k, layer) in layers.iter().enumerate() {
            let Some(layer) = layer else { continue };
            if std::ptr::eq(layer, areas) || layer.crs.is_none() {
                continue;
            }
            let Ok(t) = Transformer::new(layer.crs.unwrap_or(target), target) else {
                continue;
            };
            let mut outside = 0;
            for f in &layer.features {
                let Some(Geometry::Point(p)) = &f.geometry else {
                    continue;
                };
                let mut c = [p.0];
                if t.apply(&mut c).is_err() {
                    continue;
                }
                let inside = polys.iter().any(|lp| {
                    let r = lp.bounding_rect();
                    c[0].x >= r.min().x
                        && c[0].x <= r.max().x
                        && c[0].y >= r.min().y
                        && c[0].y <= r.max().y
                        && lp.contains(c[0])
                });
                if !inside {
                    outside += 1;
                    if outside <= 20 {
                        checks[k].problems.push(problem(
                            layer.describe(f.position),
                            None,
                            "outside_areas",
                            format!("point is outside every area of {}", areas.path.display()),
                            None,
                        ));
                    }
                }
            }
            if outside > 20 {
                checks[k].problems.push(problem(
                    "…".into(),
                    None,
                    "outside_areas",
                    format!("{} points in all are outside every area", outside),
                    None,
                ));
            }
        }
    }
    checks
}
