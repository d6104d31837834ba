//! The cuts (`lacuna scenario`): what closing some providers, and opening new sites, would do to
//! coverage. Per area and service: covered people before and after, the people who would lose
//! access and those who would gain it; per council and per deprivation decile: the same totals,
//! unmet need before and after, and the areas that would become (or stop being) unserved.
//!
//! The figures after the change equal a rerun of the study with the changed providers, row for
//! row, but only the areas the change can reach are recomputed:
//! - an area whose box (its polygon's box, widened to hold its population points) meets the box
//!   of a closed or opened catchment: its covered share and population may change;
//! - an area whose nearest provider may change: a closed site within `d_after(c) + 2h` of the
//!   box's centre `c` (half-diagonal `h`, `d_after` the distance to the nearest remaining
//!   site), or an opened one within `d_before(c) + 2h`. No point of the box can have the
//!   closed site as its nearest, or be nearer to the opened one, otherwise (triangle
//!   inequality).
//!
//! When closing or opening changes whether a service type has polygon catchments at all, the
//! overlay of every area takes another path, and every area is recomputed.
//!
//! People losing access are those covered before and not after: with `U` the coverage of the
//! union of the providers before and after (the study's and the opened), losing = U - after and
//! gaining = U - before, exact for population points (each point is covered or not) and for
//! the areal method (covered areas) alike.

use rayon::prelude::*;

use crate::metrics::access::{access, Access};
use crate::metrics::coverage::{group_by_area, Coverage, CoverageEngine};
use crate::metrics::need::AreaNeed;
use crate::metrics::reach::target_rates;
use crate::model::{Groups, Provider};
use crate::spatial::bounding_union;
use crate::spatial::index::{rect_of, ProviderIndex};
use crate::study::{sort_providers, Study};

/// A change to weigh: providers to close and new sites to open.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// Indices into `Study::providers` of the providers to close.
    pub close: Vec<usize>,
    /// New providers, of the study's service types.
    pub open: Vec<Provider>,
}

/// One area and changed service type, before and after the change. Weights are people (or
/// square metres without any population, as elsewhere).
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioRow {
    /// Index into `Study::areas`.
    pub area: usize,
    /// Index into `Study::service_types`.
    pub service: usize,
    /// Population of the area.
    pub population: f64,
    /// People within reach before the change.
    pub covered_before: f64,
    /// People within reach after it.
    pub covered_after: f64,
    /// Covered share before.
    pub share_before: f64,
    /// Covered share after.
    pub share_after: f64,
    /// People covered before and not after.
    pub losing: f64,
    /// People covered after and not before.
    pub gaining: f64,
    /// Population-weighted distance to the nearest provider before (metres).
    pub nearest_before: Option<f64>,
    /// The same after.
    pub nearest_after: Option<f64>,
    /// Uncovered target population x need weight before.
    pub unmet_before: f64,
    /// The same after.
    pub unmet_after: f64,
    /// Whether the area is below the service's threshold (unserved) before.
    pub unserved_before: bool,
    /// The same after.
    pub unserved_after: bool,
}

impl ScenarioRow {
    /// Whether anything about the area changes.
    pub fn changed(&self) -> bool {
        self.covered_before != self.covered_after
            || self.losing > 0.0
            || self.gaining > 0.0
            || self.nearest_before != self.nearest_after
    }
}

/// How a summary row groups areas.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Level {
    /// Every area of the study.
    #[default]
    All,
    /// The areas of one council (its group code).
    Group(String),
    /// The areas of one need decile (1 = most deprived).
    Decile(u8),
}

/// Totals of one service type over a set of areas.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SummaryRow {
    /// Index into `Study::service_types`.
    pub service: usize,
    /// The areas summed.
    pub level: Level,
    /// Their population.
    pub population: f64,
    /// People within reach before.
    pub covered_before: f64,
    /// People within reach after.
    pub covered_after: f64,
    /// People losing access.
    pub losing: f64,
    /// People gaining access.
    pub gaining: f64,
    /// Unmet need before ([`ScenarioRow::unmet_before`] summed).
    pub unmet_before: f64,
    /// Unmet need after.
    pub unmet_after: f64,
    /// Unserved areas before.
    pub unserved_before: usize,
    /// Unserved areas after.
    pub unserved_after: usize,
}

