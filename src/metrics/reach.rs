//! Reach of a provider network, for voluntary networks checking who they reach: per provider and
//! per network (service type), the population and target population inside the catchments, the
//! need-weighted population, the population it alone covers (exclusive) and the population also
//! covered by another provider of the same type (overlap), and the share of the study's target
//! population reached. Needs population-weighted points: each point counts for the providers
//! whose catchment holds it. Without points, reach is not computed (the run says so).

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
pub const NO_POINTS: &str = "no population points ([points] in the study, --points FILE): \
network reach (reach.csv, network_gaps.csv) counts people at points inside each catchment, so \
those files are left empty; give population-weighted centroids (e.g. the ONS LSOA PWCs) to get it";

/// Reach per provider and per network, from the study's provider index; None without
/// population points.
pub fn reach(study: &Study, need: &AreaNeed, index: &ProviderIndex) -> Option<Vec<Reach>> {
    let points = study.points.as_ref()?;
    // One network per service type, in parallel; rows stay in service-type order.
    let per_type: Vec<Vec<Reach>> = study
        .service_types
        .par_iter()
        .enumerate()
        .map(|(t, name)| {
            let mut out = Vec::new();
            // Target population per person in each area (1 when the service has no target column).
            let target_col = study
                .spec
                .services
                .get(name)
                .and_then(|s| s.target_population.as_deref())
                .and_then(|c| {
                    let join = study.need.as_ref()?;
                    join.columns.iter().position(|x| x == c).map(|i| (i, join))
                });
            let target_rate = |area: Option<usize>| -> f64 {
                match (target_col, area) {
                    (None, _) => 1.0,
                    (Some(_), None) => 0.0,
                    (Some((c, join)), Some(a)) => {
                        let target = join.rows[a]
                            .as_ref()
                            .and_then(|r| r[c].as_number().ok().flatten())
                            .unwrap_or(0.0);
                        match join.population[a] {
                            Some(p) if p > 0.0 => target / p,
                            _ => 0.0,
                        }
                    }
                }
            };
            let range = index.ranges[t].clone();
            let n = range.len();
            let mut per = vec![[0.0f64; 5]; n];
            let mut net = [0.0f64; 5];
            let mut total_target = 0.0;
            let mut covering = Vec::new();
            for p in points {
                let rate = target_rate(p.area);
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
            let share = |x: f64| {
                if total_target > 0.0 {
                    x / total_target
                } else {
                    f64::NAN
                }
            };
            out.push(Reach {
                service_type: name.clone(),
                provider: None,
                population: net[0],
                target_population: net[1],
                need_weighted_population: net[2],
                exclusive_population: net[3],
                overlap_population: net[4],
                share_of_target_reached: share(net[1]),
            });
            for (k, v) in per.iter().enumerate() {
                out.push(Reach {
                    service_type: name.clone(),
                    provider: Some(study.providers[range.start + k].id.clone()),
                    population: v[0],
                    target_population: v[1],
                    need_weighted_population: v[2],
                    exclusive_population: v[3],
                    overlap_population: v[4],
                    share_of_target_reached: share(v[1]),
                });
            }
            out
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
