//! Uneven universal access: for each universal service, over all areas (group `ALL`) and per
//! group, the share meeting the standard, the population with zero access, Gini, Theil T (with
//! its between/within-council decomposition and a permutation test for the `ALL` row), and the
//! concentration index against deprivation with Erreygers' correction and a bootstrap interval;
//! and coverage by need decile, overall and per group ([`deciles`]).

use rayon::prelude::*;
use serde::Serialize;

use crate::metrics::access::Access;
use crate::metrics::inequality as ineq;
use crate::metrics::need::AreaNeed;
use crate::model::Groups;
use crate::params::FindingsSpec;
use crate::study::Study;

/// One row of `access_equity.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct EquityRow {
    /// Service type.
    pub service_type: String,
    /// Group (council) or `ALL`.
    pub group: String,
    /// Areas with population.
    pub areas: usize,
    /// Population.
    pub population: f64,
    /// Population inside a catchment.
    pub population_meeting_standard: f64,
    /// population_meeting_standard / population.
    pub share_meeting_standard: f64,
    /// Population of areas with no access at all.
    pub zero_access_population: f64,
    /// Gini coefficient of area access.
    pub gini: f64,
    /// Theil T.
    pub theil: f64,
    /// Between-group Theil (ALL row only).
    pub theil_between: Option<f64>,
    /// Within-group Theil (ALL row only).
    pub theil_within: Option<f64>,
    /// Between share T_B / T (ALL row only).
    pub theil_between_share: Option<f64>,
    /// Permutation p-value of the between share (ALL row only).
    pub between_share_p_value: Option<f64>,
    /// Concentration index against deprivation (negative: access concentrated among the more
    /// deprived).
    pub concentration_index: f64,
    /// Erreygers' corrected index 4 mu C.
    pub erreygers_index: f64,
    /// Bootstrap 2.5% bound of the concentration index.
    pub ci_low: f64,
    /// Bootstrap 97.5% bound.
    pub ci_high: f64,
}

/// One row of `equity_deciles.csv`: the coverage of one group's areas in one need decile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecileRow {
    /// Service type.
    pub service_type: String,
    /// Group (council) or `ALL`.
    pub group: String,
    /// Need decile, 1 = most deprived (the study's deciles, as in [`AreaNeed::decile`]).
    pub decile: u8,
    /// Population of the group's areas in the decile.
    pub population: f64,
    /// Population inside a catchment.
    pub covered_population: f64,
    /// covered_population / population.
    pub covered_share: f64,
}

/// Population-weighted coverage of service type `t` by need decile: `ALL` first, then each
/// group in code order (as [`equity`]'s rows), each over the deciles 1 to 10 holding some
/// population. Areas without a decile, without population or without a covered share are left
/// out.
pub fn deciles(study: &Study, t: usize, access: &Access, need: &AreaNeed) -> Vec<DecileRow> {
    let Groups { codes: groups, of } = Groups::of(&study.areas);
    // (covered, population) per group and decile; the last group is ALL.
    let mut sums = vec![[(0.0f64, 0.0f64); 10]; groups.len() + 1];
    for (i, &g) in of.iter().enumerate() {
        let (Some(d), s, w) = (need.decile[i], access.share[i], access.weight[i]) else {
            continue;
        };
        if !(s.is_finite() && w > 0.0) {
            continue;
        }
        let d = usize::from(d.clamp(1, 10)) - 1;
        for g in [g as usize, groups.len()] {
            sums[g][d].0 += s * w;
            sums[g][d].1 += w;
        }
    }
    let named = std::iter::once("ALL").chain(groups.iter().copied());
    let sums = std::iter::once(&sums[groups.len()]).chain(&sums[..groups.len()]);
    named
        .zip(sums)
        .flat_map(|(group, by_decile)| {
            (1..=10u8)
                .zip(by_decile)
                .filter(|(_, (_, w))| *w > 0.0)
                .map(move |(decile, &(covered, population))| DecileRow {
                    service_type: study.service_types[t].clone(),
                    group: group.to_string(),
                    decile,
                    population,
                    covered_population: covered,
                    covered_share: covered / population,
                })
        })
        .collect()
}

