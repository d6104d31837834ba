//! Gap polygons ("service lacunae"): per service type, the parts of the study region outside
//! every catchment, dissolved across area boundaries into connected gaps, each with the
//! population inside it, its size, and the areas and councils it touches.
//!
//! Per area, the uncovered part is the area minus its candidate catchments (discs drawn as
//! inscribed 256-gons, 1.0e-4 of a disc's area short, so gaps are very slightly too large at
//! their curved edges), computed one area at a time with boolean operations that all round to
//! one grid for the study ([`Grid`]), so neighbouring areas' pieces meet exactly on the boundary
//! they share. Each connected piece of an area is a component; components of neighbouring areas
//! that touch are grouped (union-find) and each group is dissolved with one union on the same
//! grid, so the shared area boundaries inside a gap disappear and separate pockets of one area
//! stay separate gaps. Every polygon of a group's union is one gap.
//!
//! A gap's population: with population points, the people at the area's uncovered points (by
//! the exact distance test of the coverage step) inside each component, so the gaps of a
//! service add up to the uncovered population of `coverage.csv`; a point outside every
//! component of its area (a centroid outside its area's polygon) goes to the area's largest
//! component. Without points, each area's uncovered population is spread over its components
//! by area.

use geo::orient::{Direction, Orient};
use geo::{
    Area as _, BoundingRect, Contains, Coord, CoordsIter, Distance, Euclidean, InteriorPoint,
    Intersects, Line, LinesIter, MultiPolygon, Polygon, Rect,
};
use rayon::prelude::*;

use crate::metrics::access::Access;
use crate::metrics::coverage::{Coverage, PopulationMethod};
use crate::model::group_by_area;
use crate::spatial::adjacency::Neighbours;
use crate::spatial::catchment::{uncovered_keeping, Grid};
use crate::spatial::index::{rect_of, ProviderIndex};
use crate::spatial::{bounding_union, grow};
use crate::study::Study;

/// Vertices of a disc drawn as a polygon for gap shapes.
pub(crate) const GAP_DISC_VERTICES: usize = 256;

/// Uncovered pieces of neighbouring areas closer than this (metres) are dissolved together; their
/// union then decides what is one gap (parts meeting only at a point stay two, as in GEOS). On
/// the study's one grid ([`Grid`]) the two sides of a shared boundary meet exactly, so this is a
/// margin for the grouping alone: a hundred times the grid's step in Great Britain and far
/// below anything on a map.
pub(crate) const GAP_CONTACT_M: f64 = 0.01;

/// One connected gap of a service type.
#[derive(Debug, Clone)]
pub struct Gap {
    /// The gap: one polygon (possibly with holes), as a MultiPolygon of one.
    pub shape: MultiPolygon,
    /// Areas it touches (indices), in code order.
    pub areas: Vec<usize>,
    /// Its area in m².
    pub area_m2: f64,
    /// Population inside it (NaN when the study has no population).
    pub population: f64,
}

/// One connected uncovered piece of one area.
struct Component {
    area: usize,
    shape: Polygon,
    bbox: Rect,
    population: f64,
}

