//! The providers that matter most (`critical_providers.csv`): per provider, the people who
//! would be left with no provider of its type if it alone closed (those only it covers), the
//! need-weighted and target population among them, and the areas that would fall below the
//! service's threshold, so become unserved. Ranked within each service type by the people who
//! would lose access: the list a council needs before it consults on closures.
//!
//! With population points a point is lost when exactly one catchment of the type holds it.
//! Without them each area's need-file population is spread uniformly, and the area loses the
//! share of it that only the provider's catchment covers (the exact overlay reach uses). An
//! area becomes unserved when its covered share is at least the threshold today and its
//! covered population less the people lost is below it.

use rayon::prelude::*;

use crate::metrics::access::Access;
use crate::metrics::need::AreaNeed;
use crate::metrics::reach::{alone_shares, target_rates};
use crate::spatial::index::ProviderIndex;
use crate::study::Study;

/// What closing one provider alone would cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Critical {
    /// Index into `Study::providers`.
    pub provider: usize,
    /// Index into `Study::service_types`.
    pub service: usize,
    /// 1 for the provider whose closure would cost the most people, within its type.
    pub rank: usize,
    /// People left with no provider of the type.
    pub population: f64,
    /// Those people weighted by their area's need weight.
    pub need_weighted_population: f64,
    /// Those people in the service's target group.
    pub target_population: f64,
    /// Areas that would become unserved, in area order.
    pub areas_unserved: Vec<usize>,
}

/// The closure cost of every provider, service type by service type (ranked within each), or
/// None without population points and need-file population (nobody to count).
pub fn critical_providers(
    study: &Study,
    need: &AreaNeed,
    index: &ProviderIndex,
    accesses: &[Access],
) -> Option<Vec<Critical>> {
    let areal = study.points.is_none();
    if areal && !study.need.as_ref()?.population.iter().any(Option::is_some) {
        return None;
    }
    let per_type: Vec<Vec<Critical>> = (0..study.service_types.len())
        .into_par_iter()
        .map(|t| {
            let lost = if areal {
                lost_areal(study, index, t)
            } else {
                lost_at_points(study, index, t)
            };
            ranked(study, need, index, t, &accesses[t], lost)
        })
        .collect();
    Some(per_type.into_iter().flatten().collect())
}

/// People each provider of type `t` alone covers, per area: `(provider, area, people)`, in
/// provider then area order. Points in no area count towards no area's threshold but are
/// still lost (area `usize::MAX`).
type Lost = Vec<(usize, usize, f64)>;

fn lost_at_points(study: &Study, index: &ProviderIndex, t: usize) -> Lost {
    let points = study.points.as_deref().unwrap_or_default();
    let mut lost: Lost = points
        .par_iter()
        .filter_map(|p| {
            let mut covering = index.covering(&study.providers, t, p.at);
            let only = covering.next()?;
            covering
                .next()
                .is_none()
                .then(|| (only, p.area.unwrap_or(usize::MAX), p.population))
        })
        .collect();
    lost.sort_by_key(|&(j, a, _)| (j, a));
    merge(lost)
}

fn lost_areal(study: &Study, index: &ProviderIndex, t: usize) -> Lost {
    let pops = &study
        .need
        .as_ref()
        .expect("checked by the caller")
        .population;
    let mut lost: Lost = study
        .areas
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, area)| {
            let pop = pops[i].unwrap_or(0.0);
            let shares = if pop > 0.0 {
                alone_shares(study, index, t, area)
            } else {
                Vec::new()
            };
            shares
                .into_iter()
                .filter(|&(_, alone)| alone > 0.0)
                .map(move |(j, alone)| (j, i, pop * alone))
        })
        .collect();
    lost.sort_by_key(|&(j, a, _)| (j, a));
    lost
}

/// One entry per (provider, area), the people added up in point order.
fn merge(lost: Lost) -> Lost {
    let mut out: Lost = Vec::new();
    for (j, a, p) in lost {
        match out.last_mut() {
            Some(last) if (last.0, last.1) == (j, a) => last.2 += p,
            _ => out.push((j, a, p)),
        }
    }
    out
}

