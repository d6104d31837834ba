//! Catchments as polygons, for the places that need polygon boolean operations (service types
//! with polygon catchments, and gap polygons): a disc drawn as an inscribed regular polygon, the
//! part of an area outside a set of catchments, and boolean operations on one integer grid for a
//! whole study ([`Grid`]), so that neighbouring areas' pieces meet exactly.

use geo::{Area, BooleanOps, Coord, LineString, MultiPolygon, Polygon, Rect};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::ShapeType;
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::float::overlay::{FloatOverlay, OverlayOptions};
use i_overlay::i_float::adapter::FloatPointAdapter;
use i_overlay::i_float::float::rect::FloatRect;

use crate::model::Catchment;
use crate::network::NetworkCatchment;
use crate::spatial::grow;
use crate::spatial::overlay::Disc;

/// A disc as an inscribed regular polygon of `n` vertices; its area is short of the circle's by
/// the fraction 1 - sin(2π/n)·n/(2π) (6.3e-6 for 1024 vertices, 1.0e-4 for 256).
pub fn disc_polygon(d: &Disc, n: usize) -> Polygon {
    Polygon::new(disc_ring(d, n).into(), vec![])
}

/// The vertices of [`disc_polygon`], counter-clockwise from angle 0 (not closed).
fn disc_ring(d: &Disc, n: usize) -> Vec<Coord> {
    unit_circle(n)
        .iter()
        .map(|&(cos, sin)| Coord {
            x: d.x + d.r * cos,
            y: d.y + d.r * sin,
        })
        .collect()
}

/// cos and sin of the `n` angles 2πk/n. Gap polygons draw every candidate disc of every area,
/// and the trigonometry was a tenth of that work; the table holds the same values the
/// functions return, so the discs are the same to the bit. It is kept for the process, not
/// passed down, because discs are drawn deep inside per-area work (polygon coverage, reach,
/// gap polygons) with one or two vertex counts per run.
fn unit_circle(n: usize) -> std::sync::Arc<[(f64, f64)]> {
    use std::sync::{Arc, Mutex};
    type Table = Arc<[(f64, f64)]>;
    static TABLES: Mutex<Vec<(usize, Table)>> = Mutex::new(Vec::new());
    let mut tables = TABLES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, t)) = tables.iter().find(|(m, _)| *m == n) {
        return t.clone();
    }
    let t: Table = (0..n)
        .map(|k| {
            let t = std::f64::consts::TAU * k as f64 / n as f64;
            (t.cos(), t.sin())
        })
        .collect();
    tables.push((n, t.clone()));
    t
}

/// The part of the convex polygon `ring` (not closed, counter-clockwise) inside `rect`, by
/// Sutherland-Hodgman clipping against the rectangle's four sides; `None` when no area is left.
/// geo's `intersection` gives the same shape but, as a general overlay, took a third of the gap
/// polygons' time to cut each 256-gon to an area's box.
fn clip_convex(ring: Vec<Coord>, rect: Rect) -> Option<Polygon> {
    let (min, max) = (rect.min(), rect.max());
    // Each side keeps the points with `inside` and puts the crossing on the side's line.
    let mut pts = ring;
    let mut next = Vec::with_capacity(pts.len() + 4);
    for side in 0..4 {
        if pts.is_empty() {
            return None;
        }
        let inside = |p: Coord| match side {
            0 => p.x >= min.x,
            1 => p.x <= max.x,
            2 => p.y >= min.y,
            _ => p.y <= max.y,
        };
        let cross = |a: Coord, b: Coord| match side {
            0 | 1 => {
                let x = if side == 0 { min.x } else { max.x };
                let y = a.y + (x - a.x) * (b.y - a.y) / (b.x - a.x);
                Coord { x, y }
            }
            _ => {
                let y = if side == 2 { min.y } else { max.y };
                let x = a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y);
                Coord { x, y }
            }
        };
        next.clear();
        let mut prev = pts[pts.len() - 1];
        for &p in &pts {
            match (inside(prev), inside(p)) {
                (true, true) => next.push(p),
                (true, false) => next.push(cross(prev, p)),
                (false, true) => {
                    next.push(cross(prev, p));
                    next.push(p);
                }
                (false, false) => {}
            }
            prev = p;
        }
        std::mem::swap(&mut pts, &mut next);
    }
    pts.dedup();
    while pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let polygon = Polygon::new(pts.into(), vec![]);
    (polygon.exterior().0.len() >= 4 && geo::Area::signed_area(&polygon) > 0.0).then_some(polygon)
}

