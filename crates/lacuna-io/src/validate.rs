//! `lacuna validate`: checks boundary, provider, point and need files without running a study,
//! and says what a run would do with every feature: the CRS found and how, the feature count,
//! invalid or unusable geometries with the reason and whether they can be repaired, duplicate
//! or blank ids, non-numbers (NaN included) in numeric columns, empty files, tables with no
//! usable column, and points outside every area when an area file is among the files checked.
//!
//! Geometry is checked the way a run loads it: transformed to the working CRS a run would choose
//! (British National Grid in Great Britain, else the UTM zone of the areas' centre) and repaired
//! by [`lacuna_core::normalise`], the one repair path, so a repair reads the same here as in `run.json`,
//! with areas in square metres. [`study`] checks a whole study file, each input in its role.
//!
//! Everything reported is a problem: `lacuna validate` exits 1 whenever the list is not empty.
//! What is only information (columns chosen, optional columns left blank) goes to the notes.

pub mod study;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use geo::Geometry;
use serde::Serialize;

use crate::crs::Crs;
use crate::load::{column_matching_codes, locate, polygon_tree};
use crate::{self as io, Layer, ReadOptions};
use lacuna_core::normalise::{self, Fixed};
use lacuna_core::spatial::overlay::LocalPolygon;

/// At most this many problems of one kind and column are listed one by one; the rest are counted.
const LISTED: usize = 20;

/// One problem found in a file.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Feature index, CSV row or column.
    pub position: String,
    /// The feature's id, when known.
    pub id: Option<String>,
    /// A short kind: invalid_geometry, empty_geometry, duplicate_id, blank_id, blank_values,
    /// not_a_number, negative_value, no_features, no_code_column, outside_areas, read_fix,
    /// unreadable, crs; in a study also repaired, dropped, join, radius, service_type, load.
    pub kind: String,
    /// What is wrong.
    pub detail: String,
    /// Whether a run would repair it (true), drop it or fail (false); None when not applicable.
    pub repairable: Option<bool>,
}

/// What a run's loader did with a file (`lacuna validate STUDY.toml` only): its counts.
#[derive(Debug, Clone, Serialize)]
pub struct Accounting {
    /// Features or rows read.
    pub read: usize,
    /// Kept unchanged.
    pub kept: usize,
    /// Kept after repair.
    pub repaired: usize,
    /// Left out.
    pub dropped: usize,
}

/// What was found in one file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileCheck {
    /// The file's role in a study (areas, providers, points, need), when checked as a study.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
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
    /// What a run would keep, repair and drop (study checks only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_would: Option<Accounting>,
    /// What the reader chose, and information that is not a problem.
    pub notes: Vec<String>,
    /// Every problem, in file order.
    pub problems: Vec<Problem>,
}

impl FileCheck {
    fn unreadable(path: &Path, role: Option<&str>, error: String) -> FileCheck {
        FileCheck {
            role: role.map(String::from),
            path: path.display().to_string(),
            error: Some(error),
            ..FileCheck::default()
        }
    }
}

/// Options of a validation.
#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    /// CRS for files that declare none.
    pub crs: Option<Crs>,
    /// The id column (default: detected as `lacuna run` would).
    pub id: Option<String>,
    /// The working CRS to check geometry in (default: chosen from the areas as a run does).
    pub working_crs: Option<Crs>,
    /// The layer of a GeoPackage with several.
    pub layer: Option<String>,
}

/// The role a file plays, which decides its id column and which blank values matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Polygons: areas (or polygon catchments).
    Areas,
    /// Points: providers or population points.
    Points,
    /// A table without geometry: need indicators.
    Table,
}

impl Role {
    fn of(layer: &Layer) -> Role {
        let mut points = false;
        for f in &layer.features {
            match f.geometry {
                Some(Geometry::Point(_)) | Some(Geometry::MultiPoint(_)) => points = true,
                Some(_) => return Role::Areas,
                None => {}
            }
        }
        if points || layer.crs.is_some() {
            Role::Points
        } else {
            Role::Table
        }
    }
}

impl Problem {
    /// A problem of `kind` at `position`, without an id, that a run drops or fails on.
    fn new(kind: &str, position: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem {
            position: position.into(),
            id: None,
            kind: kind.into(),
            detail: detail.into(),
            repairable: Some(false),
        }
    }