/// What a change does.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The change weighed.
    pub change: Change,
    /// The service types it touches, ascending.
    pub services: Vec<usize>,
    /// Coverage after the change, every area and service type (as a rerun would give it).
    pub after: Coverage,
    /// The areas recomputed, ascending.
    pub recomputed: Vec<usize>,
    /// One row per recomputed area and touched service type, in area then service order.
    pub rows: Vec<ScenarioRow>,
    /// Per touched service type: all areas, then each council, then each need decile.
    pub summary: Vec<SummaryRow>,
}

/// The providers of `study` less those closed, plus those opened, in canonical order.
pub fn providers_after(study: &Study, change: &Change) -> Vec<Provider> {
    let mut closed = vec![false; study.providers.len()];
    for &i in &change.close {
        closed[i] = true;
    }
    let mut out: Vec<Provider> = study
        .providers
        .iter()
        .zip(&closed)
        .filter(|(_, &c)| !c)
        .map(|(p, _)| p.clone())
        .chain(change.open.iter().cloned())
        .collect();
    sort_providers(&mut out);
    out
}

/// Weighs `change` against the study's coverage `before` (see the module docs).
///
/// # Panics
/// When `change` closes a provider index out of range or opens a provider of a service type
/// the study does not have (the loader checks both).
pub fn scenario(study: &Study, before: &Coverage, need: &AreaNeed, change: &Change) -> Scenario {
    let type_of = |p: &Provider| {
        study
            .service_types
            .iter()
            .position(|t| *t == p.service_type)
            .expect("an opened provider of one of the study's service types")
    };
    let mut services: Vec<usize> = change
        .close
        .iter()
        .map(|&i| type_of(&study.providers[i]))
        .chain(change.open.iter().map(type_of))
        .collect();
    services.sort_unstable();
    services.dedup();
    let after_providers = providers_after(study, change);
    let recomputed = affected_areas(study, change, &after_providers, &services);
    let after = patched(
        study,
        before,
        &CoverageEngine::with_providers(study, &after_providers).areas(&recomputed),
    );
    let union = if change.open.is_empty() {
        before.clone()
    } else {
        let mut all = study.providers.clone();
        all.extend(change.open.iter().cloned());
        sort_providers(&mut all);
        patched(
            study,
            before,
            &CoverageEngine::with_providers(study, &all).areas(&recomputed),
        )
    };
    let mut rows = Vec::new();
    let mut summary = Vec::new();
    for &t in &services {
        let per_area = rows_of(study, need, t, [before, &after, &union]);
        summary.extend(summarise(study, need, t, &per_area));
        rows.extend(recomputed.iter().map(|&a| per_area[a].clone()));
    }
    rows.sort_by_key(|r| (r.area, r.service));
    Scenario {
        change: change.clone(),
        services,
        after,
        recomputed,
        rows,
        summary,
    }
}

/// `before` with the rows of the areas in `fresh` replaced, and their overlay failures.
fn patched(study: &Study, before: &Coverage, fresh: &Coverage) -> Coverage {
    let types = study.service_types.len().max(1);
    let mut out = before.clone();
    let mut redone = std::collections::BTreeSet::new();
    for (k, chunk) in fresh.rows.chunks(types).enumerate() {
        let a = chunk[0].area;
        out.rows[a * types..(a + 1) * types].clone_from_slice(chunk);
        if let Some(u) = fresh.network_unions.get(k * types..(k + 1) * types) {
            out.network_unions[a * types..(a + 1) * types].clone_from_slice(u);
        }
        redone.insert(study.areas[a].code.as_str());
    }
    out.failures
        .retain(|f| !redone.contains(f.area_code.as_str()));
    out.failures.extend(fresh.failures.iter().cloned());
    out
}

