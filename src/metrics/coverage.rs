//! Coverage per area and service type: the share of the area inside a catchment (exact circles),
//! the population covered (from population-weighted points, or spread uniformly over the area
//! from the need file), the population-weighted distance to the nearest provider, and the number
//! of providers whose catchment touches the area.

use geo::{Area as _, BooleanOps, Coord, InteriorPoint, MultiPolygon, Polygon};
use rayon::prelude::*;
use serde::Serialize;

use crate::load::Study;
use crate::model::{Area, Catchment, Provider};
use crate::spatial::index::ServiceIndex;
use crate::spatial::overlay::Disc;

/// How population figures were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PopulationMethod {
    /// Population-weighted points: a point is covered when a catchment holds it.
    Points,
    /// The need file's population, spread uniformly over each area.
    UniformFromNeed,
    /// No population given: population columns are empty.
    None,
}

/// One row of `coverage.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    /// Index into `Study::areas`.
    #[serde(skip)]
    pub area: usize,
    /// The service type.
    pub service_type: String,
    /// Area in square metres.
    pub area_m2: f64,
    /// Share of the area inside at least one catchment, in [0, 1].
    pub area_share: f64,
    /// Population of the area.
    pub population: Option<f64>,
    /// Population inside at least one catchment.
    pub covered_population: Option<f64>,
    /// covered_population / population (None when the population is 0 or unknown).
    pub population_share: Option<f64>,
    /// Population-weighted mean distance to the nearest provider, in metres.
    pub nearest_m: Option<f64>,
    /// Providers whose catchment touches the area.
    pub providers_within: usize,
    /// Set when the overlay failed for this area (the row's shares are then empty).
    pub failure: Option<String>,
}

/// Number of vertices used when a disc must be polygonised (only when a service type mixes
/// circular and polygon catchments): an inscribed 1024-gon has 6.3e-6 less area than its circle.
pub const POLYGON_DISC_VERTICES: usize = 1024;

fn disc_polygon(d: &Disc) -> Polygon {
    let n = POLYGON_DISC_VERTICES;
    let ring: Vec<Coord> = (0..n)
        .map(|k| {
            let t = std::f64::consts::TAU * k as f64 / n as f64;
            Coord {
                x: d.x + d.r * t.cos(),
                y: d.y + d.r * t.sin(),
            }
        })
        .collect();
    Polygon::new(ring.into(), vec![])
}

/// Covered area with polygon boolean operations, for service types with polygon catchments.
/// Each catchment is cut to the area's bounding box and subtracted from the area in turn, which
/// the national prototype found faster than unioning first.
fn covered_area_polygons(
    shape: &MultiPolygon,
    area: &Area,
    providers: &[Provider],
    cands: &[usize],
) -> f64 {
    let bbox = area.local.bounding_rect().to_polygon();
    let mut remaining: MultiPolygon = shape.clone();
    for &i in cands {
        let piece = match &providers[i].catchment {
            Catchment::Disc(d) => disc_polygon(d).intersection(&bbox),
            Catchment::Polygon(_, mp) => mp.intersection(&bbox),
        };
        if piece.0.is_empty() {
            continue;
        }
        remaining = remaining.difference(&piece);
        if remaining.0.is_empty() {
            break;
        }
    }
    (shape.unsigned_area() - remaining.unsigned_area()).max(0.0)
}

/// Per-point results for one service type: covered or not, and distance to the nearest site.
struct PointCoverage {
    covered: Vec<bool>,
    nearest: Vec<f64>,
}

/// Computes coverage for every area and service type, in parallel over areas.
///
/// Rows come sorted by area code, then service type; the result does not depend on the order of
/// the input features or on the number of threads.
pub fn compute(study: &Study) -> (Vec<CoverageRow>, PopulationMethod) {
    let indexes: Vec<ServiceIndex> = study
        .service_types
        .iter()
        .map(|t| {
            let members: Vec<usize> = (0..study.providers.len())
                .filter(|&i| study.providers[i].service_type == *t)
                .collect();
            ServiceIndex::build(t, &study.providers, &members)
        })
        .collect();
    let method = if study.points.is_some() {
        PopulationMethod::Points
    } else if study
        .need
        .as_ref()
        .is_some_and(|n| n.population_column.is_some())
    {
        PopulationMethod::UniformFromNeed
    } else {
        PopulationMethod::None
    };
    // Points of each area, and per-type point coverage.
    let mut area_points: Vec<Vec<usize>> = vec![Vec::new(); study.areas.len()];
    let mut point_cov: Vec<PointCoverage> = Vec::new();
    if let Some(points) = &study.points {
        for (i, p) in points.iter().enumerate() {
            if let Some(a) = p.area {
                area_points[a].push(i);
            }
        }
        point_cov = indexes
            .iter()
            .map(|idx| {
                let (covered, nearest) = points
                    .par_iter()
                    .map(|p| {
                        (
                            idx.covers(&study.providers, p.at),
                            idx.nearest_distance(p.at).unwrap_or(f64::NAN),
                        )
                    })
                    .unzip();
                PointCoverage { covered, nearest }
            })
            .collect();
    }
    let rows: Vec<Vec<CoverageRow>> = study
        .areas
        .par_iter()
        .enumerate()
        .map(|(ai, area)| {
            indexes
                .iter()
                .enumerate()
                .map(|(ti, idx)| {
                    area_row(
                        study,
                        ai,
                        area,
                        idx,
                        &area_points[ai],
                        point_cov.get(ti),
                        method,
                    )
                })
                .collect()
        })
        .collect();
    (rows.into_iter().flatten().collect(), method)
}