    fn id(self, id: Option<String>) -> Self {
        Problem { id, ..self }
    }

    fn repairable(self, repairable: Option<bool>) -> Self {
        Problem { repairable, ..self }
    }
}

/// The area-code column by name: one a run recognises, then the ONS `..CD` suffix, then any
/// name ending in "code".
fn code_column_by_name(layer: &Layer) -> Option<usize> {
    crate::load::ID_CANDIDATES
        .iter()
        .find_map(|c| layer.column_index(c))
        .or_else(|| {
            layer.columns.iter().position(|c| {
                let u = c.to_ascii_uppercase();
                u.len() > 2 && u.ends_with("CD") && u.starts_with(|ch: char| ch.is_alphabetic())
            })
        })
        .or_else(|| {
            layer
                .columns
                .iter()
                .position(|c| c.to_ascii_lowercase().ends_with("code"))
        })
}

/// The id column to check: the one given, else for areas and tables the area code as a run
/// finds it; point layers (providers often carry their council's code) only by an id name.
fn id_column(
    layer: &Layer,
    role: Role,
    wanted: Option<&str>,
    area_codes: Option<&HashSet<String>>,
) -> Option<usize> {
    // A table without the named column is still joined by value, as a need file is.
    match wanted.map(|w| layer.column_index(w)) {
        Some(Some(i)) => return Some(i),
        Some(None) if role != Role::Table => return None,
        _ => {}
    }
    match role {
        Role::Points => ["provider_id", "id"]
            .iter()
            .find_map(|c| layer.column_index(c)),
        Role::Areas => code_column_by_name(layer),
        // The column whose values match the most area codes, as a run joins a need table.
        Role::Table => area_codes
            .and_then(|codes| column_matching_codes(layer, |t| codes.contains(t)))
            .map(|(c, _)| c)
            .or_else(|| code_column_by_name(layer)),
    }
}

/// Says in the text of a repair that its areas are square metres of the working CRS, unless the
/// repair's own text already says so.
pub(crate) fn label_units(detail: String, working: Option<Crs>) -> String {
    match working {
        Some(w) if detail.contains("area ") && !detail.contains("m²") && !w.is_geographic() => {
            format!("{detail} [areas in m², {w}]")
        }
        _ => detail,
    }
}

/// The per-feature checks: ids, read-time fixes, geometry (in the working CRS, by the run's
/// repair path).
fn check_features(
    layer: &Layer,
    role: Role,
    id: Option<usize>,
    working: Option<Crs>,
    check: &mut FileCheck,
) {
    let id_of = |f: &io::RawFeature| id.and_then(|i| f.values[i].as_text());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut blank_ids = 0;
    for f in &layer.features {
        let pos = layer.describe(f.position);
        let fid = id_of(f);
        match &fid {
            Some(code) => {
                if let Some(first) = seen.insert(code.clone(), f.position) {
                    let why = format!("id {code} already used by {} {first}", layer.unit);
                    let p = Problem::new("duplicate_id", pos.clone(), why);
                    check.problems.push(p.id(fid.clone()));
                }
            }
            // An area or need row without its code is dropped by a run; a provider is only
            // named by its position.
            None if id.is_some() && role != Role::Points => {
                blank_ids += 1;
                if blank_ids <= LISTED {
                    let why = format!(
                        "no value in the id column {:?}: a run drops this {}",
                        layer.columns[id.unwrap_or(0)],
                        layer.unit
                    );
                    let p = Problem::new("blank_id", pos.clone(), why);
                    check.problems.push(p);
                }
            }
            None => {}
        }
        if let Some(fix) = &f.fixed {
            let p = Problem::new("read_fix", pos.clone(), fix.clone());
            let p = p.id(fid.clone()).repairable(Some(true));
            check.problems.push(p);
        }
        check_geometry(layer, f, pos, fid, working, check);
    }
    if blank_ids > LISTED {
        let why = format!("{blank_ids} {}s in all have no id", layer.unit);
        check.problems.push(Problem::new("blank_id", "…", why));
    }
}

