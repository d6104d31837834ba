//! Service types measured along the street network: the network read once for the profiles
//! the standards use, and each such type's providers given their network catchments.

use std::sync::Arc;

use lacuna_core::network::{Metric, Network, NetworkService, NetworkStandard, NetworkSummary};
use lacuna_core::params::Standard;
use lacuna_core::Study;
use serde::Serialize;

use crate::config::StudySpec;
use crate::crs::Crs;
use crate::error::{Error, Result};
use crate::network::profile::Profile;
use crate::network::NetworkReport;

/// The network of a study as loaded: the file's report and each network service type's
/// summary.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkLoad {
    /// What reading the network found.
    pub report: NetworkReport,
    /// Per network service type.
    pub services: Vec<NetworkSummary>,
    /// The half-width of the service areas, metres.
    pub lateral_m: f64,
    /// Whether trunk roads without sidewalk tags were walked (`[network] walk_trunk`): the
    /// report says so beside the figures it changes.
    pub walk_trunk: bool,
}

/// For a network standard, the farthest its catchments can reach in a straight line: the
/// radius providers carry until their network catchment replaces it (so a provider that cannot
/// reach the study region is left out as any other).
pub(super) fn reach_bound(spec: &StudySpec, s: &Standard) -> Option<f64> {
    let profile = s.network?;
    let net = spec.network.clone().unwrap_or_default();
    // The fastest the profile goes, metres per second (driving capped at 130 km/h, as
    // `maxspeed` is).
    let top_speed = match profile {
        Profile::Walk => net.speeds().walk_kmh / 3.6,
        Profile::Drive => 130.0 / 3.6,
    };
    let along = match (s.max_m, s.max_minutes) {
        (Some(m), _) => m,
        (None, Some(min)) => min * 60.0 * top_speed,
        (None, None) => return None,
    };
    Some(along + net.snap_max_m() + net.lateral_m())
}

/// Checks the network standards before any file is read.
///
/// # Errors
/// A network standard without `[network]`, without (or with both of) `max_m` and
/// `max_minutes`, or with a `radius_m`; `max_m`/`max_minutes` without `network`.
pub fn check(spec: &StudySpec) -> Result<()> {
    let bad = |name: &str, why: String| Err(Error::Config(format!("[services.{name}] {why}")));
    for (name, s) in &spec.services {
        let Some(p) = s.network else {
            if s.max_m.is_some() || s.max_minutes.is_some() {
                return bad(
                    name,
                    "max_m and max_minutes are network standards: add network = \"walk\" or \
                     \"drive\" (and a [network] path), or use radius_m for a straight line"
                        .into(),
                );
            }
            continue;
        };
        if spec.network.is_none() {
            return bad(
                name,
                format!(
                    "network = \"{p}\" needs a street network: add [network] path = \
                     \"region.osm.pbf\" (an OpenStreetMap extract, e.g. from Geofabrik)"
                ),
            );
        }
        if s.radius_m.is_some() {
            return bad(
                name,
                "radius_m is a straight-line standard; a network standard is max_m (metres \
                 along the streets) or max_minutes"
                    .into(),
            );
        }
        match (s.max_m, s.max_minutes) {
            (Some(_), Some(_)) | (None, None) => {
                return bad(
                    name,
                    "give one of max_m (metres along the streets) or max_minutes".into(),
                )
            }
            (Some(v), None) | (None, Some(v)) if !(v.is_finite() && v > 0.0) => {
                return bad(
                    name,
                    format!("{v}: the network standard must be a positive number"),
                )
            }
            _ => {}
        }
    }
    if let Some(sites) = &spec.sites {
        if spec
            .services
            .get(&sites.service)
            .is_some_and(|s| s.network.is_some())
        {
            return Err(Error::Config(format!(
                "[sites] {}: site selection measures candidate sites by a straight-line radius \
                 and cannot yet choose sites for a service measured along the network; choose \
                 with a radius_m standard, then weigh the chosen sites along the streets with \
                 [scenario] open",
                sites.service
            )));
        }
    }
    let a = &spec.areas;
    match (a.hex_m, a.path.as_os_str().is_empty()) {
        (None, true) => {
            return Err(Error::Config(
                "[areas] needs a path (a boundary file), or hex_m for a hexagon grid over the \
                 [network]'s streets"
                    .into(),
            ))
        }
        (Some(h), _) if !(h.is_finite() && h >= 10.0) => {
            return Err(Error::Config(format!(
                "[areas] hex_m = {h}: hexagons at least 10 m across"
            )))
        }
        (Some(_), _) if spec.network.is_none() => {
            return Err(Error::Config(
                "[areas] hex_m lays hexagons over the streets: add [network] path".into(),
            ))
        }
        (Some(_), false) => {
            return Err(Error::Config(
                "[areas] has both a path and hex_m: give one".into(),
            ))
        }
        _ => {}
    }
    let osm_inputs = spec
        .providers
        .iter()
        .filter_map(|p| p.osm.as_ref().map(|t| (&p.path, t)))
        .chain(
            spec.points
                .iter()
                .filter_map(|p| p.osm.as_ref().map(|t| (&p.path, t))),
        );
    for (path, tags) in osm_inputs {
        crate::network::sources::parse_tags(tags)?;
        if !crate::network::is_pbf(path) {
            return Err(Error::Config(format!(
                "osm = {tags:?} reads an OpenStreetMap extract (.osm.pbf): give its path, or a \
                 [network] path that is one (got {:?})",
                path.display().to_string()
            )));
        }
    }
    if let Some(n) = &spec.network {
        for (what, v) in [
            ("walk_kmh", n.walk_kmh),
            ("snap_max_m", n.snap_max_m),
            ("lateral_m", n.lateral_m),
        ] {
            if v.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
                return Err(Error::Config(format!(
                    "[network] {what} = {}: a positive number",
                    v.unwrap_or_default()
                )));
            }
        }
        if let Some((k, v)) = n
            .drive_kmh
            .iter()
            .find(|(_, v)| !(v.is_finite() && **v > 0.0))
        {
            return Err(Error::Config(format!(
                "[network.drive_kmh] {k} = {v}: a speed is a positive number of km/h"
            )));
        }
    }
    Ok(())
}