fn area_row(
    study: &Study,
    ai: usize,
    area: &Area,
    idx: &ServiceIndex,
    points: &[usize],
    pc: Option<&PointCoverage>,
    method: PopulationMethod,
) -> CoverageRow {
    let providers = &study.providers;
    let area_m2 = area.local.area();
    let cands = idx.candidates(area.local.bounding_rect());
    // Contain a geometry panic to this area and service type (geo can panic on odd input).
    let overlay = std::panic::catch_unwind(|| {
        if idx.has_polygons {
            let shape = area.local.shape();
            let within = cands
                .iter()
                .filter(|&&i| match &providers[i].catchment {
                    Catchment::Disc(d) => area.local.touches(d),
                    Catchment::Polygon(_, mp) => {
                        use geo::Intersects;
                        mp.intersects(&shape)
                    }
                })
                .count();
            (
                covered_area_polygons(&shape, area, providers, &cands),
                within,
            )
        } else {
            let discs: Vec<Disc> = cands
                .iter()
                .filter_map(|&i| match &providers[i].catchment {
                    Catchment::Disc(d) => Some(*d),
                    Catchment::Polygon(..) => None,
                })
                .collect();
            let o = area.local.overlay_discs(&discs);
            (o.covered, o.touching)
        }
    });
    let (covered, providers_within, failure) = match overlay {
        Ok((c, w)) => (Some(c), w, None),
        Err(_) => (
            None,
            0,
            Some(format!(
                "overlay failed for area {} and service {}",
                area.code, idx.service_type
            )),
        ),
    };
    let area_share = covered.map(|c| {
        if area_m2 > 0.0 {
            (c / area_m2).clamp(0.0, 1.0)
        } else {
            0.0
        }
    });
    let (population, covered_population, nearest_m) = match method {
        PopulationMethod::Points => {
            let pts = study.points.as_deref().unwrap_or(&[]);
            let pc = pc.expect("point coverage exists when points are given");
            let pop: f64 = points.iter().map(|&i| pts[i].population).sum();
            let cov: f64 = points
                .iter()
                .filter(|&&i| pc.covered[i])
                .map(|&i| pts[i].population)
                .sum();
            let nearest = if points.is_empty() || idx.is_empty() {
                representative_distance(area, idx)
            } else if pop > 0.0 {
                Some(
                    points
                        .iter()
                        .map(|&i| pts[i].population * pc.nearest[i])
                        .sum::<f64>()
                        / pop,
                )
            } else {
                Some(points.iter().map(|&i| pc.nearest[i]).sum::<f64>() / points.len() as f64)
            };
            (Some(pop), Some(cov), nearest)
        }
        PopulationMethod::UniformFromNeed => {
            let pop = study.need.as_ref().and_then(|n| n.population[ai]);
            (
                pop,
                pop.zip(area_share).map(|(p, s)| p * s),
                representative_distance(area, idx),
            )
        }
        PopulationMethod::None => (None, None, representative_distance(area, idx)),
    };
    let population_share = match (population, covered_population) {
        (Some(p), Some(c)) if p > 0.0 => Some((c / p).clamp(0.0, 1.0)),
        _ => None,
    };
    CoverageRow {
        area: ai,
        service_type: idx.service_type.clone(),
        area_m2,
        area_share: area_share.unwrap_or(f64::NAN),
        population,
        covered_population,
        population_share,
        nearest_m,
        providers_within,
        failure,
    }
}

/// Distance from the area's interior point to the nearest provider, used when the area has no
/// population point.
fn representative_distance(area: &Area, idx: &ServiceIndex) -> Option<f64> {
    let p = area.local.shape().interior_point()?;
    idx.nearest_distance(p.0)
}
