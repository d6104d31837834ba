//! Coverage per area and service type: the share of the area inside a catchment (exact circles),
//! the population covered (from population-weighted points, or spread uniformly over the area
//! from the need file), the population-weighted distance to the nearest provider, and the number
//! of providers whose catchment touches the area.

use geo::{InteriorPoint, Intersects};
use rayon::prelude::*;
use serde::Serialize;

pub use crate::model::group_by_area;
use crate::model::{Area, Provider};
use crate::spatial::index::ProviderIndex;
use crate::study::Study;

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

/// One row of `coverage.csv`: one area and one service type.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CoverageRow {
    /// Index into `Study::areas`.
    pub area: usize,
    /// Index into `Study::service_types`.
    pub service: usize,
    /// Area in square metres.
    pub area_m2: f64,
    /// Share of the area inside at least one catchment, in [0, 1]; NaN when the overlay failed
    /// (see [`Coverage::failures`]).
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
}

/// An area and service type whose overlay failed (a geometry panic was caught).
#[derive(Debug, Clone, Serialize)]
pub struct OverlayFailure {
    /// The area's code.
    pub area_code: String,
    /// The service type.
    pub service_type: String,
    /// What happened.
    pub reason: String,
}

/// Coverage of a whole study.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// One row per area and service type, sorted by area code then service type.
    pub rows: Vec<CoverageRow>,
    /// Overlays that failed; their rows have no area share.
    pub failures: Vec<OverlayFailure>,
    /// How population was measured.
    pub method: PopulationMethod,
    /// Per row, for a type measured along a network and an area it does not wholly cover: the union of
    /// the service areas reaching the area, as the overlay built it (the gap polygons cut the
    /// area by it rather than building it again). Empty, or one entry per row.
    pub network_unions: Vec<Option<Vec<geo::MultiPolygon>>>,
}

/// Computes coverage for every area and service type, in parallel over areas.
///
/// Rows come sorted by area code, then service type; the result does not depend on the order of
/// the input features or on the number of threads. Population comes from the study's points
/// when it has them, else from the need file's population spread uniformly over each area, else
/// there is none ([`Coverage::method`]).
///
/// # Examples
/// A 2 km square ward whose western half is home to 300 people and eastern half to 100, and
/// a library whose 1 km catchment covers the middle of the western half:
/// ```
/// use geo::{coord, Rect};
/// use lacuna_core::{coverage, Area, PopPoint, Provider, Study};
///
/// let ward = Area::new("W1", Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 2000.0, y: 2000.0 }));
/// let library = Provider::disc("library", coord! { x: 500.0, y: 1000.0 }, 1000.0);
/// let study = Study::new(vec![ward], vec![library]).with_points(vec![
///     PopPoint::new(coord! { x: 500.0, y: 1000.0 }, 300.0),
///     PopPoint::new(coord! { x: 1600.0, y: 1000.0 }, 100.0),
/// ]);
/// let row = &coverage(&study).rows[0];
/// // The disc pokes 500 m past the ward's western edge: a segment of it lies outside.
/// let pi = std::f64::consts::PI;
/// let outside = 1e6 * (pi / 3.0 - 3f64.sqrt() / 4.0);
/// assert!((row.area_share - (pi * 1e6 - outside) / 4e6).abs() < 1e-12);
/// assert_eq!(row.population_share, Some(0.75));
/// assert_eq!(row.providers_within, 1);
/// ```
pub fn compute(study: &Study) -> Coverage {
    let all: Vec<usize> = (0..study.areas.len()).collect();
    CoverageEngine::new(study).areas(&all)
}

/// The providers indexed once and the population points grouped by area, so coverage can be
/// computed for any subset of a study's areas (a batch partition) with the same result, row for
/// row, as for the whole study.
pub struct CoverageEngine<'a> {
    study: &'a Study,
    /// The providers measured: the study's, or another set of the same service types (a
    /// scenario's), in canonical order.
    providers: &'a [Provider],
    index: ProviderIndex,
    /// Points of area i: `point_ids[point_start[i]..point_start[i + 1]]` (see `group_by_area`).
    point_start: Vec<usize>,
    point_ids: Vec<usize>,
    method: PopulationMethod,
    /// Per service type measured along a network: the distance to its nearest provider from
    /// anywhere (None: straight-line distances).
    network: Vec<Option<crate::network::Nearest<'a>>>,
}

