//! The checked study configuration: which files to read, which columns mean what, and the
//! catchment standard per service type. Built from a study TOML file (`lacuna run`) or from
//! command-line flags (`lacuna coverage`); the library only ever sees this.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::crs::Crs;
use crate::error::{Error, Result};
pub use lacuna_core::params::{
    Adjacency, DeprivationKind, Direction, FindingsSpec, Standard, DEFAULT_THRESHOLD,
    GAP_POLYGON_AUTO_LIMIT,
};

/// The area layer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaInput {
    /// The boundary file (none with `hex_m`).
    #[serde(default, serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// Without a boundary file: a grid of hexagons this many metres across (flat to flat) over
    /// the streets of `[network]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hex_m: Option<f64>,
    /// Column with the area code (default: detected, e.g. a unique `*CD` or `code` column).
    pub id: Option<String>,
    /// Column with the area name (default: detected, e.g. `*NM` or `name`).
    pub name: Option<String>,
    /// Column with the group (council) (default: detected `LAD*CD`, `council`; else none).
    pub group: Option<String>,
    /// Column with the group's name, for maps and the report (e.g. `lad19nm`; in the areas or
    /// the need file; default: none, groups shown by their code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Where the file comes from, for the report's inputs table: publisher, vintage, licence
    /// (e.g. "ONS Open Geography Portal, December 2011, OGL v3.0").
    pub source: Option<String>,
    /// CRS of this file when it declares none (overrides the study's `crs` for this file), e.g.
    /// "EPSG:27700" for a CSV of eastings and northings beside a GeoJSON in WGS84.
    #[serde(default, with = "opt_crs", skip_serializing_if = "Option::is_none")]
    pub crs: Option<Crs>,
    /// The layer to read when the file holds several (a GeoPackage's layer name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

/// One provider file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderInput {
    /// The provider file (points or catchment polygons); with `osm`, an OpenStreetMap extract
    /// (default: the `[network]` file).
    #[serde(default, serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// Providers from OpenStreetMap: the nodes and buildings with this tag (`amenity=pharmacy`;
    /// several separated by commas; `key=*` for any value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub osm: Option<String>,
    /// A fixed service type for every provider in the file.
    pub service_type: Option<String>,
    /// Column holding the service type (default: detected `service_type`, `type`).
    pub type_column: Option<String>,
    /// Catchment radius in metres for every provider of the file.
    pub radius_m: Option<f64>,
    /// Column holding each provider's radius in metres.
    pub radius_column: Option<String>,
    /// Column with a provider identifier (default: detected `id`, `name`); `id = ` as for areas.
    #[serde(alias = "id")]
    pub id_column: Option<String>,
    /// Column with each provider's capacity (list size, opening hours, beds; default: detected
    /// `capacity`): capacity-aware access (`access.csv`) shares it among the people within
    /// reach. `capacity = ` too.
    #[serde(alias = "capacity")]
    pub capacity_column: Option<String>,
    /// Where the file comes from, for the report's inputs table: publisher, vintage, licence
    /// (e.g. "ONS Open Geography Portal, December 2011, OGL v3.0").
    pub source: Option<String>,
    /// CRS of this file when it declares none (overrides the study's `crs` for this file), e.g.
    /// "EPSG:27700" for a CSV of eastings and northings beside a GeoJSON in WGS84.
    #[serde(default, with = "opt_crs", skip_serializing_if = "Option::is_none")]
    pub crs: Option<Crs>,
    /// The layer to read when the file holds several (a GeoPackage's layer name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// The network the file's providers belong to (e.g. "Trussell Trust"): network reach gets
    /// a row for it beside its service type's, and `network_gaps.csv` compares it with the
    /// other networks. Files naming the same network pool their providers.
    pub network: Option<String>,
}

