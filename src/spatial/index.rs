//! Bulk-loaded R-trees over the catchments and sites of one service type: which catchments may
//! touch an area, which cover a point, and which site is nearest to a point.

use geo::{Coord, Rect};
use rstar::{PointDistance, RTree, RTreeObject, AABB};

use crate::model::{Catchment, Provider};

/// A provider's catchment in the index.
#[derive(Debug, Clone, Copy)]
pub struct CatchmentEntry {
    /// Index into the study's providers.
    pub provider: usize,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for CatchmentEntry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// A provider's site in the index (its point, or polygon for polygon sites).
#[derive(Debug, Clone, Copy)]
struct SiteEntry {
    at: [f64; 2],
}

impl RTreeObject for SiteEntry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_point(self.at)
    }
}

impl PointDistance for SiteEntry {
    fn distance_2(&self, p: &[f64; 2]) -> f64 {
        let (dx, dy) = (self.at[0] - p[0], self.at[1] - p[1]);
        dx * dx + dy * dy
    }
}

/// The index of one service type.
pub struct ServiceIndex {
    /// The service type.
    pub service_type: String,
    catchments: RTree<CatchmentEntry>,
    sites: RTree<SiteEntry>,
    /// True when any catchment is a polygon (the overlay then uses polygon boolean operations).
    pub has_polygons: bool,
}

fn rect_of(c: &Catchment) -> Rect {
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
    }
}

impl ServiceIndex {
    /// Builds the index over `providers[i]` for each `i` in `members`.
    pub fn build(service_type: &str, providers: &[Provider], members: &[usize]) -> Self {
        let catchments = members
            .iter()
            .map(|&i| {
                let r = rect_of(&providers[i].catchment);
                CatchmentEntry {
                    provider: i,
                    envelope: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                }
            })
            .collect();
        let sites = members
            .iter()
            .map(|&i| SiteEntry {
                at: [providers[i].site.x, providers[i].site.y],
            })
            .collect();
        ServiceIndex {
            service_type: service_type.to_string(),
            catchments: RTree::bulk_load(catchments),
            sites: RTree::bulk_load(sites),
            has_polygons: members
                .iter()
                .any(|&i| matches!(providers[i].catchment, Catchment::Polygon(..))),
        }
    }

    /// Providers whose catchment's bounding box meets `rect`, in provider order.
    pub fn candidates(&self, rect: Rect) -> Vec<usize> {
        let env = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        let mut v: Vec<usize> = self
            .catchments
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.provider)
            .collect();
        v.sort_unstable();
        v
    }

    /// True when some catchment covers the point (exact distance test for discs).
    pub fn covers(&self, providers: &[Provider], p: Coord) -> bool {
        self.catchments
            .locate_in_envelope_intersecting(&AABB::from_point([p.x, p.y]))
            .any(|e| match &providers[e.provider].catchment {
                Catchment::Disc(d) => {
                    let (dx, dy) = (p.x - d.x, p.y - d.y);
                    dx * dx + dy * dy <= d.r * d.r
                }
                Catchment::Polygon(lp, _) => lp.contains(p),
            })
    }

    /// Distance from the point to the nearest provider site, if there is any provider.
    pub fn nearest_distance(&self, p: Coord) -> Option<f64> {
        self.sites
            .nearest_neighbor(&[p.x, p.y])
            .map(|s| s.distance_2(&[p.x, p.y]).sqrt())
    }

    /// The number of providers in the index.
    pub fn len(&self) -> usize {
        self.sites.size()
    }

    /// True when the index holds no provider.
    pub fn is_empty(&self) -> bool {
        self.sites.size() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spatial::overlay::Disc;

    fn provider(x: f64, y: f64, r: f64) -> Provider {
        Provider {
            id: String::new(),
            service_type: "gp".into(),
            site: Coord { x, y },
            catchment: Catchment::Disc(Disc { x, y, r }),
            capacity: None,
        }
    }

    proptest::proptest! {
        #[test]
        fn candidates_equal_brute_force(
            discs in proptest::collection::vec((0f64..100.0, 0f64..100.0, 0.5f64..15.0), 0..60),
            q in (0f64..100.0, 0f64..100.0, 1f64..30.0, 1f64..30.0),
            p in (0f64..100.0, 0f64..100.0),
        ) {
            let providers: Vec<Provider> = discs.iter().map(|&(x, y, r)| provider(x, y, r)).collect();
            let members: Vec<usize> = (0..providers.len()).collect();
            let idx = ServiceIndex::build("gp", &providers, &members);
            let rect = Rect::new(Coord { x: q.0, y: q.1 }, Coord { x: q.0 + q.2, y: q.1 + q.3 });
            let brute: Vec<usize> = discs.iter().enumerate().filter(|(_, &(x, y, r))| {
                x + r >= rect.min().x && x - r <= rect.max().x && y + r >= rect.min().y && y - r <= rect.max().y
            }).map(|(i, _)| i).collect();
            proptest::prop_assert_eq!(idx.candidates(rect), brute);
            let pt = Coord { x: p.0, y: p.1 };
            let covered = discs.iter().any(|&(x, y, r)| (x - pt.x).hypot(y - pt.y) <= r);
            proptest::prop_assert_eq!(idx.covers(&providers, pt), covered);
            let nearest = discs.iter().map(|&(x, y, _)| (x - pt.x).hypot(y - pt.y)).fold(f64::INFINITY, f64::min);
            match idx.nearest_distance(pt) {
                Some(d) => proptest::prop_assert!((d - nearest).abs() < 1e-9),
                None => proptest::prop_assert!(discs.is_empty()),
            }
        }
    }
}
