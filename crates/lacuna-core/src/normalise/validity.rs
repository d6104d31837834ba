//! Polygon validity in O(n log n) in the vertices, with geo's rules and words.
//!
//! geo's `Validation` tests a ring for self-intersection by comparing every pair of its segments,
//! and compares every pair of holes and of parts with a full `relate`: a 100,000-vertex polygon
//! took two minutes and a million-vertex coastline never finished. The same tests here find the
//! candidate pairs with an R-tree (segments whose boxes meet; holes and parts whose boxes meet)
//! and apply geo's own predicates to those only, so the answer, and the first problem's wording,
//! are geo's (the tests compare them on small polygons).

use geo::algorithm::validation::{GeometryIndex, InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::coordinate_position::CoordPos;
use geo::dimensions::Dimensions;
use geo::{
    BoundingRect, Intersects, Line, LineString, MultiPolygon, Polygon, PreparedGeometry, Rect,
    Relate, RemoveRepeatedPoints,
};
use rstar::primitives::GeomWithData;
use rstar::{RTree, RTreeObject};

/// The first reason `mp` is invalid, as geo's `validation_errors().first()` would give it.
pub fn first_error(mp: &MultiPolygon) -> Option<InvalidMultiPolygon> {
    let boxes: Vec<Option<Rect>> = mp.0.iter().map(|p| p.bounding_rect()).collect();
    // Parts whose boxes meet, for the pairwise tests (geo relates every pair).
    let tree = RTree::bulk_load(
        boxes
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.map(|b| GeomWithData::new(b, i)))
            .collect(),
    );
    for (i, p) in mp.0.iter().enumerate() {
        if let Some(e) = polygon_error(p) {
            return Some(InvalidMultiPolygon::InvalidPolygon(GeometryIndex(i), e));
        }
        let Some(b) = boxes[i] else { continue };
        for j in later_overlapping(&tree, b, i) {
            let im = p.relate(&mp.0[j]);
            if im.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                return Some(InvalidMultiPolygon::ElementsOverlaps(
                    GeometryIndex(i),
                    GeometryIndex(j),
                ));
            }
            if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                return Some(InvalidMultiPolygon::ElementsTouchOnALine(
                    GeometryIndex(i),
                    GeometryIndex(j),
                ));
            }
        }
    }
    None
}

/// The items of `tree` after item `i` whose boxes meet `b`, in increasing order.
fn later_overlapping(tree: &RTree<GeomWithData<Rect, usize>>, b: Rect, i: usize) -> Vec<usize> {
    let mut later: Vec<usize> = tree
        .locate_in_envelope_intersecting(&b.envelope())
        .map(|o| o.data)
        .filter(|&j| j > i)
        .collect();
    later.sort_unstable();
    later
}