/// Polygon boolean operations rounded to one integer grid fitted to a whole study's extent.
///
/// geo's operations (i_overlay underneath) round each operation's coordinates to a grid fitted
/// to that operation's inputs, so two neighbouring areas cut separately put their shared
/// boundary in places up to a grid step apart (about 5e-7 m for an LSOA) and their uncovered
/// pieces, exactly side by side in truth, fail to meet. On one grid for the study, the same
/// input point always rounds to the same place, and a crossing of the same two segments is
/// found at the same point in both areas. The grid's step is the extent's half-width over 2^29
/// (3e-5 m for Greater Manchester, 1 mm for Great Britain).
pub struct Grid {
    adapter: FloatPointAdapter<[f64; 2], f64>,
}

impl Grid {
    /// A grid for coordinates within `extent` (coordinates outside it must not be used).
    pub fn new(extent: Rect) -> Grid {
        let (min, max) = (extent.min(), extent.max());
        Grid {
            adapter: FloatPointAdapter::new(FloatRect::new(min.x, max.x, min.y, max.y)),
        }
    }

    fn overlay(
        &self,
        subject: &MultiPolygon,
        clip: Option<&MultiPolygon>,
    ) -> FloatOverlay<[f64; 2], f64> {
        let segments = |m: &MultiPolygon| -> usize { rings(m).map(|r| r.0.len()).sum() };
        let capacity = segments(subject) + clip.map_or(0, segments);
        let mut overlay = FloatOverlay::new_custom(
            self.adapter.clone(),
            OverlayOptions::ogc(),
            Default::default(),
            capacity,
        );
        for r in rings(subject) {
            overlay = overlay.unsafe_add_contour(&path(r), ShapeType::Subject);
        }
        for r in clip.into_iter().flat_map(rings) {
            overlay = overlay.unsafe_add_contour(&path(r), ShapeType::Clip);
        }
        overlay
    }

    /// `a` minus `b` (even-odd filling, as geo's `difference`).
    pub fn difference(&self, a: &MultiPolygon, b: &MultiPolygon) -> MultiPolygon {
        shapes_to_multi(
            self.overlay(a, Some(b))
                .overlay(OverlayRule::Difference, FillRule::EvenOdd),
        )
    }

    /// The union of polygons whose outer rings all wind one way (as geo's `unary_union`).
    pub fn union(&self, polygons: Vec<Polygon>) -> MultiPolygon {
        use geo::Winding;
        let ccw = polygons.first().is_some_and(|p| p.exterior().is_ccw());
        let fill = if ccw {
            FillRule::Positive
        } else {
            FillRule::Negative
        };
        shapes_to_multi(
            self.overlay(&MultiPolygon(polygons), None)
                .overlay(OverlayRule::Subject, fill),
        )
    }
}

