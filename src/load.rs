//! Loading a study: read every input, transform it once to the working CRS, choose the columns,
//! normalise geometry, join need indicators and assign population points to areas. Every
//! feature is accounted for: kept, repaired (with what was done) or dropped (with why).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use geo::{BoundingRect, Coord, InteriorPoint};
use rayon::prelude::*;
use serde::Serialize;

use crate::config::{PointInput, ProviderInput, StudySpec};
use crate::error::{Error, Result};
use crate::io::crs::{Crs, Transformer, WGS84};
use crate::io::{self, Layer, ReadOptions, Skipped, Value};
use crate::model::{Area, Catchment, PopPoint, Provider};
use crate::normalise::{self, Fixed};
use crate::spatial::overlay::{Disc, LocalPolygon};

/// What happened to one input file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// "areas", "providers", "points" or "need".
    pub role: String,
    /// The file.
    pub path: String,
    /// The CRS found, if the file has geometry.
    pub crs: Option<String>,
    /// How the CRS was found.
    pub crs_source: String,
    /// Features or rows read.
    pub read: usize,
    /// Kept unchanged.
    pub kept: usize,
    /// Kept after repair.
    pub repaired: usize,
    /// Left out.
    pub dropped: usize,
    /// What the reader and loader chose.
    pub notes: Vec<String>,
    /// Every repaired or dropped feature, with the reason.
    pub problems: Vec<Skipped>,
    /// Where the file comes from, as the study says (`source`).
    pub source: Option<String>,
}

impl FileReport {
    fn new(role: &str, layer: &Layer, source: &Option<String>) -> Self {
        FileReport {
            role: role.into(),
            path: layer.path.display().to_string(),
            crs: layer.crs.map(|c| c.to_string()),
            crs_source: layer.crs_source.clone(),
            read: layer.features.len() + layer.skipped.len(),
            kept: 0,
            repaired: 0,
            dropped: layer.skipped.len(),
            notes: layer.notes.clone(),
            problems: layer.skipped.clone(),
            source: source.clone(),
        }
    }

    fn drop(&mut self, position: String, id: Option<String>, reason: String) {
        self.dropped += 1;
        self.problems.push(Skipped {
            file: self.path.clone(),
            position,
            id,
            reason: format!("dropped: {reason}"),
        });
    }

    fn repair(&mut self, position: String, id: Option<String>, reason: String) {
        self.repaired += 1;
        self.problems.push(Skipped {
            file: self.path.clone(),
            position,
            id,
            reason: format!("repaired: {reason}"),
        });
    }

    /// One line for the console: "areas.geojson: 215 read, 213 kept, 2 repaired, 0 dropped".
    pub fn summary(&self) -> String {
        format!(
            "{} {}: {} read, {} kept, {} repaired, {} dropped",
            self.role, self.path, self.read, self.kept, self.repaired, self.dropped
        )
    }
}

/// Need indicators joined to the areas.
#[derive(Debug, Clone, Serialize)]
pub struct NeedJoin {
    /// The need file.
    pub path: String,
    /// Its area-code column.
    pub id_column: String,
    /// Its population column, if any.
    pub population_column: Option<String>,
    /// Areas with a need row.
    pub matched: usize,
    /// Area codes with no need row.
    pub unmatched_areas: Vec<String>,
    /// Need-file codes with no area.
    pub unmatched_rows: Vec<String>,
    /// Column names of the need file.
    #[serde(skip)]
    pub columns: Vec<String>,
    /// The need row of each area (same order as `Study::areas`).
    #[serde(skip)]
    pub rows: Vec<Option<Vec<Value>>>,
    /// Population of each area from the need file.
    #[serde(skip)]
    pub population: Vec<Option<f64>>,
    /// The deprivation column, if any.
    pub deprivation_column: Option<String>,
    /// What it holds.
    pub deprivation_kind: Option<crate::config::DeprivationKind>,
    /// Which values are more deprived.
    pub more_deprived: Option<crate::config::Direction>,
    /// The deprivation value of each area.
    #[serde(skip)]
    pub deprivation: Vec<Option<f64>>,
}

/// Everything loaded for a study, in the working CRS.
#[derive(Debug)]
pub struct Study {
    /// The configuration it was loaded from.
    pub spec: StudySpec,
    /// The CRS all geometry is in.
    pub working_crs: Crs,
    /// How the working CRS was chosen.
    pub working_crs_source: String,
    /// Areas, sorted by code.
    pub areas: Vec<Area>,
    /// Providers, sorted by service type then location.
    pub providers: Vec<Provider>,
    /// Distinct service types, sorted.
    pub service_types: Vec<String>,
    /// Population points, if given.
    pub points: Option<Vec<PopPoint>>,
    /// Need indicators, if given.
    pub need: Option<NeedJoin>,
    /// Per-file accounting.
    pub files: Vec<FileReport>,
    /// Warnings about the study as a whole (unmatched codes, unassigned points, ...).
    pub warnings: Vec<String>,
    /// Seconds spent per loading stage, for `run.json` and benchmarks.
    pub timings: Vec<(String, f64)>,
    /// Group (council) names by group code, when `[areas] group_name` names a column.
    pub group_names: std::collections::BTreeMap<String, String>,
    /// The run's id ([`crate::provenance::run_id`]), taken before the inputs are read.
    pub run_id: String,
}

