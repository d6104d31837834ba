//! Capacity-aware access (`access.csv`): how much supply each person can reach once everyone
//! else who can reach the same providers is counted. A GP practice with 3,000 patients and one
//! with 40,000 are not the same catchment.
//!
//! With S_j the capacity of provider j, P_k the population at demand point k, d_kj their
//! straight-line distance, d0 the catchment and W a distance weight:
//!
//! - **2SFCA** (Luo & Wang 2003), W = 1: R_j = S_j / sum_{k: d_kj <= d0} P_k, then
//!   A_k = sum_{j: d_kj <= d0} R_j.
//! - **E2SFCA** (Luo & Qi 2009): the same with W(d_kj) in both steps,
//!   R_j = S_j / sum_k W(d_kj) P_k and A_k = sum_j W(d_kj) R_j; W is Gaussian,
//!   exp(-d^2 / (2 sigma^2)) as PySAL `access` defines it (no normalising constant), or step
//!   zones (default: 1, 0.68 and 0.22 in the thirds of the catchment).
//! - **Gravity** (Joseph & Bantock 1982 in its two-step form): W(d) = max(d, d_min)^-beta.
//!
//! "Within" is inclusive, d_kj^2 <= d0^2, the test coverage uses for a point in a disc, so a
//! person exactly on the edge counts for both. Without `max_m` (and no `radius_m` in the
//! standard) each provider's own catchment decides who is within, as coverage does (a point in
//! a catchment polygon; distances are then measured from the provider's site).
//!
//! Demand is at the population points, or at each area's interior point with its need-file
//! population when there are none. An area's access is the population-weighted mean of its
//! points' A_k, and `access_ratio` divides it by the study's population-weighted mean (1 is
//! the study's average). Summed over everyone, sum_k P_k A_k = sum_j S_j over the providers that
//! reach somebody (with W = 1): supply is shared out, not created.

use geo::{Coord, InteriorPoint};
use rayon::prelude::*;
use rstar::{primitives::GeomWithData, RTree, AABB};

use crate::metrics::inequality::{concentration_index, gini};
use crate::metrics::need::AreaNeed;
use crate::model::{Catchment, Groups, Provider};
use crate::params::{AccessMethod, AccessSpec, WeightKind};
use crate::spatial::index::{holds, rect_of};
use crate::study::Study;

/// The distance weight of a validated access spec.
#[derive(Debug, Clone, PartialEq)]
pub enum Decay {
    /// W = 1 within the catchment (2SFCA).
    Flat,
    /// W = exp(-d^2 / (2 sigma^2)).
    Gaussian {
        /// Width in metres.
        sigma: f64,
    },
    /// W = the weight of the first zone (limit in metres, weight) with d <= limit; 0 beyond.
    Step {
        /// Zones by increasing limit.
        zones: Vec<(f64, f64)>,
    },
    /// Luo & Qi's zones at the thirds of each provider's catchment: 1, 0.68, 0.22.
    Thirds,
    /// W = max(d, min)^-beta.
    Gravity {
        /// Decay exponent.
        beta: f64,
        /// Minimum distance in metres.
        min: f64,
    },
}

impl Decay {
    /// The weight of a person `d` metres from a provider whose catchment reaches `reach` metres.
    pub fn weight(&self, d: f64, reach: f64) -> f64 {
        match self {
            Decay::Flat => 1.0,
            Decay::Gaussian { sigma } => (-d * d / (2.0 * sigma * sigma)).exp(),
            Decay::Step { zones } => zones.iter().find(|z| d <= z.0).map_or(0.0, |z| z.1),
            Decay::Thirds => {
                let zones = [(reach / 3.0, 1.0), (reach * 2.0 / 3.0, 0.68), (reach, 0.22)];
                zones.iter().find(|z| d <= z.0).map_or(0.0, |z| z.1)
            }
            Decay::Gravity { beta, min } => d.max(*min).powf(-beta),
        }
    }
}

/// A validated `[services.T.access]`: the method, the catchment and the weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The method named in `access.csv`.
    pub method: AccessMethod,
    /// The catchment in metres; None: each provider's own.
    pub max_m: Option<f64>,
    /// The distance weight.
    pub decay: Decay,
}