/// The first reason a polygon is invalid, in geo's order: each ring's own problems, then each
/// hole against the exterior and against the later holes.
fn polygon_error(p: &Polygon) -> Option<InvalidPolygon> {
    if p.exterior().0.is_empty() {
        return None;
    }
    let rings = std::iter::once(p.exterior()).chain(p.interiors());
    for (k, ring) in rings.enumerate() {
        if ring.0.is_empty() {
            continue;
        }
        let role = if k == 0 {
            RingRole::Exterior
        } else {
            RingRole::Interior(k - 1)
        };
        if ring.remove_repeated_points().0.len() < 4 {
            return Some(InvalidPolygon::TooFewPointsInRing(role));
        }
        if ring_self_intersects(ring) {
            return Some(InvalidPolygon::SelfIntersection(role));
        }
        if let Some(i) = ring
            .0
            .iter()
            .position(|c| !c.x.is_finite() || !c.y.is_finite())
        {
            return Some(InvalidPolygon::NonFiniteCoord(
                role,
                geo::algorithm::validation::CoordIndex(i),
            ));
        }
    }
    let holes: Vec<(usize, &LineString)> = p
        .interiors()
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.0.is_empty())
        .collect();
    if holes.is_empty() {
        return None;
    }
    let exterior = Polygon::new(p.exterior().clone(), vec![]);
    let exterior = PreparedGeometry::from(&exterior);
    let boxes: Vec<GeomWithData<Rect, usize>> = holes
        .iter()
        .filter_map(|&(k, r)| r.bounding_rect().map(|b| GeomWithData::new(b, k)))
        .collect();
    let tree = RTree::bulk_load(boxes);
    for &(k, hole) in &holes {
        let role = RingRole::Interior(k);
        let hole_poly = Polygon::new(hole.clone(), vec![]);
        let prepared = PreparedGeometry::from(&hole_poly);
        let im = exterior.relate(&prepared);
        if !im.is_contains() {
            return Some(InvalidPolygon::InteriorRingNotContainedInExteriorRing(role));
        }
        if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
            return Some(InvalidPolygon::IntersectingRingsOnALine(
                RingRole::Exterior,
                role,
            ));
        }
        let Some(b) = hole.bounding_rect() else {
            continue;
        };
        for j in later_overlapping(&tree, b, k) {
            let other = Polygon::new(p.interiors()[j].clone(), vec![]);
            let im = prepared.relate(&other);
            let role_j = RingRole::Interior(j);
            if im.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                return Some(InvalidPolygon::IntersectingRingsOnAnArea(role, role_j));
            }
            if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                return Some(InvalidPolygon::IntersectingRingsOnALine(role, role_j));
            }
        }
    }
    None
}