impl Study {
    /// How maps and the report name service type `t`: its `label`, else the type with
    /// underscores as spaces.
    pub fn service_label(&self, t: usize) -> String {
        let name = &self.service_types[t];
        self.spec
            .services
            .get(name)
            .and_then(|s| s.label.clone())
            .unwrap_or_else(|| name.replace('_', " "))
    }

    /// A group as people read it: its name when known, else its code ("(none)" when empty).
    pub fn group_label<'a>(&'a self, group: &'a str) -> &'a str {
        match self.group_names.get(group) {
            Some(name) => name,
            None if group.is_empty() => "(none)",
            None => group,
        }
    }
}

const ID_CANDIDATES: &[&str] = &["area_code", "code", "id", "geography_code", "GeographyCode"];
const NAME_CANDIDATES: &[&str] = &["area_name", "name"];
const GROUP_CANDIDATES: &[&str] = &[
    "council",
    "group",
    "local_authority_area_code",
    "la_code",
    "lad_code",
];
const POP_CANDIDATES: &[&str] = &[
    "population",
    "pop",
    "pop_total",
    "total_population",
    "usual_residents",
];

fn list(v: &[String], n: usize) -> String {
    let mut s = v.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if v.len() > n {
        s.push_str(&format!(", ... ({} in all)", v.len()));
    }
    s
}

/// A column ending in the ONS suffix ("CD" for codes, "NM" for names), e.g. `WD17CD`.
fn ons_column(layer: &Layer, suffix: &str, prefix: Option<&str>) -> Option<usize> {
    layer.columns.iter().position(|c| {
        let u = c.to_ascii_uppercase();
        u.len() > suffix.len()
            && u.ends_with(suffix)
            && u.chars().next().is_some_and(|ch| ch.is_ascii_alphabetic())
            && prefix.is_none_or(|p| u.starts_with(p))
    })
}

fn read(path: &Path, spec: &StudySpec) -> Result<Layer> {
    io::read_layer(
        path,
        &ReadOptions {
            crs: spec.crs,
            xy_columns: None,
        },
    )
}

pub(crate) fn transform_layer(layer: &mut Layer, to: Crs) -> Result<()> {
    let from = layer.crs.unwrap_or(to);
    let t = Transformer::new(from, to).map_err(|e| Error::crs(&layer.path, e))?;
    if t.is_identity() {
        return Ok(());
    }
    let path = layer.path.clone();
    let unit = layer.unit;
    layer
        .features
        .par_iter_mut()
        .try_for_each(|f| match &mut f.geometry {
            Some(g) => t
                .apply_geometry(g)
                .map_err(|e| Error::crs(&path, format!("{unit} {}: {e}", f.position))),
            None => Ok(()),
        })
}

/// The WGS84 bounding box of a layer, for choosing the working CRS.
pub(crate) fn wgs84_bbox(layer: &Layer) -> Result<Option<[f64; 4]>> {
    let rects = layer
        .features
        .iter()
        .filter_map(|f| f.geometry.as_ref().and_then(|g| g.bounding_rect()));
    let Some(r) = crate::spatial::bounding_union(rects) else {
        return Ok(None);
    };
    let mut corners = [
        r.min(),
        r.max(),
        Coord {
            x: r.min().x,
            y: r.max().y,
        },
        Coord {
            x: r.max().x,
            y: r.min().y,
        },
    ];
    let t = Transformer::new(layer.crs.unwrap_or(WGS84), WGS84)
        .map_err(|e| Error::crs(&layer.path, e))?;
    t.apply(&mut corners)
        .map_err(|e| Error::crs(&layer.path, e))?;
    let xs = corners.iter().map(|c| c.x);
    let ys = corners.iter().map(|c| c.y);
    Ok(Some([
        xs.clone().fold(f64::INFINITY, f64::min),
        ys.clone().fold(f64::INFINITY, f64::min),
        xs.fold(f64::NEG_INFINITY, f64::max),
        ys.fold(f64::NEG_INFINITY, f64::max),
    ]))
}

fn strict_check(spec: &StudySpec, report: &FileReport) -> Result<()> {
    if spec.strict && (report.dropped > 0 || report.repaired > 0) {
        let first = report
            .problems
            .first()
            .map(|p| format!("{}: {}", p.position, p.reason))
            .unwrap_or_default();
        return Err(Error::Strict(format!(
            "{}: {} features repaired and {} dropped (first: {first})",
            report.path, report.repaired, report.dropped
        )));
    }
    Ok(())
}

