//! The areas as a topology, TopoJSON's way: every boundary two areas share is stored once, as an
//! arc between junctions, and each area's rings are lists of arcs. Arcs are simplified one by
//! one (Visvalingam-Whyatt, keeping their ends), so neighbouring areas still meet exactly after
//! simplification, with no slivers or overlaps between them, and the shared geometry is written
//! once instead of twice.
//!
//! Coordinates are whole metres from an origin (the south-west corner of the areas), which is
//! also what a map on screen can show: a metre is under a pixel until one zooms to a street.

use std::collections::HashMap;

use geo::{BoundingRect, Coord, LineString, MultiPolygon, SimplifyVwPreserve};

/// A point in whole metres from the origin.
type Pt = [i64; 2];

/// Arcs and the areas made of them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Topology {
    /// World coordinates of the point (0, 0).
    pub origin: Coord,
    /// The arcs, simplified; each runs from one junction to the next (or round a whole ring).
    pub arcs: Vec<Vec<Pt>>,
    /// Per area, its polygons; per polygon, its rings (exterior first); per ring, its arcs in
    /// order: `i` for arc `i` as stored, `!i` (that is `-i - 1`) for arc `i` reversed.
    pub areas: Vec<Vec<Vec<Vec<i64>>>>,
    /// Per arc, the areas on its sides: one area for an outer edge, two for a shared one.
    pub sides: Vec<[Option<u32>; 2]>,
}

/// The topology of `shapes`, each arc simplified with a Visvalingam-Whyatt area tolerance of
/// `tolerance_m` squared (so a bump narrower than about `tolerance_m` goes).
pub(crate) fn topology(shapes: &[&MultiPolygon], tolerance_m: f64) -> Topology {
    let origin =
        lacuna_core::spatial::bounding_union(shapes.iter().filter_map(|s| s.bounding_rect()))
            .map_or(Coord { x: 0.0, y: 0.0 }, |r| Coord {
                x: r.min().x.floor(),
                y: r.min().y.floor(),
            });
    let rings: Vec<Vec<Vec<Vec<Pt>>>> = shapes
        .iter()
        .map(|s| {
            s.0.iter()
                .map(|p| {
                    std::iter::once(p.exterior())
                        .chain(p.interiors())
                        .filter_map(|r| quantise(r, origin))
                        .collect()
                })
                .collect()
        })
        .collect();
    let junctions = junctions(rings.iter().flatten().flatten());
    let mut arcs = Arcs::default();
    let areas = rings
        .iter()
        .enumerate()
        .map(|(a, polygons)| {
            polygons
                .iter()
                .map(|rs| {
                    rs.iter()
                        .map(|r| arcs.ring(r, &junctions, a as u32))
                        .collect()
                })
                .collect()
        })
        .collect();
    let epsilon = tolerance_m * tolerance_m;
    Topology {
        origin,
        arcs: arcs.list.iter().map(|a| simplify(a, epsilon)).collect(),
        areas,
        sides: arcs.sides,
    }
}

/// `c` in whole metres from the origin.
pub(super) fn local(c: Coord, origin: &Coord) -> Pt {
    [
        (c.x - origin.x).round() as i64,
        (c.y - origin.y).round() as i64,
    ]
}

/// A ring in whole metres from `origin`, without repeated points and without its closing
/// point; None when fewer than three points are left.
fn quantise(ring: &LineString, origin: Coord) -> Option<Vec<Pt>> {
    let mut out: Vec<Pt> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        let p = local(*c, &origin);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    (out.len() >= 3).then_some(out)
}

