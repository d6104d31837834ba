//! Reach of a provider network, for voluntary networks checking who they reach: per provider and
//! per network (service type), the population and target population inside the catchments, the
//! need-weighted population, the population it alone covers (exclusive) and the population also
//! covered by another provider of the same type (overlap), and the share of the study's target
//! population reached. With population-weighted points, each point counts for the providers
//! whose catchment holds it. Without points, the need file's population is spread uniformly over
//! each area and every figure is an exact area overlay: a provider's population is
//! sum_i pop_i |A_i ∩ C_j| / |A_i|, its exclusive population sum_i pop_i (|A_i ∩ U| - |A_i ∩ U\j|)
//! / |A_i| (U: the union of the type's catchments, U\j: the union without j), and its overlap the
//! difference. Without either, reach is not computed (the run says so).

use rayon::prelude::*;
use serde::Serialize;

use crate::load::Study;
use crate::metrics::need::AreaNeed;
use crate::spatial::index::ProviderIndex;

/// Reach of one provider, or of a whole network (`provider` = None).
#[derive(Debug, Clone, Serialize)]
pub struct Reach {
    /// Service type (the network).
    pub service_type: String,
    /// The provider's id; None for the network row.
    pub provider: Option<String>,
    /// Population inside the catchment(s).
    pub population: f64,
    /// Target population inside (the service's target column, spread like the population).
    pub target_population: f64,
    /// Population x need weight of its area.
    pub need_weighted_population: f64,
    /// Population covered by this provider and no other of its type (network row: covered by
    /// exactly one provider).
    pub exclusive_population: f64,
    /// Population covered by this provider and at least one other of its type (network row:
    /// covered by two or more).
    pub overlap_population: f64,
    /// target_population / the study's target population.
    pub share_of_target_reached: f64,
}

/// What a run says when it has no population points, so an empty `reach.csv` is explained.
pub const NO_POINTS: &str = "no population points ([points] in the study, --points FILE) and no \
need-file population: network reach (reach.csv, network_gaps.csv) has nobody to count, so \
those files are left empty; give population-weighted centroids (e.g. the ONS LSOA PWCs) or a \
need file with a population column to get it";

/// What a run says when reach spreads the need file's population over each area.
pub const AREAL: &str = "no population points: network reach (reach.csv) spreads each area's \
need-file population uniformly over the area and counts the share inside each catchment \
(exact overlay); population-weighted centroids would place people more faithfully";

/// Target population per person of each area for service type `t` (1 everywhere when the
/// service has no target column; 0 where the area has no target figure or no population), and
/// whether it has a target column.
fn target_rates(study: &Study, t: usize) -> (Vec<f64>, bool) {
    let col = study
        .spec
        .services
        .get(&study.service_types[t])
        .and_then(|s| s.target_population.as_deref())
        .and_then(|c| {
            let join = study.need.as_ref()?;
            join.columns.iter().position(|x| x == c).map(|i| (i, join))
        });
    let rates = (0..study.areas.len())
        .map(|a| match col {
            None => 1.0,
            Some((c, join)) => {
                let target = join.rows[a]
                    .as_ref()
                    .and_then(|r| r[c].as_number().ok().flatten())
                    .unwrap_or(0.0);
                match join.population[a] {
                    Some(p) if p > 0.0 => target / p,
                    _ => 0.0,
                }
            }
        })
        .collect();
    (rates, col.is_some())
}

/// The network row and one row per provider of type `t` from their sums (population, target,
/// need-weighted, exclusive, overlap).
fn rows(
    study: &Study,
    index: &ProviderIndex,
    t: usize,
    net: [f64; 5],
    per: &[[f64; 5]],
    total_target: f64,
) -> Vec<Reach> {
    let name = &study.service_types[t];
    let range = index.ranges[t].clone();
    let share = |x: f64| {
        if total_target > 0.0 {
            x / total_target
        } else {
            f64::NAN
        }
    };
    let row = |provider: Option<String>, v: &[f64; 5]| Reach {
        service_type: name.clone(),
        provider,
        population: v[0],
        target_population: v[1],
        need_weighted_population: v[2],
        exclusive_population: v[3],
        overlap_population: v[4],
        share_of_target_reached: share(v[1]),
    };
    std::iter::once(row(None, &net))
        .chain(
            per.iter()
                .enumerate()
                .map(|(k, v)| row(Some(study.providers[range.start + k].id.clone()), v)),
        )
        .collect()
}

/// Population, target, need-weighted, exclusive and overlap population, summed.
type Sums = [f64; 5];