impl<'a> CoverageEngine<'a> {
    /// Indexes the study's providers and groups its points by area.
    pub fn new(study: &'a Study) -> Self {
        Self::with_providers(study, &study.providers)
    }

    /// Like [`CoverageEngine::new`], but measuring `providers` instead of the study's (closures
    /// and openings weighed by a scenario): they must be of the study's service types and in
    /// the canonical order of [`crate::study::sort_providers`], as a study of them would be.
    pub fn with_providers(study: &'a Study, providers: &'a [Provider]) -> Self {
        let index = ProviderIndex::build(providers, &study.service_types);
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
        let (point_start, point_ids) = group_by_area(
            study.areas.len(),
            study.points.iter().flatten().map(|p| p.area),
        );
        let network = (0..study.service_types.len())
            .map(|t| network_nearest(study, providers, &index, t))
            .collect();
        CoverageEngine {
            study,
            providers,
            index,
            point_start,
            point_ids,
            method,
            network,
        }
    }

    /// Coverage of the areas at positions `which` of `study.areas` (ascending, so rows stay in
    /// area-code order), in parallel over areas.
    pub fn areas(&self, which: &[usize]) -> Coverage {
        let study = self.study;
        let types = study.service_types.len();
        // Every row is overwritten below. Rows are written in place, one slice of `types` rows per area: no reallocation, and the
        // order is fixed whatever the thread count.
        let mut rows = vec![CoverageRow::default(); which.len() * types];
        let mut unions = vec![None; which.len() * types];
        let failures: Vec<OverlayFailure> = rows
            .par_chunks_mut(types.max(1))
            .zip(unions.par_chunks_mut(types.max(1)))
            .zip(which.par_iter())
            .map(|((out, kept), &ai)| {
                let area = &study.areas[ai];
                let cands = self.index.candidates_all(area.local.bounding_rect());
                let ctx = AreaContext {
                    e: self,
                    ai,
                    area,
                    points: &self.point_ids[self.point_start[ai]..self.point_start[ai + 1]],
                    interior: std::cell::OnceCell::new(),
                };
                let mut failed = Vec::new();
                for (t, (row, kept)) in out.iter_mut().zip(kept.iter_mut()).enumerate() {
                    let networks;
                    (*row, networks) = ctx.row(t, self.index.of_type(t, &cands));
                    if !networks.is_empty() && row.area_share < 1.0 {
                        *kept = Some(networks);
                    }
                    if row.area_share.is_nan() {
                        failed.push(OverlayFailure {
                            area_code: area.code.clone(),
                            service_type: study.service_types[t].clone(),
                            reason: "the geometry overlay panicked; this area and service type \
                                     have no area share"
                                .into(),
                        });
                    }
                }
                failed
            })
            .flatten_iter()
            .collect();
        Coverage {
            rows,
            failures,
            method: self.method,
            network_unions: unions,
        }
    }
}

/// The network distance field of service type `t` from `providers`, when the type is measured
/// along a network: in metres along the streets, whatever the standard's unit.
fn network_nearest<'a>(
    study: &'a Study,
    providers: &[Provider],
    index: &ProviderIndex,
    t: usize,
) -> Option<crate::network::Nearest<'a>> {
    let svc = study.network.get(&study.service_types[t])?;
    let sites = providers[index.ranges[t].clone()].iter().map(|p| p.site);
    Some(svc.nearest(sites, true))
}

struct AreaContext<'a> {
    e: &'a CoverageEngine<'a>,
    ai: usize,
    area: &'a Area,
    points: &'a [usize],
    /// The area's interior point, found once for all service types (geo's `interior_point`
    /// was a seventh of a national coverage run without points when found per type).
    interior: std::cell::OnceCell<Option<geo::Coord>>,
}