impl Rule {
    /// The rule of `spec` for a service whose standard has catchment `radius_m`, or what is
    /// wrong with it (in the words of the study file).
    ///
    /// # Errors
    /// A distance that is not a positive number, a weight the method does not take, a Gaussian
    /// without `sigma_m`, step zones that are empty, unordered or negative.
    pub fn of(spec: &AccessSpec, radius_m: Option<f64>) -> Result<Rule, String> {
        let positive = |what: &str, v: Option<f64>| match v {
            Some(x) if !(x.is_finite() && x > 0.0) => {
                Err(format!("{what} = {x}: give a positive number of metres"))
            }
            _ => Ok(v),
        };
        let max_m = positive("max_m", spec.max_m)?.or(radius_m);
        let decay = match spec.method {
            AccessMethod::TwoStep => {
                only_for(spec, "2sfca", &[])?;
                Decay::Flat
            }
            AccessMethod::Enhanced => {
                only_for(spec, "e2sfca", &["weight", "sigma_m", "zones"])?;
                enhanced(spec, positive("sigma_m", spec.sigma_m)?)?
            }
            AccessMethod::Gravity => {
                only_for(spec, "gravity", &["beta", "min_m"])?;
                let beta = spec.beta.unwrap_or(1.0);
                if !(beta.is_finite() && beta >= 0.0) {
                    return Err(format!("beta = {beta}: give a number >= 0 (1 by default)"));
                }
                let min = positive("min_m", spec.min_m)?.unwrap_or(100.0);
                Decay::Gravity { beta, min }
            }
        };
        Ok(Rule {
            method: spec.method,
            max_m,
            decay,
        })
    }

    /// The method's name in `access.csv`.
    pub fn method_name(&self) -> &'static str {
        match self.method {
            AccessMethod::TwoStep => "2sfca",
            AccessMethod::Enhanced => "e2sfca",
            AccessMethod::Gravity => "gravity",
        }
    }
}

/// An error naming the first key of `spec` that `method` does not take.
fn only_for(spec: &AccessSpec, method: &str, takes: &[&str]) -> Result<(), String> {
    let given = [
        ("weight", spec.weight.is_some()),
        ("sigma_m", spec.sigma_m.is_some()),
        ("zones", spec.zones.is_some()),
        ("beta", spec.beta.is_some()),
        ("min_m", spec.min_m.is_some()),
    ];
    match given.iter().find(|(k, set)| *set && !takes.contains(k)) {
        Some((k, _)) => Err(format!(
            "{k} is not a setting of method = \"{method}\" (e2sfca takes weight, sigma_m and \
             zones; gravity takes beta and min_m)"
        )),
        None => Ok(()),
    }
}

/// E2SFCA's weight from `weight`, `sigma_m` and `zones`.
fn enhanced(spec: &AccessSpec, sigma: Option<f64>) -> Result<Decay, String> {
    match (spec.weight, sigma, &spec.zones) {
        (Some(WeightKind::Gaussian), Some(sigma), None) => Ok(Decay::Gaussian { sigma }),
        (Some(WeightKind::Gaussian), None, _) => {
            Err("weight = \"gaussian\" needs sigma_m (its width in metres)".into())
        }
        (Some(WeightKind::Step), None, Some(zones)) => step_zones(zones),
        (Some(WeightKind::Step), _, None) => {
            Err("weight = \"step\" needs zones = [[limit_m, weight], ...]".into())
        }
        (None, None, None) => Ok(Decay::Thirds),
        _ => Err("give weight = \"gaussian\" with sigma_m, or weight = \"step\" with zones".into()),
    }
}

/// Step zones checked: limits positive and increasing, weights >= 0.
fn step_zones(zones: &[[f64; 2]]) -> Result<Decay, String> {
    if zones.is_empty() {
        return Err("zones is empty: give [[limit_m, weight], ...]".into());
    }
    let mut last = 0.0;
    for &[limit, w] in zones {
        if !(limit.is_finite() && limit > last && w.is_finite() && w >= 0.0) {
            return Err(format!(
                "zone [{limit}, {w}]: limits must increase from 0 and weights be >= 0"
            ));
        }
        last = limit;
    }
    Ok(Decay::Step {
        zones: zones.iter().map(|z| (z[0], z[1])).collect(),
    })
}

/// Where the demand is: population points, each with its area.
#[derive(Debug, Clone, Default)]
struct Demand {
    at: Vec<Coord>,
    population: Vec<f64>,
    area: Vec<usize>,
}