/// The points where boundaries meet: those reached from different neighbours in different rings
/// (three or more areas meet, or a shared boundary ends).
fn junctions<'r>(rings: impl Iterator<Item = &'r Vec<Pt>>) -> std::collections::HashSet<Pt> {
    // Each point's neighbours the first time it is seen, as an unordered pair.
    let mut seen: HashMap<Pt, [Pt; 2]> = HashMap::new();
    let mut junctions = std::collections::HashSet::new();
    for ring in rings {
        let n = ring.len();
        for i in 0..n {
            let (a, b) = (ring[(i + n - 1) % n], ring[(i + 1) % n]);
            let pair = if a <= b { [a, b] } else { [b, a] };
            match seen.entry(ring[i]) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(pair);
                }
                std::collections::hash_map::Entry::Occupied(e) => {
                    if *e.get() != pair {
                        junctions.insert(ring[i]);
                    }
                }
            }
        }
    }
    junctions
}

/// The arcs found so far, each once, in the direction first met.
#[derive(Default)]
struct Arcs {
    list: Vec<Vec<Pt>>,
    sides: Vec<[Option<u32>; 2]>,
    index: HashMap<Vec<Pt>, usize>,
}

impl Arcs {
    /// Ring `ring` of area `area` as arc references, adding the arcs not met before.
    fn ring(
        &mut self,
        ring: &[Pt],
        junctions: &std::collections::HashSet<Pt>,
        area: u32,
    ) -> Vec<i64> {
        let n = ring.len();
        let cuts: Vec<usize> = (0..n).filter(|&i| junctions.contains(&ring[i])).collect();
        if cuts.is_empty() {
            // A ring no other ring touches (an island, or a hole filled by one area): one
            // closed arc, started at its least point so that the same ring met again (the
            // area inside a hole) is recognised.
            let start = (0..n).min_by_key(|&i| ring[i]).unwrap_or(0);
            let mut arc: Vec<Pt> = (0..=n).map(|k| ring[(start + k) % n]).collect();
            let mut back: Vec<Pt> = arc.iter().rev().copied().collect();
            if back < arc {
                std::mem::swap(&mut arc, &mut back);
                return vec![!self.add(arc, area)];
            }
            return vec![self.add(arc, area)];
        }
        let mut refs = Vec::with_capacity(cuts.len());
        for (k, &from) in cuts.iter().enumerate() {
            let to = if k + 1 < cuts.len() {
                cuts[k + 1]
            } else {
                cuts[0] + n
            };
            let arc: Vec<Pt> = (from..=to).map(|i| ring[i % n]).collect();
            let back: Vec<Pt> = arc.iter().rev().copied().collect();
            refs.push(if back < arc {
                !self.add(back, area)
            } else {
                self.add(arc, area)
            });
        }
        refs
    }

    /// The index of `arc` (in its canonical direction), added when new; notes `area` as a side.
    fn add(&mut self, arc: Vec<Pt>, area: u32) -> i64 {
        let i = match self.index.get(&arc) {
            Some(&i) => i,
            None => {
                self.list.push(arc.clone());
                self.sides.push([None, None]);
                self.index.insert(arc, self.list.len() - 1);
                self.list.len() - 1
            }
        };
        let sides = &mut self.sides[i];
        if sides[0].is_none() {
            sides[0] = Some(area);
        } else if sides[0] != Some(area) {
            sides[1] = Some(area);
        }
        i as i64
    }
}

