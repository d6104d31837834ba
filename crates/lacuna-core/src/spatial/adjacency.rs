//! Adjacency of areas from their geometry: two areas are neighbours when they share a stretch of
//! boundary of positive length. Generalised boundaries do not match vertex for vertex, so edges
//! count as shared where they run parallel within a snapping tolerance, and the shared length is
//! the length of their overlap. Areas that only touch at a point (a corner) are neighbours only
//! when asked for ("queen" contiguity, `touching`), with a shared length of 0.

use geo::Coord;
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::model::Area;

/// Two neighbouring areas (indices, `a < b`) and the length of boundary they share, in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbours {
    /// The first area.
    pub a: usize,
    /// The second area.
    pub b: usize,
    /// Shared boundary length in metres.
    pub shared_m: f64,
}

fn edges(area: &Area) -> Vec<(Coord, Coord)> {
    area.local.world_edges().collect()
}

/// Distance from `p` to the segment `e`.
fn point_segment(p: Coord, e: (Coord, Coord)) -> f64 {
    let d = e.1 - e.0;
    let len2 = d.x * d.x + d.y * d.y;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p - e.0).x * d.x + (p - e.0).y * d.y) / len2).clamp(0.0, 1.0)
    };
    let q = e.0 + d * t;
    (p - q).x.hypot((p - q).y)
}

/// The stretch of segment `e` (as distances from `e.0` along it) that segment `f` runs along:
/// `f` projected onto `e` and cut to its length, when both of `f`'s ends lie within `tol` of
/// `e`'s line. None when they share nothing.
///
/// Whole edges, not the part of an edge near the other: cutting edges to the strip within `tol`
/// also counted the first metres of every edge leaving a junction at a shallow angle, and moved
/// Greater Manchester's shared lengths away from GEOS's exact ones (median 0.3 m, up to 11 m).
fn overlap(e: (Coord, Coord), f: (Coord, Coord), tol: f64) -> Option<(f64, f64)> {
    let d = e.1 - e.0;
    let len = (d.x * d.x + d.y * d.y).sqrt();
    if len == 0.0 {
        return None;
    }
    let u = d / len;
    let project = |p: Coord| {
        let v = p - e.0;
        (v.x * u.x + v.y * u.y, (v.x * u.y - v.y * u.x).abs())
    };
    let (t1, d1) = project(f.0);
    let (t2, d2) = project(f.1);
    if d1 > tol || d2 > tol {
        return None;
    }
    let (lo, hi) = (t1.min(t2).max(0.0), t1.max(t2).min(len));
    (hi > lo).then_some((lo, hi))
}

/// The length of boundary `own` shares with `other` within `tol`: along each edge of `own`,
/// the union of the stretches the other's edges run along (an edge's stretches counted once
/// however many of the other's edges lie beside it).
fn shared_along(own: &[(Coord, Coord)], other: &[(Coord, Coord)], tol: f64) -> f64 {
    let mut shared = 0.0;
    for &ea in own {
        let (lo_x, hi_x) = (ea.0.x.min(ea.1.x) - tol, ea.0.x.max(ea.1.x) + tol);
        let (lo_y, hi_y) = (ea.0.y.min(ea.1.y) - tol, ea.0.y.max(ea.1.y) + tol);
        let mut stretches: Vec<(f64, f64)> = other
            .iter()
            .filter(|eb| {
                eb.0.x.max(eb.1.x) >= lo_x
                    && eb.0.x.min(eb.1.x) <= hi_x
                    && eb.0.y.max(eb.1.y) >= lo_y
                    && eb.0.y.min(eb.1.y) <= hi_y
            })
            .filter_map(|&eb| overlap(ea, eb, tol))
            .collect();
        stretches.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut end = f64::NEG_INFINITY;
        for &(lo, hi) in &stretches {
            if hi > end {
                shared += hi - lo.max(end);
                end = hi;
            }
        }
    }
    shared
}