impl Demand {
    /// The study's population points, or each area's interior point with its need-file
    /// population; None without either.
    fn of(study: &Study) -> Option<Demand> {
        let mut d = Demand::default();
        if let Some(points) = &study.points {
            for p in points {
                if let Some(a) = p.area {
                    d.push(p.at, p.population, a);
                }
            }
        } else {
            let pops = &study.need.as_ref()?.population;
            for (i, (area, pop)) in study.areas.iter().zip(pops).enumerate() {
                if let (Some(pop), Some(at)) = (pop, area.shape().interior_point()) {
                    d.push(at.0, *pop, i);
                }
            }
        }
        (!d.at.is_empty()).then_some(d)
    }

    fn push(&mut self, at: Coord, population: f64, area: usize) {
        self.at.push(at);
        self.population.push(population);
        self.area.push(area);
    }
}

/// Capacity-aware access to one service type.
#[derive(Debug, Clone)]
pub struct ServiceAccess {
    /// Index into `Study::service_types`.
    pub service: usize,
    /// The rule used.
    pub rule: Rule,
    /// Population per area (the demand counted).
    pub population: Vec<f64>,
    /// Supply per person per area; None for an area with no population.
    pub access: Vec<Option<f64>>,
    /// The study's population-weighted mean access.
    pub mean: f64,
    /// Per group (council), in sorted order: code, population, population-weighted access.
    pub groups: Vec<(String, f64, f64)>,
    /// Gini index of access over areas, population-weighted.
    pub gini: f64,
    /// Concentration index of access by deprivation (NaN without a deprivation measure).
    pub concentration_index: f64,
    /// Total capacity of the type's providers.
    pub supply: f64,
    /// Capacity of providers that reach nobody.
    pub supply_unreached: f64,
    /// Providers of the type with no capacity (left out), by id.
    pub without_capacity: Vec<String>,
}

impl ServiceAccess {
    /// Area i's access divided by the study's mean.
    pub fn ratio(&self, i: usize) -> Option<f64> {
        self.access[i].map(|a| a / self.mean)
    }
}

/// Capacity-aware access of every service type that asks for it (`[services.T.access]`) or
/// whose providers have a capacity, and what the run should say about the others.
#[derive(Debug, Clone, Default)]
pub struct CapacityAccess {
    /// One per service type measured, in service order.
    pub services: Vec<ServiceAccess>,
    /// Why a service type asked for was not measured, or what was left out.
    pub notes: Vec<String>,
}

/// Capacity-aware access for the study (see the module docs).
pub fn capacity_access(study: &Study, need: &AreaNeed) -> CapacityAccess {
    let mut out = CapacityAccess::default();
    let asked: Vec<(usize, AccessSpec)> = (0..study.service_types.len())
        .filter_map(|t| spec_of(study, t).map(|s| (t, s)))
        .collect();
    if asked.is_empty() {
        return out;
    }
    let Some(demand) = Demand::of(study) else {
        out.notes.push(
            "capacity-aware access (access.csv) needs population: give population points or a \
             need file with a population column"
                .into(),
        );
        return out;
    };
    let tree = RTree::bulk_load(
        demand
            .at
            .iter()
            .enumerate()
            .map(|(k, c)| GeomWithData::new([c.x, c.y], k))
            .collect(),
    );
    for (t, spec) in asked {
        let name = &study.service_types[t];
        let radius = study.params.services.get(name).and_then(|s| s.radius_m);
        match Rule::of(&spec, radius) {
            Ok(rule) => match service_access(study, need, &demand, &tree, t, rule) {
                Some(s) => out.services.push(s),
                None => out.notes.push(format!(
                    "{name}: no provider has a capacity, so access.csv has no {name} rows; give \
                     [[providers]] capacity = COLUMN"
                )),
            },
            Err(why) => out.notes.push(format!("[services.{name}.access] {why}")),
        }
    }
    out
}

/// The access spec of service type `t`: its `[services.T.access]`, or 2SFCA by default when
/// one of its providers has a capacity; None when neither.
fn spec_of(study: &Study, t: usize) -> Option<AccessSpec> {
    let name = &study.service_types[t];
    if let Some(spec) = study
        .params
        .services
        .get(name)
        .and_then(|s| s.access.clone())
    {
        return Some(spec);
    }
    study
        .providers
        .iter()
        .any(|p| &p.service_type == name && p.capacity.is_some())
        .then(AccessSpec::default)
}

/// One provider's demand points within reach, each with its weight.
type Reached = Vec<(usize, f64)>;