/// Each area's row for service type `t` from coverage before, after and of the union.
fn rows_of(study: &Study, need: &AreaNeed, t: usize, cov: [&Coverage; 3]) -> Vec<ScenarioRow> {
    let [b, a, u]: [Access; 3] = cov.map(|c| access(study, c, t));
    let types = study.service_types.len();
    let (rates, has_target) = target_rates(study, t);
    let threshold = study.params.threshold(&study.service_types[t]);
    (0..study.areas.len())
        .map(|i| {
            let rate = if has_target { rates[i] } else { 1.0 };
            let unmet = |covered: f64| (b.weight[i] - covered).max(0.0) * rate * need.weight[i];
            let unserved = |acc: &Access| acc.weight[i] > 0.0 && acc.share[i] < threshold;
            // The people counted, not weight x share, so sums of whole points stay whole.
            let covered =
                |k: usize, acc: &Access| match cov[k].rows[i * types + t].covered_population {
                    Some(c) if acc.by_population && acc.weight[i] > 0.0 => c,
                    _ => acc.covered(i),
                };
            let (cb, ca, cu) = (covered(0, &b), covered(1, &a), covered(2, &u));
            ScenarioRow {
                area: i,
                service: t,
                population: b.weight[i],
                covered_before: cb,
                covered_after: ca,
                share_before: b.share[i],
                share_after: a.share[i],
                losing: (cu - ca).max(0.0),
                gaining: (cu - cb).max(0.0),
                nearest_before: cov[0].rows[i * types + t].nearest_m,
                nearest_after: cov[1].rows[i * types + t].nearest_m,
                unmet_before: unmet(cb),
                unmet_after: unmet(ca),
                unserved_before: unserved(&b),
                unserved_after: unserved(&a),
            }
        })
        .collect()
}

/// Totals of service type `t`: all areas, each council (by group code), each need decile;
/// one pass over the areas.
fn summarise(study: &Study, need: &AreaNeed, t: usize, rows: &[ScenarioRow]) -> Vec<SummaryRow> {
    let groups = Groups::of(&study.areas);
    let mut deciles: Vec<u8> = need.decile.iter().flatten().copied().collect();
    deciles.sort_unstable();
    deciles.dedup();
    let levels: Vec<Level> = std::iter::once(Level::All)
        .chain(groups.codes.iter().map(|g| Level::Group(g.to_string())))
        .chain(deciles.iter().map(|&d| Level::Decile(d)))
        .collect();
    let mut out: Vec<SummaryRow> = levels
        .into_iter()
        .map(|level| SummaryRow {
            service: t,
            level,
            ..Default::default()
        })
        .collect();
    let first_decile = 1 + groups.codes.len();
    for r in rows {
        let decile = need.decile[r.area].and_then(|d| deciles.binary_search(&d).ok());
        let slots = [
            Some(0),
            Some(1 + groups.of[r.area] as usize),
            decile.map(|k| first_decile + k),
        ];
        for k in slots.into_iter().flatten() {
            let o = &mut out[k];
            o.population += r.population;
            o.covered_before += r.covered_before;
            o.covered_after += r.covered_after;
            o.losing += r.losing;
            o.gaining += r.gaining;
            o.unmet_before += r.unmet_before;
            o.unmet_after += r.unmet_after;
            o.unserved_before += usize::from(r.unserved_before);
            o.unserved_after += usize::from(r.unserved_after);
        }
    }
    out
}