/// The rows of type `t` from what each provider alone covers, ranked.
fn ranked(
    study: &Study,
    need: &AreaNeed,
    index: &ProviderIndex,
    t: usize,
    access: &Access,
    lost: Lost,
) -> Vec<Critical> {
    let threshold = study.params.threshold(&study.service_types[t]);
    let (rates, targeted) = target_rates(study, t);
    let mut rows: Vec<Critical> = index.ranges[t]
        .clone()
        .map(|j| Critical {
            provider: j,
            service: t,
            ..Default::default()
        })
        .collect();
    for (j, a, people) in lost {
        let row = &mut rows[j - index.ranges[t].start];
        row.population += people;
        if a == usize::MAX {
            // As reach counts a point in no area: need weight 1, in the target group unless
            // the service has a target column (which only areas carry).
            row.need_weighted_population += people;
            row.target_population += if targeted { 0.0 } else { people };
            continue;
        }
        row.need_weighted_population += people * need.weight[a];
        row.target_population += people * rates[a];
        let (share, weight) = (access.share[a], access.weight[a]);
        if weight > 0.0 && share >= threshold && share - people / weight < threshold {
            row.areas_unserved.push(a);
        }
    }
    rows.sort_by(|x, y| {
        y.population.total_cmp(&x.population).then_with(|| {
            study.providers[x.provider]
                .id
                .cmp(&study.providers[y.provider].id)
        })
    });
    for (k, r) in rows.iter_mut().enumerate() {
        r.rank = k + 1;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::access::access;
    use crate::metrics::coverage::compute as coverage;
    use crate::metrics::need::area_need;
    use crate::model::{Area, PopPoint, Provider};
    use geo::polygon;

    /// Two 100 m squares; points of 10, 20, 30 and 40 people at x = 20, 50, 150 and 180; GP
    /// "a" at x = 20 (reach 40 m) holds the first two, "b" at x = 150 (reach 40 m) the third and
    /// the fourth, "c" at x = 190 (reach 15 m) the fourth only.
    fn study() -> Study {
        let sq = |x0: f64| polygon![(x: x0, y: 0.0), (x: x0 + 100.0, y: 0.0), (x: x0 + 100.0, y: 100.0), (x: x0, y: 100.0)];
        let gp = |id: &str, x: f64, r: f64| Provider::disc("gp", (x, 50.0), r).with_id(id);
        Study::new(
            vec![Area::new("A1", sq(0.0)), Area::new("A2", sq(100.0))],
            vec![
                gp("a", 20.0, 40.0),
                gp("b", 150.0, 40.0),
                gp("c", 190.0, 15.0),
            ],
        )
        .with_points(
            [(20.0, 10.0), (50.0, 20.0), (150.0, 30.0), (180.0, 40.0)]
                .map(|(x, p)| PopPoint::new((x, 50.0), p))
                .to_vec(),
        )
    }

    #[test]
    fn closing_one_provider_by_hand() {
        let s = study();
        let cov = coverage(&s);
        let acc = vec![access(&s, &cov, 0)];
        let index = ProviderIndex::build(&s.providers, &s.service_types);
        let rows = critical_providers(&s, &area_need(&s), &index, &acc).unwrap();
        let by = |id: &str| {
            rows.iter()
                .find(|r| s.providers[r.provider].id == id)
                .unwrap()
        };
        // "a" alone covers all 30 people of A1 (covered share 1): A1 becomes unserved.
        assert_eq!(by("a").population, 30.0);
        assert_eq!(by("a").areas_unserved, vec![0]);
        // "b" alone covers the 30 at x = 150 (the 40 at 180 also have "c"): A2 falls from 1
        // to 40/70 = 0.57, still served at the 0.5 threshold.
        assert_eq!(by("b").population, 30.0);
        assert!(by("b").areas_unserved.is_empty());
        assert_eq!(by("c").population, 0.0);
        // Ties broken by id: "a" first.
        assert_eq!(
            rows.iter().map(|r| r.rank).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(s.providers[rows[0].provider].id, "a");
    }

    #[test]
    fn closing_equals_a_rerun_without_the_provider() {
        let s = study();
        let before = coverage(&s);
        let index = ProviderIndex::build(&s.providers, &s.service_types);
        let acc = vec![access(&s, &before, 0)];
        let rows = critical_providers(&s, &area_need(&s), &index, &acc).unwrap();
        let covered = |c: &crate::metrics::coverage::Coverage| -> f64 {
            c.rows.iter().map(|r| r.covered_population.unwrap()).sum()
        };
        for r in &rows {
            let mut without = s.clone();
            without.providers.remove(r.provider);
            let after = coverage(&without);
            assert_eq!(covered(&before) - covered(&after), r.population);
        }
    }

    #[test]
    fn people_in_no_area_count_as_reach_counts_them() {
        let mut s = study();
        s.providers
            .push(Provider::disc("gp", (300.0, 50.0), 20.0).with_id("d"));
        let mut points = s.points.take().unwrap();
        points.push(PopPoint::new((300.0, 50.0), 5.0));
        let s = Study::new(s.areas, s.providers).with_points(points);
        assert!(s.points.as_ref().unwrap().iter().any(|p| p.area.is_none()));
        let cov = coverage(&s);
        let acc = vec![access(&s, &cov, 0)];
        let index = ProviderIndex::build(&s.providers, &s.service_types);
        let rows = critical_providers(&s, &area_need(&s), &index, &acc).unwrap();
        let d = rows
            .iter()
            .find(|r| s.providers[r.provider].id == "d")
            .unwrap();
        assert_eq!(
            (
                d.population,
                d.need_weighted_population,
                d.target_population
            ),
            (5.0, 5.0, 5.0)
        );
        assert!(d.areas_unserved.is_empty());
    }
}
