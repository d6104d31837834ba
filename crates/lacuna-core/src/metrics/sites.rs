//! Where to open next (`lacuna sites`): k new sites of one service type, the existing providers
//! fixed, chosen to bring the most need-weighted people within reach: the maximal covering
//! location problem (Church & ReVelle 1974).
//!
//! Demand: the population points no existing catchment of the type holds, each weighing its
//! people x its area's need weight (1 outside any area); without points, each area's interior
//! point carrying its uncovered population (the areal approximation: an area is reached whole or
//! not at all). A candidate reaches a demand point within the service's radius (inclusive, as
//! catchments hold points on their edge).
//!
//! - **Greedy with lazy evaluation** (the default): take the candidate with the largest gain,
//!   k times; a candidate's gain only falls as others are taken, so a stale gain in the priority
//!   queue is an upper bound and only the top needs recomputing (Minoux 1978). Ties go to the
//!   first candidate.
//! - **Bound**: the LP relaxation (x_c, y_i in [0, 1]; max Σ w_i y_i; y_i <= Σ_{c reaches i} x_c;
//!   Σ x_c = k), solved with microlp through good_lp, for instances up to [`LP_LIMIT`] candidate
//!   reaches; beyond, greedy / (1 - (1 - 1/k)^k), which the greedy value is known to be within
//!   (Nemhauser, Wolsey & Fisher 1978).
//! - **Exact** (`--exact`): the same model with x binary, solved by microlp's branch and bound;
//!   for small instances (thousands of demand points, hundreds of candidates).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use geo::{Coord, InteriorPoint};
use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::RTree;

use crate::metrics::access::Access;
use crate::metrics::need::AreaNeed;
use crate::network::search::Entry;
use crate::spatial::index::ProviderIndex;
use crate::study::Study;

/// Largest number of (candidate, demand point) reaches for which the LP bound is solved.
pub const LP_LIMIT: usize = 200_000;

/// What to choose: `k` sites of service type `service` among `candidates` (id, site in the
/// working CRS), each reaching `radius_m`.
#[derive(Debug, Clone)]
pub struct SitesInput {
    /// Index into `Study::service_types`.
    pub service: usize,
    /// Sites to choose.
    pub k: usize,
    /// Catchment radius of a new site, metres.
    pub radius_m: f64,
    /// Candidate sites: id and location.
    pub candidates: Vec<(String, Coord)>,
    /// Solve the integer programme instead of the greedy heuristic.
    pub exact: bool,
}

/// One chosen site.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    /// 1 for the first chosen.
    pub rank: usize,
    /// Index into `SitesInput::candidates`.
    pub candidate: usize,
    /// People it newly brings within reach (beyond existing providers and the sites before it).
    pub people: f64,
    /// Those people weighted by need.
    pub need_weighted: f64,
}

/// The chosen sites and how good they are.
#[derive(Debug, Clone)]
pub struct Sites {
    /// The question asked.
    pub input: SitesInput,
    /// The sites, in the order chosen (exact: by gain given the ones before).
    pub chosen: Vec<Chosen>,
    /// People out of reach of every existing provider of the type (the demand).
    pub uncovered_people: f64,
    /// Their need-weighted total.
    pub uncovered_need_weighted: f64,
    /// An upper bound on the need-weighted people any k sites could bring within reach.
    pub bound: f64,
    /// How the bound was found: "exact", "lp relaxation" or "greedy guarantee".
    pub bound_method: &'static str,
    /// True without population points: each area is reached whole when its interior point is,
    /// so the gains are approximate (an opening weighed by `lacuna scenario` measures them).
    pub areal: bool,
}

impl Sites {
    /// The need-weighted people the chosen sites bring within reach.
    pub fn objective(&self) -> f64 {
        self.chosen.iter().map(|c| c.need_weighted).sum()
    }
}

struct Demand {
    at: Coord,
    people: f64,
    weight: f64,
}

