//! Loading a study: read every input, transform it once to the working CRS, choose the columns,
//! normalise geometry, join need indicators and assign population points to areas. Every
//! feature is accounted for: kept, repaired (with what was done) or dropped (with why).
//!
//! Nothing is lost or changed without a word: provider rows far outside the study region are
//! dropped with the reason (`providers`), points are joined to areas by code values whatever
//! the column's name and areas left without people are warned about (`points`), the need
//! file's deprivation column is found under its common spellings and study deciles are said to
//! be so (`need`), values that cannot be people are refused with their row, and service
//! standards must match the providers' service types (`services`).

use std::collections::BTreeMap;
use std::path::Path;

use geo::{BoundingRect, Coord};
use rayon::prelude::*;
use serde::Serialize;

use crate::config::StudySpec;
use crate::crs::{Crs, Transformer, WGS84};
use crate::error::{Error, Result};
use crate::{self as io, Layer, ReadOptions, Skipped};
use lacuna_core::model::{Area, PopPoint, Provider};
pub use lacuna_core::study::{NeedJoin, Study};

mod areas;
mod columns;
mod need;
pub mod network;
mod points;
mod providers;
pub mod radii;
mod scenario;
mod services;
mod sites;

use areas::build_areas;
pub(crate) use columns::column_matching_codes;
use need::join_need;
use points::build_points;
pub(crate) use points::{locate, polygon_tree};
use providers::build_providers;
pub(crate) use services::edit_distance;

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
        self.push(position, id, format!("dropped: {reason}"));
    }

    fn repair(&mut self, position: String, id: Option<String>, reason: String) {
        self.repaired += 1;
        self.push(position, id, format!("repaired: {reason}"));
    }

    fn push(&mut self, position: String, id: Option<String>, reason: String) {
        let s = Skipped::new(&self.path, position, reason);
        self.problems.push(Skipped { id, ..s });
    }

    /// One line for the console: "areas.geojson: 215 read, 213 kept, 2 repaired, 0 dropped".
    pub fn summary(&self) -> String {
        format!(
            "{} {}: {} read, {} kept, {} repaired, {} dropped",
            self.role, self.path, self.read, self.kept, self.repaired, self.dropped
        )
    }
}

/// A study as loaded from files: the [`Study`] the computation reads, and what the reader
/// found on the way (the configuration, the working CRS, per-file accounting, warnings).
/// Dereferences to the [`Study`].
#[derive(Debug)]
pub struct LoadedStudy {
    /// The study itself.
    pub study: Study,
    /// The configuration it was loaded from.
    pub spec: StudySpec,
    /// The CRS all geometry is in.
    pub working_crs: Crs,
    /// How the working CRS was chosen.
    pub working_crs_source: String,
    /// Per-file accounting.
    pub files: Vec<FileReport>,
    /// Warnings about the study as a whole (unmatched codes, unassigned points, ...).
    pub warnings: Vec<String>,
    /// Seconds spent per loading stage, for `run.json` and benchmarks.
    pub timings: Vec<(String, f64)>,
    /// The street network and what joining the network service types to it found.
    pub street_network: Option<network::NetworkLoad>,
}

impl std::ops::Deref for LoadedStudy {
    type Target = Study;
    fn deref(&self) -> &Study {
        &self.study
    }
}

/// Said when population points have no population column.
pub const POINTS_COUNTED: &str = "no population column among the points: every point counts as \
    1, so population figures are counts of points, not people (set the points' population \
    column: population = \"COLUMN\" in [points], or --point-population)";

pub(crate) const ID_CANDIDATES: &[&str] =
    &["area_code", "code", "id", "geography_code", "GeographyCode"];
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

/// The most people one row may count (a point, an area, a target group or a provider's
/// capacity): a billion, more than any area lacuna could be given holds, and small enough that
/// the sums of a national study stay exact to well under a person.
pub const MAX_PEOPLE: f64 = 1e9;