/// Reach without points: each area's need-file population spread uniformly over it (see the
/// module docs). None when the need file gives no population.
fn reach_areal(study: &Study, need: &AreaNeed, index: &ProviderIndex) -> Option<Vec<Reach>> {
    let join = study.need.as_ref()?;
    join.population.iter().any(Option::is_some).then_some(())?;
    let per_type: Vec<Vec<Reach>> = (0..study.service_types.len())
        .into_par_iter()
        .map(|t| {
            let (rates, _) = target_rates(study, t);
            let range = index.ranges[t].clone();
            let polygons = index.has_polygons[t];
            // Per area: the sums it adds to the network and to each provider touching it.
            let per_area: Vec<(Sums, Vec<(usize, Sums)>)> = study
                .areas
                .par_iter()
                .enumerate()
                .map(|(i, area)| {
                    let pop = join.population[i].unwrap_or(0.0);
                    let a = area.local.area();
                    if pop <= 0.0 || a <= 0.0 {
                        return ([0.0; 5], Vec::new());
                    }
                    let cands = index.candidates(t, area.local.bounding_rect());
                    let covered = |c: &[usize]| {
                        crate::metrics::coverage::overlay_area(area, &study.providers, c, polygons)
                            / a
                    };
                    let all = covered(&cands);
                    let scale = |x: f64| {
                        let p = pop * x;
                        [p, p * rates[i], p * need.weight[i], 0.0, 0.0]
                    };
                    let mut net = scale(all);
                    let mut own = Vec::new();
                    let mut others = Vec::with_capacity(cands.len());
                    for (k, &j) in cands.iter().enumerate() {
                        let inside = covered(&cands[k..=k]);
                        if inside <= 0.0 {
                            continue;
                        }
                        others.clear();
                        others.extend(cands.iter().copied().filter(|&x| x != j));
                        let alone = (all - covered(&others)).clamp(0.0, inside);
                        let mut v = scale(inside);
                        v[3] = pop * alone;
                        v[4] = pop * (inside - alone);
                        net[3] += pop * alone;
                        own.push((j - range.start, v));
                    }
                    net[4] = (net[0] - net[3]).max(0.0);
                    (net, own)
                })
                .collect();
            let mut net = [0.0f64; 5];
            let mut per = vec![[0.0f64; 5]; range.len()];
            for (n, own) in &per_area {
                for (acc, v) in net.iter_mut().zip(n) {
                    *acc += v;
                }
                for (k, v) in own {
                    for (acc, x) in per[*k].iter_mut().zip(v) {
                        *acc += x;
                    }
                }
            }
            let total_target: f64 = (0..study.areas.len())
                .map(|i| join.population[i].unwrap_or(0.0) * rates[i])
                .sum();
            rows(study, index, t, net, &per, total_target)
        })
        .collect();
    Some(per_type.into_iter().flatten().collect())
}

/// Reach per provider and per network, from the study's provider index: from population points
/// when the study has them, else from the need file's population spread over each area; None
/// with neither.
pub fn reach(study: &Study, need: &AreaNeed, index: &ProviderIndex) -> Option<Vec<Reach>> {
    let Some(points) = study.points.as_ref() else {
        return reach_areal(study, need, index);
    };
    // One network per service type, in parallel; rows stay in service-type order.
    let per_type: Vec<Vec<Reach>> = (0..study.service_types.len())
        .into_par_iter()
        .map(|t| {
            let (rates, targeted) = target_rates(study, t);
            let range = index.ranges[t].clone();
            let mut per = vec![[0.0f64; 5]; range.len()];
            let mut net = [0.0f64; 5];
            let mut total_target = 0.0;
            let mut covering = Vec::new();
            for p in points {
                // A point in no area counts fully unless the service has a target group.
                let rate = match p.area {
                    Some(a) => rates[a],
                    None if targeted => 0.0,
                    None => 1.0,
                };
                let target = p.population * rate;
                total_target += target;
                covering.clear();
                covering.extend(index.covering(&study.providers, t, p.at));
                if covering.is_empty() {
                    continue;
                }
                let weight = p.area.map(|a| need.weight[a]).unwrap_or(1.0);
                let alone = covering.len() == 1;
                let row = [
                    p.population,
                    target,
                    p.population * weight,
                    if alone { p.population } else { 0.0 },
                    if alone { 0.0 } else { p.population },
                ];
                for &i in &covering {
                    let k = i - range.start;
                    for (acc, v) in per[k].iter_mut().zip(row) {
                        *acc += v;
                    }
                }
                for (acc, v) in net.iter_mut().zip(row) {
                    *acc += v;
                }
            }
            rows(study, index, t, net, &per, total_target)
        })
        .collect();
    Some(per_type.into_iter().flatten().collect())
}

/// A neighbourhood one network misses (below the threshold) that another covers.
#[derive(Debug, Clone, Serialize)]
pub struct Missed {
    /// The network that misses the area.
    pub missing: usize,
    /// The network that covers it.
    pub covering: usize,
    /// The area.
    pub area: usize,
}

/// For every ordered pair of networks (service types), the areas the first leaves below its
/// threshold and the second covers to at least its own threshold.
pub fn missed_by_one_covered_by_another(
    study: &Study,
    shares: &[Vec<f64>],
    weights: &[Vec<f64>],
) -> Vec<Missed> {
    let threshold = |t: usize| study.spec.threshold(&study.service_types[t]);
    let mut out = Vec::new();
    for x in 0..shares.len() {
        for y in 0..shares.len() {
            if x == y {
                continue;
            }
            for i in 0..study.areas.len() {
                if weights[x][i] > 0.0
                    && shares[x][i] < threshold(x)
                    && shares[y][i] >= threshold(y)
                {
                    out.push(Missed {
                        missing: x,
                        covering: y,
                        area: i,
                    });
                }
            }
        }
    }
    out
}