/// Chooses the sites of `input` (see the module docs); `accesses` per type give the uncovered
/// share of areas when the study has no points.
pub fn choose(study: &Study, accesses: &[Access], need: &AreaNeed, input: &SitesInput) -> Sites {
    let demand = demand(study, accesses, need, input.service);
    let tree: RTree<GeomWithData<[f64; 2], usize>> = RTree::bulk_load(
        demand
            .iter()
            .enumerate()
            .map(|(i, d)| GeomWithData::new([d.at.x, d.at.y], i))
            .collect(),
    );
    let r2 = input.radius_m * input.radius_m;
    // Each candidate's reach: the demand points within the radius, ascending.
    let reach: Vec<Vec<usize>> = input
        .candidates
        .par_iter()
        .map(|(_, c)| {
            let mut v: Vec<usize> = tree
                .locate_within_distance([c.x, c.y], r2)
                .map(|e| e.data)
                .collect();
            v.sort_unstable();
            v
        })
        .collect();
    // The integer programme when asked for (greedy should the solver fail).
    let optimal = if input.exact {
        exact(&demand, &reach, input.k)
    } else {
        None
    };
    let solved = optimal.is_some();
    let picks = optimal.unwrap_or_else(|| greedy(&demand, &reach, input.k));
    let chosen = gains(&demand, &reach, &picks);
    let objective: f64 = chosen.iter().map(|c| c.need_weighted).sum();
    let (bound, bound_method) = if solved {
        (objective, "exact")
    } else if reach.iter().map(Vec::len).sum::<usize>() <= LP_LIMIT {
        match lp_bound(&demand, &reach, input.k) {
            Some(b) => (b.max(objective), "lp relaxation"),
            None => (guarantee(objective, input.k), "greedy guarantee"),
        }
    } else {
        (guarantee(objective, input.k), "greedy guarantee")
    };
    Sites {
        input: input.clone(),
        chosen,
        uncovered_people: demand.iter().map(|d| d.people).sum(),
        uncovered_need_weighted: demand.iter().map(|d| d.weight).sum(),
        bound,
        bound_method,
        areal: study.points.is_none(),
    }
}

/// Candidate sites on a square grid of `step` metres over the study: the cell centres inside
/// some area, named by their grid position ("g<column>_<row>" from the south-west corner).
pub fn grid_candidates(study: &Study, step: f64) -> Vec<(String, Coord)> {
    let boxes = RTree::bulk_load(
        study
            .areas
            .iter()
            .enumerate()
            .map(|(i, a)| GeomWithData::new(a.local.bounding_rect(), i))
            .collect(),
    );
    let env = boxes.root().envelope();
    let (lo, hi) = (env.lower().0, env.upper().0);
    if step.is_nan() || step <= 0.0 || !lo.x.is_finite() {
        return Vec::new();
    }
    let columns = ((hi.x - lo.x) / step).ceil() as usize;
    let rows = ((hi.y - lo.y) / step).ceil() as usize;
    (0..rows)
        .into_par_iter()
        .flat_map_iter(|row| {
            let boxes = &boxes;
            (0..columns).filter_map(move |col| {
                let at = Coord {
                    x: lo.x + (col as f64 + 0.5) * step,
                    y: lo.y + (row as f64 + 0.5) * step,
                };
                boxes
                    .locate_all_at_point(&at.into())
                    .any(|e| study.areas[e.data].local.contains(at))
                    .then(|| (format!("g{col}_{row}"), at))
            })
        })
        .collect()
}

/// greedy / (1 - (1 - 1/k)^k): no k sites can do better than this.
fn guarantee(greedy: f64, k: usize) -> f64 {
    let k = k.max(1) as f64;
    greedy / (1.0 - (1.0 - 1.0 / k).powf(k))
}

