//! Gap polygons ("service lacunae"): per service type, the parts of the study region outside
//! every catchment, grouped into connected gaps across area boundaries, each with the population
//! inside it (uncovered population of its areas), its size, and the areas and councils it touches.
//!
//! Per area, the uncovered part is the area minus its candidate catchments (discs drawn as
//! inscribed 256-gons, 1.0e-4 of a disc's area short, so gaps are very slightly too large at
//! their curved edges), computed with geo's boolean operations locally, one area at a time.
//! Pieces in neighbouring areas that touch belong to the same gap; they are grouped, not merged,
//! so a gap's MultiPolygon keeps the area boundaries inside it.

use geo::{Area as _, BoundingRect, Coord, Intersects, Line, LinesIter, MultiPolygon, Rect};
use rayon::prelude::*;

use crate::load::Study;
use crate::metrics::access::Access;
use crate::spatial::adjacency::Neighbours;
use crate::spatial::catchment::uncovered;
use crate::spatial::index::ProviderIndex;

/// Vertices of a disc drawn as a polygon for gap shapes.
pub const GAP_DISC_VERTICES: usize = 256;

/// One connected gap of a service type.
#[derive(Debug, Clone)]
pub struct Gap {
    /// The uncovered pieces, one or more per area.
    pub shape: MultiPolygon,
    /// Areas it touches (indices), in code order.
    pub areas: Vec<usize>,
    /// Its area in m².
    pub area_m2: f64,
    /// Uncovered population of its areas.
    pub population: f64,
}