fn rings(m: &MultiPolygon) -> impl Iterator<Item = &LineString> {
    m.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

/// A closed ring as i_overlay's open path.
fn path(r: &LineString) -> Vec<[f64; 2]> {
    let open = r.0.len().saturating_sub(usize::from(r.is_closed()));
    r.0[..open].iter().map(|c| [c.x, c.y]).collect()
}

fn shapes_to_multi(shapes: Vec<Vec<Vec<[f64; 2]>>>) -> MultiPolygon {
    MultiPolygon(
        shapes
            .into_iter()
            .map(|shape| {
                let mut rings = shape.into_iter().map(|path| {
                    let mut ring: LineString =
                        path.into_iter().map(|[x, y]| Coord { x, y }).collect();
                    ring.close();
                    ring
                });
                let outer = rings.next().unwrap_or_else(|| LineString(Vec::new()));
                Polygon::new(outer, rings.collect())
            })
            .collect(),
    )
}

/// The part of `shape` (whose bounding box is `bbox`) outside every catchment, discs drawn with
/// `disc_vertices` vertices. Each catchment is cut to the box and subtracted in turn, which the
/// national prototype found faster than unioning the catchments first.
///
/// With a [`Grid`] (gap polygons), every operation rounds to the study's grid. A disc is then
/// cut to the box grown by two of its edges, so an edge of the disc that reaches into the box is
/// never shortened and crosses a boundary shared with a neighbour at the same point in both;
/// polygon catchments are subtracted whole, for the same reason. Without one, each operation
/// rounds to its own grid, fitted to the box (cutting to the box keeps that grid fine).
pub fn uncovered<'a>(
    shape: &MultiPolygon,
    bbox: Rect,
    catchments: impl IntoIterator<Item = &'a Catchment>,
    disc_vertices: usize,
    grid: Option<&Grid>,
) -> MultiPolygon {
    uncovered_keeping(shape, bbox, catchments, disc_vertices, grid, None).0
}

/// [`uncovered`], also returning the union of the network catchments among `catchments` near
/// the box (one polygon per network and standard: the costly part, which the gap polygons
/// reuse from coverage), or taking it as `networks` instead of building it again.
pub(crate) fn uncovered_keeping<'a>(
    shape: &MultiPolygon,
    bbox: Rect,
    catchments: impl IntoIterator<Item = &'a Catchment>,
    disc_vertices: usize,
    grid: Option<&Grid>,
    networks: Option<&[MultiPolygon]>,
) -> (MultiPolygon, Vec<MultiPolygon>) {
    let mut groups: Vec<Vec<&NetworkCatchment>> = Vec::new();
    let mut pieces = Vec::new();
    for c in catchments {
        match c {
            Catchment::Network(n) => match groups.iter_mut().find(|g| g[0].alike(n)) {
                Some(g) => g.push(n),
                None => groups.push(vec![n]),
            },
            _ => pieces.push(piece(c, bbox, disc_vertices, grid)),
        }
    }
    // Network catchments alike are merged street by street and buffered once (see
    // `network::union_near`): one polygon for them all.
    let unions: Vec<MultiPolygon> = match networks {
        Some(known) => known.to_vec(),
        None => groups
            .iter()
            .map(|g| crate::network::union_near(g, bbox))
            .collect(),
    };
    let mut remaining = shape.clone();
    let all = unions.iter().filter(|u| !u.0.is_empty()).cloned().map(Some);
    for piece in all.chain(pieces).flatten() {
        remaining = match grid {
            Some(g) => g.difference(&remaining, &piece),
            None => remaining.difference(&piece),
        };
        if remaining.0.is_empty() {
            break;
        }
    }
    (remaining, unions)
}

/// The part of catchment `c` that can matter to a shape whose box is `bbox`; None when nothing.
/// Without a grid, the catchment cut to the box. With one, a disc is cut to the box grown by
/// two of its edges, so an edge of the disc that reaches into the box is never shortened, and a
/// polygon is kept whole, for the same reason (see [`uncovered`]).
fn piece(
    c: &Catchment,
    bbox: Rect,
    disc_vertices: usize,
    grid: Option<&Grid>,
) -> Option<MultiPolygon> {
    let piece = match c {
        Catchment::Disc(d) => {
            let margin = match grid {
                Some(_) => 4.0 * d.r * (std::f64::consts::PI / disc_vertices as f64).sin(),
                None => 0.0,
            };
            MultiPolygon(vec![clip_convex(
                disc_ring(d, disc_vertices),
                grow(bbox, margin),
            )?])
        }
        Catchment::Polygon(_, mp) => match grid {
            Some(_) => mp.clone(),
            None => mp.intersection(&bbox.to_polygon()),
        },
        // Only `leave_one_out` gets here with a network catchment (`uncovered_keeping`
        // merges them): each catchment alone.
        Catchment::Network(n) => crate::network::union_near(&[n], bbox),
    };
    (!piece.0.is_empty()).then_some(piece)
}