/// The demand points: people out of reach of every existing provider of type `t`.
fn demand(study: &Study, accesses: &[Access], need: &AreaNeed, t: usize) -> Vec<Demand> {
    let index = ProviderIndex::build(&study.providers, &study.service_types);
    match &study.points {
        Some(points) => points
            .par_iter()
            .filter(|p| p.population > 0.0 && !index.covers(&study.providers, t, p.at))
            .map(|p| Demand {
                at: p.at,
                people: p.population,
                weight: p.population * p.area.map_or(1.0, |a| need.weight[a]),
            })
            .collect(),
        None => (0..study.areas.len())
            .filter_map(|a| {
                let acc = &accesses[t];
                let people = acc.weight[a] * (1.0 - acc.share[a]);
                let at = study.areas[a].local.shape().interior_point()?.0;
                (people > 0.0).then_some(Demand {
                    at,
                    people,
                    weight: people * need.weight[a],
                })
            })
            .collect(),
    }
}

/// Gain of a candidate given which demand points are already reached.
fn gain(demand: &[Demand], reach: &[usize], taken: &[bool]) -> f64 {
    reach
        .iter()
        .filter(|&&i| !taken[i])
        .map(|&i| demand[i].weight)
        .sum()
}

/// The greedy choice with lazy evaluation, in order.
fn greedy(demand: &[Demand], reach: &[Vec<usize>], k: usize) -> Vec<usize> {
    let none = vec![false; demand.len()];
    // Queue entries: a candidate's gain as of some round; larger gains first, then the first
    // candidate (each candidate is queued once, so the round never decides).
    let mut heap: BinaryHeap<Entry<(Reverse<usize>, usize)>> = reach
        .iter()
        .enumerate()
        .map(|(c, r)| Entry(gain(demand, r, &none), (Reverse(c), 0)))
        .collect();
    let mut taken = none;
    let mut picks = Vec::new();
    while picks.len() < k {
        let Some(Entry(g, (Reverse(c), round))) = heap.pop() else {
            break;
        };
        if round == picks.len() {
            if g <= 0.0 {
                break;
            }
            for &i in &reach[c] {
                taken[i] = true;
            }
            picks.push(c);
        } else {
            heap.push(Entry(
                gain(demand, &reach[c], &taken),
                (Reverse(c), picks.len()),
            ));
        }
    }
    picks
}

/// The chosen sites with what each adds given those before it.
fn gains(demand: &[Demand], reach: &[Vec<usize>], picks: &[usize]) -> Vec<Chosen> {
    let mut taken = vec![false; demand.len()];
    picks
        .iter()
        .enumerate()
        .map(|(k, &c)| {
            let (mut people, mut weighted) = (0.0, 0.0);
            for &i in &reach[c] {
                if !taken[i] {
                    taken[i] = true;
                    people += demand[i].people;
                    weighted += demand[i].weight;
                }
            }
            Chosen {
                rank: k + 1,
                candidate: c,
                people,
                need_weighted: weighted,
            }
        })
        .collect()
}

/// The MCLP as a (mixed-integer) linear programme over the demand points some candidate
/// reaches: its optimum, and the sites (x = 1) when `binary`.
fn solve(
    demand: &[Demand],
    reach: &[Vec<usize>],
    k: usize,
    binary: bool,
) -> Option<(f64, Vec<usize>)> {
    use good_lp::{microlp, variable, Expression, Solution, SolverModel};
    let mut vars = good_lp::ProblemVariables::new();
    let x: Vec<good_lp::Variable> = reach
        .iter()
        .map(|_| {
            let v = variable().min(0.0).max(1.0);
            vars.add(if binary { v.binary() } else { v })
        })
        .collect();
    let mut by_demand: Vec<Vec<usize>> = vec![Vec::new(); demand.len()];
    for (c, r) in reach.iter().enumerate() {
        for &i in r {
            by_demand[i].push(c);
        }
    }
    let reached: Vec<usize> = (0..demand.len())
        .filter(|&i| !by_demand[i].is_empty())
        .collect();
    let y: Vec<good_lp::Variable> = reached
        .iter()
        .map(|_| vars.add(variable().min(0.0).max(1.0)))
        .collect();
    let objective: Expression = reached
        .iter()
        .zip(&y)
        .map(|(&i, &v)| demand[i].weight * v)
        .sum();
    let mut model = vars.maximise(objective).using(microlp);
    for (&i, &v) in reached.iter().zip(&y) {
        let sites: Expression = by_demand[i].iter().map(|&c| x[c]).sum();
        model.add_constraint(good_lp::constraint::leq(v, sites));
    }
    let total: Expression = x.iter().copied().sum();
    model.add_constraint(good_lp::constraint::eq(total, k.min(reach.len()) as f64));
    let solution = model.solve().ok()?;
    let value: f64 = reached
        .iter()
        .zip(&y)
        .map(|(&i, &v)| demand[i].weight * solution.value(v))
        .sum();
    let picks = (0..x.len())
        .filter(|&c| solution.value(x[c]) > 0.5)
        .collect();
    Some((value, picks))
}