/// The areas whose coverage rows the change can alter (see the module docs), ascending.
fn affected_areas(
    study: &Study,
    change: &Change,
    after_providers: &[Provider],
    services: &[usize],
) -> Vec<usize> {
    let all: Vec<usize> = (0..study.areas.len()).collect();
    if change.close.is_empty() && change.open.is_empty() {
        return Vec::new();
    }
    let before_index = ProviderIndex::build(&study.providers, &study.service_types);
    let after_index = ProviderIndex::build(after_providers, &study.service_types);
    if services
        .iter()
        .any(|&t| before_index.has_polygons[t] != after_index.has_polygons[t])
    {
        return all;
    }
    let changed: Vec<&Provider> = change
        .close
        .iter()
        .map(|&i| &study.providers[i])
        .chain(&change.open)
        .collect();
    let catchments =
        rstar::RTree::bulk_load(changed.iter().map(|p| rect_of(&p.catchment)).collect());
    // Per touched type, the closed and the opened sites, to find the nearest of each to an area.
    let sites = |set: Vec<&Provider>, t: usize| {
        rstar::RTree::bulk_load(
            set.into_iter()
                .filter(|p| p.service_type == study.service_types[t])
                .map(|p| [p.site.x, p.site.y])
                .collect::<Vec<_>>(),
        )
    };
    let trees: Vec<(usize, Sites, Sites)> = services
        .iter()
        .map(|&t| {
            let closed = change.close.iter().map(|&i| &study.providers[i]).collect();
            (t, sites(closed, t), sites(change.open.iter().collect(), t))
        })
        .collect();
    let (start, ids) = group_by_area(
        study.areas.len(),
        study.points.iter().flatten().map(|p| p.area),
    );
    let points = study.points.as_deref().unwrap_or_default();
    all.into_par_iter()
        .filter(|&a| {
            let own = study.areas[a].local.bounding_rect();
            let at = ids[start[a]..start[a + 1]].iter().map(|&p| points[p].at);
            let r = bounding_union(std::iter::once(own).chain(at.map(|p| geo::Rect::new(p, p))))
                .unwrap_or(own);
            if catchments
                .locate_in_envelope_intersecting(&rstar::RTreeObject::envelope(&r))
                .next()
                .is_some()
            {
                return true;
            }
            let c = r.center();
            let slack = r.width().hypot(r.height());
            // Within `reach + slack` of the box's centre, or any at all when nothing is in reach.
            let near = |tree: &Sites, reach: Option<f64>| {
                tree.nearest_neighbor(&[c.x, c.y]).is_some_and(|s| {
                    reach.is_none_or(|d| (s[0] - c.x).hypot(s[1] - c.y) <= d + slack)
                })
            };
            trees.iter().any(|(t, closed, opened)| {
                near(closed, after_index.nearest_distance(*t, c))
                    || near(opened, before_index.nearest_distance(*t, c))
            })
        })
        .collect()
}