/// Population-weighted points.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointInput {
    /// The points file; with `osm`, an OpenStreetMap extract (default: the `[network]` file).
    #[serde(default, serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// Population points from OpenStreetMap (a proxy): the buildings or addresses with this tag
    /// (`building=*`, `addr:housenumber=*`), each the same share of `population_total`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub osm: Option<String>,
    /// The people the `osm` points stand for together (default: each point counts 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population_total: Option<f64>,
    /// Column with each point's population (default: detected `population`, `pop`).
    pub population: Option<String>,
    /// Column with the code of the area each point belongs to (default: the column named like
    /// the areas' id column, else the column whose values match the most area codes; points
    /// without a code, or with no such column, are placed by point-in-polygon).
    pub area_column: Option<String>,
    /// Where the file comes from, for the report's inputs table: publisher, vintage, licence
    /// (e.g. "ONS Open Geography Portal, December 2011, OGL v3.0").
    pub source: Option<String>,
    /// CRS of this file when it declares none (overrides the study's `crs` for this file), e.g.
    /// "EPSG:27700" for a CSV of eastings and northings beside a GeoJSON in WGS84.
    #[serde(default, with = "opt_crs", skip_serializing_if = "Option::is_none")]
    pub crs: Option<Crs>,
    /// The layer to read when the file holds several (a GeoPackage's layer name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

/// Need indicators per area.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedInput {
    /// The CSV file.
    #[serde(serialize_with = "lossy_path")]
    pub path: PathBuf,
    /// Column with the area code (default: the column whose values match most area codes).
    pub id: Option<String>,
    /// Column with population (default: detected `population`, `pop_total`, ...).
    pub population: Option<String>,
    /// Column with the deprivation measure (default: detected: a decile of the overall index
    /// (`imd_decile`, `Decile`, "IMD Decile", "Index of Multiple Deprivation (IMD) Decile ..."),
    /// else its score, else its rank; a score or rank gives deciles within the study, not
    /// national ones).
    pub deprivation: Option<String>,
    /// What the deprivation column holds: "score", "rank" or "decile" (default: from its name).
    pub deprivation_kind: Option<DeprivationKind>,
    /// Which values are more deprived: "higher" or "lower" (default: higher for a score, lower
    /// for a rank or decile, as in the English IMD where rank 1 and decile 1 are most deprived).
    pub more_deprived: Option<Direction>,
    /// Where the file comes from, for the report's inputs table: publisher, vintage, licence
    /// (e.g. "ONS Open Geography Portal, December 2011, OGL v3.0").
    pub source: Option<String>,
}

/// A whole study.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudySpec {
    /// A title for reports.
    #[serde(default)]
    pub name: String,
    /// CRS for inputs that declare none (CSV coordinates, shapefiles without `.prj`).
    #[serde(default, with = "opt_crs")]
    pub crs: Option<Crs>,
    /// The projected CRS to compute in (default: EPSG:27700 in Great Britain, else UTM).
    #[serde(default, with = "opt_crs")]
    pub working_crs: Option<Crs>,
    /// Treat every dropped or repaired feature as an error.
    #[serde(default)]
    pub strict: bool,
    /// Load even when standards and service types disagree (for `lacuna validate`, which has
    /// already reported it and goes on to check the rest); never set from a study file.
    #[serde(skip)]
    pub lenient_standards: bool,
    /// The areas.
    pub areas: AreaInput,
    /// The provider files.
    #[serde(default)]
    pub providers: Vec<ProviderInput>,
    /// Population-weighted points.
    pub points: Option<PointInput>,
    /// Need indicators.
    pub need: Option<NeedInput>,
    /// Standards per service type.
    #[serde(default)]
    pub services: BTreeMap<String, Standard>,
    /// Parameters of the findings.
    #[serde(default)]
    pub findings: FindingsSpec,
    /// How maps are drawn.
    #[serde(default)]
    pub maps: MapSpec,
    /// Also write `areas.parquet` (GeoParquet; needs the `geoparquet` build feature).
    #[serde(default)]
    pub geoparquet: bool,
    /// Also write `lacuna.gpkg`: the areas, unserved areas, gaps and lottery pairs as
    /// GeoPackage layers in the working CRS, for QGIS.
    #[serde(default)]
    pub gpkg: bool,
    /// Also write `areas.fgb`: the areas and their coverage as FlatGeobuf in the working CRS.
    #[serde(default)]
    pub fgb: bool,
    /// Bundles of services a neighbourhood needs together (`[bundles] essentials = ["gp",
    /// "pharmacy", "food_bank"]`): `bundles.csv` lists the areas lacking any of each.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bundles: BTreeMap<String, Vec<String>>,
    /// A change to weigh: providers to close, sites to open (`lacuna scenario`, or
    /// `[scenario]` in the study, which `lacuna run` then reports too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<ScenarioSpec>,
    /// Where to open next (`lacuna sites`, or `[sites]` in the study).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites: Option<SitesSpec>,
    /// The street network for standards measured along it (`network = "walk"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<crate::network::NetworkSpec>,
}