/// Equity rows for service type `t`: `ALL` first, then each group in code order.
pub fn equity(
    study: &Study,
    t: usize,
    access: &Access,
    need: &AreaNeed,
    params: &FindingsSpec,
) -> Vec<EquityRow> {
    equity_many(study, &[(t, access)], need, params)
        .pop()
        .unwrap_or_default()
}

/// [`equity`] for several service types whose accesses have the same weights (populations): the
/// bootstrap draws and label permutations are shared between them, and each service's rows are
/// those [`equity`] gives it alone.
///
/// # Panics
/// When the accesses' weights differ.
pub fn equity_many(
    study: &Study,
    services: &[(usize, &Access)],
    need: &AreaNeed,
    params: &FindingsSpec,
) -> Vec<Vec<EquityRow>> {
    let Some(&(_, first)) = services.first() else {
        return Vec::new();
    };
    assert!(
        services.iter().all(|(_, a)| a.weight == first.weight),
        "equity_many needs accesses with the same weights"
    );
    let names: Vec<&str> = services
        .iter()
        .map(|&(t, _)| study.service_types[t].as_str())
        .collect();
    let accesses: Vec<&Access> = services.iter().map(|&(_, a)| a).collect();
    let Groups { codes: groups, of } = Groups::of(&study.areas);
    // List 0 is ALL, list 1 + k group k: the members of each (areas with population), and every
    // area's position among the members of ALL and of its group.
    let lists = groups.len() + 1;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); lists];
    let mut at = vec![[usize::MAX; 2]; study.areas.len()];
    for i in (0..study.areas.len()).filter(|&i| first.weight[i] > 0.0) {
        let k = 1 + of[i] as usize;
        at[i] = [members[0].len(), members[k].len()];
        members[0].push(i);
        members[k].push(i);
    }
    // Deprivation order (most deprived first) as positions among the members, for ALL and each
    // group, in one pass over the national order.
    let mut orders: Vec<Vec<usize>> = vec![Vec::new(); lists];
    for &i in &need.order {
        if at[i][0] != usize::MAX {
            orders[0].push(at[i][0]);
            orders[1 + of[i] as usize].push(at[i][1]);
        }
    }
    let a: Vec<Vec<f64>> = accesses
        .iter()
        .map(|acc| members[0].iter().map(|&i| acc.share[i]).collect())
        .collect();
    let w: Vec<f64> = members[0].iter().map(|&i| first.weight[i]).collect();
    let g: Vec<usize> = members[0].iter().map(|&i| of[i] as usize).collect();
    let label = |k: usize| if k == 0 { "ALL" } else { groups[k - 1] };
    // The bootstrap of each list and the permutation test each draw from their own seeded
    // generator: computed side by side, they are what they are one after another. They are
    // the long part.
    crate::progress::start(
        "resampling (bootstrap intervals and permutation test)",
        groups.len() + 2,
    );
    let (p_values, mut rows) = rayon::join(
        || {
            let (n, seed) = (params.permutations, params.seed);
            let p: Vec<f64> = a
                .iter()
                .map(|a| {
                    if groups.len() > 1 {
                        ineq::between_share_p_value(a, &w, &g, n, seed)
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            crate::progress::step();
            p
        },
        || {
            (0..lists)
                .into_par_iter()
                .map(|k| {
                    let rows =
                        summarise(&names, label(k), &members[k], &orders[k], &accesses, params);
                    crate::progress::step();
                    rows
                })
                .collect::<Vec<_>>()
        },
    );
    crate::progress::finish();
    for ((row, a), p) in rows[0].iter_mut().zip(&a).zip(p_values) {
        let d = ineq::theil_decomposition(a, &w, &g);
        row.theil_between = Some(d.between);
        row.theil_within = Some(d.within);
        row.theil_between_share = Some(d.between_share());
        row.between_share_p_value = Some(p);
    }
    let mut out = vec![Vec::with_capacity(lists); services.len()];
    for list in rows {
        for (o, row) in out.iter_mut().zip(list) {
            o.push(row);
        }
    }
    out
}

/// One row per service over `members` (area indices); `order` lists positions in `members`
/// from the most to the least deprived (areas without a deprivation value left out).
fn summarise(
    services: &[&str],
    group: &str,
    members: &[usize],
    order: &[usize],
    accesses: &[&Access],
    params: &FindingsSpec,
) -> Vec<EquityRow> {
    let Some(first) = accesses.first() else {
        return Vec::new();
    };
    let w: Vec<f64> = members.iter().map(|&i| first.weight[i]).collect();
    let population: f64 = w.iter().sum();
    let a: Vec<Vec<f64>> = accesses
        .iter()
        .map(|acc| members.iter().map(|&i| acc.share[i]).collect())
        .collect();
    let c: Vec<f64> = a
        .iter()
        .map(|a| {
            if order.is_empty() {
                f64::NAN
            } else {
                ineq::concentration_index(a, &w, order)
            }
        })
        .collect();
    // Bootstrap only the services whose index is defined, sharing the draws between them.
    let defined: Vec<usize> = (0..a.len()).filter(|&s| c[s].is_finite()).collect();
    let defined_a: Vec<&[f64]> = defined.iter().map(|&s| a[s].as_slice()).collect();
    let mut bounds = vec![(f64::NAN, f64::NAN); a.len()];
    for (&s, b) in defined.iter().zip(ineq::concentration_bootstrap_many(
        &defined_a,
        &w,
        order,
        params.bootstrap,
        params.seed,
    )) {
        bounds[s] = b;
    }
    let tw: f64 = order.iter().map(|&k| w[k]).sum();
    services
        .iter()
        .enumerate()
        .map(|(s, service)| {
            let acc = accesses[s];
            let a = &a[s];
            let covered: f64 = members.iter().map(|&i| acc.covered(i)).sum();
            let zero: f64 = members
                .iter()
                .filter(|&&i| acc.share[i] == 0.0)
                .map(|&i| acc.weight[i])
                .sum();
            let mu_ordered = order.iter().map(|&k| w[k] * a[k]).sum::<f64>() / tw;
            EquityRow {
                service_type: service.to_string(),
                group: group.to_string(),
                areas: members.len(),
                population,
                population_meeting_standard: covered,
                share_meeting_standard: if population > 0.0 {
                    covered / population
                } else {
                    f64::NAN
                },
                zero_access_population: zero,
                gini: ineq::gini(a, &w),
                theil: ineq::theil(a, &w),
                theil_between: None,
                theil_within: None,
                theil_between_share: None,
                between_share_p_value: None,
                concentration_index: c[s],
                erreygers_index: ineq::erreygers(c[s], mu_ordered),
                ci_low: bounds[s].0,
                ci_high: bounds[s].1,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Area;
    use geo::{coord, Rect};

    #[test]
    fn deciles_weigh_coverage_by_population_per_group_and_overall() {
        // Two councils of two areas, one area in each need decile; a fifth area has no decile
        // and counts nowhere.
        let square = |x: f64| Rect::new(coord! { x: x, y: 0.0 }, coord! { x: x + 1.0, y: 1.0 });
        let areas = ["W1", "W2", "W3", "W4", "W5"]
            .iter()
            .zip(["C1", "C1", "C2", "C2", "C2"])
            .enumerate()
            .map(|(k, (code, group))| Area::new(*code, square(k as f64)).with_group(group))
            .collect();
        let mut study = Study::new(areas, Vec::new());
        study.service_types = vec!["gp".into()];
        let access = Access {
            share: vec![0.5, 1.0, 0.0, 0.25, 1.0],
            weight: vec![100.0, 300.0, 200.0, 100.0, 50.0],
            by_population: true,
        };
        let need = AreaNeed {
            value: vec![None; 5],
            decile: vec![Some(1), Some(2), Some(1), Some(2), None],
            weight: vec![1.0; 5],
            order: Vec::new(),
            rank: vec![None; 5],
        };
        let table = deciles(&study, 0, &access, &need);
        assert!(table.iter().all(|r| r.service_type == "gp"));
        let rows: Vec<(&str, u8, f64, f64, f64)> = table
            .iter()
            .map(|r| {
                let (p, c) = (r.population, r.covered_population);
                (r.group.as_str(), r.decile, p, c, r.covered_share)
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("ALL", 1, 300.0, 50.0, 50.0 / 300.0),
                ("ALL", 2, 400.0, 325.0, 0.8125),
                ("C1", 1, 100.0, 50.0, 0.5),
                ("C1", 2, 300.0, 300.0, 1.0),
                ("C2", 1, 200.0, 0.0, 0.0),
                ("C2", 2, 100.0, 25.0, 0.25),
            ]
        );
    }
}