/// Why `x` cannot be a number of people, if it cannot: negative, not finite, or above
/// [`MAX_PEOPLE`] (a value such as 1e308 would overflow the sums to infinity and NaN).
pub(crate) fn not_people(x: f64) -> Option<String> {
    if !x.is_finite() {
        Some(format!("{x} is not a finite number"))
    } else if x < 0.0 {
        Some(format!("{x} is negative"))
    } else if x > MAX_PEOPLE {
        Some(format!(
            "{x} is more than {MAX_PEOPLE:e}, which no row can count (a unit or a typing error?)"
        ))
    } else {
        None
    }
}

fn list(v: &[String], n: usize) -> String {
    let mut s = v.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if v.len() > n {
        s.push_str(&format!(", ... ({} in all)", v.len()));
    }
    s
}

/// Reads one input file; `crs`, the file's own `crs =`, stands in for the study's; `layer`
/// picks one of a GeoPackage's layers.
fn read(path: &Path, crs: Option<Crs>, layer: Option<&str>, spec: &StudySpec) -> Result<Layer> {
    io::read_layer(
        path,
        &ReadOptions {
            crs: crs.or(spec.crs),
            xy_columns: None,
            layer: layer.map(str::to_string),
        },
    )
}

/// Transforms every geometry of `layer` into `to` (no-op when the layer is already in it).
///
/// # Errors
/// When the layer's CRS is unknown or a coordinate cannot be transformed.
pub fn transform_layer(layer: &mut Layer, to: Crs) -> Result<()> {
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
pub fn wgs84_bbox(layer: &Layer) -> Result<Option<[f64; 4]>> {
    let rects = layer
        .features
        .iter()
        .filter_map(|f| f.geometry.as_ref().and_then(|g| g.bounding_rect()));
    let Some(r) = lacuna_core::spatial::bounding_union(rects) else {
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
/// # Examples
/// The demo study: 60 synthetic wards, four service types, population points and need.
/// ```
/// use std::path::Path;
/// use lacuna_io::{load, StudySpec};
///
/// let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/study.toml");
/// let loaded = load(&StudySpec::from_toml_file(&path)?)?;
/// assert_eq!(loaded.areas.len(), 60);
/// assert_eq!(loaded.service_types, ["food_bank", "gp", "library", "pharmacy"]);
/// assert_eq!(loaded.working_crs, lacuna_io::crs::BNG);
/// // Every file is accounted for: what was read was kept, repaired or dropped.
/// for file in &loaded.files {
///     assert_eq!(file.read, file.kept + file.repaired + file.dropped, "{}", file.summary());
/// }
/// # Ok::<(), lacuna_io::Error>(())
/// ```
///
/// # Errors
/// When a file cannot be read, a CRS is missing or contradictory, a needed column is missing,
/// area codes repeat, or (with `strict`) any feature had to be repaired or dropped.
pub fn load(spec: &StudySpec) -> Result<LoadedStudy> {
    spec.check()?;
    let run_id = crate::provenance::run_id(spec);
    let clock = std::time::Instant::now();
    let mut timings = Vec::new();
    let mut lap = |name: &str| timings.push((name.to_string(), clock.elapsed().as_secs_f64()));
    let Inputs {
        areas: mut layer,
        providers: provider_layers,
        points: point_layer,
        need: need_table,
    } = read_inputs(spec)?;
    lap("read inputs");
    let (working_crs, working_crs_source) = choose_working_crs(spec, &layer)?;
    transform_layer(&mut layer, working_crs)?;
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let (mut areas, area_id_column, mut group_names) = build_areas(spec, layer, &mut files)?;
    lap("normalise areas");
    // Providers and points are independent once the areas are known: build them side by side.
    let mut point_files = Vec::new();
    let region = providers::Region::of(&areas, working_crs);
    let (providers, points) = rayon::join(
        || -> Result<(Vec<Provider>, Vec<String>)> {
            let (mut providers, seen) =
                provider_files(spec, provider_layers, &region, working_crs, &mut files)?;
            if !spec.lenient_standards {
                services::check_standards(spec, &seen)?;
            }
            lacuna_core::study::sort_providers(&mut providers);
            let service_types = lacuna_core::study::service_types(&providers);
            Ok((providers, service_types))
        },
        || {
            point_file(
                spec,
                point_layer,
                working_crs,
                (&areas, &area_id_column),
                &mut point_files,
                &mut warnings,
            )
        },
    );
    let (providers, service_types) = providers?;
    if service_types.is_empty() {
        return Err(services::none_kept(&files));
    }
    check_networks(spec, &service_types)?;
    check_bundles(spec, &service_types)?;
    let points = points?;
    files.append(&mut point_files);
    let change = match spec.scenario.as_ref().filter(|s| !s.is_empty()) {
        Some(sc) => Some(scenario::change(
            spec,
            sc,
            &providers,
            &service_types,
            (&region, working_crs),
            &mut files,
            &mut warnings,
        )?),
        None => None,
    };
    lap("providers and points");
    let need = need_file(
        spec,
        need_table,
        &mut areas,
        points.as_deref(),
        &mut files,
        &mut warnings,
    )?;
    group_names_from_need(spec, &areas, need.as_ref(), &mut group_names, &mut warnings);
    lap("need");
    let points_counted = warnings.iter().any(|w| w.ends_with(POINTS_COUNTED));
    warnings.extend(
        radii::tiny_radii(&areas, &providers)
            .iter()
            .map(ToString::to_string),
    );
    let mut study = Study {
        params: spec.params(),
        areas,
        providers,
        service_types,
        points,
        need,
        group_names,
        run_id,
        points_counted,
        scenario: change,
        sites: None,
        network: Default::default(),
    };
    let street_network = network::apply(spec, &mut study, working_crs, &mut warnings)?;
    lap("network");
    if let Some(sites) = &spec.sites {
        study.sites = Some(sites::input(spec, sites, &study, working_crs)?);
    }
    Ok(LoadedStudy {
        study,
        spec: spec.clone(),
        working_crs,
        working_crs_source,
        files,
        warnings,
        timings,
        street_network,
    })
}

/// The study's input files as read, before any CRS transform.
struct Inputs {
    areas: Layer,
    providers: Vec<Layer>,
    points: Option<Layer>,
    need: Option<Layer>,
}

/// Reads every input file, parsing the others while the areas are parsed: their CRS transform
/// waits for the working CRS, which the areas decide.
fn read_inputs(spec: &StudySpec) -> Result<Inputs> {
    let (areas, others) = rayon::join(
        || match spec.areas.hex_m {
            Some(hex_m) => network::hex_areas(spec, hex_m),
            None => read(
                &spec.areas.path,
                spec.areas.crs,
                spec.areas.layer.as_deref(),
                spec,
            ),
        },
        || {
            let providers: Result<Vec<Layer>> = spec
                .providers
                .iter()
                .map(|p| match &p.osm {
                    Some(tags) => crate::network::sources::tagged_points(&p.path, tags),
                    None => read(&p.path, p.crs, p.layer.as_deref(), spec),
                })
                .collect();
            let points = spec
                .points
                .as_ref()
                .map(|p| match &p.osm {
                    Some(tags) => {
                        crate::network::sources::proxy_points(&p.path, tags, p.population_total)
                    }
                    None => read(&p.path, p.crs, p.layer.as_deref(), spec),
                })
                .transpose();
            let need = spec
                .need
                .as_ref()
                .map(|n| io::csv::read_table(&n.path))
                .transpose();
            (providers, points, need)
        },
    );
    let areas = areas?;
    Ok(Inputs {
        areas,
        providers: others.0?,
        points: others.1?,
        need: others.2?,
    })
}

/// The CRS every geometry is computed in, and why: the study's, else the one chosen for the
/// areas ([`working_crs_for`]).
fn choose_working_crs(spec: &StudySpec, areas: &Layer) -> Result<(Crs, String)> {
    if let Some(w) = spec.working_crs {
        return Ok((
            w,
            "set in the study (working_crs / --working-crs)".to_string(),
        ));
    }
    working_crs_for(areas)?.ok_or_else(|| {
        Error::format(
            &spec.areas.path,
            "no area has a geometry: nothing to compute",
        )
    })
}

/// The working CRS for these areas, and why: British National Grid when they lie in Great
/// Britain, else the UTM zone of their centre, so that distances and areas are in metres with
/// little distortion. None when no area has a geometry.
pub(crate) fn working_crs_for(areas: &Layer) -> Result<Option<(Crs, String)>> {
    let Some(bbox) = wgs84_bbox(areas)? else {
        return Ok(None);
    };
    let w = Crs::working_for(bbox);
    let why = if w == crate::crs::BNG {
        "the areas lie in Great Britain: British National Grid".to_string()
    } else {
        format!("the areas lie outside Great Britain: UTM zone of their centre ({w})")
    };
    Ok(Some((w, why)))
}

/// Builds the providers of every provider file, in the working CRS, with the service types
/// each file holds (for checking them against the study's service standards).
fn provider_files(
    spec: &StudySpec,
    layers: Vec<Layer>,
    region: &providers::Region,
    working_crs: Crs,
    files: &mut Vec<FileReport>,
) -> Result<(Vec<Provider>, providers::SeenTypes)> {
    let mut providers = Vec::new();
    let mut seen = providers::SeenTypes::new();
    for (input, mut layer) in spec.providers.iter().zip(layers) {
        transform_layer(&mut layer, working_crs)?;
        if let Some(t) = &input.service_type {
            seen.entry(t.clone())
                .or_default()
                .insert(layer.path.display().to_string());
        }
        providers.extend(build_providers(
            spec, input, &mut layer, region, &mut seen, files,
        )?);
    }
    Ok((providers, seen))
}

/// Builds the population points, when the study has them, in the working CRS; `areas` are the
/// areas and the name of their code column, which the points may share.
fn point_file(
    spec: &StudySpec,
    layer: Option<Layer>,
    working_crs: Crs,
    (areas, area_id_column): (&[Area], &str),
    files: &mut Vec<FileReport>,
    warnings: &mut Vec<String>,
) -> Result<Option<Vec<PopPoint>>> {
    let Some((input, mut layer)) = spec.points.as_ref().zip(layer) else {
        return Ok(None);
    };
    transform_layer(&mut layer, working_crs)?;
    let points = build_points(
        input,
        &mut layer,
        areas,
        area_id_column,
        spec,
        files,
        warnings,
    )?;
    Ok(Some(points))
}

/// Joins the need file, when the study has one, to the areas; the areas' groups may come from
/// it, and areas it gives people but the points do not are warned about.
fn need_file(
    spec: &StudySpec,
    table: Option<Layer>,
    areas: &mut [Area],
    points: Option<&[PopPoint]>,
    files: &mut Vec<FileReport>,
    warnings: &mut Vec<String>,
) -> Result<Option<NeedJoin>> {
    let Some((input, table)) = spec.need.as_ref().zip(table) else {
        return Ok(None);
    };
    let join = join_need(spec, input, table, areas, files, warnings)?;
    group_from_need(spec, &join, areas)?;
    if let Some(points) = points {
        points::warn_empty_areas(areas, points, &join, warnings);
    }
    Ok(Some(join))
}

/// Names the groups (councils) from the need file when the areas named none and the study's
/// `group_name` column is in the need file; warns when it is in neither, since the councils
/// are then shown by their codes.
fn group_names_from_need(
    spec: &StudySpec,
    areas: &[Area],
    need: Option<&NeedJoin>,
    group_names: &mut BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) {
    if group_names.is_empty() {
        if let (Some(col), Some(join)) = (&spec.areas.group_name, need) {
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

/// Every bundle names at least two services, each a service type of the study: a bundle of a
/// type with no provider would read as everyone lacking it.
fn check_bundles(spec: &StudySpec, service_types: &[String]) -> Result<()> {
    for (name, list) in &spec.bundles {
        if let Some(s) = list.iter().find(|s| !service_types.contains(s)) {
            return Err(Error::Config(format!(
                "[bundles] {name}: {s:?} is not a service type of the study (types: {})",
                service_types.join(", ")
            )));
        }
        let distinct: std::collections::BTreeSet<&String> = list.iter().collect();
        if distinct.len() < 2 {
            return Err(Error::Config(format!(
                "[bundles] {name}: a bundle joins at least two service types (it has {})",
                distinct.len()
            )));
        }
    }
    Ok(())
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
