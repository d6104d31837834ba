//! Catchments as polygons, for the places that need polygon boolean operations (service types
//! with polygon catchments, and gap polygons): a disc drawn as an inscribed regular polygon, and
//! the part of an area outside a set of catchments.

use geo::{BooleanOps, Coord, MultiPolygon, Polygon, Rect};

use crate::model::Catchment;
use crate::spatial::overlay::Disc;

/// A disc as an inscribed regular polygon of `n` vertices; its area is short of the circle's by
/// the fraction 1 - sin(2π/n)·n/(2π) (6.3e-6 for 1024 vertices, 1.0e-4 for 256).
pub fn disc_polygon(d: &Disc, n: usize) -> Polygon {
    let ring: Vec<Coord> = (0..n)
        .map(|k| {
            let t = std::f64::consts::TAU * k as f64 / n as f64;
            Coord {
                x: d.x + d.r * t.cos(),
                y: d.y + d.r * t.sin(),
            }
        })
        .collect();
    Polygon::new(ring.into(), vec![])
}

/// The part of `shape` (whose bounding box is `bbox`) outside every catchment, discs drawn with
/// `disc_vertices` vertices. Each catchment is cut to the box and subtracted in turn, which the
/// national prototype found faster than unioning the catchments first. The cut also matters for
/// the gap polygons: subtracting whole discs instead (tried in the fifth session) turned GM's
/// 155 gaps into 209, presumably because the overlay's snapping grid follows its inputs' extent
/// and pieces of neighbouring areas no longer met exactly on their shared boundary.
pub fn uncovered<'a>(
    shape: &MultiPolygon,
    bbox: Rect,
    catchments: impl IntoIterator<Item = &'a Catchment>,
    disc_vertices: usize,
) -> MultiPolygon {
    let bbox = bbox.to_polygon();
    let mut remaining = shape.clone();
    for c in catchments {
        let piece = match c {
            Catchment::Disc(d) => disc_polygon(d, disc_vertices).intersection(&bbox),
            Catchment::Polygon(_, mp) => mp.intersection(&bbox),
        };
        if piece.0.is_empty() {
            continue;
        }
        remaining = remaining.difference(&piece);
        if remaining.0.is_empty() {
            break;
        }
    }
    remaining
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let left = uncovered(&square, rect, [&Catchment::Disc(d)], 1024);
        // A quarter of the disc lies in the square.
        assert_relative_eq!(
            left.unsigned_area(),
            16.0 - std::f64::consts::PI / 4.0,
            max_relative = 1e-5
        );
    }
}
