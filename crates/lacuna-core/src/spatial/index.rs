//! Spatial indexes over the providers of a study, per service type: a bulk-loaded R-tree (rstar)
//! over catchments (which may touch an area, which cover a point: per type, so the search stops
//! at the first covering catchment), and a k-d tree (kiddo) over provider sites (which is nearest: about 5x faster than rstar's nearest-neighbour
//! search, and this query runs for every population point and service type). Providers are sorted
//! by service type, so each type is a contiguous index range.

use std::ops::Range;

use geo::{Coord, Rect};
use kiddo::{ImmutableKdTree, SquaredEuclidean};
use rstar::primitives::GeomWithData;
use rstar::{RTree, RTreeObject, AABB};

use crate::model::{Catchment, Provider};

/// A provider's catchment in the index: its bounding box, with the provider's index as data.
type CatchmentEntry = GeomWithData<Rect, usize>;

/// The bounding box of a catchment.
pub fn rect_of(c: &Catchment) -> Rect {
    match c {
        Catchment::Disc(d) => Rect::new(
            Coord {
                x: d.x - d.r,
                y: d.y - d.r,
            },
            Coord {
                x: d.x + d.r,
                y: d.y + d.r,
            },
        ),
        Catchment::Polygon(lp, _) => lp.bounding_rect(),
        Catchment::Network(n) => n.bbox(),
    }
}

/// Whether a catchment holds a point (exact distance test for discs).
pub(crate) fn holds(c: &Catchment, p: Coord) -> bool {
    match c {
        Catchment::Disc(d) => {
            let (dx, dy) = (p.x - d.x, p.y - d.y);
            dx * dx + dy * dy <= d.r * d.r
        }
        Catchment::Polygon(lp, _) => lp.contains(p),
        Catchment::Network(n) => n.holds(p),
    }
}

/// The spatial index of a study's providers.
pub struct ProviderIndex {
    catchments: Vec<RTree<CatchmentEntry>>,
    /// Every catchment of every type in one tree: an area's candidates of all types in one
    /// search (providers are sorted by type, so the types' candidates are consecutive runs).
    all: RTree<CatchmentEntry>,
    /// Provider sites per service type (None when the type has no provider).
    sites: Vec<Option<ImmutableKdTree<f64, 2>>>,
    /// Provider index range of each service type.
    pub ranges: Vec<Range<usize>>,
    /// Per service type, the smallest disc radius when every catchment is a disc (else 0): a
    /// provider that is not a candidate for a rectangle is farther than this from any point in it.
    min_radius: Vec<f64>,
    /// Whether each service type has any polygon catchment.
    pub has_polygons: Vec<bool>,
}

impl ProviderIndex {
    /// Builds the index. `providers` must be sorted by service type, and `types` are the distinct
    /// service types in that order.
    pub fn build(providers: &[Provider], types: &[String]) -> Self {
        let ranges: Vec<Range<usize>> = types
            .iter()
            .map(|t| {
                let start = providers.partition_point(|p| p.service_type < *t);
                let end = providers.partition_point(|p| p.service_type <= *t);
                start..end
            })
            .collect();
        let entries: Vec<CatchmentEntry> = providers
            .iter()
            .enumerate()
            .map(|(i, p)| GeomWithData::new(rect_of(&p.catchment), i))
            .collect();
        let catchments = ranges
            .iter()
            .map(|r| RTree::bulk_load(entries[r.clone()].to_vec()))
            .collect();
        let all = RTree::bulk_load(entries);
        let sites = ranges
            .iter()
            .map(|r| {
                let pts: Vec<[f64; 2]> = providers[r.clone()]
                    .iter()
                    .map(|p| [p.site.x, p.site.y])
                    .collect();
                (!pts.is_empty()).then(|| ImmutableKdTree::new_from_slice(&pts))
            })
            .collect();
        let has_polygons = ranges
            .iter()
            .map(|r| {
                providers[r.clone()]
                    .iter()
                    .any(|p| !matches!(p.catchment, Catchment::Disc(_)))
            })
            .collect();
        let min_radius = ranges
            .iter()
            .map(|r| {
                providers[r.clone()]
                    .iter()
                    .map(|p| match &p.catchment {
                        Catchment::Disc(d) => d.r,
                        Catchment::Polygon(..) | Catchment::Network(_) => 0.0,
                    })
                    .fold(f64::INFINITY, f64::min)
            })
            // A type without providers has no candidates to be sure of.
            .map(|r: f64| if r.is_finite() { r } else { 0.0 })
            .collect();
        ProviderIndex {
            catchments,
            all,
            min_radius,
            sites,
            ranges,
            has_polygons,
        }
    }

