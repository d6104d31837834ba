//! The basemap: what every map of a set of areas shares, worked out once per study: the frame,
//! the areas' outlines in pixels (shared by every map's SVG), label points and the council
//! boundaries.

use std::sync::{Arc, OnceLock};

use geo::Coord;
use rayon::prelude::*;

use super::page::{Frame, Page};
use super::topology::{box_centre, chain, outer_edges, thin, thin_line};
use crate::canvas::{Pieces, Stroke, WHITE};
use lacuna_io::config::MapSpec;
use lacuna_io::LoadedStudy as Study;

/// What every map of a set of areas shares: the frame, the areas' outlines in pixels, label
/// points and the council boundaries.
pub(crate) struct Basemap {
    pub(super) spec: MapSpec,
    /// Lines and markers scale, smaller for dense maps (a whole country's areas).
    pub(super) weight: f64,
    pub(super) attribution: String,
    pub(super) u: f64,
    pub(super) frame: Frame,
    /// The areas in pixels, shared by every map so their SVG paths are written once.
    pub(super) pieces: Arc<Pieces>,
    /// A point inside each area, in pixels, found when first asked for: only labelled areas
    /// and pairs need one, and finding one costs more than drawing the area.
    label_at: Vec<OnceLock<(f64, f64)>>,
    /// Rings per polygon of each area.
    parts: Vec<Vec<usize>>,
    /// The council boundaries in pixels, joined into polylines.
    pub(super) councils: Vec<Vec<(f64, f64)>>,
    /// Each area's tooltip up to what a map shows for it ("code name (council): "), the same
    /// in every map of a study; empty without a study.
    pub(super) tips: Vec<String>,
}

/// An area to map: code, group (council; may be empty) and shape in a projected CRS.
pub(crate) type MapArea = (String, String, geo::MultiPolygon);

impl Basemap {
    /// Projects every area once onto a map of `spec`'s size.
    pub(crate) fn new(areas: &[MapArea], spec: &MapSpec, attribution: &str) -> Basemap {
        use geo::BoundingRect;
        let u = f64::from(spec.width) / 1600.0;
        let (min, max) =
            lacuna_core::spatial::bounding_union(areas.iter().filter_map(|a| a.2.bounding_rect()))
                .map_or((Coord { x: 0.0, y: 0.0 }, Coord { x: 1.0, y: 1.0 }), |r| {
                    (r.min(), r.max())
                });
        let frame = Frame::fit(min, max, f64::from(spec.width), f64::from(spec.height), u);
        let world_rings = |mp: &geo::MultiPolygon| -> Vec<Vec<Coord>> {
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .map(|r| r.0.clone())
                .collect()
        };
        let rings = areas
            .par_iter()
            .map(|a| {
                world_rings(&a.2)
                    .iter()
                    .map(|r| thin(r.iter().map(|c| frame.px(*c)).collect()))
                    .collect()
            })
            .collect();
        // How many rings each polygon of an area has (its exterior and holes), to rebuild it
        // in pixels for a label point.
        let parts = areas
            .iter()
            .map(|a| a.2 .0.iter().map(|p| 1 + p.interiors().len()).collect())
            .collect();
        let councils = outer_edges(
            areas
                .iter()
                .filter(|a| !a.1.is_empty())
                .flat_map(|a| world_rings(&a.2).into_iter().map(|r| (a.1.as_str(), r))),
        );
        let councils = chain(councils)
            .into_iter()
            .map(|line| thin_line(line.into_iter().map(|p| frame.px(p))))
            .collect();
        Basemap {
            // Thousands of areas: thinner lines and smaller dots, or the boundaries are all
            // one sees.
            weight: if areas.len() > 5_000 { 0.35 } else { 1.0 },
            spec: spec.clone(),
            attribution: attribution.to_string(),
            u,
            frame,
            pieces: Arc::new(Pieces::new(
                areas.iter().map(|a| a.0.clone()).collect(),
                rings,
            )),
            label_at: (0..areas.len()).map(|_| OnceLock::new()).collect(),
            parts,
            councils,
            tips: Vec::new(),
        }
    }

    /// A point inside area `i` (in pixels): the interior point of its outline as drawn, or
    /// the middle of its bounding box when it has none.
    pub(super) fn label_at(&self, i: usize) -> (f64, f64) {
        *self.label_at[i].get_or_init(|| {
            use geo::{InteriorPoint, LineString, MultiPolygon, Polygon};
            let rings = self.pieces.rings(i);
            let ring = |r: &Vec<(f64, f64)>| LineString::from(r.clone());
            let mut polygons = Vec::new();
            let mut k = 0;
            for &n in &self.parts[i] {
                if let Some(exterior) = rings.get(k) {
                    let holes = rings[k + 1..(k + n).min(rings.len())].iter().map(ring);
                    polygons.push(Polygon::new(ring(exterior), holes.collect()));
                }
                k += n;
            }
            let shape = MultiPolygon::new(polygons);
            shape
                .interior_point()
                .map(|p| (p.x(), p.y()))
                .unwrap_or_else(|| box_centre(rings))
        })
    }

    /// The areas' outline: none on dense maps, where outlines of thousands of small areas
    /// would paint cities white.
    pub(super) fn outline(&self) -> Option<Stroke> {
        (self.weight >= 1.0).then(|| Stroke::solid(WHITE, 0.5 * self.u))
    }

    /// Area `i`'s tooltip: code, name, council and `what` the map shows for it.
    pub(super) fn tip(&self, i: usize, what: &str) -> String {
        let head = self.tips.get(i).map_or("", String::as_str);
        format!("{head}{what}")
    }

    /// A page of this basemap with its title and subtitle.
    pub(crate) fn page(&self, title: &str, subtitle: &str) -> Page<'_> {
        Page::new(self, title, subtitle)
    }

    /// The basemap of a study's areas.
    pub(super) fn for_study(study: &Study) -> Basemap {
        let areas: Vec<MapArea> = study
            .areas
            .par_iter()
            .map(|a| (a.code.clone(), a.group.clone(), a.local.shape()))
            .collect();
        let mut base = Basemap::new(&areas, &study.spec.maps, &study.spec.findings.attribution);
        base.tips = study
            .areas
            .par_iter()
            .map(|a| format!("{} {} ({}): ", a.code, a.name, study.group_label(&a.group)))
            .collect();
        base
    }
}