/// Capacity-aware access to service type `t`; None when none of its providers has a capacity.
fn service_access(
    study: &Study,
    need: &AreaNeed,
    demand: &Demand,
    tree: &RTree<GeomWithData<[f64; 2], usize>>,
    t: usize,
    rule: Rule,
) -> Option<ServiceAccess> {
    let name = &study.service_types[t];
    let providers: Vec<&Provider> = study
        .providers
        .iter()
        .filter(|p| &p.service_type == name)
        .collect();
    let without_capacity: Vec<String> = providers
        .iter()
        .filter(|p| p.capacity.is_none())
        .map(|p| p.id.clone())
        .collect();
    let supplied: Vec<(&Provider, f64)> = providers
        .iter()
        .filter_map(|p| p.capacity.map(|c| (*p, c)))
        .collect();
    if supplied.is_empty() {
        return None;
    }
    // Step 1, per provider: the weighted population within reach, and its supply ratio.
    let reached: Vec<(Reached, f64)> = supplied
        .par_iter()
        .map(|&(p, capacity)| {
            let within = reached(p, &rule, demand, tree);
            let people: f64 = within.iter().map(|&(k, w)| w * demand.population[k]).sum();
            let ratio = if people > 0.0 { capacity / people } else { 0.0 };
            (within, ratio)
        })
        .collect();
    // Step 2, per demand point: the weighted ratios of the providers within reach, added in
    // provider order so the result does not depend on the thread count.
    let mut point_access = vec![0.0; demand.at.len()];
    for (within, ratio) in &reached {
        for &(k, w) in within {
            point_access[k] += w * ratio;
        }
    }
    let supply = supplied.iter().map(|s| s.1).sum();
    let supply_unreached = supplied
        .iter()
        .zip(&reached)
        .filter(|(_, (within, _))| within.is_empty())
        .map(|(s, _)| s.1)
        .sum();
    Some(ServiceAccess {
        supply,
        supply_unreached,
        without_capacity,
        ..per_area(study, need, demand, &point_access, t, rule)
    })
}

/// The demand points provider `p` reaches under `rule`, in point order, with their weights.
fn reached(
    p: &Provider,
    rule: &Rule,
    demand: &Demand,
    tree: &RTree<GeomWithData<[f64; 2], usize>>,
) -> Reached {
    let site = p.site;
    let (rect, reach) = match rule.max_m {
        Some(m) => (
            AABB::from_corners([site.x - m, site.y - m], [site.x + m, site.y + m]),
            m,
        ),
        None => {
            let r = rect_of(&p.catchment);
            let reach = match &p.catchment {
                Catchment::Disc(d) => d.r,
                // The farthest corner of the polygon's box: what "thirds" of it mean.
                Catchment::Polygon(..) | Catchment::Network(_) => [
                    r.min(),
                    r.max(),
                    (r.min().x, r.max().y).into(),
                    (r.max().x, r.min().y).into(),
                ]
                .iter()
                .map(|c: &Coord| (c.x - site.x).hypot(c.y - site.y))
                .fold(0.0, f64::max),
            };
            (
                AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                reach,
            )
        }
    };
    let mut within: Reached = tree
        .locate_in_envelope(&rect)
        .filter_map(|g| {
            let k = g.data;
            let at = demand.at[k];
            let (dx, dy) = (at.x - site.x, at.y - site.y);
            let inside = match rule.max_m {
                Some(m) => dx * dx + dy * dy <= m * m,
                None => holds(&p.catchment, at),
            };
            let w = rule.decay.weight(dx.hypot(dy), reach);
            (inside && w > 0.0).then_some((k, w))
        })
        .collect();
    within.sort_unstable_by_key(|&(k, _)| k);
    within
}