/// Loads every input of a study.
///
/// # Errors
/// When a file cannot be read, a CRS is missing or contradictory, a needed column is missing,
/// area codes repeat, or (with `strict`) any feature had to be repaired or dropped.
pub fn load(spec: &StudySpec) -> Result<Study> {
    spec.check()?;
    let run_id = crate::provenance::run_id(spec);
    let clock = std::time::Instant::now();
    let mut timings = Vec::new();
    let mut lap = |name: &str| timings.push((name.to_string(), clock.elapsed().as_secs_f64()));
    // Parse the other inputs while the areas are parsed: their CRS transform waits for the
    // working CRS, which the areas decide.
    let (layer, others) = rayon::join(
        || read(&spec.areas.path, spec),
        || {
            let providers: Result<Vec<Layer>> =
                spec.providers.iter().map(|p| read(&p.path, spec)).collect();
            let points = spec
                .points
                .as_ref()
                .map(|p| read(&p.path, spec))
                .transpose();
            let need = spec
                .need
                .as_ref()
                .map(|n| io::csv::read_table(&n.path))
                .transpose();
            (providers, points, need)
        },
    );
    let mut layer = layer?;
    let (provider_layers, point_layer, need_table) = (others.0?, others.1?, others.2?);
    lap("read inputs");
    let (working_crs, working_crs_source) = match spec.working_crs {
        Some(w) => (
            w,
            "set in the study (working_crs / --working-crs)".to_string(),
        ),
        None => match wgs84_bbox(&layer)? {
            Some(bbox) => {
                let w = Crs::working_for(bbox);
                let why = if w == crate::io::crs::BNG {
                    "the areas lie in Great Britain: British National Grid".to_string()
                } else {
                    format!("the areas lie outside Great Britain: UTM zone of their centre ({w})")
                };
                (w, why)
            }
            None => {
                return Err(Error::format(
                    &spec.areas.path,
                    "no area has a geometry: nothing to compute",
                ))
            }
        },
    };
    transform_layer(&mut layer, working_crs)?;
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let (areas, area_id_column, mut group_names) = build_areas(spec, layer, &mut files)?;
    lap("normalise areas");
    // Providers and points are independent once the areas are known: build them side by side.
    let mut point_files = Vec::new();
    let (providers, points) = rayon::join(
        || -> Result<(Vec<Provider>, Vec<String>)> {
            let mut providers = Vec::new();
            for (input, mut layer) in spec.providers.iter().zip(provider_layers) {
                transform_layer(&mut layer, working_crs)?;
                providers.extend(build_providers(spec, input, &mut layer, &mut files)?);
            }
            sort_large_by(&mut providers, |a, b| {
                a.service_type
                    .cmp(&b.service_type)
                    .then(a.site.x.total_cmp(&b.site.x))
                    .then(a.site.y.total_cmp(&b.site.y))
                    .then(a.id.cmp(&b.id))
            });
            let service_types: Vec<String> = providers
                .iter()
                .map(|p| p.service_type.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            Ok((providers, service_types))
        },
        || -> Result<Option<Vec<PopPoint>>> {
            match (&spec.points, point_layer) {
                (Some(input), Some(mut layer)) => {
                    transform_layer(&mut layer, working_crs)?;
                    build_points(
                        input,
                        &mut layer,
                        &areas,
                        &area_id_column,
                        spec,
                        &mut point_files,
                        &mut warnings,
                    )
                    .map(Some)
                }
                _ => Ok(None),
            }
        },
    );
    let (providers, service_types) = providers?;
    if service_types.is_empty() {
        return Err(Error::Config(
            "no provider was kept from the provider files: see the dropped features above".into(),
        ));
    }
    check_networks(spec, &service_types)?;
    let points = points?;
    files.append(&mut point_files);
    lap("providers and points");
    let mut areas = areas;
    let need = match (&spec.need, need_table) {
        (Some(input), Some(table)) => {
            let join = join_need(spec, input, table, &areas, &mut files, &mut warnings)?;
            group_from_need(spec, &join, &mut areas)?;
            Some(join)
        }
        _ => None,
    };
    if group_names.is_empty() {
        if let (Some(col), Some(join)) = (&spec.areas.group_name, &need) {
            if let Some(c) = join.columns.iter().position(|x| x == col) {
                for (a, row) in areas.iter().zip(&join.rows) {
                    if let Some(v) = row.as_ref().and_then(|r| r[c].as_text()) {
                        group_names.entry(a.group.clone()).or_insert(v);
                    }
                }
            }
        }
    }
    if let Some(col) = spec
        .areas
        .group_name
        .as_ref()
        .filter(|_| group_names.is_empty())
    {
        warnings.push(format!(
            "group_name column {col:?} is in neither the areas nor the need file: councils are shown by their codes"
        ));
    }
    lap("need");
    Ok(Study {
        spec: spec.clone(),
        working_crs,
        working_crs_source,
        areas,
        providers,
        service_types,
        points,
        need,
        files,
        warnings,
        timings,
        group_names,
        run_id,
    })
}

/// Fills each area's group from the need file when `--group` names a need-file column.
fn group_from_need(spec: &StudySpec, join: &NeedJoin, areas: &mut [Area]) -> Result<()> {
    let Some(g) = spec.areas.group.as_deref() else {
        return Ok(());
    };
    if areas.iter().any(|a| !a.group.is_empty()) {
        return Ok(());
    }
    let Some(col) = join
        .columns
        .iter()
        .position(|c| c == g || c.eq_ignore_ascii_case(g))
    else {
        return Err(Error::column(
            &spec.areas.path,
            format!(
                "no column {g:?} for the group (--group) in the areas or in the need file {}; \
                 need-file columns are: {}",
                join.path,
                join.columns.join(", ")
            ),
        ));
    };
    for (a, row) in areas.iter_mut().zip(&join.rows) {
        if let Some(v) = row.as_ref().and_then(|r| r[col].as_text()) {
            a.group = v;
        }
    }
    Ok(())
}

/// Builds the areas from their layer (consumed, so raw geometry is freed as it is normalised);
/// returns them sorted by code, with the name of the id column used.
fn build_areas(
    spec: &StudySpec,
    mut layer: Layer,
    files: &mut Vec<FileReport>,
) -> Result<(
    Vec<Area>,
    String,
    std::collections::BTreeMap<String, String>,
)> {
    let layer = &mut layer;
    let a = &spec.areas;
    let id = match layer.choose_column(a.id.as_deref(), ID_CANDIDATES, "area code", "--id")? {
        Some(i) => i,
        None => match ons_column(layer, "CD", None) {
            Some(i) => {
                layer.notes.push(format!(
                    "area code: column {:?} (chosen automatically; set --id to change)",
                    layer.columns[i]
                ));
                i
            }
            None => {
                return Err(Error::column(
                    &layer.path,
                    format!(
                        "cannot tell which column holds the area code: set --id (id = ... in the \
                         study); columns are: {}",
                        layer.columns.join(", ")
                    ),
                ))
            }
        },
    };
    let name =
        match layer.choose_column(a.name.as_deref(), NAME_CANDIDATES, "area name", "--name")? {
            Some(i) => Some(i),
            None => ons_column(layer, "NM", None),
        };
    // A group column missing from the areas may come from the need file (joined later).
    let group_from_need = a
        .group
        .as_deref()
        .filter(|g| spec.need.is_some() && layer.column_index(g).is_none());
    let group = match layer.choose_column(
        a.group.as_deref().filter(|_| group_from_need.is_none()),
        GROUP_CANDIDATES,
        "group (council)",
        "--group",
    )? {
        Some(i) => Some(i),
        None => ons_column(layer, "CD", Some("LAD")).inspect(|&i| {
            layer.notes.push(format!(
                "group (council): column {:?} (chosen automatically; set --group to change)",
                layer.columns[i]
            ))
        }),
    };
    if let Some(g) = group_from_need {
        layer.notes.push(format!(
            "group (council): column {g:?} is not in this file; taken from the need file"
        ));
    } else if group.is_none() {
        layer
            .notes
            .push("no group (council) column: set --group to compare councils".into());
    }
    let mut group_names = std::collections::BTreeMap::new();
    if let (Some(g), Some(n)) = (
        group,
        a.group_name.as_deref().and_then(|c| layer.column_index(c)),
    ) {
        for f in &layer.features {
            if let (Some(code), Some(name)) = (f.values[g].as_text(), f.values[n].as_text()) {
                group_names.entry(code).or_insert(name);
            }
        }
    }
    let mut report = FileReport::new("areas", layer, &a.source);
    let unit = layer.unit;
    let id_name = layer.columns[id].clone();
    // Each feature becomes its area (or the reason it cannot) in parallel, its attribute values
    // freed there too; only the counting is serial.
    let results: Vec<_> = std::mem::take(&mut layer.features)
        .into_par_iter()
        .map(|mut f| {
            let code = f.values[id].as_text();
            let text = |i: Option<usize>| i.and_then(|i| f.values[i].as_text());
            let shape = match (&code, f.geometry.take()) {
                (None, _) => Err(format!("no value in the area-code column {id_name:?}")),
                (_, None) => Err("has no geometry".to_string()),
                (Some(code), Some(g)) => normalise::polygonal(g).map(|(shape, fixed)| {
                    // A fix made while reading (an unclosed ring closed) is a repair too.
                    let why: Vec<String> = f
                        .fixed
                        .take()
                        .into_iter()
                        .chain(match fixed {
                            Fixed::Repaired(why) => Some(why),
                            Fixed::Unchanged => None,
                        })
                        .collect();
                    let area = Area {
                        name: text(name).unwrap_or_else(|| code.clone()),
                        group: text(group).unwrap_or_default(),
                        local: LocalPolygon::new(&shape),
                        code: code.clone(),
                        position: f.position,
                    };
                    (area, why)
                }),
            };
            (f.position, code, shape)
        })
        .collect();
    let mut areas: Vec<Area> = Vec::with_capacity(results.len());
    for (position, code, shape) in results {
        let pos = || format!("{unit} {position}");
        match shape {
            Err(reason) => report.drop(pos(), code, reason),
            Ok((area, why)) => {
                if why.is_empty() {
                    report.kept += 1;
                } else {
                    report.repair(pos(), code, why.join("; "));
                }
                areas.push(area);
            }
        }
    }
    sort_large_by(&mut areas, |a, b| {
        a.code.cmp(&b.code).then(a.position.cmp(&b.position))
    });
    let dups: Vec<String> = areas
        .windows(2)
        .filter(|w| w[0].code == w[1].code)
        .map(|w| {
            format!(
                "{} ({unit}s {} and {})",
                w[0].code, w[0].position, w[1].position
            )
        })
        .collect();
    if !dups.is_empty() {
        return Err(Error::value(
            &layer.path,
            format!(
                "area codes must be unique but {} repeat: {}; fix the file or choose another \
                 --id column",
                dups.len(),
                list(&dups, 5)
            ),
        ));
    }
    if areas.is_empty() {
        return Err(Error::value(
            &layer.path,
            "no usable area: every feature was dropped",
        ));
    }
    strict_check(spec, &report)?;
    files.push(report);
    Ok((areas, id_name, group_names))
}

/// Sorts `v` stably, moving each item at most once: the indices are sorted, then the permutation
/// is applied in place. For items of a couple of hundred bytes (areas, providers), moving them
/// through a merge sort cost more than the rest of loading them.
fn sort_large_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> std::cmp::Ordering) {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&i, &j| cmp(&v[i], &v[j]));
    permute(v, &mut order);
}

