//! Joined-up bundles (`[bundles] essentials = ["gp", "pharmacy", "food_bank"]`): services that
//! are fine one by one can still leave a neighbourhood without the set it needs (Total Place).
//! Per bundle and area: the bundle's services the area is unserved for (covered share below the
//! service's threshold), the people lacking at least one of them within reach and the people
//! lacking all of them, ranked by unmet need (people lacking any x need weight); per council and
//! overall, the same totals.
//!
//! With population points a point lacks a service when no catchment of that type holds it:
//! exact. Without them each area's population is spread uniformly (or its area stands in for
//! it): the share lacking all is the area outside the union of every catchment of the bundle's
//! types (exact overlay), and the share lacking any is one less the share inside the
//! intersection of the types' unions, |U_1 ∩ ... ∩ U_k| = Σ over non-empty sets S of types of
//! (-1)^(|S|+1) |∪_{s in S} U_s| (inclusion-exclusion over at most 2^k - 1 exact overlays).

use rayon::prelude::*;

use crate::metrics::access::{access, Access};
use crate::metrics::coverage::{group_by_area, Coverage, PopulationMethod};
use crate::metrics::need::AreaNeed;
use crate::model::Groups;
use crate::spatial::index::ProviderIndex;
use crate::study::Study;

/// One area lacking something of one bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleArea {
    /// Index into [`Bundles::names`].
    pub bundle: usize,
    /// Index into `Study::areas`.
    pub area: usize,
    /// 1 for the greatest unmet need within the bundle.
    pub rank: usize,
    /// Population (or area in m² without any population).
    pub population: f64,
    /// The bundle's services (indices into `Study::service_types`) the area is unserved for.
    pub lacking: Vec<usize>,
    /// People without at least one of the bundle's services within reach.
    pub lacking_any: f64,
    /// People without any of them within reach.
    pub lacking_all: f64,
    /// `lacking_any` x the area's need weight.
    pub unmet_need: f64,
}

/// Totals of one bundle over all areas (`group` None) or one council.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BundleGroup {
    /// Index into [`Bundles::names`].
    pub bundle: usize,
    /// The council's group code; None for the whole study.
    pub group: Option<String>,
    /// Population.
    pub population: f64,
    /// People lacking at least one of the services.
    pub lacking_any: f64,
    /// People lacking all of them.
    pub lacking_all: f64,
    /// Areas unserved for at least one of the services.
    pub areas_lacking_any: usize,
    /// Areas unserved for every one of them.
    pub areas_lacking_all: usize,
}

/// The bundles of a study.
#[derive(Debug, Clone, Default)]
pub struct Bundles {
    /// The bundles' names, sorted.
    pub names: Vec<String>,
    /// Each bundle's services (indices into `Study::service_types`).
    pub services: Vec<Vec<usize>>,
    /// Per bundle, the areas lacking anything of it, ranked by unmet need.
    pub areas: Vec<BundleArea>,
    /// Per bundle: the whole study, then each council.
    pub groups: Vec<BundleGroup>,
    /// True when the weights are people (false: square metres, without any population).
    pub by_population: bool,
}