/// Provider sites, for the nearest of a set.
type Sites = rstar::RTree<[f64; 2]>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::coverage::compute as coverage;
    use crate::metrics::need::area_need;
    use crate::model::{Area, PopPoint};
    use geo::polygon;

    fn sq(x0: f64, y0: f64, side: f64) -> geo::Polygon {
        polygon![(x: x0, y: y0), (x: x0 + side, y: y0), (x: x0 + side, y: y0 + side), (x: x0, y: y0 + side)]
    }

    /// Two 1 km squares side by side: 100 people at (500, 500) in A1, 50 at (1500, 500) and 10
    /// at (1900, 900) in A2. GP "a" at (500, 500) and "b" at (1500, 500), 300 m each.
    fn study() -> Study {
        let gp = |id: &str, x: f64| Provider::disc("gp", (x, 500.0), 300.0).with_id(id);
        Study::new(
            vec![
                Area::new("A1", sq(0.0, 0.0, 1000.0)),
                Area::new("A2", sq(1000.0, 0.0, 1000.0)),
            ],
            vec![gp("a", 500.0), gp("b", 1500.0)],
        )
        .with_points(
            [
                (500.0, 500.0, 100.0),
                (1500.0, 500.0, 50.0),
                (1900.0, 900.0, 10.0),
            ]
            .map(|(x, y, p)| PopPoint::new((x, y), p))
            .to_vec(),
        )
    }

    fn run(s: &Study, change: Change) -> Scenario {
        scenario(s, &coverage(s), &area_need(s), &change)
    }

    fn index_of(s: &Study, id: &str) -> usize {
        s.providers.iter().position(|p| p.id == id).unwrap()
    }

    #[test]
    fn closing_nothing_changes_nothing() {
        let s = study();
        let sc = run(&s, Change::default());
        assert!(sc.recomputed.is_empty() && sc.rows.is_empty() && sc.summary.is_empty());
        assert_eq!(sc.after.rows, coverage(&s).rows);
    }

    #[test]
    fn closing_one_and_opening_one_by_hand() {
        let s = study();
        let sc = run(
            &s,
            Change {
                close: vec![index_of(&s, "a")],
                open: vec![Provider::disc("gp", (1900.0, 900.0), 100.0).with_id("n")],
            },
        );
        let (a1, a2) = (&sc.rows[0], &sc.rows[1]);
        assert_eq!((a1.losing, a1.gaining, a1.covered_after), (100.0, 0.0, 0.0));
        assert_eq!((a2.losing, a2.gaining, a2.covered_after), (0.0, 10.0, 60.0));
        // A1's nearest GP is now "b", 1 km away ("n" is sqrt(1400² + 400²) = 1456 m).
        assert_eq!(
            (a1.nearest_before, a1.nearest_after),
            (Some(0.0), Some(1000.0))
        );
        // Unmet need (no deprivation measure: weight 1) is the uncovered people.
        assert_eq!((a1.unmet_before, a1.unmet_after), (0.0, 100.0));
        assert_eq!((a2.unmet_before, a2.unmet_after), (10.0, 0.0));
        assert_eq!((a1.unserved_before, a1.unserved_after), (false, true));
        let all = &sc.summary[0];
        assert_eq!(all.level, Level::All);
        assert_eq!(
            (
                all.covered_before,
                all.covered_after,
                all.losing,
                all.gaining
            ),
            (150.0, 60.0, 100.0, 10.0)
        );
        assert_eq!((all.unserved_before, all.unserved_after), (0, 1));
    }

    #[test]
    fn closing_every_provider_of_a_type_leaves_no_one_covered() {
        let s = study();
        let sc = run(
            &s,
            Change {
                close: (0..s.providers.len()).collect(),
                open: Vec::new(),
            },
        );
        assert_eq!(sc.recomputed, vec![0, 1]);
        assert!(sc
            .after
            .rows
            .iter()
            .all(|r| r.covered_population == Some(0.0)));
        assert!(sc.after.rows.iter().all(|r| r.nearest_m.is_none()));
        assert_eq!(sc.summary[0].losing, 150.0);
    }

    /// A pseudo-random study of `n` square areas in a row, with points or without, and two
    /// service types of discs (and one polygon catchment), for comparing with reruns.
    fn random_study(seed: u64, with_points: bool) -> Study {
        let mut x = seed;
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let areas: Vec<Area> = (0..40)
            .map(|i| {
                Area::new(
                    format!("A{i:02}"),
                    sq(500.0 * (i % 8) as f64, 500.0 * (i / 8) as f64, 500.0),
                )
            })
            .collect();
        let mut providers: Vec<Provider> = (0..30)
            .map(|i| {
                let t = if i % 3 == 0 { "library" } else { "gp" };
                Provider::disc(
                    t,
                    (4000.0 * next(), 2500.0 * next()),
                    150.0 + 400.0 * next(),
                )
                .with_id(format!("p{i}"))
            })
            .collect();
        providers.push(Provider::polygon("library", sq(1200.0, 700.0, 600.0)).with_id("poly"));
        let mut s = Study::new(areas, providers);
        if with_points {
            let points = (0..300)
                .map(|_| {
                    PopPoint::new((4000.0 * next(), 2500.0 * next()), (100.0 * next()).round())
                })
                .collect();
            s = s.with_points(points);
        }
        s
    }

    #[test]
    fn the_figures_after_equal_a_rerun_with_the_changed_providers() {
        for (seed, with_points) in [(1, true), (2, false), (3, true), (4, true)] {
            let s = random_study(seed, with_points);
            let change = Change {
                close: vec![1, 5, 17, (seed as usize * 7) % s.providers.len()],
                open: vec![Provider::disc("gp", (3100.0, 1800.0), 350.0).with_id("new")],
            };
            let sc = run(&s, change.clone());
            let rerun = coverage(&Study {
                providers: providers_after(&s, &change),
                ..s.clone()
            });
            assert_eq!(sc.after.rows, rerun.rows, "seed {seed}");
            assert!(
                sc.recomputed.len() < s.areas.len(),
                "seed {seed}: not incremental"
            );
            // Net change is gaining less losing, in every area.
            for r in &sc.rows {
                let net = r.covered_after - r.covered_before;
                assert!(
                    (net - (r.gaining - r.losing)).abs() < 1e-6,
                    "seed {seed}: {r:?}"
                );
            }
        }
    }
}
