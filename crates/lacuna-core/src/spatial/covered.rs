//! The area of one study area inside the union of some catchments of one service type: the
//! exact disc overlay when they are all discs, polygon boolean operations when some are
//! polygons. Coverage and reach both measure with it.

use geo::{Area as _, Intersects, MultiPolygon};

use crate::model::{Area, Catchment, Provider};
use crate::spatial::catchment::uncovered_keeping;
use crate::spatial::overlay::Disc;

/// Number of vertices used when a disc must be polygonised (only when a service type mixes
/// circular and polygon catchments): an inscribed 1024-gon has 6.3e-6 less area than its circle.
pub(crate) const POLYGON_DISC_VERTICES: usize = 1024;

/// Covered area with polygon boolean operations, for service types with polygon catchments,
/// and the union of the network catchments near the area (see [`uncovered_keeping`]).
fn covered_area_polygons(
    shape: &MultiPolygon,
    area: &Area,
    providers: &[Provider],
    cands: &[usize],
) -> (f64, Vec<MultiPolygon>) {
    let catchments = cands.iter().map(|&i| &providers[i].catchment);
    let (remaining, networks) = uncovered_keeping(
        shape,
        area.local.bounding_rect(),
        catchments,
        POLYGON_DISC_VERTICES,
        None,
        None,
    );
    let covered = (shape.unsigned_area() - remaining.unsigned_area()).max(0.0);
    (covered, networks)
}

/// The area of `area` covered by the union of the catchments `cands` (exact for discs).
pub(crate) fn overlay_area(
    area: &Area,
    providers: &[Provider],
    cands: &[usize],
    polygons: bool,
) -> f64 {
    covered(area, providers, cands, polygons).0
}

/// Covered area and the number of touching providers, for one area and one type's candidates,
/// and the union of their network catchments near the area (empty without any).
pub(crate) fn covered(
    area: &Area,
    providers: &[Provider],
    cands: &[usize],
    polygons: bool,
) -> (f64, usize, Vec<MultiPolygon>) {
    if polygons {
        let shape = area.local.shape();
        let within = cands
            .iter()
            .filter(|&&i| match &providers[i].catchment {
                Catchment::Disc(d) => area.local.touches(d),
                Catchment::Polygon(_, mp) => mp.intersects(&shape),
                Catchment::Network(n) => n.reaches(&shape, area.local.bounding_rect()),
            })
            .count();
        let (covered, networks) = covered_area_polygons(&shape, area, providers, cands);
        (covered, within, networks)
    } else {
        let discs: Vec<Disc> = cands
            .iter()
            .filter_map(|&i| match &providers[i].catchment {
                Catchment::Disc(d) => Some(*d),
                Catchment::Polygon(..) | Catchment::Network(_) => None,
            })
            .collect();
        let o = area.local.overlay_discs(&discs);
        (o.covered, o.touching, Vec::new())
    }
}