fn check_geometry(
    layer: &Layer,
    f: &io::RawFeature,
    pos: String,
    fid: Option<String>,
    working: Option<Crs>,
    check: &mut FileCheck,
) {
    let g = match &f.geometry {
        None if layer.crs.is_some() && layer.unit == "feature" => {
            let p = Problem::new("empty_geometry", pos, "has no geometry");
            check.problems.push(p.id(fid));
            return;
        }
        None => return,
        Some(g) => g,
    };
    *check
        .geometry_types
        .entry(normalise::kind(g).to_string())
        .or_default() += 1;
    let found = match g {
        Geometry::Point(p) if !p.x().is_finite() || !p.y().is_finite() => {
            Some(("NaN or infinite coordinate".to_string(), false))
        }
        Geometry::Point(_) | Geometry::MultiPoint(_) => None,
        g => match normalise::polygonal(g.clone()) {
            Ok((_, Fixed::Unchanged)) => None,
            Ok((_, Fixed::Repaired(why))) => Some((label_units(why, working), true)),
            Err(why) => Some((why, false)),
        },
    };
    if let Some((why, repairable)) = found {
        let p = Problem::new("invalid_geometry", pos, why).id(fid);
        check.problems.push(p.repairable(Some(repairable)));
    }
}

/// True when a cell's text is a number spelled as not one: NaN or infinity.
fn non_finite_text(t: &str) -> bool {
    t.trim().parse::<f64>().is_ok_and(|v| !v.is_finite())
}

/// Blank values and non-numbers per column. Blanks in a column a run reads as a number (a need
/// table's indicators; population, radius and capacity columns) are a problem, since a run reads
/// them as missing; elsewhere they are a note. NaN and infinity are always problems. `id` is the
/// id column whose blanks are already reported one by one (none for points).
fn check_columns(layer: &Layer, role: Role, id: Option<usize>, check: &mut FileCheck) {
    for (c, name) in layer.columns.iter().enumerate() {
        let mut blank = 0;
        let mut numbers = 0;
        let mut bad: Vec<(usize, String)> = Vec::new();
        let mut non_finite: Vec<(usize, String)> = Vec::new();
        let mut negative: Vec<(usize, f64)> = Vec::new();
        // A count of people cannot be negative; other columns (scores, coordinates) can.
        let counts_people = name.to_ascii_lowercase().contains("pop");
        for f in &layer.features {
            match f.values[c].as_number() {
                Ok(None) => blank += 1,
                Ok(Some(v)) if !v.is_finite() => non_finite.push((f.position, format!("{v}"))),
                Ok(Some(v)) => {
                    numbers += 1;
                    if counts_people && v < 0.0 {
                        negative.push((f.position, v));
                    }
                }
                Err(t) if non_finite_text(&t) => non_finite.push((f.position, t)),
                Err(t) => bad.push((f.position, t)),
            }
        }
        let at = |p: usize| layer.describe(p);
        for (p, v) in negative.iter().take(LISTED) {
            let why = format!("column {name:?} counts people but is {v} here: fix the value (a run drops such a population point, and refuses such a need row)");
            let p = Problem::new("negative_value", at(*p), why);
            check.problems.push(p);
        }
        for (p, t) in non_finite.iter().take(LISTED) {
            let why = format!("column {name:?} has {t:?} here, which is not a usable number: give the value or leave it blank");
            let p = Problem::new("not_a_number", at(*p), why);
            check.problems.push(p);
        }
        if non_finite.len() > LISTED {
            let why = format!("{} values in all are NaN or infinite", non_finite.len());
            let at = format!("column {name:?}");
            check.problems.push(Problem::new("not_a_number", at, why));
        }
        let numeric = numbers > 0 && numbers >= 4 * bad.len();
        let lower = name.to_ascii_lowercase();
        let read_by_a_run = role == Role::Table
            || ["pop", "radius", "capacity"]
                .iter()
                .any(|w| lower.contains(w));
        if blank > 0 && Some(c) != id {
            let text = format!("{blank} of {} values are blank", layer.features.len());
            if numeric && read_by_a_run {
                let why = format!("{text}: a run reads them as missing");
                let p = Problem::new("blank_values", format!("column {name:?}"), why);
                check.problems.push(p.repairable(None));
            } else {
                check.notes.push(format!("column {name:?}: {text}"));
            }
        }
        if numeric {
            for (p, t) in bad.iter().take(LISTED) {
                let why = format!("column {name:?} is numeric elsewhere but has {t:?} here");
                let p = Problem::new("not_a_number", at(*p), why);
                check.problems.push(p);
            }
        }
    }
}