    /// Providers of service type `t` whose catchment's bounding box meets `rect`, in
    /// increasing order.
    pub fn candidates(&self, t: usize, rect: Rect) -> Vec<usize> {
        let mut v: Vec<usize> = self.catchments[t]
            .locate_in_envelope_intersecting(&rect.envelope())
            .map(|e| e.data)
            .collect();
        v.sort_unstable();
        v
    }

    /// Candidates of every service type for a rectangle, sorted: split them by type with
    /// [`ProviderIndex::of_type`].
    pub fn candidates_all(&self, rect: Rect) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .all
            .locate_in_envelope_intersecting(&rect.envelope())
            .map(|e| e.data)
            .collect();
        v.sort_unstable();
        v
    }

    /// The candidates of service type `t` among sorted candidates of all types: the same as
    /// [`ProviderIndex::candidates`] for the same rectangle.
    pub fn of_type<'a>(&self, t: usize, all: &'a [usize]) -> &'a [usize] {
        let r = &self.ranges[t];
        let start = all.partition_point(|&i| i < r.start);
        let end = all.partition_point(|&i| i < r.end);
        &all[start..end]
    }

    /// True when a catchment of service type `t` holds the point (exact distance test for
    /// discs).
    pub fn covers(&self, providers: &[Provider], t: usize, p: Coord) -> bool {
        self.covering(providers, t, p).next().is_some()
    }

    /// The providers of service type `t` whose catchment holds the point, in no fixed order.
    pub fn covering<'a>(
        &'a self,
        providers: &'a [Provider],
        t: usize,
        p: Coord,
    ) -> impl Iterator<Item = usize> + 'a {
        self.catchments[t]
            .locate_in_envelope_intersecting(&AABB::from_point(p.into()))
            .filter(move |e| holds(&providers[e.data].catchment, p))
            .map(|e| e.data)
    }

    /// True when one of `cands` (candidates of service type `t` for a rectangle holding `p`, from
    /// [`ProviderIndex::candidates`]) covers the point: the same answer as
    /// [`ProviderIndex::covers`] without another search of the tree.
    pub fn covers_among(&self, providers: &[Provider], cands: &[usize], p: Coord) -> bool {
        cands.iter().any(|&i| holds(&providers[i].catchment, p))
    }

    /// Distance from the point to the nearest provider site of service type `t`.
    pub fn nearest_distance(&self, t: usize, p: Coord) -> Option<f64> {
        self.sites[t].as_ref().map(|tree| {
            tree.nearest_one::<SquaredEuclidean>(&[p.x, p.y])
                .distance
                .sqrt()
        })
    }

    /// [`ProviderIndex::nearest_distance`] answered from `cands` (the candidates of service type
    /// `t` for a rectangle holding `p`) when that is certain: a provider that is not a candidate
    /// has its site farther from `p` than its own radius, so a candidate site within the type's
    /// smallest radius (less a micrometre, against rounding in the boxes) is the nearest of all.
    /// `None`: ask the tree.
    pub fn nearest_among(
        &self,
        providers: &[Provider],
        t: usize,
        cands: &[usize],
        p: Coord,
    ) -> Option<f64> {
        let d2 = cands
            .iter()
            .map(|&i| {
                let s = providers[i].site;
                let (dx, dy) = (s.x - p.x, s.y - p.y);
                dx * dx + dy * dy
            })
            .fold(f64::INFINITY, f64::min);
        let sure = self.min_radius[t] - 1e-6;
        (sure > 0.0 && d2 <= sure * sure).then(|| d2.sqrt())
    }

    /// The number of providers of service type `t`.
    pub fn count(&self, t: usize) -> usize {
        self.ranges[t].len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spatial::overlay::Disc;

    fn provider(t: &str, x: f64, y: f64, r: f64) -> Provider {
        Provider {
            id: String::new(),
            service_type: t.into(),
            site: Coord { x, y },
            catchment: Catchment::Disc(Disc { x, y, r }),
            capacity: None,
            network: None,
        }
    }

    proptest::proptest! {
        #[test]
        fn index_answers_equal_brute_force(
            discs in proptest::collection::vec((0usize..3, 0f64..100.0, 0f64..100.0, 0.5f64..15.0), 0..60),
            q in (0f64..100.0, 0f64..100.0, 1f64..30.0, 1f64..30.0),
            p in (0f64..100.0, 0f64..100.0),
        ) {
            let names = ["a", "b", "c"];
            let mut providers: Vec<Provider> =
                discs.iter().map(|&(t, x, y, r)| provider(names[t], x, y, r)).collect();
            providers.sort_by(|a, b| a.service_type.cmp(&b.service_type));
            let types: Vec<String> = names.iter().map(|s| s.to_string()).collect();
            let idx = ProviderIndex::build(&providers, &types);
            let rect = Rect::new(Coord { x: q.0, y: q.1 }, Coord { x: q.0 + q.2, y: q.1 + q.3 });
            let disc = |p: &Provider| match p.catchment { Catchment::Disc(d) => d, _ => unreachable!() };
            let brute: Vec<usize> = providers.iter().enumerate().filter(|(_, p)| {
                let d = disc(p);
                d.x + d.r >= rect.min().x && d.x - d.r <= rect.max().x && d.y + d.r >= rect.min().y && d.y - d.r <= rect.max().y
            }).map(|(i, _)| i).collect();
            let pt = Coord { x: p.0, y: p.1 };
            for (t, name) in names.iter().enumerate() {
                let of_type: Vec<usize> = brute.iter().copied().filter(|&i| providers[i].service_type == *name).collect();
                proptest::prop_assert_eq!(idx.candidates(t, rect), of_type.clone());
                let all = idx.candidates_all(rect);
                proptest::prop_assert_eq!(idx.of_type(t, &all), &of_type[..]);
                let mine = providers.iter().filter(|p| p.service_type == *name);
                let cov = mine.clone().any(|p| { let d = disc(p); (d.x - pt.x).hypot(d.y - pt.y) <= d.r });
                proptest::prop_assert_eq!(idx.covers(&providers, t, pt), cov);
                let nearest = mine.map(|p| (p.site.x - pt.x).hypot(p.site.y - pt.y)).fold(f64::INFINITY, f64::min);
                match idx.nearest_distance(t, pt) {
                    Some(d) => proptest::prop_assert!((d - nearest).abs() < 1e-9),
                    None => proptest::prop_assert!(idx.count(t) == 0),
                }
                // From the candidates of a rectangle holding the point, when it is sure.
                let holding = Rect::new(
                    Coord { x: rect.min().x.min(pt.x), y: rect.min().y.min(pt.y) },
                    Coord { x: rect.max().x.max(pt.x), y: rect.max().y.max(pt.y) },
                );
                let cands = idx.candidates(t, holding);
                if let Some(d) = idx.nearest_among(&providers, t, &cands, pt) {
                    proptest::prop_assert!((d - nearest).abs() < 1e-9, "{} vs {}", d, nearest);
                }
            }
        }
    }
}