/// Puts `v[order[k]]` at position `k`, in place (following the permutation's cycles) so that
/// no second vector of items is allocated; `order` is left as the identity.
fn permute<T>(v: &mut [T], order: &mut [usize]) {
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != at {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

/// Network names must be readable and tell themselves apart from the service types, which are
/// networks too in the reach tables.
fn check_networks(spec: &StudySpec, service_types: &[String]) -> Result<()> {
    for input in &spec.providers {
        let Some(name) = &input.network else { continue };
        let file = input.path.display();
        if name.trim().is_empty() {
            return Err(Error::Config(format!(
                "{file}: network is empty: name the network (e.g. network = \"Trussell Trust\") \
                 or leave the key out"
            )));
        }
        if service_types.contains(name) {
            return Err(Error::Config(format!(
                "{file}: network {name:?} has the name of a service type, and the reach tables \
                 list both as networks: give the network another name"
            )));
        }
    }
    Ok(())
}

fn build_providers(
    spec: &StudySpec,
    input: &ProviderInput,
    layer: &mut Layer,
    files: &mut Vec<FileReport>,
) -> Result<Vec<Provider>> {
    let type_col = if input.service_type.is_some() {
        None
    } else {
        match layer.choose_column(
            input.type_column.as_deref(),
            &["service_type", "service", "type"],
            "service type",
            "--type-column",
        )? {
            Some(i) => Some(i),
            None => {
                return Err(Error::column(
                    &layer.path,
                    format!(
                        "no service type: set --service-type (or TYPE=FILE) for the whole file, or \
                         --type-column; columns are: {}",
                        layer.columns.join(", ")
                    ),
                ))
            }
        }
    };
    let radius_col = layer.choose_column(
        input.radius_column.as_deref(),
        &[],
        "radius",
        "--radius-column",
    )?;
    let id_col = layer.choose_column(
        input.id_column.as_deref(),
        &[
            "provider_id",
            "id",
            "name",
            "pharmacy_name",
            "organisation_code",
        ],
        "provider id",
        "--provider-id",
    )?;
    let cap_col = layer.choose_column(
        input.capacity_column.as_deref(),
        &["capacity"],
        "capacity",
        "capacity_column",
    )?;
    if radius_col.is_none()
        && input.radius_m.is_none()
        && spec.services.values().all(|s| s.radius_m.is_none())
    {
        let points = layer
            .features
            .iter()
            .any(|f| matches!(f.geometry, Some(geo::Geometry::Point(_))));
        if points {
            return Err(Error::Config(format!(
                "{}: providers are points but no catchment radius is set: pass --radius-m \
                 METRES or --radius-column COLUMN (or radius_m in the study)",
                layer.path.display()
            )));
        }
    }
    let mut report = FileReport::new("providers", layer, &input.source);
    if let Some(n) = &input.network {
        report.notes.push(format!(
            "network {n:?}: reach.csv and network_gaps.csv count these providers as one network"
        ));
    }
    let file_label = layer
        .path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = Vec::new();
    for f in &layer.features {
        let pos = || layer.describe(f.position);
        let id = id_col
            .and_then(|i| f.values[i].as_text())
            .unwrap_or_else(|| format!("{file_label}#{}", f.position));
        let service_type = match (&input.service_type, type_col) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(i)) => f.values[i].as_text(),
            _ => None,
        };
        let Some(service_type) = service_type else {
            report.drop(pos(), Some(id), "no service type in the type column".into());
            continue;
        };
        let radius = match radius_col.map(|i| f.values[i].as_number()) {
            Some(Err(t)) => {
                report.drop(pos(), Some(id), format!("radius {t:?} is not a number"));
                continue;
            }
            Some(Ok(Some(r))) => Some(r),
            _ => input
                .radius_m
                .or_else(|| spec.services.get(&service_type).and_then(|s| s.radius_m)),
        };
        if let Some(r) = radius {
            if r <= 0.0 {
                report.drop(pos(), Some(id), format!("radius {r} m is not positive"));
                continue;
            }
        }
        let capacity = cap_col.and_then(|i| f.values[i].as_number().ok().flatten());
        let provider = match &f.geometry {
            None => Err("has no geometry".to_string()),
            Some(geo::Geometry::Point(p)) => match radius {
                Some(r) => Ok((
                    p.0,
                    Catchment::Disc(Disc {
                        x: p.x(),
                        y: p.y(),
                        r,
                    }),
                    false,
                )),
                None => Err(format!(
                    "no catchment radius for service type {service_type:?}: set --radius-m or a \
                     standard for it"
                )),
            },
            Some(g) => polygon_catchment(g, radius),
        };
        match provider {
            Err(reason) => report.drop(pos(), Some(id), reason),
            Ok((site, catchment, repaired)) => {
                if let Some(fix) = &f.fixed {
                    report.repair(pos(), Some(id.clone()), fix.clone());
                } else if repaired {
                    report.repair(
                        pos(),
                        Some(id.clone()),
                        "invalid catchment polygon repaired".into(),
                    );
                } else {
                    report.kept += 1;
                }
                out.push(Provider {
                    id,
                    service_type,
                    site,
                    catchment,
                    capacity,
                    network: input.network.clone(),
                });
            }
        }
    }
    strict_check(spec, &report)?;
    files.push(report);
    Ok(out)
}