/// The part of `shape` outside every catchment, and for each catchment j the area of the part
/// outside all of them but j (so j alone covers that area less the first's). Found with about 3k
/// boolean operations for k catchments rather than k²: the shape less every catchment but j is the
/// shape less those before j intersected with the shape less those after it.
pub(crate) fn leave_one_out(
    shape: &MultiPolygon,
    bbox: Rect,
    catchments: &[&Catchment],
    disc_vertices: usize,
) -> (MultiPolygon, Vec<f64>) {
    let k = catchments.len();
    let pieces: Vec<Option<MultiPolygon>> = catchments
        .iter()
        .map(|c| piece(c, bbox, disc_vertices, None))
        .collect();
    let less = |m: &MultiPolygon, piece: &Option<MultiPolygon>| match piece {
        Some(p) if !m.0.is_empty() => m.difference(p),
        _ => m.clone(),
    };
    // before[j]: shape less catchments 0..j; after[j]: shape less catchments j..k.
    let mut before = Vec::with_capacity(k + 1);
    before.push(shape.clone());
    for piece in &pieces {
        let next = less(&before[before.len() - 1], piece);
        before.push(next);
    }
    let mut after = vec![MultiPolygon(Vec::new()); k + 1];
    after[k] = shape.clone();
    for j in (0..k).rev() {
        after[j] = less(&after[j + 1], &pieces[j]);
    }
    let without = (0..k)
        .map(|j| {
            let (a, b) = (&before[j], &after[j + 1]);
            if a.0.is_empty() || b.0.is_empty() {
                0.0
            } else {
                a.intersection(b).unsigned_area()
            }
        })
        .collect();
    (before.pop().unwrap_or_else(|| shape.clone()), without)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Draws;
    use approx::assert_relative_eq;
    use geo::{polygon, Area};

    #[test]
    fn inscribed_polygon_area_and_uncovered_part() {
        let d = Disc {
            x: 0.0,
            y: 0.0,
            r: 1.0,
        };
        let n = 256.0_f64;
        let expected = std::f64::consts::PI
            * (1.0 - (1.0 - (std::f64::consts::TAU / n).sin() * n / std::f64::consts::TAU));
        assert_relative_eq!(
            disc_polygon(&d, 256).unsigned_area(),
            expected,
            max_relative = 1e-12
        );
        let square = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 0.0, y: 4.0)],
        ]);
        let rect = Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 4.0, y: 4.0 });
        let left = uncovered(&square, rect, [&Catchment::Disc(d)], 1024, None);
        // A quarter of the disc lies in the square.
        assert_relative_eq!(
            left.unsigned_area(),
            16.0 - std::f64::consts::PI / 4.0,
            max_relative = 1e-5
        );
    }

    #[test]
    fn convex_clipping_agrees_with_geo_intersection() {
        let mut rng = crate::rng::seeded(3);
        let mut cut = 0;
        for _ in 0..500 {
            let d = Disc {
                x: rng.range(-50.0, 50.0),
                y: rng.range(-50.0, 50.0),
                r: rng.range(1.0, 60.0),
            };
            let (x0, y0) = (rng.range(-40.0, 10.0), rng.range(-40.0, 10.0));
            let rect = Rect::new(
                Coord { x: x0, y: y0 },
                Coord {
                    x: x0 + rng.range(0.5, 40.0),
                    y: y0 + rng.range(0.5, 40.0),
                },
            );
            let geo = disc_polygon(&d, 256).intersection(&rect.to_polygon());
            let mine = clip_convex(disc_ring(&d, 256), rect);
            let area = mine.as_ref().map_or(0.0, |p| p.unsigned_area());
            // geo rounds its result to a grid of 2^-29 of the inputs' half-extent (6e-8 here),
            // moving the area by up to the perimeter times that; the clip does not round.
            assert_relative_eq!(
                area,
                geo.unsigned_area(),
                max_relative = 1e-7,
                epsilon = 1e-6
            );
            assert_eq!(mine.is_none(), geo.0.is_empty(), "{d:?} {rect:?}");
            cut += usize::from(area > 0.0 && area < disc_polygon(&d, 256).unsigned_area() - 1e-6);
        }
        // Discs cut by the box, inside it, and missing it all occur.
        assert!(cut > 100, "{cut}");
    }

    #[test]
    fn grid_operations_agree_with_geo_and_meet_exactly() {
        let grid = Grid::new(Rect::new(
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 10.0, y: 10.0 },
        ));
        let sq = |x: f64, w: f64| {
            MultiPolygon(vec![
                polygon![(x: x, y: 1.0), (x: x + w, y: 1.0), (x: x + w, y: 2.0), (x: x, y: 2.0)],
            ])
        };
        let hole = |x: f64| MultiPolygon(vec![disc_polygon(&Disc { x, y: 1.5, r: 0.2 }, 64)]);
        // Two areas sharing the edge x = 3.3, each cut by its own disc.
        let (a, b) = (sq(1.1, 2.2), sq(3.3, 5.7));
        let (ga, gb) = (
            grid.difference(&a, &hole(2.0)),
            grid.difference(&b, &hole(6.0)),
        );
        assert_relative_eq!(
            ga.unsigned_area(),
            a.difference(&hole(2.0)).unsigned_area(),
            max_relative = 1e-8
        );
        // On one grid the pieces' shared edge is the same: their union is one polygon with two
        // holes.
        let union = grid.union(ga.0.into_iter().chain(gb.0).collect());
        assert_eq!(union.0.len(), 1);
        assert_eq!(union.0[0].interiors().len(), 2);
        assert_relative_eq!(
            union.unsigned_area(),
            7.9 - 2.0
                * disc_polygon(
                    &Disc {
                        x: 0.0,
                        y: 0.0,
                        r: 0.2
                    },
                    64
                )
                .unsigned_area(),
            max_relative = 1e-9
        );
    }

    #[test]
    fn leave_one_out_agrees_with_cutting_all_but_one() {
        let mut rng = crate::rng::seeded(8);
        let shape = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 6.0), (x: 4.0, y: 9.0), (x: 0.0, y: 6.0)],
        ]);
        let bbox = Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 10.0, y: 9.0 });
        for _ in 0..20 {
            let k = 1 + rng.below(6);
            let catchments: Vec<Catchment> = (0..k)
                .map(|_| {
                    let d = Disc {
                        x: rng.range(-2.0, 12.0),
                        y: rng.range(-2.0, 11.0),
                        r: rng.range(0.5, 5.0),
                    };
                    if rng.below(2) == 0 {
                        Catchment::Disc(d)
                    } else {
                        let mp = MultiPolygon(vec![disc_polygon(&d, 7)]);
                        Catchment::Polygon(
                            Box::new(crate::spatial::overlay::LocalPolygon::new(&mp)),
                            mp,
                        )
                    }
                })
                .collect();
            let refs: Vec<&Catchment> = catchments.iter().collect();
            let (left, without) = leave_one_out(&shape, bbox, &refs, 64);
            let all = uncovered(&shape, bbox, refs.iter().copied(), 64, None);
            assert_relative_eq!(
                left.unsigned_area(),
                all.unsigned_area(),
                max_relative = 1e-9,
                epsilon = 1e-9
            );
            for (j, &without) in without.iter().enumerate() {
                let rest = refs
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != j)
                    .map(|(_, c)| *c);
                let expected = uncovered(&shape, bbox, rest, 64, None).unsigned_area();
                // Each boolean operation rounds to a grid of ~1e-8 here: a few of them apart,
                // the areas can differ by 1e-7 of themselves; a wrong cut would be far off.
                assert_relative_eq!(without, expected, max_relative = 1e-6, epsilon = 1e-6);
            }
        }
    }
}