/// Checks one layer in its role; its geometry must already be in `working` (when given).
pub(crate) fn check_layer(
    layer: &Layer,
    role: Role,
    wanted_id: Option<&str>,
    area_codes: Option<&HashSet<String>>,
    working: Option<Crs>,
) -> FileCheck {
    let mut check = FileCheck {
        path: layer.path.display().to_string(),
        readable: true,
        crs: layer.crs.map(|c| c.to_string()),
        crs_source: layer.crs_source.clone(),
        features: layer.features.len() + layer.skipped.len(),
        notes: layer.notes.clone(),
        ..FileCheck::default()
    };
    for s in &layer.skipped {
        let p = Problem::new("unreadable", s.position.clone(), s.reason.clone());
        check.problems.push(p.id(s.id.clone()));
    }
    if check.features == 0 {
        let why = format!(
            "the file has no {}s: nothing to check or compute",
            layer.unit
        );
        let p = Problem::new("no_features", "file", why);
        check.problems.push(p);
    }
    let id = id_column(layer, role, wanted_id, area_codes);
    check.id_column = id.map(|i| layer.columns[i].clone());
    if id.is_none() && role == Role::Table {
        let why = format!(
            "no coordinate columns (lon/lat, x/y, easting/northing) and no area-code column \
             (a code or id column, or one whose values match the areas' codes): a run can \
             use it neither as points nor as a need table. Columns are: {}",
            layer.columns.join(", ")
        );
        let p = Problem::new("no_code_column", "header", why);
        check.problems.push(p);
    } else if id.is_none() && role == Role::Areas {
        let what = match wanted_id {
            Some(w) => format!("no column {w:?} for the area code (--id)"),
            None => "cannot tell which column holds the area code: a run needs --id (id = ... \
                     in the study)"
                .to_string(),
        };
        let why = format!("{what}; columns are: {}", layer.columns.join(", "));
        let p = Problem::new("no_code_column", "header", why);
        check.problems.push(p);
    }
    check_features(layer, role, id, working, &mut check);
    check_columns(layer, role, id.filter(|_| role != Role::Points), &mut check);
    check
}

/// Reads a file as a table without geometry (`table`) or as a layer.
pub(crate) fn read(
    path: &Path,
    crs: Option<Crs>,
    layer: Option<&str>,
    table: bool,
) -> Result<Layer, String> {
    let layer = if table {
        io::csv::read_table(path)
    } else {
        io::read_layer(
            path,
            &ReadOptions {
                crs,
                xy_columns: None,
                layer: layer.map(str::to_string),
            },
        )
    };
    layer.map_err(|e| e.to_string())
}

/// The working CRS a run would choose for these areas, and why (as [`crate::load::load`] does).
pub(crate) fn working_crs_for(areas: &Layer) -> Option<(Crs, String)> {
    crate::load::working_crs_for(areas).ok().flatten()
}

/// Checks one layer in its role in the working CRS (when given); a layer that cannot be
/// transformed to it is checked as read, its geometry problems replaced by why not.
pub(crate) fn check_in_working(
    layer: &mut Layer,
    role: Role,
    wanted_id: Option<&str>,
    area_codes: Option<&HashSet<String>>,
    working: Option<Crs>,
) -> FileCheck {
    let transformed = match working {
        Some(w) if layer.crs.is_some() => crate::load::transform_layer(layer, w),
        _ => Ok(()),
    };
    let Err(e) = transformed else {
        return check_layer(layer, role, wanted_id, area_codes, working);
    };
    let mut c = check_layer(layer, role, wanted_id, None, None);
    c.problems.retain(|p| p.kind != "invalid_geometry");
    let why = format!("cannot be transformed to the working CRS: {e}");
    c.problems.push(Problem::new("crs", "file", why));
    c
}