/// The access to `service` under `rule` from the points' access: per area, the study's mean,
/// the groups and the indices (the supply figures, 0 here, are the caller's).
fn per_area(
    study: &Study,
    need: &AreaNeed,
    demand: &Demand,
    point_access: &[f64],
    service: usize,
    rule: Rule,
) -> ServiceAccess {
    let n = study.areas.len();
    let (mut pop, mut sum) = (vec![0.0; n], vec![0.0; n]);
    for (k, &a) in point_access.iter().enumerate() {
        let i = demand.area[k];
        pop[i] += demand.population[k];
        sum[i] += demand.population[k] * a;
    }
    let access: Vec<Option<f64>> = pop
        .iter()
        .zip(&sum)
        .map(|(&p, &s)| (p > 0.0).then(|| s / p))
        .collect();
    let groups = Groups::of(&study.areas);
    let mut by_group = vec![(0.0, 0.0); groups.codes.len()];
    for (i, &g) in groups.of.iter().enumerate() {
        by_group[g as usize].0 += pop[i];
        by_group[g as usize].1 += sum[i];
    }
    let values: Vec<f64> = access.iter().map(|a| a.unwrap_or(0.0)).collect();
    ServiceAccess {
        service,
        rule,
        mean: sum.iter().sum::<f64>() / pop.iter().sum::<f64>(),
        gini: gini(&values, &pop),
        concentration_index: if need.order.is_empty() {
            f64::NAN
        } else {
            concentration_index(&values, &pop, &need.order)
        },
        groups: groups
            .codes
            .iter()
            .zip(by_group)
            .map(|(c, (p, s))| (c.to_string(), p, if p > 0.0 { s / p } else { f64::NAN }))
            .collect(),
        population: pop,
        access,
        supply: 0.0,
        supply_unreached: 0.0,
        without_capacity: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::need::area_need;
    use crate::model::{Area, PopPoint};
    use crate::params::{Params, Standard};
    use approx::assert_abs_diff_eq;
    use geo::{polygon, Polygon};

    fn square(x0: f64) -> Polygon {
        polygon![(x: x0, y: 0.0), (x: x0 + 100.0, y: 0.0), (x: x0 + 100.0, y: 100.0), (x: x0, y: 100.0)]
    }

    /// Two 100 m squares side by side; four demand points on y = 50 (people 100, 200, 300,
    /// 400 at x = 10, 60, 140, 190); three GPs with 60 m catchments at x = 0, 100, 200
    /// (capacities 30, 50, 140). The points at x = 60 and 140 are exactly 60 m from the GPs
    /// at 0 and 200: on the edge, within.
    fn study(spec: Option<AccessSpec>) -> Study {
        let gp = |x: f64, c: f64| Provider::disc("gp", (x, 50.0), 60.0).with_capacity(c);
        let mut params = Params::default();
        params.services.insert(
            "gp".into(),
            Standard {
                radius_m: Some(60.0),
                access: spec,
                ..Standard::default()
            },
        );
        Study::new(
            vec![Area::new("A1", square(0.0)), Area::new("A2", square(100.0))],
            vec![gp(0.0, 30.0), gp(100.0, 50.0), gp(200.0, 140.0)],
        )
        .with_params(params)
        .with_points(
            [(10.0, 100.0), (60.0, 200.0), (140.0, 300.0), (190.0, 400.0)]
                .map(|(x, p)| PopPoint::new((x, 50.0), p))
                .to_vec(),
        )
    }

    fn run(study: &Study) -> CapacityAccess {
        capacity_access(study, &area_need(study))
    }

    #[test]
    fn two_step_by_hand() {
        // R = 30/300, 50/500, 140/700 = 0.1, 0.1, 0.2; A_k = 0.1, 0.2, 0.3, 0.2.
        let s = &run(&study(None)).services[0];
        assert_eq!(s.rule.method_name(), "2sfca");
        assert_abs_diff_eq!(s.access[0].unwrap(), 50.0 / 300.0, epsilon = 1e-15);
        assert_abs_diff_eq!(s.access[1].unwrap(), 170.0 / 700.0, epsilon = 1e-15);
        assert_abs_diff_eq!(s.mean, 0.22, epsilon = 1e-15);
        assert_abs_diff_eq!(s.ratio(0).unwrap(), 50.0 / 300.0 / 0.22, epsilon = 1e-12);
        // Supply is shared out, not created: sum P A = sum S.
        let shared: f64 = (0..2).map(|i| s.population[i] * s.access[i].unwrap()).sum();
        assert_abs_diff_eq!(shared, 220.0, epsilon = 1e-12);
        assert_eq!((s.supply, s.supply_unreached), (220.0, 0.0));
    }

    /// Both steps by their definitions, over every pair, with weight `w` (0 outside).
    fn by_definition(w: impl Fn(f64) -> f64) -> [f64; 2] {
        let (xs, pop) = ([10.0, 60.0, 140.0, 190.0], [100.0, 200.0, 300.0, 400.0]);
        let (sites, cap) = ([0.0, 100.0, 200.0], [30.0, 50.0, 140.0]);
        let d = |k: usize, j: usize| f64::abs(xs[k] - sites[j]);
        let r: Vec<f64> = (0..3)
            .map(|j| cap[j] / (0..4).map(|k| w(d(k, j)) * pop[k]).sum::<f64>())
            .collect();
        let a: Vec<f64> = (0..4)
            .map(|k| (0..3).map(|j| w(d(k, j)) * r[j]).sum())
            .collect();
        [
            (pop[0] * a[0] + pop[1] * a[1]) / 300.0,
            (pop[2] * a[2] + pop[3] * a[3]) / 700.0,
        ]
    }

    /// A distance weight, for the definitions.
    type Weight = Box<dyn Fn(f64) -> f64>;

    fn spec(method: AccessMethod) -> AccessSpec {
        AccessSpec {
            method,
            ..AccessSpec::default()
        }
    }

    #[test]
    fn enhanced_and_gravity_by_definition() {
        let gaussian = AccessSpec {
            weight: Some(WeightKind::Gaussian),
            sigma_m: Some(40.0),
            ..spec(AccessMethod::Enhanced)
        };
        let within = |d: f64, w: f64| if d <= 60.0 { w } else { 0.0 };
        let cases: [(AccessSpec, Weight); 4] = [
            (
                gaussian,
                Box::new(move |d| within(d, (-d * d / 3200.0).exp())),
            ),
            (
                AccessSpec {
                    weight: Some(WeightKind::Step),
                    zones: Some(vec![[15.0, 1.0], [45.0, 0.5]]),
                    ..spec(AccessMethod::Enhanced)
                },
                Box::new(|d| {
                    if d <= 15.0 {
                        1.0
                    } else if d <= 45.0 {
                        0.5
                    } else {
                        0.0
                    }
                }),
            ),
            // Luo & Qi's default zones at thirds of 60 m: 20, 40, 60.
            (
                spec(AccessMethod::Enhanced),
                Box::new(move |d| {
                    within(
                        d,
                        if d <= 20.0 {
                            1.0
                        } else if d <= 40.0 {
                            0.68
                        } else {
                            0.22
                        },
                    )
                }),
            ),
            (
                AccessSpec {
                    beta: Some(2.0),
                    min_m: Some(20.0),
                    ..spec(AccessMethod::Gravity)
                },
                Box::new(move |d| within(d, d.max(20.0).powf(-2.0))),
            ),
        ];
        for (spec, w) in cases {
            let s = &run(&study(Some(spec.clone()))).services[0];
            let want = by_definition(w);
            for (got, want) in s.access.iter().zip(want) {
                assert_abs_diff_eq!(got.unwrap(), want, epsilon = 1e-15);
            }
        }
    }

    #[test]
    fn without_points_the_need_population_stands_at_each_area() {
        let mut s = study(None);
        s.points = None;
        s.need = Some(crate::study::NeedJoin {
            population: vec![Some(300.0), Some(700.0)],
            ..Default::default()
        });
        // Interior points at (50, 50) and (150, 50): 50 m from GPs 0 and 1, and 1 and 2.
        // R = 30/300, 50/1000, 140/700; A = 0.15 and 0.25.
        let a = &run(&s).services[0];
        assert_abs_diff_eq!(a.access[0].unwrap(), 0.15, epsilon = 1e-15);
        assert_abs_diff_eq!(a.access[1].unwrap(), 0.25, epsilon = 1e-15);
    }

    #[test]
    fn bad_settings_are_named_and_no_capacity_is_said() {
        let wrong = AccessSpec {
            beta: Some(1.0),
            ..spec(AccessMethod::TwoStep)
        };
        let out = run(&study(Some(wrong)));
        assert!(out.services.is_empty());
        assert!(out.notes[0].contains("beta is not a setting of method = \"2sfca\""));
        let gauss = AccessSpec {
            weight: Some(WeightKind::Gaussian),
            ..spec(AccessMethod::Enhanced)
        };
        assert!(Rule::of(&gauss, None).unwrap_err().contains("sigma_m"));
        let mut s = study(Some(AccessSpec::default()));
        s.providers.iter_mut().for_each(|p| p.capacity = None);
        assert!(run(&s).notes[0].contains("no provider has a capacity"));
        // No capacity and no [services.gp.access]: nothing asked, nothing said.
        let mut quiet = study(None);
        quiet.providers.iter_mut().for_each(|p| p.capacity = None);
        let out = run(&quiet);
        assert!(out.services.is_empty() && out.notes.is_empty());
    }
}
