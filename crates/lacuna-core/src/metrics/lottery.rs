//! The postcode lottery: neighbouring areas in different groups (councils) with similar need and
//! very different provision, and the group league table.
//!
//! A cross-boundary pair is flagged for a service type when the two areas share a boundary, lie in
//! different groups, have need deciles at most `lottery_max_need_gap` apart, and covered shares at
//! least `lottery_min_difference` apart; pairs are ranked by difference x the smaller population.

use serde::Serialize;

use crate::metrics::access::Access;
use crate::metrics::need::AreaNeed;
use crate::params::FindingsSpec;
use crate::spatial::adjacency::Neighbours;
use crate::study::Study;

/// A flagged cross-boundary pair.
#[derive(Debug, Clone, Serialize)]
pub struct LotteryPair {
    /// Service type.
    pub service_type: String,
    /// First area (index), the better served of the two.
    #[serde(skip)]
    pub a: usize,
    /// Second area (index).
    #[serde(skip)]
    pub b: usize,
    /// Covered share of a.
    pub share_a: f64,
    /// Covered share of b.
    pub share_b: f64,
    /// Need decile of a (1 = most deprived).
    pub need_a: u8,
    /// Need decile of b.
    pub need_b: u8,
    /// share_a - share_b.
    pub difference: f64,
    /// Shared boundary in metres.
    pub shared_boundary_m: f64,
    /// Population of a.
    pub population_a: f64,
    /// Population of b.
    pub population_b: f64,
    /// difference x min(population_a, population_b).
    pub score: f64,
}

/// Flagged pairs for service type `t`, highest score first.
pub fn pairs(
    study: &Study,
    t: usize,
    access: &Access,
    need: &AreaNeed,
    neighbours: &[Neighbours],
    params: &FindingsSpec,
) -> Vec<LotteryPair> {
    let mut out = Vec::new();
    for n in neighbours {
        let (i, j) = (n.a, n.b);
        let (ga, gb) = (&study.areas[i].group, &study.areas[j].group);
        if ga.is_empty() || gb.is_empty() || ga == gb {
            continue;
        }
        if access.weight[i] <= 0.0 || access.weight[j] <= 0.0 {
            continue;
        }
        let (Some(di), Some(dj)) = (need.decile[i], need.decile[j]) else {
            continue;
        };
        if (di as f64 - dj as f64).abs() > params.lottery_max_need_gap {
            continue;
        }
        let diff = access.share[i] - access.share[j];
        if diff.abs() < params.lottery_min_difference {
            continue;
        }
        let (a, b, da, db) = if diff >= 0.0 {
            (i, j, di, dj)
        } else {
            (j, i, dj, di)
        };
        let score = diff.abs() * access.weight[a].min(access.weight[b]);
        out.push(LotteryPair {
            service_type: study.service_types[t].clone(),
            a,
            b,
            share_a: access.share[a],
            share_b: access.share[b],
            need_a: da,
            need_b: db,
            difference: diff.abs(),
            shared_boundary_m: n.shared_m,
            population_a: access.weight[a],
            population_b: access.weight[b],
            score,
        });
    }
    out.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    out
}

/// One row of the group league table.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRow {
    /// Service type.
    pub service_type: String,
    /// Group (council).
    pub group: String,
    /// Areas.
    pub areas: usize,
    /// Population.
    pub population: f64,
    /// Population inside a catchment.
    pub covered_population: f64,
    /// covered / population.
    pub coverage: f64,
    /// Coverage of the most deprived fifth of areas (need deciles 1-2).
    pub coverage_most_deprived: Option<f64>,
    /// Coverage of the least deprived fifth (need deciles 9-10).
    pub coverage_least_deprived: Option<f64>,
    /// least - most: positive when the more deprived are worse served.
    pub need_gap: Option<f64>,
    /// Population outside every catchment.
    pub uncovered_population: f64,
    /// Population of areas below the unserved threshold.
    pub population_in_unserved_areas: f64,
    /// Rank by coverage among the groups (1 = best covered).
    pub rank: usize,
}

/// The league table of groups for service type `t`, best covered first.
pub fn league(study: &Study, t: usize, access: &Access, need: &AreaNeed) -> Vec<GroupRow> {
    let name = &study.service_types[t];
    let threshold = study.params.threshold(name);
    let groups = crate::model::Groups::of(&study.areas);
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); groups.codes.len()];
    for (i, &k) in groups.of.iter().enumerate() {
        if access.weight[i] > 0.0 {
            members_of[k as usize].push(i);
        }
    }
    let mut rows: Vec<GroupRow> = groups
        .codes
        .iter()
        .zip(&members_of)
        .map(|(g, members)| {
            let sum = |f: &dyn Fn(usize) -> bool| -> (f64, f64) {
                members
                    .iter()
                    .filter(|&&i| f(i))
                    .fold((0.0, 0.0), |(p, c), &i| {
                        (p + access.weight[i], c + access.covered(i))
                    })
            };
            let (pop, cov) = sum(&|_| true);
            let (pm, cm) = sum(&|i| need.decile[i].is_some_and(|d| d <= 2));
            let (pl, cl) = sum(&|i| need.decile[i].is_some_and(|d| d >= 9));
            let most = (pm > 0.0).then(|| cm / pm);
            let least = (pl > 0.0).then(|| cl / pl);
            GroupRow {
                service_type: name.clone(),
                group: g.to_string(),
                areas: members.len(),
                population: pop,
                covered_population: cov,
                coverage: if pop > 0.0 { cov / pop } else { f64::NAN },
                coverage_most_deprived: most,
                coverage_least_deprived: least,
                need_gap: most.zip(least).map(|(m, l)| l - m),
                uncovered_population: pop - cov,
                population_in_unserved_areas: members
                    .iter()
                    .filter(|&&i| access.share[i] < threshold)
                    .map(|&i| access.weight[i])
                    .sum(),
                rank: 0,
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&x, &y| {
        rows[y]
            .coverage
            .total_cmp(&rows[x].coverage)
            .then(rows[x].group.cmp(&rows[y].group))
    });
    for (rank, &k) in order.iter().enumerate() {
        rows[k].rank = rank + 1;
    }
    rows.sort_by_key(|r| r.rank);
    rows
}
