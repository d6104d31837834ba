//! The network layers, for checking a network study in QGIS: `service_areas.geojson` (each
//! network provider's service area, with the people it reaches) and `network_points.geojson`
//! (each population point's way onto the street and its distance to the nearest provider, per
//! network service type). WGS84, 7 decimals.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use geo::{Area as _, Coord, MultiPolygon};
use lacuna_core::model::Catchment;
use lacuna_core::network::{Metric, NetworkStandard, PointReach, Profile};
use rayon::prelude::*;
use serde_json::{json, Value};

use crate::atomic::write_atomic;
use crate::crs::{Transformer, WGS84};
use crate::error::{Error, Result};
use crate::load::LoadedStudy;

/// Writes the points' layer into `out` when the study measures some service along a network,
/// and for `lacuna network` (`write_graph`) each provider's service area and the graphs too;
/// returns their paths. A run leaves the providers' own service areas out: the overlay never
/// needs one provider's polygon (it buffers the streets of all of them near each area), and
/// building them all is what a large study's run would spend most of its time on.
///
/// # Errors
/// When a file cannot be written or a coordinate cannot be transformed.
pub fn write_network_layers(out: &Path, study: &LoadedStudy) -> Result<Vec<PathBuf>> {
    if study.street_network.is_none() {
        return Ok(Vec::new());
    }
    let areas = out.join("service_areas.geojson");
    let points = out.join("network_points.geojson");
    let t = Transformer::new(study.working_crs, WGS84).map_err(|e| Error::crs(&areas, e))?;
    let features = network_points(study, &t).map_err(|e| Error::crs(&points, e))?;
    write_collection(&points, &study.run_id, features)?;
    let mut written = vec![points];
    if study.spec.network.as_ref().is_some_and(|n| n.write_graph) {
        let features = service_areas(study, &t).map_err(|e| Error::crs(&areas, e))?;
        write_collection(&areas, &study.run_id, features)?;
        written.push(areas);
        written.extend(write_graphs(out, study)?);
    }
    Ok(written)
}

/// Each profile's graph as built, one edge a row (working CRS), for checking the shortest
/// paths with another implementation or drawing the network in QGIS.
fn write_graphs(out: &Path, study: &LoadedStudy) -> Result<Vec<PathBuf>> {
    let mut done: Vec<Profile> = Vec::new();
    let mut written = Vec::new();
    for svc in study.network.values() {
        if done.contains(&svc.profile) {
            continue;
        }
        done.push(svc.profile);
        let path = out.join(format!("network_edges_{}.csv", svc.profile));
        let g = &svc.network.graph;
        write_atomic(&path, |w| {
            writeln!(w, "edge,a,b,ax,ay,bx,by,length_m,speed_ms,forward,backward")?;
            for (k, e) in g.edges.iter().enumerate() {
                let (p, q) = (g.nodes[e.a as usize], g.nodes[e.b as usize]);
                writeln!(
                    w,
                    "{k},{},{},{},{},{},{},{},{},{},{}",
                    e.a, e.b, p.x, p.y, q.x, q.y, e.length, e.speed, e.forward, e.backward
                )?;
            }
            Ok(())
        })?;
        written.push(path);
    }
    Ok(written)
}

fn write_collection(path: &Path, run_id: &str, features: Vec<Value>) -> Result<()> {
    let fc = json!({"type": "FeatureCollection", "run_id": run_id, "features": features});
    write_atomic(path, |w| {
        serde_json::to_writer(&mut *w, &fc)?;
        w.write_all(b"\n")
    })
}

fn lonlat(t: &Transformer, c: Coord) -> std::result::Result<Value, String> {
    let p = t.point(c)?;
    let r = |v: f64| (v * 1e7).round() / 1e7;
    Ok(json!([r(p.x), r(p.y)]))
}

fn multipolygon(t: &Transformer, m: &MultiPolygon) -> std::result::Result<Value, String> {
    let ring = |r: &geo::LineString| -> std::result::Result<Value, String> {
        Ok(Value::Array(
            r.0.iter()
                .map(|&c| lonlat(t, c))
                .collect::<std::result::Result<_, _>>()?,
        ))
    };
    let mut polys = Vec::with_capacity(m.0.len());
    for p in &m.0 {
        let mut rings = vec![ring(p.exterior())?];
        for hole in p.interiors() {
            rings.push(ring(hole)?);
        }
        polys.push(Value::Array(rings));
    }
    Ok(json!({"type": "MultiPolygon", "coordinates": polys}))
}