impl AreaContext<'_> {
    fn row(&self, t: usize, cands: &[usize]) -> (CoverageRow, Vec<geo::MultiPolygon>) {
        let (study, area) = (self.e.study, self.area);
        let area_m2 = area.local.area();
        // Contain a geometry panic to this area and service type (geo can panic on odd input).
        let result = std::panic::catch_unwind(|| {
            crate::spatial::covered::covered(
                area,
                self.e.providers,
                cands,
                self.e.index.has_polygons[t],
            )
        });
        let (area_share, providers_within, networks) = match result {
            Ok((c, w, networks)) => (
                if area_m2 > 0.0 {
                    (c / area_m2).clamp(0.0, 1.0)
                } else {
                    0.0
                },
                w,
                networks,
            ),
            Err(_) => (f64::NAN, 0, Vec::new()),
        };
        let (population, covered_population, nearest_m) = match self.e.method {
            PopulationMethod::Points => self.population_from_points(t, cands),
            PopulationMethod::UniformFromNeed => {
                let pop = study.need.as_ref().and_then(|n| n.population[self.ai]);
                let covered = pop
                    .filter(|_| area_share.is_finite())
                    .map(|p| p * area_share);
                (pop, covered, self.representative_distance(t))
            }
            PopulationMethod::None => (None, None, self.representative_distance(t)),
        };
        let population_share = match (population, covered_population) {
            (Some(p), Some(c)) if p > 0.0 => Some((c / p).clamp(0.0, 1.0)),
            _ => None,
        };
        let row = CoverageRow {
            area: self.ai,
            service: t,
            area_m2,
            area_share,
            population,
            covered_population,
            population_share,
            nearest_m,
            providers_within,
        };
        (row, networks)
    }

    fn population_from_points(
        &self,
        t: usize,
        cands: &[usize],
    ) -> (Option<f64>, Option<f64>, Option<f64>) {
        let pts = self.e.study.points.as_deref().unwrap_or(&[]);
        let providers = self.e.providers;
        // Empty float sums are -0.0: add 0.0 so an area without people reads 0, not -0.
        let pop: f64 = self.points.iter().map(|&i| pts[i].population).sum::<f64>() + 0.0;
        // A point inside the area's bounding box can only be covered by one of the area's
        // candidates; a point assigned by code may lie outside it, and then the tree is searched.
        let rect = self.area.local.bounding_rect();
        let covered = |p: geo::Coord| {
            if rect.intersects(&p) {
                self.e.index.covers_among(providers, cands, p)
            } else {
                self.e.index.covers(providers, t, p)
            }
        };
        let cov: f64 = self
            .points
            .iter()
            .filter(|&&i| covered(pts[i].at))
            .map(|&i| pts[i].population)
            .sum::<f64>()
            + 0.0;
        let nearest = |i: usize| {
            let p = pts[i].at;
            if let Some(field) = &self.e.network[t] {
                return field.at(p);
            }
            rect.intersects(&p)
                .then(|| self.e.index.nearest_among(providers, t, cands, p))
                .flatten()
                .or_else(|| self.e.index.nearest_distance(t, p))
                .unwrap_or(f64::NAN)
        };
        let nearest = if self.points.is_empty() || self.e.index.count(t) == 0 {
            self.representative_distance(t)
        } else {
            // Points off the network (or cut off from every provider) have no distance: the
            // mean is over the points that have one (they count as not covered).
            let reachable: Vec<(f64, f64)> = self
                .points
                .iter()
                .map(|&i| (pts[i].population, nearest(i)))
                .filter(|(_, d)| d.is_finite())
                .collect();
            let weight: f64 = reachable.iter().map(|(w, _)| w).sum::<f64>() + 0.0;
            if reachable.is_empty() {
                None
            } else if weight > 0.0 {
                let weighted: f64 = reachable.iter().map(|(w, d)| w * d).sum();
                Some(weighted / weight)
            } else {
                let sum: f64 = reachable.iter().map(|(_, d)| d).sum();
                Some(sum / reachable.len() as f64)
            }
        };
        (Some(pop), Some(cov), nearest)
    }

    /// Distance from the area's interior point to the nearest provider, used when the area has
    /// no population point.
    fn representative_distance(&self, t: usize) -> Option<f64> {
        let p = self
            .interior
            .get_or_init(|| self.area.local.shape().interior_point().map(|p| p.0))
            .as_ref()?;
        match &self.e.network[t] {
            Some(field) => Some(field.at(*p)).filter(|d| d.is_finite()),
            None => self.e.index.nearest_distance(t, *p),
        }
    }
}
