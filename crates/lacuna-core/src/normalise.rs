//! Normalisation of polygon geometry, once, on input: keep only polygonal parts, refuse
//! non-finite coordinates, drop repeated points and degenerate rings, repair invalid polygons
//! (self-intersections) with geo's `MakeValid`, and orient every ring (outer counter-clockwise,
//! holes clockwise), because `unary_union` and the overlay sums are silently wrong otherwise.
//!
//! Validity is checked in O(n log n) (`validity`), with geo's rules, and the repair only runs on
//! an invalid geometry, so a million-vertex coastline is read in seconds.

mod validity;

use geo::{Area, CoordsIter, Geometry, LineString, MakeValid, MultiPolygon, Polygon, Winding};

/// What normalisation did to a kept geometry.
#[derive(Debug, Clone, PartialEq)]
pub enum Fixed {
    /// Nothing needed doing (beyond orienting rings).
    Unchanged,
    /// The geometry was changed to make it valid; the text says how.
    Repaired(String),
}

fn clean_ring(ring: LineString) -> Option<LineString> {
    let mut pts = ring.0;
    pts.dedup();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    if pts.len() < 3 {
        return None;
    }
    // Degenerate means all points on one line; a bowtie has zero signed area but is not degenerate.
    let (p0, p1) = (pts[0], pts[1]);
    let spans_area = pts[2..]
        .iter()
        .any(|p| (p1.x - p0.x) * (p.y - p0.y) - (p1.y - p0.y) * (p.x - p0.x) != 0.0);
    let mut ring = LineString::from(pts);
    ring.close();
    spans_area.then_some(ring)
}

/// Normalises a polygonal geometry into a valid, oriented multipolygon.
///
/// # Errors
/// A message saying why the geometry cannot be used (not polygonal, empty, non-finite
/// coordinates, unrepairable); the caller drops the feature and reports it.
pub fn polygonal(geometry: Geometry) -> Result<(MultiPolygon, Fixed), String> {
    let mp = match geometry {
        Geometry::Polygon(p) => MultiPolygon(vec![p]),
        Geometry::MultiPolygon(m) => m,
        Geometry::Rect(r) => MultiPolygon(vec![r.to_polygon()]),
        Geometry::Triangle(t) => MultiPolygon(vec![t.to_polygon()]),
        Geometry::GeometryCollection(gc) => {
            let mut polys = Vec::new();
            for g in gc.iter() {
                match g {
                    Geometry::Polygon(p) => polys.push(p.clone()),
                    Geometry::MultiPolygon(m) => polys.extend(m.0.iter().cloned()),
                    _ => {}
                }
            }
            MultiPolygon(polys)
        }
        other => return Err(format!("is a {}, expected a polygon", kind(&other))),
    };
    if mp
        .coords_iter()
        .any(|c| !c.x.is_finite() || !c.y.is_finite())
    {
        return Err("has a NaN or infinite coordinate".into());
    }
    let mut notes = Vec::new();
    let mut polys = Vec::with_capacity(mp.0.len());
    for p in mp.0 {
        let (exterior, interiors) = p.into_inner();
        let was_empty = exterior.0.is_empty();
        let Some(ext) = clean_ring(exterior) else {
            if !was_empty {
                notes.push("removed a degenerate part (fewer than 3 distinct points or no area)");
            }
            continue;
        };
        let mut holes = Vec::with_capacity(interiors.len());
        for h in interiors {
            match clean_ring(h) {
                Some(h) => holes.push(h),
                None => notes.push("removed a degenerate hole"),
            }
        }
        polys.push(Polygon::new(ext, holes));
    }
    let mut mp = MultiPolygon(polys);
    if mp.0.is_empty() {
        return Err("is empty (no ring with 3 or more distinct points)".into());
    }
    let mut fixed: Vec<String> = notes.iter().map(|s| s.to_string()).collect();
    if let Some(err) = validity::first_error(&mp) {
        let before = mp.unsigned_area();
        let repaired = repair(&mp).map_err(|e| format!("is invalid ({err}) and {e}"))?;
        if repaired.0.is_empty() {
            return Err(format!(
                "is invalid ({err}) and nothing is left after repair"
            ));
        }
        // Measured on the canonical form: the sum's last bits follow the ring's start vertex, and
        // a change that rounds to zero would otherwise print as +0.000% or -0.000% by run.
        let repaired = canonical(repaired);
        let after = repaired.unsigned_area();
        // Callers (load, validate, map) normalise in the projected working CRS: square metres.
        let show = |a: f64| {
            if a >= 1.0 {
                format!("{a:.1}")
            } else {
                format!("{a:.4e}")
            }
        };
        // A bowtie's two lobes cancel in the signed area: a percentage change from (nearly) 0
        // means nothing.
        let change = if before > 1e-3 * after {
            let pct = (after - before) / before * 100.0;
            if pct.abs() < 0.0005 {
                "0.000%".to_string()
            } else {
                format!("{pct:+.3}%")
            }
        } else {
            "the lobes of the self-intersecting ring had cancelled out".to_string()
        };
        fixed.push(format!(
            "invalid ({err}); repaired, area {} m² -> {} m² ({change})",
            show(before),
            show(after),
        ));
        mp = repaired;
    }
    // Outer rings counter-clockwise, holes clockwise, in place.
    for p in &mut mp.0 {
        p.exterior_mut(|r| r.make_ccw_winding());
        p.interiors_mut(|rs| rs.iter_mut().for_each(|r| r.make_cw_winding()));
    }
    Ok((
        mp,
        if fixed.is_empty() {
            Fixed::Unchanged
        } else {
            Fixed::Repaired(fixed.join("; "))
        },
    ))
}