/// New sites to choose (`[sites]`, or `lacuna sites`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SitesSpec {
    /// The service type of the new sites.
    pub service: String,
    /// How many to choose.
    pub k: usize,
    /// A file of candidate sites (points; polygons stand for their interior point).
    #[serde(default, serialize_with = "lossy_opt_path")]
    pub candidates: Option<PathBuf>,
    /// Without a file, candidates on a square grid of this many metres (default 500).
    pub grid_m: Option<f64>,
    /// Catchment radius of a new site (default: the service's `radius_m`).
    pub radius_m: Option<f64>,
    /// Solve the integer programme exactly (small instances).
    #[serde(default)]
    pub exact: bool,
}

/// Providers to close and sites to open (`[scenario]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScenarioSpec {
    /// Ids of the providers to close (as in `critical_providers.csv`); an id that several
    /// providers share closes them all.
    pub close: Vec<String>,
    /// A CSV listing more ids to close, in its `provider`, `provider_id` or `id` column (else
    /// its first column).
    #[serde(serialize_with = "lossy_opt_path")]
    pub close_file: Option<PathBuf>,
    /// Files of new sites to open, read like `[[providers]]` (`[[scenario.open]]`).
    pub open: Vec<ProviderInput>,
}

impl ScenarioSpec {
    /// Whether it changes nothing (no id, no file).
    pub fn is_empty(&self) -> bool {
        self.close.is_empty() && self.close_file.is_none() && self.open.is_empty()
    }
}

fn lossy_opt_path<S: serde::Serializer>(
    p: &Option<PathBuf>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.serialize_some(&p.to_string_lossy()),
        None => s.serialize_none(),
    }
}

/// How the coverage of an area is put into colour classes on a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Classing {
    /// Fixed class breaks (`breaks`), the same on every map: maps of different services and
    /// studies can be compared.
    Fixed,
    /// Population-weighted quantiles of the mapped value: each class holds about the same number
    /// of people; shows variation when most areas are in one fixed class.
    Quantile,
}

/// Parameters of the maps.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MapSpec {
    /// Classes of the coverage maps: `fixed` (default) or `quantile`.
    pub classes: Classing,
    /// Class breaks of covered share for `fixed` classes, from 0 to 1 (five classes).
    pub breaks: Vec<f64>,
    /// Width and height of the maps in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Unserved neighbourhoods labelled on the unmet-need map.
    pub labels: usize,
    /// Write PNG maps (SVG maps are always written).
    pub png: bool,
    /// Put the interactive map in `report.html` and link the static maps (`false`: the static
    /// maps inlined, as before; `lacuna run --no-interactive`).
    pub interactive: bool,
}

impl Default for MapSpec {
    fn default() -> Self {
        MapSpec {
            classes: Classing::Fixed,
            breaks: vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
            width: 1600,
            height: 1200,
            labels: 10,
            png: true,
            interactive: true,
        }
    }
}