/// A polygon site's catchment: the polygon itself, or grown by `radius` metres.
fn polygon_catchment(
    g: &geo::Geometry,
    radius: Option<f64>,
) -> std::result::Result<(Coord, Catchment, bool), String> {
    let (mut shape, fixed) = normalise::polygonal(g.clone())?;
    let site = shape
        .interior_point()
        .map(|p| p.0)
        .ok_or("has no interior point")?;
    if let Some(r) = radius {
        use geo::Buffer;
        // Buffering can panic on degenerate rings (georust/geo#1597); keep one bad site local.
        shape = std::panic::catch_unwind(|| shape.buffer(r))
            .map_err(|_| format!("growing the polygon by {r} m failed"))?;
    }
    Ok((
        site,
        Catchment::Polygon(Box::new(LocalPolygon::new(&shape)), shape),
        fixed != Fixed::Unchanged,
    ))
}

fn build_points(
    input: &PointInput,
    layer: &mut Layer,
    areas: &[Area],
    area_id_column: &str,
    spec: &StudySpec,
    files: &mut Vec<FileReport>,
    warnings: &mut Vec<String>,
) -> Result<Vec<PopPoint>> {
    let pop_col = layer.choose_column(
        input.population.as_deref(),
        POP_CANDIDATES,
        "point population",
        "--point-population",
    )?;
    if pop_col.is_none() {
        layer.notes.push(
            "no population column: every point counts as 1 person (set --point-population)".into(),
        );
    }
    let area_col = match input.area_column.as_deref() {
        Some(c) => layer.choose_column(Some(c), &[], "area code", "--point-area")?,
        None => layer.column_index(area_id_column).inspect(|&i| {
            layer.notes.push(format!(
                "points assigned to areas by their code column {:?} (named like the areas' id \
                 column)",
                layer.columns[i]
            ))
        }),
    };
    if area_col.is_none() {
        layer
            .notes
            .push("points assigned to areas by point-in-polygon (no area code column)".into());
    }
    let mut report = FileReport::new("points", layer, &input.source);
    let by_code: HashMap<&str, usize> = areas
        .iter()
        .enumerate()
        .map(|(i, a)| (a.code.as_str(), i))
        .collect();
    // Points assigned by code never need the areas' R-tree.
    let tree = area_col.is_none().then(|| area_tree(areas));
    let mut points = Vec::with_capacity(layer.features.len());
    let mut unassigned = Vec::new();
    for f in &layer.features {
        let pos = || layer.describe(f.position);
        let Some(geo::Geometry::Point(p)) = &f.geometry else {
            report.drop(pos(), None, "is not a point".into());
            continue;
        };
        let population = match pop_col.map(|i| f.values[i].as_number()) {
            None => 1.0,
            Some(Ok(Some(x))) if x >= 0.0 => x,
            Some(Ok(Some(x))) => {
                report.drop(pos(), None, format!("negative population {x}"));
                continue;
            }
            Some(Ok(None)) => {
                report.drop(pos(), None, "population is blank".into());
                continue;
            }
            Some(Err(t)) => {
                report.drop(pos(), None, format!("population {t:?} is not a number"));
                continue;
            }
        };
        let area = match (area_col, &tree) {
            (Some(i), _) => f.values[i]
                .text()
                .and_then(|c| by_code.get(c.as_ref()).copied()),
            (None, Some(tree)) => locate(tree, areas, p.0),
            (None, None) => None,
        };
        if area.is_none() {
            unassigned.push(pos());
        }
        report.kept += 1;
        points.push(PopPoint {
            at: p.0,
            population,
            area,
        });
    }
    if !unassigned.is_empty() {
        let how = if area_col.is_some() {
            "whose area code matches no area"
        } else {
            "outside every area"
        };
        warnings.push(format!(
            "{}: {} of {} points {how} are not counted in any area (first: {})",
            layer.path.display(),
            unassigned.len(),
            points.len(),
            list(&unassigned, 3)
        ));
    }
    strict_check(spec, &report)?;
    files.push(report);
    Ok(points)
}