/// Above this many vertices an invalid geometry is repaired by i_overlay rather than geo's
/// `MakeValid`, whose splitting of rings at pinch points is quadratic (a million-vertex coastline
/// never finished). Both fill by the even-odd rule, so they agree on what is inside; geo's stays
/// for ordinary areas, whose repaired figures it has always given.
const TRIANGULATED_REPAIR_MAX_VERTICES: usize = 20_000;

/// Repairs an invalid multipolygon by the even-odd rule (a region is inside when a ray from it
/// crosses the rings an odd number of times).
fn repair(mp: &MultiPolygon) -> Result<MultiPolygon, String> {
    use geo::CoordsIter;
    if mp.coords_count() <= TRIANGULATED_REPAIR_MAX_VERTICES {
        // geo's repair can panic on pathological input; one bad feature must not end the run.
        return std::panic::catch_unwind(|| mp.make_valid())
            .map_err(|_| "its repair failed".to_string())?
            .map_err(|e| format!("could not be repaired: {e}"));
    }
    Ok(even_odd(mp))
}

/// i_overlay's even-odd simplification of every ring, in O(n log n).
fn even_odd(mp: &MultiPolygon) -> MultiPolygon {
    use geo::Coord;
    use i_overlay::core::fill_rule::FillRule;
    use i_overlay::float::simplify::SimplifyShape;
    let contours: Vec<Vec<[f64; 2]>> =
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .map(|r| {
                let open = &r.0[..r.0.len().saturating_sub(1)];
                open.iter().map(|c| [c.x, c.y]).collect()
            })
            .collect();
    let ring = |c: Vec<[f64; 2]>| {
        let mut r = LineString::from(
            c.into_iter()
                .map(|[x, y]| Coord { x, y })
                .collect::<Vec<_>>(),
        );
        r.close();
        r
    };
    let polys = contours
        .simplify_shape(FillRule::EvenOdd)
        .into_iter()
        .filter_map(|shape| {
            let mut rings = shape.into_iter().map(ring);
            let exterior = rings.next()?;
            Some(Polygon::new(exterior, rings.collect()))
        })
        .collect();
    MultiPolygon(polys)
}

/// A repaired multipolygon in one canonical form: each ring starting at its smallest vertex
/// (by x, then y), holes and polygons sorted by that vertex. geo's `make_valid` returns the same
/// rings from run to run but not always starting at the same vertex (seen on Greater Manchester
/// LSOAs), which changed output bytes and the last digits of sums along the rings.
fn canonical(mp: MultiPolygon) -> MultiPolygon {
    fn ring(r: LineString) -> LineString {
        let mut pts = r.0;
        if pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        let start = (0..pts.len())
            .min_by(|&i, &j| {
                pts[i]
                    .x
                    .total_cmp(&pts[j].x)
                    .then(pts[i].y.total_cmp(&pts[j].y))
            })
            .unwrap_or(0);
        pts.rotate_left(start);
        let mut r = LineString::from(pts);
        r.close();
        r
    }
    let first = |r: &LineString| r.0.first().map(|c| (c.x, c.y)).unwrap_or_default();
    let by_first = |a: &LineString, b: &LineString| {
        let (a, b) = (first(a), first(b));
        a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1))
    };
    let mut polys: Vec<Polygon> =
        mp.0.into_iter()
            .map(|p| {
                let (ext, holes) = p.into_inner();
                let mut holes: Vec<LineString> = holes.into_iter().map(ring).collect();
                holes.sort_by(by_first);
                Polygon::new(ring(ext), holes)
            })
            .collect();
    polys.sort_by(|a, b| by_first(a.exterior(), b.exterior()));
    MultiPolygon(polys)
}