pub(crate) mod opt_crs {
    use super::Crs;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &Option<Crs>, s: S) -> Result<S::Ok, S::Error> {
        match c {
            Some(c) => s.serialize_str(&c.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Crs>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| s.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// `a/b/../c` as `a/c`, lexically, so messages show the path a user would type. A `..` after a
/// symbolic link could differ from the file system's view; study folders rarely hold links to
/// folders, and the path still names the same file when nothing in it is a link.
/// The largest catchment radius accepted, in metres: 1,000 km is wider than any country a study
/// covers, and larger radii mean a unit was mistaken (and would take the overlay's exact circles
/// beyond the precision of their coordinates).
pub const MAX_RADIUS_M: f64 = 1.0e6;

/// The most permutations or bootstrap draws a study may ask for: 100,000 already puts the
/// Monte-Carlo error of a p-value under 0.002; more only costs time and memory.
pub const MAX_RESAMPLES: usize = 100_000;

/// Paths are recorded (run.json, the run id) as text, a byte that is not UTF-8 shown as U+FFFD:
/// serde's own path serialiser fails on such a path, and a run must not die on its name.
pub(crate) fn lossy_path<S: serde::Serializer>(
    p: &Path,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

fn tidy(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir if !out.is_empty() => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

impl StudySpec {
    /// The parameters the computation reads (no paths).
    pub fn params(&self) -> lacuna_core::params::Params {
        lacuna_core::params::Params {
            name: self.name.clone(),
            services: self.services.clone(),
            findings: self.findings.clone(),
            bundles: self.bundles.clone(),
        }
    }

    /// The coverage share below which an area is unserved for `service` (its standard's
    /// threshold, default 0.5).
    pub fn threshold(&self, service: &str) -> f64 {
        self.services
            .get(service)
            .map_or(DEFAULT_THRESHOLD, Standard::threshold)
    }

    /// Reads a study TOML file; relative paths in it are relative to the file's folder.
    ///
    /// # Errors
    /// When the file cannot be read or is not a valid study.
    pub fn from_toml_file(path: &Path) -> Result<StudySpec> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut spec: StudySpec = toml::from_str(&text)
            .map_err(|e| Error::format(path, format!("not a valid study file: {e}")))?;
        let base = path.parent().unwrap_or(Path::new("."));
        // Inputs taken from OpenStreetMap read the network's file unless they name another.
        if let Some(net) = spec.network.as_ref().map(|n| n.path.clone()) {
            let osm = spec
                .providers
                .iter_mut()
                .filter(|p| p.osm.is_some())
                .map(|p| &mut p.path);
            let points = spec
                .points
                .iter_mut()
                .filter(|p| p.osm.is_some())
                .map(|p| &mut p.path);
            for p in osm.chain(points).filter(|p| p.as_os_str().is_empty()) {
                p.clone_from(&net);
            }
        }
        let fix = |p: &mut PathBuf| {
            if p.is_relative() && !p.as_os_str().is_empty() {
                *p = tidy(&base.join(&*p));
            }
        };
        fix(&mut spec.areas.path);
        spec.providers.iter_mut().for_each(|p| fix(&mut p.path));
        if let Some(p) = &mut spec.points {
            fix(&mut p.path);
        }
        if let Some(n) = &mut spec.need {
            fix(&mut n.path);
        }
        if let Some(c) = spec.sites.as_mut().and_then(|s| s.candidates.as_mut()) {
            fix(c);
        }
        if let Some(sc) = &mut spec.scenario {
            sc.close_file.iter_mut().for_each(fix);
            sc.open.iter_mut().for_each(|p| fix(&mut p.path));
        }
        if let Some(n) = &mut spec.network {
            fix(&mut n.path);
        }
        spec.check()?;
        Ok(spec)
    }

    /// Checks the `[maps]` section.
    ///
    /// # Errors
    /// When the class breaks or the size are out of range.
    pub fn check_maps(&self) -> Result<()> {
        let b = &self.maps.breaks;
        if b.len() < 2
            || b.windows(2).any(|w| w[0] >= w[1])
            || b.iter().any(|x| !(0.0..=1.0).contains(x))
        {
            return Err(Error::Config(format!(
                "[maps] breaks {b:?}: give increasing shares from 0 to 1, e.g. [0, 0.2, 0.4, 0.6, 0.8, 1]"
            )));
        }
        if !(400..=8000).contains(&self.maps.width) || !(300..=8000).contains(&self.maps.height) {
            return Err(Error::Config(format!(
                "[maps] size {}x{}: width 400 to 8000 and height 300 to 8000 pixels",
                self.maps.width, self.maps.height
            )));
        }
        Ok(())
    }

    /// Checks what can be checked before reading any file.
    ///
    /// # Errors
    /// When there is no provider file, a radius is not positive, or the working CRS is
    /// geographic.
    pub fn check(&self) -> Result<()> {
        if self.providers.is_empty() {
            return Err(Error::Config(
                "no provider file: give at least one (--providers FILE, or [[providers]] in the study)".into(),
            ));
        }
        let radii = self
            .providers
            .iter()
            .filter_map(|p| p.radius_m)
            .chain(self.services.values().filter_map(|s| s.radius_m));
        for (name, s) in &self.services {
            if let Some(spec) = &s.access {
                lacuna_core::metrics::capacity::Rule::of(spec, s.radius_m)
                    .map_err(|why| Error::Config(format!("[services.{name}.access] {why}")))?;
            }
            if let Some(t) = s.threshold {
                if !(0.0..=1.0).contains(&t) {
                    return Err(Error::Config(format!(
                        "threshold {t}: a coverage threshold is a share between 0 and 1"
                    )));
                }
            }
        }
        let f = &self.findings;
        for (name, w) in [
            ("need_weight_most_deprived", f.need_weight_most_deprived),
            ("need_weight_least_deprived", f.need_weight_least_deprived),
        ] {
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::Config(format!(
                    "[findings] {name} = {w}: a need weight is a number of 0 or more (defaults: 2 for the most deprived decile, 1 for the least)"
                )));
            }
        }
        self.check_maps()?;
        crate::load::network::check(self)?;
        if self.geoparquet && !cfg!(feature = "geoparquet") {
            return Err(Error::Config(
                "GeoParquet output needs lacuna built with it: cargo build --release --features geoparquet"
                    .into(),
            ));
        }
        for r in radii {
            if !(r.is_finite() && r > 0.0) {
                return Err(Error::Config(format!(
                    "catchment radius {r} m: a radius must be a positive number of metres"
                )));
            }
            if r > MAX_RADIUS_M {
                return Err(Error::Config(format!(
                    "catchment radius {r} m is over {} km: a radius is in metres (1.6 km is \
                     1600)",
                    MAX_RADIUS_M / 1000.0
                )));
            }
        }
        for (name, n) in [("permutations", f.permutations), ("bootstrap", f.bootstrap)] {
            if n > MAX_RESAMPLES {
                return Err(Error::Config(format!(
                    "[findings] {name} = {n}: at most {MAX_RESAMPLES} (999 is the default; \
                     9,999 gives p-values and intervals to about 0.005)"
                )));
            }
        }
        if let Some(w) = self.working_crs {
            if w.is_geographic() {
                return Err(Error::Config(format!(
                    "working CRS {w} is geographic (degrees): choose a projected CRS in metres"
                )));
            }
            if w.unit_metres() != 1.0 {
                return Err(Error::Config(format!(
                    "working CRS {w} is in units of {} m (feet), not metres: choose a projected \
                     CRS in metres (radii and areas are in metres)",
                    w.unit_metres()
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_tidied_lexically() {
        assert_eq!(
            tidy(Path::new("studies/../../shared/x.csv")),
            PathBuf::from("../shared/x.csv")
        );
        assert_eq!(tidy(Path::new("./a/./b/../c")), PathBuf::from("./a/c"));
        assert_eq!(tidy(Path::new("/data/x/../y")), PathBuf::from("/data/y"));
        assert_eq!(tidy(Path::new("a/..")), PathBuf::from("."));
    }
}