struct AreaEntry(usize, rstar::AABB<[f64; 2]>);

impl rstar::RTreeObject for AreaEntry {
    type Envelope = rstar::AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.1
    }
}

fn area_tree(areas: &[Area]) -> rstar::RTree<AreaEntry> {
    rstar::RTree::bulk_load(
        areas
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let r = a.local.bounding_rect();
                AreaEntry(
                    i,
                    rstar::AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                )
            })
            .collect(),
    )
}

fn locate(tree: &rstar::RTree<AreaEntry>, areas: &[Area], p: Coord) -> Option<usize> {
    tree.locate_in_envelope_intersecting(&rstar::AABB::from_point([p.x, p.y]))
        .map(|e| e.0)
        .filter(|&i| areas[i].local.contains(p))
        .min()
}

fn join_need(
    spec: &StudySpec,
    input: &crate::config::NeedInput,
    mut table: Layer,
    areas: &[Area],
    files: &mut Vec<FileReport>,
    warnings: &mut Vec<String>,
) -> Result<NeedJoin> {
    let codes: HashMap<&str, usize> = areas
        .iter()
        .enumerate()
        .map(|(i, a)| (a.code.as_str(), i))
        .collect();
    let id = match input.id.as_deref() {
        Some(c) => table
            .choose_column(Some(c), &[], "area code", "--need-id")?
            .unwrap_or(0),
        None => {
            // The column whose values match the most area codes: robust to names like
            // "LSOA code (2011)" that no list of candidates would foresee.
            let best = (0..table.columns.len())
                .map(|c| {
                    let n = table
                        .features
                        .iter()
                        .filter(|f| {
                            f.values[c]
                                .as_text()
                                .is_some_and(|t| codes.contains_key(t.as_str()))
                        })
                        .count();
                    (n, std::cmp::Reverse(c))
                })
                .max();
            match best {
                Some((n, std::cmp::Reverse(c))) if n > 0 => {
                    table.notes.push(format!(
                        "area code: column {:?}, whose values match {n} area codes (set --need-id \
                         to change)",
                        table.columns[c]
                    ));
                    c
                }
                _ => {
                    return Err(Error::column(
                        &input.path,
                        format!(
                            "no column matches the area codes (e.g. {:?}); the need file may use \
                             another boundary vintage. Set --need-id; columns are: {}",
                            areas.first().map(|a| a.code.as_str()).unwrap_or(""),
                            table.columns.join(", ")
                        ),
                    ))
                }
            }
        }
    };
    let mut pop = table.choose_column(
        input.population.as_deref(),
        POP_CANDIDATES,
        "need population",
        "--need-population",
    )?;
    if pop.is_none() {
        pop = table.columns.iter().position(|c| {
            let l = c.to_lowercase();
            l.starts_with("pop_total") || l.starts_with("total population")
        });
        if let Some(i) = pop {
            table.notes.push(format!(
                "need population: column {:?} (chosen automatically; set --need-population to change)",
                table.columns[i]
            ));
        }
    }
    let dep = table.choose_column(
        input.deprivation.as_deref(),
        &[
            "imd_decile",
            "deprivation_decile",
            "imd_score",
            "deprivation_score",
            "deprivation",
            "imd_rank",
        ],
        "deprivation measure",
        "deprivation = ... in [need]",
    )?;
    let dep = dep.or_else(|| {
        table
            .columns
            .iter()
            .position(|c| c.to_lowercase().contains("index of multiple deprivation"))
    });
    let (dep_kind, dep_dir) = match dep {
        None => (None, None),
        Some(i) => {
            use crate::config::{DeprivationKind as K, Direction as D};
            let name = table.columns[i].to_lowercase();
            let kind = input
                .deprivation_kind
                .unwrap_or(if name.contains("decile") {
                    K::Decile
                } else if name.contains("rank") {
                    K::Rank
                } else {
                    K::Score
                });
            let dir = input.more_deprived.unwrap_or(match kind {
                K::Score => D::Higher,
                K::Rank | K::Decile => D::Lower,
            });
            table.notes.push(format!(
                "deprivation: column {:?} read as a {kind:?} where {dir:?} values are more deprived \
                 (set deprivation_kind / more_deprived in [need] to change)",
                table.columns[i]
            ));
            (Some(kind), Some(dir))
        }
    };
    let mut deprivation = vec![None; areas.len()];
    let mut report = FileReport::new("need", &table, &input.source);
    let mut rows: Vec<Option<Vec<Value>>> = vec![None; areas.len()];
    let mut population = vec![None; areas.len()];
    let mut unmatched_rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in &table.features {
        let Some(code) = f.values[id].as_text() else {
            report.drop(table.describe(f.position), None, "no area code".into());
            continue;
        };
        if let Some(first) = seen.insert(code.clone(), f.position) {
            return Err(Error::value(
                &input.path,
                format!(
                    "area code {code} appears in rows {first} and {}: each area needs one row",
                    f.position
                ),
            ));
        }
        let Some(&ai) = codes.get(code.as_str()) else {
            unmatched_rows.push(code);
            report.kept += 1;
            continue;
        };
        if let Some(pc) = pop {
            match f.values[pc].as_number() {
                Ok(Some(x)) if x >= 0.0 => population[ai] = Some(x),
                Ok(Some(x)) => {
                    return Err(Error::value(
                        &input.path,
                        format!("row {} ({code}): population {x} is negative", f.position),
                    ))
                }
                Ok(None) => {}
                Err(t) => {
                    return Err(Error::value(
                        &input.path,
                        format!(
                            "row {} ({code}): population {t:?} in column {:?} is not a number",
                            f.position, table.columns[pc]
                        ),
                    ))
                }
            }
        }
        if let Some(dc) = dep {
            match f.values[dc].as_number() {
                Ok(v) => deprivation[ai] = v,
                Err(t) => {
                    return Err(Error::value(
                        &input.path,
                        format!(
                            "row {} ({code}): deprivation {t:?} in column {:?} is not a number",
                            f.position, table.columns[dc]
                        ),
                    ))
                }
            }
        }
        rows[ai] = Some(f.values.clone());
        report.kept += 1;
    }
    let unmatched_areas: Vec<String> = areas
        .iter()
        .zip(&rows)
        .filter(|(_, r)| r.is_none())
        .map(|(a, _)| a.code.clone())
        .collect();
    let matched = areas.len() - unmatched_areas.len();
    report.notes.push(format!(
        "join on {:?}: {matched} of {} areas matched; {} areas without a need row; {} need rows \
         without an area",
        table.columns[id],
        areas.len(),
        unmatched_areas.len(),
        unmatched_rows.len()
    ));
    if !unmatched_areas.is_empty() {
        warnings.push(format!(
            "{}: {} areas have no need row (first: {}); check the boundary vintage",
            input.path.display(),
            unmatched_areas.len(),
            list(&unmatched_areas, 5)
        ));
    }
    if !unmatched_rows.is_empty() {
        report.notes.push(format!(
            "need rows without an area (first: {})",
            list(&unmatched_rows, 5)
        ));
    }
    let join = NeedJoin {
        path: input.path.display().to_string(),
        id_column: table.columns[id].clone(),
        population_column: pop.map(|i| table.columns[i].clone()),
        matched,
        unmatched_areas,
        unmatched_rows,
        columns: table.columns.clone(),
        rows,
        population,
        deprivation_column: dep.map(|i| table.columns[i].clone()),
        deprivation_kind: dep_kind,
        more_deprived: dep_dir,
        deprivation,
    };
    strict_check(spec, &report)?;
    files.push(report);
    Ok(join)
}

#[cfg(test)]
mod tests {
    use super::permute;

    #[test]
    fn sorting_large_items_is_a_stable_sort() {
        let mut v: Vec<(u8, usize)> = [3, 1, 2, 1, 3, 0, 2, 1].into_iter().zip(0..).collect();
        let mut expected = v.clone();
        expected.sort_by_key(|x| x.0);
        super::sort_large_by(&mut v, |a, b| a.0.cmp(&b.0));
        assert_eq!(v, expected);
    }

    #[test]
    fn permute_puts_each_item_where_the_order_says() {
        // Cycles of length 3 and 2 and a fixed point.
        let mut v = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        let mut order = vec![2, 0, 1, 4, 3, 5];
        let expected: Vec<char> = order.iter().map(|&i| v[i]).collect();
        permute(&mut v, &mut order);
        assert_eq!(v, expected);
        assert_eq!(v, vec!['c', 'a', 'b', 'e', 'd', 'f']);
    }
}