/// The bundles of `study.params.bundles` (whose services must be among the study's types: the
/// loader checks), or None when it has none.
///
/// # Panics
/// When a bundle names a service type the study does not have.
pub fn bundles(study: &Study, coverage: &Coverage, need: &AreaNeed) -> Option<Bundles> {
    if study.params.bundles.is_empty() {
        return None;
    }
    let names: Vec<String> = study.params.bundles.keys().cloned().collect();
    let services: Vec<Vec<usize>> = study
        .params
        .bundles
        .values()
        .map(|list| {
            let mut v: Vec<usize> = list
                .iter()
                .map(|s| {
                    study
                        .service_types
                        .iter()
                        .position(|t| t == s)
                        .expect("a bundle's service is one of the study's types")
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    let accesses: Vec<Access> = (0..study.service_types.len())
        .map(|t| access(study, coverage, t))
        .collect();
    let index = ProviderIndex::build(&study.providers, &study.service_types);
    let points = group_by_area(
        study.areas.len(),
        study.points.iter().flatten().map(|p| p.area),
    );
    let mut areas = Vec::new();
    let mut groups = Vec::new();
    for (b, types) in services.iter().enumerate() {
        let per_area: Vec<BundleArea> = (0..study.areas.len())
            .into_par_iter()
            .map(|a| {
                let (any, all) = match coverage.method {
                    PopulationMethod::Points => lacking_at_points(study, &index, types, &points, a),
                    _ => lacking_areal(study, &index, types, &accesses, a),
                };
                let lacking = types
                    .iter()
                    .copied()
                    .filter(|&t| {
                        let acc = &accesses[t];
                        acc.weight[a] > 0.0
                            && acc.share[a] < study.params.threshold(&study.service_types[t])
                    })
                    .collect();
                BundleArea {
                    bundle: b,
                    area: a,
                    rank: 0,
                    population: accesses[types[0]].weight[a],
                    lacking,
                    lacking_any: any,
                    lacking_all: all,
                    unmet_need: any * need.weight[a],
                }
            })
            .collect();
        groups.extend(totals(study, b, types.len(), &per_area));
        let mut ranked: Vec<BundleArea> = per_area
            .into_iter()
            .filter(|r| r.lacking_any > 0.0 || !r.lacking.is_empty())
            .collect();
        ranked.sort_by(|x, y| {
            y.unmet_need
                .total_cmp(&x.unmet_need)
                .then(x.area.cmp(&y.area))
        });
        for (k, r) in ranked.iter_mut().enumerate() {
            r.rank = k + 1;
        }
        areas.extend(ranked);
    }
    Some(Bundles {
        names,
        services,
        areas,
        groups,
        by_population: coverage.method != PopulationMethod::None,
    })
}

/// People of area `a` lacking any and lacking all of `types`, point by point.
fn lacking_at_points(
    study: &Study,
    index: &ProviderIndex,
    types: &[usize],
    (start, ids): &(Vec<usize>, Vec<usize>),
    a: usize,
) -> (f64, f64) {
    let pts = study.points.as_deref().unwrap_or_default();
    let (mut any, mut all) = (0.0, 0.0);
    for &i in &ids[start[a]..start[a + 1]] {
        let p = &pts[i];
        let covered = types
            .iter()
            .filter(|&&t| index.covers(&study.providers, t, p.at))
            .count();
        if covered < types.len() {
            any += p.population;
        }
        if covered == 0 {
            all += p.population;
        }
    }
    (any + 0.0, all + 0.0)
}

/// People of area `a` lacking any and lacking all of `types`, from exact overlays of unions of
/// the types' catchments (see the module docs).
fn lacking_areal(
    study: &Study,
    index: &ProviderIndex,
    types: &[usize],
    accesses: &[Access],
    a: usize,
) -> (f64, f64) {
    let weight = accesses[types[0]].weight[a];
    let area = &study.areas[a];
    let total = area.local.area();
    if weight <= 0.0 || total <= 0.0 {
        return (0.0, 0.0);
    }
    let rect = area.local.bounding_rect();
    // The covered share of the union of the catchments of the types in `set` (a bit mask).
    let union = |set: usize| -> f64 {
        let members: Vec<usize> = (0..types.len())
            .filter(|k| set & (1 << k) != 0)
            .map(|k| types[k])
            .collect();
        if let [t] = members[..] {
            return accesses[t].share[a];
        }
        let mut cands: Vec<usize> = members
            .iter()
            .flat_map(|&t| index.candidates(t, rect))
            .collect();
        cands.sort_unstable();
        let polygons = members.iter().any(|&t| index.has_polygons[t]);
        let covered =
            crate::spatial::covered::overlay_area(area, &study.providers, &cands, polygons);
        (covered / total).clamp(0.0, 1.0)
    };
    let full = (1usize << types.len()) - 1;
    let all = 1.0 - union(full);
    let mut both = 0.0;
    for set in 1..=full {
        let sign = if set.count_ones() % 2 == 1 { 1.0 } else { -1.0 };
        both += sign * union(set);
    }
    let any = 1.0 - both.clamp(0.0, 1.0);
    (weight * any.clamp(0.0, 1.0), weight * all.clamp(0.0, 1.0))
}

/// The bundle's totals over the study, then per council.
fn totals(study: &Study, b: usize, size: usize, rows: &[BundleArea]) -> Vec<BundleGroup> {
    let groups = Groups::of(&study.areas);
    let blank = |group: Option<String>| BundleGroup {
        bundle: b,
        group,
        ..Default::default()
    };
    let mut out: Vec<BundleGroup> = std::iter::once(blank(None))
        .chain(groups.codes.iter().map(|g| blank(Some(g.to_string()))))
        .collect();
    for r in rows {
        for k in [0, 1 + groups.of[r.area] as usize] {
            let o = &mut out[k];
            o.population += r.population;
            o.lacking_any += r.lacking_any;
            o.lacking_all += r.lacking_all;
            o.areas_lacking_any += usize::from(!r.lacking.is_empty());
            o.areas_lacking_all += usize::from(r.lacking.len() == size && size > 0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::coverage::compute as coverage;
    use crate::metrics::need::area_need;
    use crate::model::{Area, PopPoint, Provider};
    use geo::polygon;

    /// A 100 m square with a GP disc at (35, 50) and a pharmacy disc at (65, 50), both 30 m,
    /// bundled as "essentials".
    fn study() -> Study {
        let square = polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 100.0), (x: 0.0, y: 100.0)];
        let mut s = Study::new(
            vec![Area::new("A1", square)],
            vec![
                Provider::disc("gp", (35.0, 50.0), 30.0),
                Provider::disc("pharmacy", (65.0, 50.0), 30.0),
            ],
        );
        s.params
            .bundles
            .insert("essentials".into(), vec!["gp".into(), "pharmacy".into()]);
        s
    }

    fn run(s: &Study) -> Bundles {
        bundles(s, &coverage(s), &area_need(s)).unwrap()
    }

    #[test]
    fn people_lacking_any_and_all_point_by_point() {
        // 10 people by the GP only, 20 by the pharmacy only, 7 between them (both within
        // 30 m: 15 m from each), 5 at the top edge (neither).
        let s = study().with_points(
            [
                (15.0, 50.0, 10.0),
                (85.0, 50.0, 20.0),
                (50.0, 50.0, 7.0),
                (50.0, 95.0, 5.0),
            ]
            .map(|(x, y, p)| PopPoint::new((x, y), p))
            .to_vec(),
        );
        let b = run(&s);
        let r = &b.areas[0];
        assert_eq!(
            (r.lacking_any, r.lacking_all, r.population),
            (35.0, 5.0, 42.0)
        );
        assert_eq!(b.groups[0].lacking_any, 35.0);
    }

    #[test]
    fn shares_lacking_any_and_all_by_exact_overlay() {
        // No population: areas weigh by their m². Two 30 m discs 30 m apart overlap in a lens
        // of 2r² acos(d / 2r) - (d / 2) sqrt(4r² - d²).
        let b = run(&study());
        let (r, d) = (30.0f64, 30.0f64);
        let lens = 2.0 * r * r * (d / (2.0 * r)).acos() - d / 2.0 * (4.0 * r * r - d * d).sqrt();
        let union = 2.0 * std::f64::consts::PI * r * r - lens;
        let a = &b.areas[0];
        assert!((a.lacking_any - (1e4 - lens)).abs() < 1e-6, "{a:?}");
        assert!((a.lacking_all - (1e4 - union)).abs() < 1e-6, "{a:?}");
        // Each service reaches 28% of the square: unserved for both at the 0.5 threshold.
        assert_eq!(a.lacking, vec![0, 1]);
        assert_eq!(
            (b.groups[0].areas_lacking_any, b.groups[0].areas_lacking_all),
            (1, 1)
        );
    }
}