/// The exit code of a validation: 2 when a file cannot be read, 1 when any problem was
/// reported (information only is kept in the notes), 0 when clean.
pub fn exit_code<'a>(checks: impl IntoIterator<Item = &'a FileCheck>) -> u8 {
    let mut code = 0;
    for c in checks {
        if !c.readable {
            return 2;
        }
        if !c.problems.is_empty() {
            code = 1;
        }
    }
    code
}

/// Checks every file; point files are also checked against the first polygon file among them,
/// and tables joined to its codes.
pub fn validate(paths: &[PathBuf], opts: &ValidateOptions) -> Vec<FileCheck> {
    let mut layers: Vec<Result<Layer, String>> = paths
        .iter()
        .map(|p| {
            // A CSV without coordinate columns is checked as a table.
            let layer = opts.layer.as_deref();
            read(p, opts.crs, layer, false).or_else(|e| match e.contains("no coordinate columns") {
                true => read(p, None, None, true),
                false => Err(e),
            })
        })
        .collect();
    let areas = layers
        .iter()
        .position(|l| l.as_ref().is_ok_and(|l| Role::of(l) == Role::Areas));
    // The working CRS: given, else chosen from the areas (else from any file with geometry).
    let working = opts
        .working_crs
        .map(|w| (w, "given".to_string()))
        .or_else(|| {
            areas
                .iter()
                .copied()
                .chain(0..layers.len())
                .find_map(|i| layers[i].as_ref().ok().and_then(working_crs_for))
        });
    let area_codes = areas.and_then(|i| area_codes(layers[i].as_ref().ok()?, opts.id.as_deref()));
    let mut out = Vec::new();
    for (path, layer) in paths.iter().zip(&mut layers) {
        let layer = match layer {
            Ok(l) => l,
            Err(e) => {
                out.push(FileCheck::unreadable(path, None, e.clone()));
                continue;
            }
        };
        let role = Role::of(layer);
        let mut check = check_in_working(
            layer,
            role,
            opts.id.as_deref(),
            area_codes.as_ref(),
            working.as_ref().map(|w| w.0),
        );
        if let (Some((w, why)), true) = (&working, layer.crs.is_some()) {
            check
                .notes
                .push(format!("geometry checked in {w} ({why}), areas in m²"));
        }
        out.push(check);
    }
    if let Some(a) = areas {
        outside_areas(&layers, a, &mut out);
    }
    out
}

/// Points of the other files outside every area of `layers[areas]` (all in the working CRS).
fn outside_areas(layers: &[Result<Layer, String>], areas: usize, checks: &mut [FileCheck]) {
    let Ok(area_layer) = &layers[areas] else {
        return;
    };
    let polys: Vec<LocalPolygon> = area_layer
        .features
        .iter()
        .filter_map(|f| f.geometry.clone())
        .filter_map(|g| normalise::polygonal(g).ok())
        .map(|(mp, _)| LocalPolygon::new(&mp))
        .collect();
    let tree = polygon_tree(polys.iter());
    for (k, layer) in layers.iter().enumerate() {
        let Ok(layer) = layer else { continue };
        if k == areas || layer.crs.is_none() || checks[k].problems.iter().any(|p| p.kind == "crs") {
            continue;
        }
        let mut outside = 0;
        for f in &layer.features {
            let Some(Geometry::Point(p)) = &f.geometry else {
                continue;
            };
            let inside = locate(&tree, |i| &polys[i], p.0).is_some();
            if !inside {
                outside += 1;
                if outside <= LISTED {
                    let why = format!(
                        "point is outside every area of {}",
                        area_layer.path.display()
                    );
                    let p = Problem::new("outside_areas", layer.describe(f.position), why);
                    checks[k].problems.push(p.repairable(None));
                }
            }
        }
        if outside > LISTED {
            let why = format!("{outside} points in all are outside every area");
            let p = Problem::new("outside_areas", "…", why);
            checks[k].problems.push(p.repairable(None));
        }
    }
}

/// The codes of an area layer (its id column as a run would choose it), for the points-outside
/// and join checks.
fn area_codes(l: &Layer, id: Option<&str>) -> Option<HashSet<String>> {
    let c = id_column(l, Role::Areas, id, None)?;
    Some(
        l.features
            .iter()
            .filter_map(|f| f.values[c].as_text())
            .collect(),
    )
}