/// geo's test for a ring crossing or touching itself: two of its segments meet, other than a
/// segment's end at the next one's start. (A spike, which folds back along its own segment at a
/// shared vertex, passes, as in geo.) Only segments whose boxes meet are compared.
pub fn ring_self_intersects(ring: &LineString) -> bool {
    let segments: Vec<GeomWithData<Line, usize>> = ring
        .lines()
        .enumerate()
        .map(|(i, line)| GeomWithData::new(line, i))
        .collect();
    let tree = RTree::bulk_load(segments);
    tree.intersection_candidates_with_other_tree(&tree)
        .any(|(a, b)| {
            let (x, y) = (a.geom(), b.geom());
            a.data < b.data && x.start != y.end && x.end != y.start && x.intersects(y)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{wkt, Coord, Validation};

    /// Agreement with geo on the first problem, polygon by polygon.
    fn agrees(mp: &MultiPolygon) {
        let geo = mp.validation_errors().into_iter().next();
        assert_eq!(
            first_error(mp).map(|e| e.to_string()),
            geo.map(|e| e.to_string()),
            "{mp:?}"
        );
    }

    #[test]
    fn the_named_cases_agree_with_geo() {
        let cases: Vec<MultiPolygon> = vec![
            // valid square, and with a hole
            wkt!(MULTIPOLYGON(((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.)))),
            wkt!(MULTIPOLYGON(((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.),(2. 2.,2. 4.,4. 4.,4. 2.,2. 2.)))),
            // bow-tie
            wkt!(MULTIPOLYGON(((0. 0.,0. 10.,10. 0.,10. 10.,0. 0.)))),
            // a ring touching itself at a vertex (pinch)
            wkt!(MULTIPOLYGON(((0. 0.,4. 0.,2. 2.,4. 4.,0. 4.,2. 2.,0. 0.)))),
            // a vertex touching the ring's own edge
            wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,2. 0.,0. 4.,0. 0.)))),
            // a spike out and back along one segment
            wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 2.,6. 2.,4. 2.,4. 4.,0. 4.,0. 0.)))),
            // duplicate points
            wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 0.,4. 4.,0. 4.,0. 4.,0. 0.)))),
            // too few points
            wkt!(MULTIPOLYGON(((0. 0.,4. 0.,0. 0.)))),
            // hole outside the shell
            wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(5. 5.,5. 6.,6. 6.,6. 5.,5. 5.)))),
            // hole crossing the shell
            wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(3. 1.,3. 2.,5. 2.,5. 1.,3. 1.)))),
            // hole touching the shell at a point (valid), and along a line (invalid)
            wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(0. 2.,2. 1.,3. 2.,2. 3.,0. 2.)))),
            wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(0. 1.,0. 2.,2. 2.,2. 1.,0. 1.)))),
            // holes overlapping, touching at a point, touching along a line
            wkt!(MULTIPOLYGON(((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.),(1. 1.,1. 4.,4. 4.,4. 1.,1. 1.),(3. 3.,3. 6.,6. 6.,6. 3.,3. 3.)))),
            wkt!(MULTIPOLYGON(((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.),(1. 1.,1. 4.,4. 4.,4. 1.,1. 1.),(4. 4.,4. 6.,6. 6.,6. 4.,4. 4.)))),
            wkt!(MULTIPOLYGON(((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.),(1. 1.,1. 4.,4. 4.,4. 1.,1. 1.),(4. 1.,4. 4.,6. 4.,6. 1.,4. 1.)))),
            // parts: apart, overlapping, sharing an edge, touching at a corner, one in another's hole
            wkt!(MULTIPOLYGON(((0. 0.,1. 0.,1. 1.,0. 1.,0. 0.)),((5. 5.,6. 5.,6. 6.,5. 6.,5. 5.)))),
            wkt!(MULTIPOLYGON(((0. 0.,2. 0.,2. 2.,0. 2.,0. 0.)),((1. 1.,3. 1.,3. 3.,1. 3.,1. 1.)))),
            wkt!(MULTIPOLYGON(((0. 0.,1. 0.,1. 1.,0. 1.,0. 0.)),((1. 0.,2. 0.,2. 1.,1. 1.,1. 0.)))),
            wkt!(MULTIPOLYGON(((0. 0.,1. 0.,1. 1.,0. 1.,0. 0.)),((1. 1.,2. 1.,2. 2.,1. 2.,1. 1.)))),
            wkt!(MULTIPOLYGON(((0. 0.,10. 0.,10. 10.,0. 10.,0. 0.),(2. 2.,2. 8.,8. 8.,8. 2.,2. 2.)),((4. 4.,6. 4.,6. 6.,4. 6.,4. 4.)))),
        ];
        for mp in &cases {
            agrees(mp);
        }
        assert!(first_error(&cases[2]).is_some(), "the bow-tie is invalid");
    }

    #[test]
    fn random_rings_agree_with_geo() {
        // Small rings on a coarse grid, so crossings, shared vertices, collinear overlaps and
        // repeated points all occur; holes and second parts from the same generator.
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let ring = |next: &mut dyn FnMut(u64) -> u64| {
            let n = 3 + next(5) as usize;
            let mut pts: Vec<Coord> = (0..n)
                .map(|_| Coord {
                    x: next(6) as f64,
                    y: next(6) as f64,
                })
                .collect();
            pts.push(pts[0]);
            LineString::from(pts)
        };
        let mut invalid = 0;
        for _ in 0..3000 {
            let parts = 1 + next(2) as usize;
            let polys: Vec<Polygon> = (0..parts)
                .map(|_| {
                    let holes = (0..next(3)).map(|_| ring(&mut next)).collect();
                    Polygon::new(ring(&mut next), holes)
                })
                .collect();
            let mp = MultiPolygon(polys);
            invalid += usize::from(!mp.is_valid());
            agrees(&mp);
        }
        assert!(
            invalid > 100 && invalid < 3000,
            "{invalid} invalid: the mix is too one-sided"
        );
    }

    #[test]
    fn rings_of_many_vertices_are_checked_in_n_log_n() {
        // A noisy circle of 200,000 vertices: valid; with two vertices swapped, not.
        let n = 200_000;
        let mut pts: Vec<Coord> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = 1000.0 + if i % 2 == 0 { 0.3 } else { -0.3 };
                Coord {
                    x: r * t.cos(),
                    y: r * t.sin(),
                }
            })
            .collect();
        pts.push(pts[0]);
        let ring = LineString::from(pts.clone());
        assert!(!ring_self_intersects(&ring));
        pts.swap(1000, 1003);
        assert!(ring_self_intersects(&LineString::from(pts)));
    }
}