fn lp_bound(demand: &[Demand], reach: &[Vec<usize>], k: usize) -> Option<f64> {
    solve(demand, reach, k, false).map(|(v, _)| v)
}

/// The optimal sites, in greedy order among themselves (each next the one adding most).
fn exact(demand: &[Demand], reach: &[Vec<usize>], k: usize) -> Option<Vec<usize>> {
    let (_, picks) = solve(demand, reach, k, true)?;
    let subset: Vec<Vec<usize>> = picks.iter().map(|&c| reach[c].clone()).collect();
    Some(
        greedy(demand, &subset, picks.len())
            .into_iter()
            .map(|j| picks[j])
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten demand points on a line at x = 0..9 with weights 1..10; candidates reach intervals.
    fn case() -> (Vec<Demand>, Vec<Vec<usize>>) {
        let demand = (0..10)
            .map(|i| Demand {
                at: Coord {
                    x: i as f64,
                    y: 0.0,
                },
                people: 1.0,
                weight: (i + 1) as f64,
            })
            .collect();
        // A greedy trap: the middle interval is the single best, but two others cover more.
        let reach = vec![
            vec![0, 1, 2, 3, 4],    // 15
            vec![5, 6, 7, 8, 9],    // 40
            vec![3, 4, 5, 6, 7],    // 30
            vec![6, 7, 8, 9],       // 34
            vec![0, 1, 2, 3, 4, 5], // 21
            vec![2],                // 3
        ];
        (demand, reach)
    }

    fn value(demand: &[Demand], reach: &[Vec<usize>], picks: &[usize]) -> f64 {
        gains(demand, reach, picks)
            .iter()
            .map(|c| c.need_weighted)
            .sum()
    }

    #[test]
    fn greedy_exact_and_bound_against_enumeration() {
        let (demand, reach) = case();
        for k in 1..=3 {
            // Enumerate every set of k candidates.
            let n = reach.len();
            let best = (0u32..1 << n)
                .filter(|m| m.count_ones() as usize == k)
                .map(|m| {
                    let picks: Vec<usize> = (0..n).filter(|c| m & (1 << c) != 0).collect();
                    value(&demand, &reach, &picks)
                })
                .fold(0.0, f64::max);
            let g = value(&demand, &reach, &greedy(&demand, &reach, k));
            let e = value(&demand, &reach, &exact(&demand, &reach, k).unwrap());
            let lp = lp_bound(&demand, &reach, k).unwrap();
            assert_eq!(e, best, "k = {k}");
            assert!(g <= best && best <= lp + 1e-9, "k = {k}: {g} {best} {lp}");
            assert!(best <= guarantee(g, k) + 1e-9);
        }
        // k = 2 by hand: candidate 1 (40) first, then 0 or 4 both add the 15 of points 0-4
        // (the first, 0, is taken): all ten points, 55, the optimum.
        assert_eq!(value(&demand, &reach, &[1, 4]), 55.0);
        assert_eq!(value(&demand, &reach, &greedy(&demand, &reach, 2)), 55.0);
    }
}