/// Finds every pair of areas sharing more than `tol` metres of boundary (edges within `tol`
/// metres of each other count as shared), and with `touching` also the pairs that only meet at
/// a point (a vertex of one within `tol` of the other's boundary), with `shared_m` 0.
pub fn neighbours(areas: &[Area], tol: f64, touching: bool) -> Vec<Neighbours> {
    let boxes: Vec<AABB<[f64; 2]>> = areas
        .iter()
        .map(|a| {
            let r = a.local.bounding_rect();
            AABB::from_corners(
                [r.min().x - tol, r.min().y - tol],
                [r.max().x + tol, r.max().y + tol],
            )
        })
        .collect();
    let tree = RTree::bulk_load(
        boxes
            .iter()
            .enumerate()
            .map(|(i, b)| GeomWithData::new(Rectangle::from_aabb(*b), i))
            .collect(),
    );
    let all_edges: Vec<Vec<(Coord, Coord)>> = areas.par_iter().map(edges).collect();
    // Areas i < j whose grown boxes meet, and what they share.
    let pair = |i: usize, j: usize| -> Option<Neighbours> {
        // Only edges inside both (grown) boxes can be shared: filter first, so the pairwise
        // loop runs over a handful of edges, not whole rings.
        let (bi, bj) = (&boxes[i], &boxes[j]);
        let lo = [
            bi.lower()[0].max(bj.lower()[0]),
            bi.lower()[1].max(bj.lower()[1]),
        ];
        let hi = [
            bi.upper()[0].min(bj.upper()[0]),
            bi.upper()[1].min(bj.upper()[1]),
        ];
        let near = |e: &&(Coord, Coord)| {
            e.0.x.max(e.1.x) >= lo[0]
                && e.0.x.min(e.1.x) <= hi[0]
                && e.0.y.max(e.1.y) >= lo[1]
                && e.0.y.min(e.1.y) <= hi[1]
        };
        let ei: Vec<(Coord, Coord)> = all_edges[i].iter().filter(near).copied().collect();
        let ej: Vec<(Coord, Coord)> = all_edges[j].iter().filter(near).copied().collect();
        // Measured along each side and the longer taken, so the result does not depend on the
        // areas' order: where one side is simplified, its long edges lie within the tolerance
        // of the other's line but not the other way round (one order found no pair at all).
        let shared = shared_along(&ei, &ej, tol).max(shared_along(&ej, &ei, tol));
        let meet = touching
            && ei.iter().any(|&ea| {
                ej.iter()
                    .any(|&eb| point_segment(ea.0, eb) <= tol || point_segment(eb.0, ea) <= tol)
            });
        // A corner contact reports no shared length, not the tolerance's worth.
        (shared > tol || meet).then_some(Neighbours {
            a: i,
            b: j,
            shared_m: if shared > tol { shared } else { 0.0 },
        })
    };
    let mut out: Vec<Neighbours> = (0..areas.len())
        .into_par_iter()
        .flat_map_iter(|i| {
            tree.locate_in_envelope_intersecting(&boxes[i])
                .map(|e| e.data)
                .filter(move |&j| j > i)
                .filter_map(move |j| pair(i, j))
        })
        .collect();
    out.sort_by(|x, y| x.a.cmp(&y.a).then(x.b.cmp(&y.b)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spatial::overlay::LocalPolygon;
    use geo::{polygon, MultiPolygon};

    fn area(code: &str, p: geo::Polygon) -> Area {
        Area {
            code: code.into(),
            name: code.into(),
            group: String::new(),
            local: LocalPolygon::new(&MultiPolygon(vec![p])),
            position: 0,
        }
    }

    #[test]
    fn shared_edges_corners_and_slivers() {
        let sq = |x: f64, y: f64| polygon![(x: x, y: y), (x: x + 10.0, y: y), (x: x + 10.0, y: y + 10.0), (x: x, y: y + 10.0)];
        let areas = vec![
            area("A", sq(0.0, 0.0)),
            // Shares A's whole east edge (10 m), with an extra vertex on it.
            area(
                "B",
                polygon![(x: 10.0, y: 0.0), (x: 20.0, y: 0.0), (x: 20.0, y: 10.0), (x: 10.0, y: 10.0), (x: 10.0, y: 5.0)],
            ),
            // Touches A only at the corner (10, 10)... and B along B's north edge.
            area("C", sq(10.0, 10.0)),
            // Generalised: 0.4 m gap from A's north edge over x in 0..6.
            area(
                "D",
                polygon![(x: 0.0, y: 10.4), (x: 6.0, y: 10.4), (x: 6.0, y: 20.0), (x: 0.0, y: 20.0)],
            ),
        ];
        let n = neighbours(&areas, 1.0, false);
        let find = |a: usize, b: usize| n.iter().find(|p| p.a == a && p.b == b).map(|p| p.shared_m);
        assert!((find(0, 1).unwrap() - 10.0).abs() < 1e-9);
        assert_eq!(find(0, 2), None, "corner contact is not adjacency");
        assert!((find(1, 2).unwrap() - 10.0).abs() < 1e-9);
        assert!((find(0, 3).unwrap() - 6.0).abs() < 1e-9, "{n:?}");
        assert_eq!(
            neighbours(&areas, 0.1, false)
                .iter()
                .filter(|p| p.a == 0 && p.b == 3)
                .count(),
            0
        );
        // Queen contiguity: the corner contact counts, with no shared length; the rest agree.
        let q = neighbours(&areas, 1.0, true);
        assert_eq!(q.len(), n.len() + 1);
        let corner = q.iter().find(|p| p.a == 0 && p.b == 2).expect("A-C corner");
        assert_eq!(corner.shared_m, 0.0);
        for p in &n {
            assert!(q.contains(p), "{p:?}");
        }
        // D's corners are 0.4 m from A's edge: beyond a 0.1 m tolerance, not touching.
        assert!(!neighbours(&areas, 0.1, true)
            .iter()
            .any(|p| p.a == 0 && p.b == 3));
    }

    #[test]
    fn shared_length_does_not_depend_on_the_areas_order() {
        // Found by fuzzing: shared length was measured along the first area's edges only.
        let rect = |x0: f64, y0: f64, x1: f64, y1: f64| polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)];
        let both = |a: geo::Polygon, b: geo::Polygon| {
            let ab = neighbours(&[area("A", a.clone()), area("B", b.clone())], 1.0, false);
            let ba = neighbours(&[area("B", b), area("A", a)], 1.0, false);
            let (x, y) = (
                ab.first().map(|p| p.shared_m),
                ba.first().map(|p| p.shared_m),
            );
            assert_eq!(x, y, "order matters: {ab:?} vs {ba:?}");
            x.unwrap_or(0.0)
        };
        // B's side is simplified to a 0.6 m bend over 1 km: all 1,000 m are shared (one
        // order gave no pair at all).
        let bent = polygon![
            (x: 0.0, y: 0.0), (x: 500.0, y: 0.6), (x: 1000.0, y: 0.0), (x: 1000.0, y: 10.0), (x: 0.0, y: 10.0)
        ];
        let shared = both(rect(0.0, -10.0, 1000.0, 0.0), bent);
        assert!((shared - 1000.0).abs() < 0.01, "{shared}");
        // Known limits of whole-edge matching (docs/methods.md): an edge that drifts 2 m away
        // over 100 m shares nothing, though its first 50 m lie within 1 m; a strip thinner than
        // the tolerance beside a 1 km edge shares it twice (once per long side). Both orders
        // agree on each.
        let drift =
            polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 2.0), (x: 100.0, y: 10.0), (x: 0.0, y: 10.0)];
        assert_eq!(both(rect(0.0, -10.0, 100.0, 0.0), drift), 0.0);
        let shared = both(rect(0.0, -10.0, 1000.0, 0.0), rect(0.0, 0.0, 1000.0, 0.5));
        assert!((shared - 2000.0).abs() < 1e-9, "{shared}");
    }
}