/// The distinct profiles of `standards`.
fn profiles<'a>(standards: impl Iterator<Item = &'a Standard>) -> Vec<Profile> {
    let mut p: Vec<Profile> = standards.filter_map(|s| s.network).collect();
    p.sort();
    p.dedup();
    p
}

/// The hexagon areas of a study with `[areas] hex_m` (checked: it has a `[network]`).
pub(super) fn hex_areas(spec: &StudySpec, hex_m: f64) -> Result<crate::layer::Layer> {
    let net = spec.network.as_ref().ok_or_else(|| {
        Error::Config("[areas] hex_m lays hexagons over the streets: add [network] path".into())
    })?;
    let mut used = profiles(spec.services.values());
    if used.is_empty() {
        used.push(Profile::Walk);
    }
    crate::network::sources::hex_areas(net, &used, spec.working_crs, hex_m)
}

/// Reads the network and gives the study's network service types their catchments.
pub(super) fn apply(
    spec: &StudySpec,
    study: &mut Study,
    working: Crs,
    warnings: &mut Vec<String>,
) -> Result<Option<NetworkLoad>> {
    let wanted: Vec<(&String, &Standard)> = spec
        .services
        .iter()
        .filter(|(name, s)| s.network.is_some() && study.service_types.contains(name))
        .collect();
    let (Some(net_spec), false) = (&spec.network, wanted.is_empty()) else {
        return Ok(None);
    };
    let used = profiles(wanted.iter().map(|(_, s)| *s));
    let (graphs, mut report) = crate::network::read(net_spec, &used, working)?;
    let min_part = net_spec.min_part_edges();
    let networks: std::collections::BTreeMap<Profile, Arc<Network>> = graphs
        .into_iter()
        .map(|(p, g)| (p, Arc::new(Network::joining_parts_of(g, min_part))))
        .collect();
    for r in &mut report.profiles {
        if let Some(n) = networks.iter().find(|(p, _)| p.to_string() == r.profile) {
            r.unjoinable_edges = n.1.unjoinable_edges;
        }
    }
    let walk_ms = net_spec.speeds().walk_kmh / 3.6;
    let mut services = Vec::new();
    for (name, s) in wanted {
        let profile = s.network.expect("filtered on network");
        let (metric, budget) = match (s.max_m, s.max_minutes) {
            (Some(m), _) => (Metric::Distance, m),
            (None, Some(min)) => (Metric::Time, min * 60.0),
            (None, None) => unreachable!("checked: one of max_m and max_minutes"),
        };
        let standard = NetworkStandard {
            metric,
            budget,
            snap_max_m: net_spec.snap_max_m(),
            lateral_m: net_spec.lateral_m(),
            walk_ms,
        };
        let svc = NetworkService {
            profile,
            network: networks[&profile].clone(),
            standard,
        };
        let summary = study.set_network(name, svc);
        if !summary.providers_off_network.is_empty() {
            warnings.push(format!(
                "{name}: {} provider(s) are more than {} m from every street of the {profile} \
                 network and reach no one: {}",
                summary.providers_off_network.len(),
                standard.snap_max_m,
                summary.providers_off_network.join(", ")
            ));
        }
        if summary.points_off_network > 0 {
            warnings.push(format!(
                "{name}: {} population point(s) ({} people) are more than {} m from every street \
                 of the {profile} network: counted as not covered, and left out of nearest_m",
                summary.points_off_network,
                summary.population_off_network.round(),
                standard.snap_max_m
            ));
        }
        services.push(summary);
    }
    for p in &report.profiles {
        if p.parts > 1 {
            warnings.push(format!(
                "the {} network has {} disconnected parts ({:.1}% of its edges in the largest): \
                 providers and people join only parts of at least {min_part} edges ({} edges \
                 on smaller parts are never joined; set [network] min_part_edges to change), \
                 and those on a small part reach only what is on it",
                p.profile,
                p.parts,
                100.0 * p.largest_share,
                p.unjoinable_edges
            ));
        }
    }
    // ODbL: every map and report made from OpenStreetMap data names it.
    let attribution = &mut study.params.findings.attribution;
    if net_spec.is_pbf() && !attribution.contains("OpenStreetMap") {
        attribution.push_str("; street network ");
        attribution.push_str(crate::network::OSM_ATTRIBUTION);
    }
    Ok(Some(NetworkLoad {
        report,
        services,
        lateral_m: net_spec.lateral_m(),
        walk_trunk: net_spec.walk_trunk,
    }))
}