/// The name of a geometry's type, for messages.
pub fn kind(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) => "Line",
        Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use geo::{wkt, Coord};

    #[test]
    fn bowtie_is_repaired_with_area_kept() {
        let g: Geometry = wkt!(POLYGON((0. 0., 0. 10., 10. 0., 10. 10., 0. 0.))).into();
        let (mp, fixed) = polygonal(g).unwrap();
        assert!(
            matches!(fixed, Fixed::Repaired(ref s) if s.contains("repaired")),
            "{fixed:?}"
        );
        assert_relative_eq!(mp.unsigned_area(), 50.0, epsilon = 1e-9);
    }

    #[test]
    fn repaired_rings_take_one_canonical_form() {
        let a = wkt!(MULTIPOLYGON(((5. 5., 6. 5., 6. 6., 5. 5.)),((0. 0., 4. 0., 4. 4., 0. 4., 0. 0.),(1. 1., 1. 2., 2. 2., 1. 1.))));
        // The same rings, each starting elsewhere, in another order.
        let b = wkt!(MULTIPOLYGON(((4. 4., 0. 4., 0. 0., 4. 0., 4. 4.),(2. 2., 1. 1., 1. 2., 2. 2.)),((6. 6., 5. 5., 6. 5., 6. 6.))));
        assert_ne!(a, b);
        let (ca, cb) = (canonical(a), canonical(b));
        assert_eq!(ca, cb);
        assert_eq!(ca.0[0].exterior().0[0], Coord { x: 0.0, y: 0.0 });
        assert_eq!(ca.0[0].interiors()[0].0[0], Coord { x: 1.0, y: 1.0 });
        assert_eq!(
            ca.0[1].exterior().0.len(),
            4,
            "still closed, no vertex lost"
        );
    }

    #[test]
    fn clockwise_ring_is_oriented_and_degenerate_hole_removed() {
        let g: Geometry =
            wkt!(POLYGON((0. 0., 0. 2., 2. 2., 2. 0., 0. 0.),(1. 1., 1. 1., 1. 1.))).into();
        let (mp, fixed) = polygonal(g).unwrap();
        assert!(matches!(fixed, Fixed::Repaired(ref s) if s.contains("degenerate hole")));
        assert!(mp.0[0].interiors().is_empty());
        assert!(mp.signed_area() > 0.0);
    }

    #[test]
    fn both_repairs_fill_by_the_even_odd_rule() {
        let cases: Vec<MultiPolygon> = vec![
            wkt!(MULTIPOLYGON(((0. 0., 0. 10., 10. 0., 10. 10., 0. 0.)))),
            wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(3. 1.,3. 2.,5. 2.,5. 1.,3. 1.)))),
            wkt!(MULTIPOLYGON(((0. 0.,2. 0.,2. 2.,0. 2.,0. 0.)),((1. 1.,3. 1.,3. 3.,1. 3.,1. 1.)))),
            wkt!(MULTIPOLYGON(((0. 0.,4. 0.,4. 4.,0. 4.,0. 0.),(5. 5.,5. 6.,6. 6.,6. 5.,5. 5.)))),
        ];
        for mp in cases {
            let geo = mp.make_valid().unwrap();
            let overlay = even_odd(&mp);
            assert!(validity::first_error(&overlay).is_none(), "{overlay:?}");
            assert_relative_eq!(
                overlay.unsigned_area(),
                geo.unsigned_area(),
                max_relative = 1e-9
            );
            assert_eq!(overlay.0.len(), geo.0.len(), "{mp:?}");
        }
    }

    #[test]
    fn a_large_self_intersecting_polygon_is_repaired() {
        // Above the triangulated repair's size: two vertices swapped make a small crossing.
        let n = 100_000;
        let mut ring: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                (1000.0 * t.cos(), 1000.0 * t.sin())
            })
            .collect();
        ring.swap(10, 12);
        let g: Geometry = Polygon::new(LineString::from(ring), vec![]).into();
        let (mp, fixed) = polygonal(g).unwrap();
        assert!(matches!(fixed, Fixed::Repaired(ref s) if s.contains("self-intersection")));
        assert!(validity::first_error(&mp).is_none());
        assert_relative_eq!(
            mp.unsigned_area(),
            std::f64::consts::PI * 1e6,
            max_relative = 1e-4
        );
    }

    #[test]
    fn a_polygon_of_200000_vertices_is_normalised() {
        // A noisy circle (valid): quadratic validity checks took minutes at this size.
        let n = 200_000;
        let ring: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = 1000.0 + if i % 2 == 0 { 0.3 } else { -0.3 };
                (r * t.cos(), r * t.sin())
            })
            .collect();
        let g: Geometry = Polygon::new(LineString::from(ring), vec![]).into();
        let (mp, fixed) = polygonal(g).unwrap();
        assert_eq!(fixed, Fixed::Unchanged);
        assert_eq!(mp.0[0].exterior().0.len(), n + 1);
        assert_relative_eq!(
            mp.unsigned_area(),
            std::f64::consts::PI * 1000.0 * 1000.0,
            max_relative = 1e-4
        );
    }

    #[test]
    fn unusable_geometries_are_refused_with_a_reason() {
        let point: Geometry = wkt!(POINT(1. 2.)).into();
        assert!(polygonal(point).unwrap_err().contains("Point"));
        let nan: Geometry = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (f64::NAN, 1.0), (1.0, 1.0), (0.0, 0.0)]),
            vec![],
        )
        .into();
        assert!(polygonal(nan).unwrap_err().contains("NaN"));
        let flat: Geometry = wkt!(POLYGON((0. 0., 1. 0., 2. 0., 0. 0.))).into();
        assert!(polygonal(flat).unwrap_err().contains("empty"));
    }
}