/// The gaps of service type `t`, largest population first. `area_share` is each area's exact
/// covered share of its area, from the coverage step.
pub fn gaps(
    study: &Study,
    index: &ProviderIndex,
    t: usize,
    access: &Access,
    area_share: &[f64],
    neighbours: &[Neighbours],
) -> Vec<Gap> {
    let providers = &study.providers;
    // The uncovered part of each area (None when fully covered); a panic in geo's boolean
    // operations leaves that area out of the gaps rather than stopping the run.
    let pieces: Vec<Option<MultiPolygon>> = study
        .areas
        .par_iter()
        .enumerate()
        .map(|(i, area)| {
            // Fully covered by area (exact circles): nothing to cut.
            if area_share[i] >= 1.0 {
                return None;
            }
            let rect = area.local.bounding_rect();
            let cands = index.candidates(t, rect);
            std::panic::catch_unwind(|| {
                let catchments = cands.iter().map(|&c| &providers[c].catchment);
                uncovered(&area.local.shape(), rect, catchments, GAP_DISC_VERTICES)
            })
            .ok()
            .filter(|m| m.unsigned_area() > 1.0)
        })
        .collect();
    // Union-find over touching pieces of neighbouring areas.
    let mut parent: Vec<usize> = (0..pieces.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for n in neighbours {
        if let (Some(a), Some(b)) = (&pieces[n.a], &pieces[n.b]) {
            if touch(a, b) {
                let (ra, rb) = (find(&mut parent, n.a), find(&mut parent, n.b));
                if ra != rb {
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, piece) in pieces.iter().enumerate() {
        if piece.is_some() {
            let r = find(&mut parent, i);
            groups.entry(r).or_default().push(i);
        }
    }
    let mut out: Vec<Gap> = groups
        .into_values()
        .map(|members| {
            let mut polys = Vec::new();
            let mut area_m2 = 0.0;
            let mut population = 0.0;
            for &i in &members {
                let m = pieces[i].as_ref().expect("member has a piece");
                area_m2 += m.unsigned_area();
                population += access.weight[i] * (1.0 - access.share[i]).max(0.0);
                polys.extend(m.0.iter().cloned());
            }
            Gap {
                shape: MultiPolygon(polys),
                areas: members,
                area_m2,
                population: if access.by_population {
                    population
                } else {
                    f64::NAN
                },
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.population
            .total_cmp(&a.population)
            .then(b.area_m2.total_cmp(&a.area_m2))
            .then(a.areas.cmp(&b.areas))
    });
    out
}

/// Whether two pieces intersect (as closed sets), as geo's `intersects` decides it, testing only
/// the edges of each that reach into the other's bounding box: neighbouring areas' pieces have
/// hundreds of edges along their 256-gon arcs, and geo compares every edge of one with every
/// edge of the other. Two polygons meet exactly when an edge of one meets an edge of the other
/// or one holds a vertex of the other (containment).
fn touch(a: &MultiPolygon, b: &MultiPolygon) -> bool {
    let (Some(ra), Some(rb)) = (a.bounding_rect(), b.bounding_rect()) else {
        return false;
    };
    if !ra.intersects(&rb) {
        return false;
    }
    let near = |m: &MultiPolygon, r: &Rect| -> Vec<Line> {
        m.lines_iter()
            .filter(|l| Rect::new(l.start, l.end).intersects(r))
            .collect()
    };
    let (la, lb) = (near(a, &rb), near(b, &ra));
    if la.iter().any(|x| lb.iter().any(|y| x.intersects(y))) {
        return true;
    }
    let first = |m: &MultiPolygon| -> Option<Coord> { m.0.first().map(|p| p.exterior().0[0]) };
    first(b).is_some_and(|c| a.intersects(&c)) || first(a).is_some_and(|c| b.intersects(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;
    use geo::{LineString, Polygon};

    fn poly(rng: &mut SplitMix64, x: f64, y: f64) -> Polygon {
        // A random star-shaped ring around (x, y), sometimes with a square hole.
        let n = 3 + rng.below(8);
        let ring: Vec<(f64, f64)> = (0..n)
            .map(|j| {
                let a = j as f64 / n as f64 * std::f64::consts::TAU;
                let r = rng.range(1.0, 4.0);
                (x + r * a.cos(), y + r * a.sin())
            })
            .collect();
        let holes = if rng.below(3) == 0 {
            vec![LineString::from(vec![
                (x - 0.5, y - 0.5),
                (x + 0.5, y - 0.5),
                (x + 0.5, y + 0.5),
                (x - 0.5, y + 0.5),
            ])]
        } else {
            Vec::new()
        };
        Polygon::new(LineString::from(ring), holes)
    }

    #[test]
    fn touch_agrees_with_geo_intersects() {
        let mut rng = SplitMix64::new(5);
        let mut hits = 0;
        for _ in 0..2000 {
            let a = MultiPolygon(vec![poly(&mut rng, 0.0, 0.0)]);
            let (dx, dy) = (rng.range(-7.0, 7.0), rng.range(-7.0, 7.0));
            let mut parts = vec![poly(&mut rng, dx, dy)];
            if rng.below(2) == 0 {
                parts.push(poly(&mut rng, -dx, dy));
            }
            let b = MultiPolygon(parts);
            assert_eq!(touch(&a, &b), a.intersects(&b), "{a:?} {b:?}");
            hits += usize::from(a.intersects(&b));
        }
        // Both outcomes are exercised.
        assert!((200..1800).contains(&hits), "{hits} of 2000 intersect");
        // Exactly touching along an edge, at a corner, inside a hole, and containing.
        let square = |x: f64, y: f64, s: f64| {
            MultiPolygon(vec![Polygon::new(
                LineString::from(vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s)]),
                vec![],
            )])
        };
        let holed = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]),
            vec![LineString::from(vec![
                (3.0, 3.0),
                (7.0, 3.0),
                (7.0, 7.0),
                (3.0, 7.0),
            ])],
        )]);
        for (a, b, expect) in [
            (square(0.0, 0.0, 1.0), square(1.0, 0.0, 1.0), true),
            (square(0.0, 0.0, 1.0), square(1.0, 1.0, 1.0), true),
            (square(0.0, 0.0, 1.0), square(1.5, 0.0, 1.0), false),
            (holed.clone(), square(4.0, 4.0, 1.0), false),
            (holed.clone(), square(3.0, 4.0, 1.0), true),
            (square(-1.0, -1.0, 20.0), square(4.0, 4.0, 1.0), true),
            (square(4.0, 4.0, 1.0), square(-1.0, -1.0, 20.0), true),
        ] {
            assert_eq!(touch(&a, &b), expect, "{a:?} {b:?}");
            assert_eq!(a.intersects(&b), expect);
        }
    }
}