/// `arc` simplified, its ends kept; a closed arc keeps at least a triangle.
fn simplify(arc: &[Pt], epsilon: f64) -> Vec<Pt> {
    if arc.len() <= 2 || epsilon <= 0.0 {
        return arc.to_vec();
    }
    let line: LineString = arc.iter().map(|p| (p[0] as f64, p[1] as f64)).collect();
    let out: Vec<Pt> = line
        .simplify_vw_preserve(epsilon)
        .0
        .iter()
        .map(|c| [c.x as i64, c.y as i64])
        .collect();
    let closed = arc.first() == arc.last();
    if closed && out.len() < 4 {
        return arc.to_vec();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area};

    fn square(x: f64, y: f64, s: f64) -> MultiPolygon {
        MultiPolygon::new(vec![polygon![
            (x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s), (x: x, y: y)
        ]])
    }

    /// The ring of arcs as points, the way the report's script rebuilds it.
    fn ring_points(t: &Topology, refs: &[i64]) -> Vec<Pt> {
        let mut out: Vec<Pt> = Vec::new();
        for &r in refs {
            let mut arc = t.arcs[if r < 0 { !r } else { r } as usize].clone();
            if r < 0 {
                arc.reverse();
            }
            let skip = usize::from(!out.is_empty());
            out.extend(arc.into_iter().skip(skip));
        }
        out
    }

    #[test]
    fn neighbours_share_one_arc_and_rings_close() {
        // Two unit squares side by side, 1 km each, from (500000, 200000).
        let (a, b) = (
            square(500_000.0, 200_000.0, 1000.0),
            square(501_000.0, 200_000.0, 1000.0),
        );
        let t = topology(&[&a, &b], 0.0);
        assert_eq!(
            t.origin,
            Coord {
                x: 500_000.0,
                y: 200_000.0
            }
        );
        // Junctions at (1000, 0) and (1000, 1000): the shared edge, and each square's other
        // three sides.
        assert_eq!(t.arcs.len(), 3);
        let shared: Vec<usize> = (0..3).filter(|&i| t.sides[i][1].is_some()).collect();
        assert_eq!(shared.len(), 1);
        assert_eq!(t.arcs[shared[0]].len(), 2);
        for (area, x0) in [(0, 0), (1, 1000)] {
            let ring = ring_points(&t, &t.areas[area][0][0]);
            assert_eq!(ring.first(), ring.last());
            let ls: LineString = ring.iter().map(|p| (p[0] as f64, p[1] as f64)).collect();
            let poly = geo::Polygon::new(ls, vec![]);
            assert_eq!(poly.unsigned_area(), 1e6);
            assert!(ring.iter().all(|p| p[0] == x0 || p[0] == x0 + 1000));
        }
    }

    #[test]
    fn an_island_in_a_hole_is_one_arc_used_twice() {
        // The hole wound the other way from the island, as GeoJSON and shapefiles wind them.
        let mut hole_ring = square(10.0, 10.0, 10.0).0[0].exterior().clone();
        hole_ring.0.reverse();
        let outer = MultiPolygon::new(vec![geo::Polygon::new(
            square(0.0, 0.0, 30.0).0[0].exterior().clone(),
            vec![hole_ring],
        )]);
        let inner = square(10.0, 10.0, 10.0);
        let t = topology(&[&outer, &inner], 0.0);
        assert_eq!(t.arcs.len(), 2);
        let hole = t.areas[0][0][1][0];
        let island = t.areas[1][0][0][0];
        // The same arc, one way round for the hole and the other for the island.
        assert_eq!(
            if hole < 0 { !hole } else { hole },
            if island < 0 { !island } else { island }
        );
        assert_ne!(hole < 0, island < 0);
    }

    #[test]
    fn simplification_keeps_ends_and_drops_small_bumps() {
        // A straight 100 m edge with a 0.4 m bump in its middle and a 30 m spike.
        let arc = vec![
            [0, 0],
            [25, 0],
            [50, 1],
            [75, 0],
            [80, 30],
            [85, 0],
            [100, 0],
        ];
        let s = simplify(&arc, 10.0 * 10.0);
        assert_eq!(s.first(), Some(&[0, 0]));
        assert_eq!(s.last(), Some(&[100, 0]));
        assert!(!s.contains(&[50, 1]));
        assert!(s.contains(&[80, 30]));
    }

    #[test]
    fn coordinates_round_to_whole_metres() {
        let a = square(0.4, 0.4, 10.2);
        let t = topology(&[&a], 0.0);
        assert_eq!(t.origin, Coord { x: 0.0, y: 0.0 });
        let ring = ring_points(&t, &t.areas[0][0][0]);
        assert!(ring.contains(&[11, 11]));
        assert!(ring.contains(&[0, 0]));
    }
}