/// How a standard reads: "1600 m", "12 min".
fn standard_text(s: &NetworkStandard) -> String {
    match s.metric {
        Metric::Distance => format!("{} m", s.budget),
        Metric::Time => format!("{} min", s.budget / 60.0),
    }
}

/// The population of the study's points by their coordinates (the keys network catchments
/// list the points they reach by).
fn people_at(study: &LoadedStudy) -> HashMap<[u64; 2], f64> {
    let mut at = HashMap::new();
    for q in study.points.iter().flatten() {
        *at.entry(PointReach::key(q.at)).or_insert(0.0) += q.population;
    }
    at
}

fn service_areas(study: &LoadedStudy, t: &Transformer) -> std::result::Result<Vec<Value>, String> {
    let people = people_at(study);
    let features: std::result::Result<Vec<Option<Value>>, String> = study
        .providers
        .par_iter()
        .map(|p| {
            let Some(svc) = study.network.get(&p.service_type) else {
                return Ok(None);
            };
            let Catchment::Network(n) = &p.catchment else {
                return Ok(None);
            };
            let (join, reach, shape) = (n.join, &n.reach, n.polygon());
            let reached: f64 = reach.reached.iter().map(|k| people[k]).sum::<f64>() + 0.0;
            Ok(Some(json!({
                "type": "Feature",
                "properties": {
                    "provider_id": p.id,
                    "service_type": p.service_type,
                    "standard": standard_text(&svc.standard),
                    "on_network": join.is_some(),
                    "edge": join.map(|j| j.snap.edge),
                    "t": join.map(|j| j.snap.t),
                    "to_street_m": join.map(|j| j.snap.offset_m),
                    "area_m2": (shape.unsigned_area() * 10.0).round() / 10.0,
                    "points_reached": reach.reached.len(),
                    "population_reached": reached,
                },
                "geometry": multipolygon(t, shape)?,
            })))
        })
        .collect();
    Ok(features?.into_iter().flatten().collect())
}

fn network_points(study: &LoadedStudy, t: &Transformer) -> std::result::Result<Vec<Value>, String> {
    let points = study.points.as_deref().unwrap_or(&[]);
    let mut out = Vec::new();
    for (name, svc) in &study.network {
        let (net, std) = (&*svc.network, &svc.standard);
        let of_type = || study.providers.iter().filter(|p| &p.service_type == name);
        let sites = || of_type().map(|p| p.site);
        let (cost, metres) = (svc.nearest(sites(), false), svc.nearest(sites(), true));
        // Covered as coverage.csv counts it: reached by some provider's catchment.
        let covered: HashSet<[u64; 2]> = of_type()
            .filter_map(|p| match &p.catchment {
                Catchment::Network(n) => Some(n.reach.reached.iter().copied()),
                _ => None,
            })
            .flatten()
            .collect();
        let features: std::result::Result<Vec<Value>, String> = points
            .par_iter()
            .map(|q| {
                let join = net.join(q.at, std);
                let finite = |v: f64| v.is_finite().then_some(v);
                let geometry = match join {
                    Some(j) => json!({"type": "LineString", "coordinates": [lonlat(t, q.at)?, lonlat(t, net.position(&j.snap))?]}),
                    None => json!({"type": "Point", "coordinates": lonlat(t, q.at)?}),
                };
                let minutes = (std.metric == Metric::Time)
                    .then(|| finite(cost.at(q.at) / 60.0))
                    .flatten();
                Ok(json!({
                    "type": "Feature",
                    "properties": {
                        "service_type": name,
                        "area_code": q.area.map(|a| study.areas[a].code.as_str()),
                        "population": q.population,
                        "on_network": join.is_some(),
                        "to_street_m": join.map(|j| j.snap.offset_m),
                        "edge": join.map(|j| j.snap.edge),
                        "t": join.map(|j| j.snap.t),
                        "network_m": finite(metres.at(q.at)),
                        "network_minutes": minutes,
                        "covered": covered.contains(&PointReach::key(q.at)),
                    },
                    "geometry": geometry,
                }))
            })
            .collect();
        out.extend(features?);
    }
    Ok(out)
}