/// The gaps of service type `t`, largest population first. `coverage` gives each area's exact
/// covered share of its area and how population was counted.
pub fn gaps(
    study: &Study,
    index: &ProviderIndex,
    t: usize,
    access: &Access,
    coverage: &Coverage,
    neighbours: &[Neighbours],
) -> Vec<Gap> {
    let types = study.service_types.len();
    let by_points = coverage.method == PopulationMethod::Points && study.points.is_some();
    let points_of = by_points.then(|| {
        group_by_area(
            study.areas.len(),
            study.points.iter().flatten().map(|p| p.area),
        )
    });
    let grid = Grid::new(extent(study, index, t));
    // The uncovered components of each area (empty when fully covered), each with its people.
    let pieces: Vec<Vec<Component>> = study
        .areas
        .par_iter()
        .enumerate()
        .map(|(i, area)| {
            // Fully covered by area (exact circles): nothing to cut.
            if coverage.rows[i * types + t].area_share >= 1.0 {
                return Vec::new();
            }
            let rect = area.local.bounding_rect();
            let cands = index.candidates(t, rect);
            let known = coverage
                .network_unions
                .get(i * types + t)
                .and_then(Option::as_deref);
            let mut comps = uncovered_components(study, i, rect, &cands, &grid, known);
            if comps.is_empty() {
                return comps;
            }
            match &points_of {
                Some((start, ids)) => {
                    let points = &ids[start[i]..start[i + 1]];
                    place_points(study, index, &cands, points, &mut comps)
                }
                None => {
                    let uncovered_pop = access.weight[i] * (1.0 - access.share[i]).max(0.0);
                    spread_by_area(uncovered_pop, &mut comps);
                }
            }
            comps
        })
        .collect();
    let groups = touching_groups(&pieces, neighbours);
    let comps: Vec<&Component> = pieces.iter().flatten().collect();
    let no_population = coverage.method == PopulationMethod::None;
    let mut out: Vec<Gap> = groups
        .par_iter()
        .flat_map_iter(|members| dissolve(&grid, members.iter().map(|&k| comps[k])))
        .map(|mut g| {
            if no_population {
                g.population = f64::NAN;
            }
            g
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

/// The connected pieces of area `i` (whose box is `rect`) outside the catchments of the
/// candidate providers `cands`, on the study's grid, without their people yet. Slivers of a
/// square metre or less are left out. A panic in geo's boolean operations leaves the area out
/// of the gaps rather than stopping the run. `networks`: the union of the network catchments
/// near the area, when coverage kept it.
fn uncovered_components(
    study: &Study,
    i: usize,
    rect: Rect,
    cands: &[usize],
    grid: &Grid,
    networks: Option<&[MultiPolygon]>,
) -> Vec<Component> {
    let area = &study.areas[i];
    let Ok((left, _)) = std::panic::catch_unwind(|| {
        let catchments = cands.iter().map(|&c| &study.providers[c].catchment);
        uncovered_keeping(
            &area.local.shape(),
            rect,
            catchments,
            GAP_DISC_VERTICES,
            Some(grid),
            networks,
        )
    }) else {
        return Vec::new();
    };
    left.0
        .into_iter()
        .filter(|p| p.unsigned_area() > 1.0)
        .filter_map(|p| {
            Some(Component {
                area: i,
                bbox: p.bounding_rect()?,
                shape: p,
                population: 0.0,
            })
        })
        .collect()
}

/// Counts into the components of one area the people at its uncovered population points
/// (`points`, by the coverage step's exact distance test against the candidates `cands`), so
/// the gaps add up to the uncovered population of `coverage.csv`; a point in no component (a
/// centroid outside its area's polygon) goes to the largest.
fn place_points(
    study: &Study,
    index: &ProviderIndex,
    cands: &[usize],
    points: &[usize],
    comps: &mut [Component],
) {
    let pts = study.points.as_deref().unwrap_or(&[]);
    let largest = (0..comps.len())
        .max_by(|&a, &b| {
            comps[a]
                .shape
                .unsigned_area()
                .total_cmp(&comps[b].shape.unsigned_area())
        })
        .unwrap_or(0);
    for &k in points {
        let (at, people) = (pts[k].at, pts[k].population);
        if index.covers_among(&study.providers, cands, at) {
            continue;
        }
        let c = comps
            .iter()
            .position(|c| c.bbox.intersects(&at) && c.shape.intersects(&at))
            .unwrap_or(largest);
        comps[c].population += people;
    }
}

/// Spreads an area's uncovered population over its components by their area, when there are
/// no points to say where the people are.
fn spread_by_area(uncovered_pop: f64, comps: &mut [Component]) {
    let total: f64 = comps.iter().map(|c| c.shape.unsigned_area()).sum();
    for c in comps {
        c.population = uncovered_pop * c.shape.unsigned_area() / total;
    }
}

/// Groups the components of all areas (`pieces`, numbered in order) that touch across the
/// boundaries of neighbouring areas, by union-find: each group is one dissolve, which decides
/// what is one gap. Groups come in the order of their first component.
fn touching_groups(pieces: &[Vec<Component>], neighbours: &[Neighbours]) -> Vec<Vec<usize>> {
    let first: Vec<usize> = pieces
        .iter()
        .scan(0, |n, p| {
            let at = *n;
            *n += p.len();
            Some(at)
        })
        .collect();
    let count = pieces.iter().map(Vec::len).sum();
    let mut parent: Vec<usize> = (0..count).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let touching: Vec<(usize, usize)> = neighbours
        .par_iter()
        .flat_map_iter(|n| {
            let mut out = Vec::new();
            for (ka, ca) in pieces[n.a].iter().enumerate() {
                for (kb, cb) in pieces[n.b].iter().enumerate() {
                    if grow(ca.bbox, GAP_CONTACT_M).intersects(&cb.bbox)
                        && touch(&ca.shape, &cb.shape, GAP_CONTACT_M)
                    {
                        out.push((first[n.a] + ka, first[n.b] + kb));
                    }
                }
            }
            out
        })
        .collect();
    for (a, b) in touching {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..count {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    groups.into_values().collect()
}

/// A box holding every area and every catchment of type `t`: the extent of the gap polygons'
/// rounding grid.
fn extent(study: &Study, index: &ProviderIndex, t: usize) -> Rect {
    let areas = study.areas.iter().map(|a| a.local.bounding_rect());
    let catchments = study.providers[index.ranges[t].clone()]
        .iter()
        .map(|p| rect_of(&p.catchment));
    bounding_union(areas.chain(catchments))
        .unwrap_or_else(|| Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 1.0, y: 1.0 }))
}

/// The gaps of one group of touching components: the polygons of their union, each with the
/// components inside it.
fn dissolve<'a>(grid: &Grid, members: impl Iterator<Item = &'a Component>) -> Vec<Gap> {
    let members: Vec<&Component> = members.collect();
    let gap = |shape: Polygon, parts: &[&Component]| {
        let mut areas: Vec<usize> = parts.iter().map(|c| c.area).collect();
        areas.sort_unstable();
        areas.dedup();
        Gap {
            area_m2: shape.unsigned_area(),
            shape: MultiPolygon(vec![shape]),
            areas,
            population: parts.iter().map(|c| c.population).sum(),
        }
    };
    if members.len() == 1 {
        return vec![gap(members[0].shape.clone(), &members)];
    }
    // The union decides inside from the winding of the first ring: give every ring the same.
    let oriented: Vec<Polygon> = members
        .iter()
        .map(|c| c.shape.orient(Direction::Default))
        .collect();
    let union = grid.union(oriented);
    let mut parts: Vec<Vec<&Component>> = vec![Vec::new(); union.0.len()];
    if union.0.len() == 1 {
        parts[0] = members.clone();
    } else {
        let boxes: Vec<Option<Rect>> = union.0.iter().map(|p| p.bounding_rect()).collect();
        // A national gap's polygon has hundreds of thousands of vertices and holds thousands
        // of components: testing each against every edge made dissolving quadratic, so large
        // polygons answer point-in-polygon from an R-tree of their edges.
        let big: Vec<Option<EdgeIndex>> = union
            .0
            .par_iter()
            .map(|p| EdgeIndex::new(p, 2_000))
            .collect();
        let homes: Vec<Option<usize>> = members
            .par_iter()
            .map(|c| {
                let at = probe(&c.shape).or_else(|| Some(c.shape.interior_point()?.0))?;
                (0..union.0.len()).find(|&u| {
                    boxes[u].is_some_and(|b| b.intersects(&at))
                        && match &big[u] {
                            Some(index) => index.contains(at),
                            None => union.0[u].contains(&at),
                        }
                })
            })
            .collect();
        for (c, home) in members.iter().zip(homes) {
            // A component the union lost (numerically) or whose probe sits on an edge: the
            // polygon whose box overlaps it most.
            let home = home.unwrap_or_else(|| {
                (0..union.0.len())
                    .max_by(|&a, &b| {
                        overlap(boxes[a], c.bbox).total_cmp(&overlap(boxes[b], c.bbox))
                    })
                    .unwrap_or(0)
            });
            parts[home].push(c);
        }
    }
    union
        .0
        .into_iter()
        .zip(parts)
        .filter(|(p, parts)| !parts.is_empty() || p.unsigned_area() > 1.0)
        .map(|(p, parts)| gap(p, &parts))
        .collect()
}

/// A point strictly inside `p`: the middle of the widest stretch of a horizontal line through
/// the middle of its box that lies inside (holes excluded). The line is moved off any vertex so
/// every crossing is a clean one. geo's `interior_point` answers the same question but checks
/// its answer with a full relate, a twelfth of a national gap run; None when `p` has no area
/// on that line (the caller then asks geo).
fn probe(p: &Polygon) -> Option<Coord> {
    let r = p.bounding_rect()?;
    let mut y = (r.min().y + r.max().y) / 2.0;
    if p.coords_iter().any(|c| c.y == y) {
        let above = p
            .coords_iter()
            .map(|c| c.y)
            .filter(|&v| v > y)
            .fold(f64::INFINITY, f64::min);
        if !above.is_finite() {
            return None;
        }
        y = (y + above) / 2.0;
    }
    let mut xs: Vec<f64> = p
        .lines_iter()
        .filter(|l| (l.start.y > y) != (l.end.y > y))
        .map(|l| l.start.x + (y - l.start.y) / (l.end.y - l.start.y) * (l.end.x - l.start.x))
        .collect();
    xs.sort_by(f64::total_cmp);
    let (a, b) = xs
        .chunks_exact(2)
        .map(|w| (w[0], w[1]))
        .max_by(|u, v| (u.1 - u.0).total_cmp(&(v.1 - v.0)))?;
    let x = (a + b) / 2.0;
    (b > a && x > a && x < b).then_some(Coord { x, y })
}

/// The edges of a polygon (all rings) in an R-tree, for point-in-polygon tests on polygons with
/// many vertices: a ray from the point towards +x crosses the boundary an odd number of times
/// exactly when the point is inside (holes included).
struct EdgeIndex {
    tree: rstar::RTree<Edge>,
}

struct Edge(Coord, Coord);

impl rstar::RTreeObject for Edge {
    type Envelope = rstar::AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        rstar::AABB::from_corners([self.0.x, self.0.y], [self.1.x, self.1.y])
    }
}

impl EdgeIndex {
    /// None for polygons of fewer than `min_vertices` vertices (a plain test is faster).
    fn new(p: &Polygon, min_vertices: usize) -> Option<EdgeIndex> {
        if p.coords_count() < min_vertices {
            return None;
        }
        let edges = p.lines_iter().map(|l| Edge(l.start, l.end)).collect();
        Some(EdgeIndex {
            tree: rstar::RTree::bulk_load(edges),
        })
    }

    /// Whether `at` is inside (a point on the boundary may go either way).
    fn contains(&self, at: Coord) -> bool {
        let ray = rstar::AABB::from_corners([at.x, at.y], [f64::MAX, at.y]);
        self.tree
            .locate_in_envelope_intersecting(&ray)
            .filter(|e| {
                let (a, b) = (e.0, e.1);
                // Half-open in y, so a vertex on the ray counts once.
                (a.y > at.y) != (b.y > at.y)
                    && at.x < a.x + (at.y - a.y) / (b.y - a.y) * (b.x - a.x)
            })
            .count()
            % 2
            == 1
    }
}

/// Area of the intersection of two boxes (0 when they do not overlap).
fn overlap(a: Option<Rect>, b: Rect) -> f64 {
    let Some(a) = a else { return 0.0 };
    let w = a.max().x.min(b.max().x) - a.min().x.max(b.min().x);
    let h = a.max().y.min(b.max().y) - a.min().y.max(b.min().y);
    w.max(0.0) * h.max(0.0)
}

/// Whether two pieces meet within `tol` metres: an edge of one comes within `tol` of an edge of
/// the other, or one holds a vertex of the other (containment). With `tol` 0 this is geo's
/// `intersects`, testing only the edges of each that reach into the other's bounding box:
/// neighbouring areas' pieces have hundreds of edges along their 256-gon arcs, and geo compares
/// every edge of one with every edge of the other.
fn touch(a: &Polygon, b: &Polygon, tol: f64) -> bool {
    let (Some(ra), Some(rb)) = (a.bounding_rect(), b.bounding_rect()) else {
        return false;
    };
    let (ra, rb) = (grow(ra, tol), grow(rb, tol));
    if !ra.intersects(&rb) {
        return false;
    }
    let near = |m: &Polygon, r: &Rect| -> Vec<Line> {
        m.lines_iter()
            .filter(|l| Rect::new(l.start, l.end).intersects(r))
            .collect()
    };
    let (la, lb) = (near(a, &rb), near(b, &ra));
    let meet =
        |x: &Line, y: &Line| x.intersects(y) || (tol > 0.0 && Euclidean.distance(x, y) <= tol);
    if la.iter().any(|x| lb.iter().any(|y| meet(x, y))) {
        return true;
    }
    let first = |m: &Polygon| -> Option<Coord> { m.exterior().0.first().copied() };
    first(b).is_some_and(|c| a.intersects(&c)) || first(a).is_some_and(|c| b.intersects(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{seeded, Draws, SplitMix64};
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
    fn edge_index_agrees_with_geo_contains() {
        let mut rng = seeded(11);
        let mut inside = 0;
        for _ in 0..300 {
            let p = poly(&mut rng, 0.0, 0.0);
            let index = EdgeIndex::new(&p, 0).expect("indexed");
            for _ in 0..50 {
                let at = Coord {
                    x: rng.range(-4.5, 4.5),
                    y: rng.range(-4.5, 4.5),
                };
                assert_eq!(index.contains(at), p.contains(&at), "{p:?} {at:?}");
                inside += usize::from(p.contains(&at));
            }
        }
        // Points inside, outside and in the square holes are all exercised.
        assert!(
            (2_000..13_000).contains(&inside),
            "{inside} of 15000 inside"
        );
        assert!(EdgeIndex::new(&poly(&mut rng, 0.0, 0.0), 1_000).is_none());
    }

    #[test]
    fn touch_agrees_with_geo_intersects() {
        let mut rng = seeded(5);
        let mut hits = 0;
        for _ in 0..2000 {
            let a = MultiPolygon(vec![poly(&mut rng, 0.0, 0.0)]);
            let (dx, dy) = (rng.range(-7.0, 7.0), rng.range(-7.0, 7.0));
            let mut parts = vec![poly(&mut rng, dx, dy)];
            if rng.below(2) == 0 {
                parts.push(poly(&mut rng, -dx, dy));
            }
            let b = MultiPolygon(parts);
            let touches = b.0.iter().any(|p| touch(&a.0[0], p, 0.0));
            assert_eq!(touches, a.intersects(&b), "{a:?} {b:?}");
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
            assert_eq!(touch(&a.0[0], &b.0[0], 0.0), expect, "{a:?} {b:?}");
            assert_eq!(a.intersects(&b), expect);
        }
    }

    #[test]
    fn probe_points_are_strictly_inside() {
        let mut rng = seeded(17);
        let mut found = 0;
        for _ in 0..2000 {
            let (x, y) = (rng.range(-5.0, 5.0), rng.range(-5.0, 5.0));
            let p = poly(&mut rng, x, y);
            if let Some(at) = probe(&p) {
                found += 1;
                assert!(p.contains(&at), "{p:?} {at:?}");
            }
        }
        // Star-shaped rings always cross their box's middle line.
        assert_eq!(found, 2000);
        // A square with a hole in its middle: the probe avoids the hole, and a line through
        // vertices is moved off them.
        let holed = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]),
            vec![LineString::from(vec![
                (2.0, 2.0),
                (8.0, 2.0),
                (8.0, 8.0),
                (2.0, 8.0),
            ])],
        );
        let at = probe(&holed).expect("a point");
        assert!(holed.contains(&at), "{at:?}");
        let diamond = Polygon::new(
            LineString::from(vec![(0.0, 5.0), (5.0, 0.0), (10.0, 5.0), (5.0, 10.0)]),
            vec![],
        );
        let at = probe(&diamond).expect("a point");
        assert!(diamond.contains(&at) && at.y != 5.0, "{at:?}");
    }
}
