//! The maps and the chart of a study, each as SVG and as the PNG rendered from that SVG: maps
//! are drawn on a [`Canvas`] (see [`super::canvas`]), the chart with plotters:
//!
//! - `coverage_<type>`: areas shaded by the share of people within reach, in classes of a
//!   colour-blind-safe sequential palette (viridis; fixed breaks or population quantiles, see
//!   `[maps]`), council boundaries over them, gap polygons outlined, providers as dots;
//! - `unmet_need_<type>`: unserved areas shaded by unmet need (uncovered people x need weight,
//!   ColorBrewer YlOrRd in population quantiles), the top ones numbered and listed;
//! - `lottery_<type>`: council boundaries emphasised, the flagged cross-boundary pairs as bold
//!   links coloured by the difference in coverage;
//! - `equity_<type>` (universal services with a deprivation measure): coverage by deprivation
//!   decile per council, and the concentration curve against the line of equality.
//!
//! Every map has a title, legend, scale bar, north arrow and the study's attribution line. Maps
//! are drawn in the working CRS (British National Grid in Great Britain, whose grid north is
//! within a few degrees of true north across Britain). Output is deterministic.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use geo::Coord;
use rayon::prelude::*;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::{
    Cartesian2d, ChartBuilder, ChartContext, Circle, DashedLineSeries, DrawingArea, FontDesc,
    FontFamily, IntoDrawingArea, LineSeries, PathElement, SVGBackend, Text,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, Color as _, FontStyle, ShapeStyle, TextStyle};

use super::canvas::{
    text_width, write_png, Anchor, Canvas, Item, Pieces, Polylines, Rgb, Stroke, BLACK, GREY, WHITE,
};
use lacuna_core::metrics::coverage::Coverage;
use lacuna_core::metrics::findings::Findings;
use lacuna_core::metrics::inequality::weighted_mean;
use lacuna_core::model::Catchment;
use lacuna_core::model::Groups;
use lacuna_io::atomic::write_atomic;
use lacuna_io::config::{Classing, MapSpec};
use lacuna_io::error::Result;
use lacuna_io::write::thousands;
use lacuna_io::LoadedStudy as Study;

/// Viridis, five classes, from least to most covered.
pub const VIRIDIS: [Rgb; 5] = [
    Rgb(0x44, 0x01, 0x54),
    Rgb(0x3b, 0x52, 0x8b),
    Rgb(0x21, 0x91, 0x8c),
    Rgb(0x5e, 0xc9, 0x62),
    Rgb(0xfd, 0xe7, 0x25),
];
/// ColorBrewer YlOrRd, five classes, from least to most unmet need.
pub const YLORRD: [Rgb; 5] = [
    Rgb(0xff, 0xff, 0xb2),
    Rgb(0xfe, 0xcc, 0x5c),
    Rgb(0xfd, 0x8d, 0x3c),
    Rgb(0xf0, 0x3b, 0x20),
    Rgb(0xbd, 0x00, 0x26),
];
/// Greys for the background of the lottery map, least to most covered.
const GREYS: [Rgb; 5] = [
    Rgb(0xf7, 0xf7, 0xf7),
    Rgb(0xd9, 0xd9, 0xd9),
    Rgb(0xbd, 0xbd, 0xbd),
    Rgb(0x96, 0x96, 0x96),
    Rgb(0x73, 0x73, 0x73),
];
/// Okabe-Ito, a palette distinguishable with the common colour-vision deficiencies (its black
/// replaced by grey: black is the whole study's line).
const OKABE_ITO: [Rgb; 8] = [
    Rgb(0xe6, 0x9f, 0x00),
    Rgb(0x56, 0xb4, 0xe9),
    Rgb(0x00, 0x9e, 0x73),
    Rgb(0xf0, 0xe4, 0x42),
    Rgb(0x00, 0x72, 0xb2),
    Rgb(0xd5, 0x5e, 0x00),
    Rgb(0xcc, 0x79, 0xa7),
    Rgb(0x99, 0x99, 0x99),
];
/// Fill of areas without a value.
pub const NO_DATA: Rgb = Rgb(0xe0, 0xe0, 0xe0);
/// Gap polygons' outline.
const GAP_RED: Rgb = Rgb(0xd7, 0x30, 0x1f);

/// The class of `v` given class breaks `b` (`b.len() - 1` classes).
pub fn class_of(v: f64, b: &[f64]) -> usize {
    b[1..b.len() - 1].iter().filter(|&&x| v >= x).count()
}

/// The colour of class `class_of(v, breaks)`; the no-data grey for a missing value.
fn class_fill(v: f64, breaks: &[f64], palette: &[Rgb]) -> Rgb {
    if v.is_finite() {
        palette[class_of(v, breaks)]
    } else {
        NO_DATA
    }
}

/// An area's tooltip: code, name, council and what the map shows for it.
fn area_tip(base: &Basemap, i: usize, what: &str) -> String {
    let head = base.tips.get(i).map_or("", String::as_str);
    let mut s = String::with_capacity(head.len() + what.len());
    s.push_str(head);
    s.push_str(what);
    s
}

/// Population-weighted quantile breaks of `values` in `n` classes (fewer when values repeat).
pub fn quantile_breaks(values: &[f64], weights: &[f64], n: usize) -> Vec<f64> {
    let mut vw: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .filter(|(v, w)| v.is_finite() && **w > 0.0)
        .map(|(v, w)| (*v, *w))
        .collect();
    if vw.is_empty() {
        return vec![0.0, 1.0];
    }
    vw.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = vw.iter().map(|x| x.1).sum();
    let mut breaks = vec![vw[0].0];
    let mut cum = 0.0;
    let mut k = 1;
    for (v, w) in &vw {
        cum += w;
        while k < n && cum >= total * k as f64 / n as f64 {
            if *v > *breaks.last().unwrap() {
                breaks.push(*v);
            }
            k += 1;
        }
    }
    let max = vw.last().unwrap().0;
    if max > *breaks.last().unwrap() || breaks.len() == 1 {
        breaks.push(max.max(breaks[0] + f64::EPSILON));
    } else {
        *breaks.last_mut().unwrap() = max;
    }
    breaks
}

/// Maps a study onto the map panel.
#[derive(Debug, Clone, Copy)]
struct Frame {
    min: Coord,
    scale: f64,
    left: f64,
    top: f64,
    height: f64,
}

impl Frame {
    fn fit(min: Coord, max: Coord, width: f64, height: f64, u: f64) -> Frame {
        // The map panel: left three quarters, under the title, above the scale bar.
        let (w, h) = (width * 0.74, height - 210.0 * u);
        let scale = (w / (max.x - min.x).max(1.0)).min(h / (max.y - min.y).max(1.0));
        Frame {
            min,
            scale,
            left: 20.0 * u + (w - (max.x - min.x) * scale) / 2.0,
            top: 100.0 * u + (h - (max.y - min.y) * scale) / 2.0,
            height: (max.y - min.y) * scale,
        }
    }

    fn px(&self, c: Coord) -> (f64, f64) {
        (
            self.left + (c.x - self.min.x) * self.scale,
            self.top + self.height - (c.y - self.min.y) * self.scale,
        )
    }
}

/// What every map of a set of areas shares: the frame, the areas' outlines in pixels, label
/// points and the council boundaries.
pub struct Basemap {
    spec: MapSpec,
    /// Lines and markers scale, smaller for dense maps (a whole country's areas).
    weight: f64,
    attribution: String,
    u: f64,
    frame: Frame,
    /// The areas in pixels, shared by every map so their SVG paths are written once.
    pieces: Arc<Pieces>,
    /// A point inside each area, in pixels, found when first asked for: only labelled areas
    /// and pairs need one, and finding one costs more than drawing the area.
    label_at: Vec<OnceLock<(f64, f64)>>,
    /// Rings per polygon of each area.
    parts: Vec<Vec<usize>>,
    councils: Arc<Polylines>,
    /// Each area's tooltip up to what a map shows for it ("code name (council): "), the same
    /// in every map of a study; empty without a study.
    tips: Vec<String>,
}

/// An area to map: code, group (council; may be empty) and shape in a projected CRS.
pub type MapArea = (String, String, geo::MultiPolygon);

impl Basemap {
    /// Projects every area once onto a map of `spec`'s size.
    pub fn new(areas: &[MapArea], spec: &MapSpec, attribution: &str) -> Basemap {
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
            councils: Arc::new(Polylines::new(councils)),
            tips: Vec::new(),
        }
    }

    /// A point inside area `i` (in pixels): the interior point of its outline as drawn, or
    /// the middle of its bounding box when it has none.
    fn label_at(&self, i: usize) -> (f64, f64) {
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
    fn outline(&self) -> Option<Stroke> {
        (self.weight >= 1.0).then(|| Stroke::solid(WHITE, 0.5 * self.u))
    }

    /// The basemap of a study's areas.
    pub fn for_study(study: &Study) -> Basemap {
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

    pub(crate) fn page(&self, title: &str, subtitle: &str) -> Page<'_> {
        let mut c = Canvas::new(self.spec.width, self.spec.height);
        let u = self.u;
        c.text((20.0 * u, 48.0 * u), 30.0 * u, true, Anchor::Start, title);
        c.push(Item::Text {
            at: (20.0 * u, 80.0 * u),
            size: 18.0 * u,
            bold: false,
            anchor: Anchor::Start,
            color: GREY,
            text: subtitle.to_string(),
        });
        Page {
            base: self,
            c,
            legend_y: 106.0 * u,
        }
    }
}

/// Drops vertices within a third of a pixel of the previous one: invisible at the map's
/// resolution, and a national or detailed layer's SVG shrinks several times.
fn thin(ring: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let out = thinned(&ring);
    if out.len() < 4 {
        return ring;
    }
    out
}

/// The points farther than a third of a pixel from the last point kept, the first always kept.
fn thinned(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(pts.len());
    for &p in pts {
        if out
            .last()
            .is_none_or(|q| (p.0 - q.0).abs() > 0.33 || (p.1 - q.1).abs() > 0.33)
        {
            out.push(p);
        }
    }
    out
}

/// The middle of the bounding box of some rings (0, 0 when they are empty).
fn box_centre(rings: &[Vec<(f64, f64)>]) -> (f64, f64) {
    let (mut x0, mut y0, mut x1, mut y1) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for &(x, y) in rings.iter().flatten() {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if x0.is_finite() {
        ((x0 + x1) / 2.0, (y0 + y1) / 2.0)
    } else {
        (0.0, 0.0)
    }
}

/// Where an edge's endpoint is, for matching endpoints: coordinates rounded to 1 cm.
fn point_key(c: Coord) -> [i64; 2] {
    [(c.x * 100.0).round() as i64, (c.y * 100.0).round() as i64]
}

/// Edges joined end to end into polylines, so a boundary is stroked (and written to the SVG) as
/// one path with a join at each vertex rather than as thousands of two-point paths, each with
/// two round caps. Endpoints match on coordinates rounded to 1 cm, as in [`outer_edges`]; the
/// result depends only on the order of `edges`.
fn chain(edges: Vec<(Coord, Coord)>) -> Vec<Vec<Coord>> {
    let mut at: std::collections::HashMap<[i64; 2], Vec<usize>> = Default::default();
    for (i, (p, q)) in edges.iter().enumerate() {
        at.entry(point_key(*p)).or_default().push(i);
        at.entry(point_key(*q)).or_default().push(i);
    }
    let mut used = vec![false; edges.len()];
    // The first unused edge at a point, and its other end.
    let mut next = |c: Coord, used: &mut Vec<bool>| -> Option<Coord> {
        let list = at.get_mut(&point_key(c))?;
        while let Some(&i) = list.first() {
            list.remove(0);
            if !used[i] {
                used[i] = true;
                let (p, q) = edges[i];
                return Some(if point_key(p) == point_key(c) { q } else { p });
            }
        }
        None
    };
    let mut lines = Vec::new();
    for i in 0..edges.len() {
        if used[i] {
            continue;
        }
        used[i] = true;
        let (p, q) = edges[i];
        let mut forward = vec![p, q];
        let mut end = q;
        while let Some(c) = next(end, &mut used) {
            forward.push(c);
            end = c;
        }
        let (mut back, mut start) = (Vec::new(), p);
        while let Some(c) = next(start, &mut used) {
            back.push(c);
            start = c;
        }
        back.reverse();
        back.extend(forward);
        lines.push(back);
    }
    lines
}

/// [`thin`] for an open polyline: both ends stay where they are, so joined lines still meet.
fn thin_line(pts: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let pts: Vec<(f64, f64)> = pts.collect();
    let Some((&last, rest)) = pts.split_last() else {
        return pts;
    };
    let mut out = thinned(rest);
    out.push(last);
    out
}

/// The edges that occur once within their set (rings tagged by set): the outline of a union of
/// pieces that share edges. Edges are matched on coordinates rounded to 1 cm.
fn outer_edges<'s>(rings: impl Iterator<Item = (&'s str, Vec<Coord>)>) -> Vec<(Coord, Coord)> {
    let rings: Vec<(&str, Vec<Coord>)> = rings.collect();
    // Sets by rank, so that edges sort on integers alone: sorting the keyed edges and keeping
    // the keys that occur once costs a fraction of counting them in a hash map keyed by
    // strings, and a coverage map's gaps have tens of thousands of edges.
    let mut sets: Vec<&str> = rings.iter().map(|r| r.0).collect();
    sets.sort_unstable();
    sets.dedup();
    let mut edges: Vec<((usize, [i64; 4]), Coord, Coord)> = Vec::new();
    for (set, ring) in &rings {
        let rank = sets.binary_search(set).unwrap_or(0);
        for w in ring.windows(2) {
            let (p, q) = (point_key(w[0]), point_key(w[1]));
            let k = if p <= q {
                [p[0], p[1], q[0], q[1]]
            } else {
                [q[0], q[1], p[0], p[1]]
            };
            edges.push(((rank, k), w[0], w[1]));
        }
    }
    // The edges kept are those whose key occurs once, so the order among equal keys does not
    // matter.
    edges.sort_unstable_by_key(|e| e.0);
    let mut outline = Vec::new();
    let mut i = 0;
    while i < edges.len() {
        let mut j = i + 1;
        while j < edges.len() && edges[j].0 == edges[i].0 {
            j += 1;
        }
        if j == i + 1 {
            outline.push((edges[i].1, edges[i].2));
        }
        i = j;
    }
    outline
}

/// One map being drawn.
pub(crate) struct Page<'b> {
    base: &'b Basemap,
    c: Canvas,
    legend_y: f64,
}

impl Page<'_> {
    fn u(&self) -> f64 {
        self.base.u
    }

    fn lx(&self) -> f64 {
        f64::from(self.base.spec.width) * 0.775
    }

    pub(crate) fn areas(&mut self, fill: impl Fn(usize) -> Rgb, tip: impl Fn(usize) -> String) {
        self.c.push(Item::Begin("areas".into()));
        let n = self.base.pieces.len();
        self.c.push(Item::Pieces {
            pieces: Arc::clone(&self.base.pieces),
            fills: (0..n).map(&fill).collect(),
            titles: (0..n).map(&tip).collect(),
            stroke: self.base.outline(),
        });
        self.c.push(Item::End);
    }

    pub(crate) fn councils(&mut self, width: f64) {
        if self.base.councils.paths().is_empty() {
            return;
        }
        self.c.push(Item::Begin("councils".into()));
        self.c.push(Item::Polylines {
            lines: Arc::clone(&self.base.councils),
            stroke: Stroke::solid(Rgb(17, 17, 17), width * self.u() * self.base.weight),
        });
        self.c.push(Item::End);
    }

    /// Each council's name on a white label, placed inside the area whose box centre is nearest
    /// the area-weighted centre of the council's areas' box centres (so the label sits inside
    /// the council even when its shape is not convex).
    pub(crate) fn council_names(&mut self, study: &Study) {
        let groups = lacuna_core::model::Groups::of(&study.areas);
        let named = groups.codes.iter().filter(|g| !g.is_empty()).count();
        // Hundreds of councils (a national map) would hide the map under their names.
        if !(2..=40).contains(&named) {
            return;
        }
        let u = self.u();
        self.c.push(Item::Begin("council_names".into()));
        for (group, members) in groups.codes.iter().zip(groups.members()) {
            if group.is_empty() {
                continue;
            }
            let w: f64 = members.iter().map(|&i| study.areas[i].local.area()).sum();
            if w <= 0.0 {
                continue;
            }
            let centres: Vec<(f64, f64)> = members
                .iter()
                .map(|&i| box_centre(self.base.pieces.rings(i)))
                .collect();
            let (cx, cy) = members
                .iter()
                .zip(&centres)
                .fold((0.0, 0.0), |(x, y), (&i, p)| {
                    let a = study.areas[i].local.area() / w;
                    (x + a * p.0, y + a * p.1)
                });
            let d = |p: &(f64, f64)| (p.0 - cx).powi(2) + (p.1 - cy).powi(2);
            let at = members
                .iter()
                .zip(&centres)
                .min_by(|a, b| d(a.1).total_cmp(&d(b.1)))
                .map_or((cx, cy), |(&i, _)| self.base.label_at(i));
            let name = shorten(study.group_label(group), 28);
            let size = 17.0 * u;
            let half = 0.5 * text_width(&name, size, true) + 5.0 * u;
            self.c.rect(
                at.0 - half,
                at.1 - 0.8 * size,
                2.0 * half,
                1.15 * size,
                Some(WHITE),
                Some(Stroke::solid(GREY, 0.8 * u)),
            );
            self.c.push(Item::Text {
                at: (at.0, at.1 + 0.1 * size),
                size,
                bold: true,
                anchor: Anchor::Middle,
                color: BLACK,
                text: name,
            });
        }
        self.c.push(Item::End);
    }

    fn providers(&mut self, study: &Study, t: usize, r: f64) {
        // On a map of thousands of areas the sites hide the areas: the layer is for zoomed-in
        // maps (and the legend says when they are left out).
        if self.base.weight < 1.0 {
            return;
        }
        let name = &study.service_types[t];
        self.c.push(Item::Begin("providers".into()));
        for p in study.providers.iter().filter(|p| &p.service_type == name) {
            let at = match &p.catchment {
                Catchment::Disc(d) => Coord { x: d.x, y: d.y },
                Catchment::Polygon(..) => p.site,
            };
            self.c.push(Item::Circle {
                at: self.base.frame.px(at),
                r: r * self.u() * self.base.weight.sqrt(),
                fill: BLACK,
                stroke: (self.base.weight >= 1.0).then(|| Stroke::solid(WHITE, 0.8 * self.u())),
            });
        }
        self.c.push(Item::End);
    }

    pub(crate) fn legend_title(&mut self, text: &str) {
        let (u, x) = (self.u(), self.lx());
        self.legend_y += 24.0 * u;
        self.c
            .text((x, self.legend_y), 20.0 * u, true, Anchor::Start, text);
        self.legend_y += 6.0 * u;
    }

    fn legend_note(&mut self, text: &str, size: f64) {
        let (u, x) = (self.u(), self.lx());
        self.legend_y += size * 1.3 * u;
        self.c.push(Item::Text {
            at: (x, self.legend_y),
            size: size * u,
            bold: false,
            anchor: Anchor::Start,
            color: GREY,
            text: text.to_string(),
        });
    }

    /// A legend entry: a swatch (box, line or dot) and a label.
    pub(crate) fn legend_entry(&mut self, swatch: Swatch, label: &str) {
        let (u, x) = (self.u(), self.lx());
        let y = self.legend_y + 10.0 * u;
        match swatch {
            Swatch::Box(fill, stroke) => self.c.rect(x, y, 36.0 * u, 26.0 * u, fill, stroke),
            Swatch::Line(s) => self.c.push(Item::Lines {
                paths: vec![vec![(x, y + 13.0 * u), (x + 36.0 * u, y + 13.0 * u)]],
                stroke: s,
            }),
            Swatch::Dot(fill, r) => self.c.push(Item::Circle {
                at: (x + 18.0 * u, y + 13.0 * u),
                r: r * u,
                fill,
                stroke: Some(Stroke::solid(WHITE, 0.8 * u)),
            }),
        }
        self.c.text(
            (x + 48.0 * u, y + 20.0 * u),
            17.0 * u,
            false,
            Anchor::Start,
            label,
        );
        self.legend_y += 34.0 * u;
    }

    /// Scale bar, north arrow, attribution; the finished picture.
    pub(crate) fn finish(mut self) -> Canvas {
        let u = self.u();
        let (w, h) = (
            f64::from(self.base.spec.width),
            f64::from(self.base.spec.height),
        );
        let scale = self.base.frame.scale;
        // Scale bar: a round length near a fifth of the map panel.
        let target_m = 0.15 * w / scale;
        let step = [1.0, 2.0, 5.0]
            .iter()
            .flat_map(|m| (0..8).map(move |e| m * 10f64.powi(e)))
            .filter(|&l| l <= target_m)
            .fold(1.0, f64::max);
        let bar = step * scale;
        let label = if step >= 1000.0 {
            format!("{} km", step / 1000.0)
        } else {
            format!("{step} m")
        };
        let y = h - 62.0 * u;
        self.c.push(Item::Begin("scale".into()));
        self.c
            .rect(40.0 * u, y, bar / 2.0, 10.0 * u, Some(BLACK), None);
        self.c.rect(
            40.0 * u + bar / 2.0,
            y,
            bar / 2.0,
            10.0 * u,
            Some(WHITE),
            Some(Stroke::solid(BLACK, 1.0 * u)),
        );
        self.c.text(
            (40.0 * u, y + 34.0 * u),
            17.0 * u,
            false,
            Anchor::Middle,
            "0",
        );
        self.c.text(
            (40.0 * u + bar, y + 34.0 * u),
            17.0 * u,
            false,
            Anchor::Middle,
            &label,
        );
        self.c.push(Item::End);
        // North arrow (grid north).
        let (nx, ny) = (w - 60.0 * u, h - 120.0 * u);
        self.c.push(Item::Begin("north".into()));
        self.c.push(Item::Shape {
            rings: vec![vec![
                (nx, ny),
                (nx - 15.0 * u, ny + 50.0 * u),
                (nx, ny + 40.0 * u),
                (nx + 15.0 * u, ny + 50.0 * u),
            ]],
            fill: Some(BLACK),
            stroke: None,
            id: None,
            title: None,
        });
        self.c
            .text((nx, ny - 8.0 * u), 22.0 * u, true, Anchor::Middle, "N");
        self.c.push(Item::End);
        self.c.push(Item::Text {
            at: (w - 20.0 * u, h - 14.0 * u),
            size: 14.0 * u,
            bold: false,
            anchor: Anchor::End,
            color: GREY,
            text: self.base.attribution.clone(),
        });
        self.c
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    Box(Option<Rgb>, Option<Stroke>),
    Line(Stroke),
    Dot(Rgb, f64),
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

fn study_title(study: &Study) -> String {
    if study.spec.name.is_empty() {
        "Study".into()
    } else {
        study.spec.name.clone()
    }
}

fn catchment_note(study: &Study, t: usize) -> String {
    let name = &study.service_types[t];
    match study.spec.services.get(name).and_then(|s| s.radius_m) {
        Some(r) => format!("{r} m straight-line catchment"),
        None => "catchments as given".into(),
    }
}

/// The coverage map of service type `t`.
pub fn coverage_map(
    study: &Study,
    base: &Basemap,
    coverage: &Coverage,
    findings: Option<&Findings>,
    t: usize,
) -> Canvas {
    let types = study.service_types.len();
    let rows = |i: usize| &coverage.rows[i * types + t];
    let share = |i: usize| {
        let r = rows(i);
        r.population_share.unwrap_or(r.area_share)
    };
    let by_population = rows(0).population_share.is_some();
    let units = lacuna_io::write::Units::new(study, by_population);
    let breaks = match base.spec.classes {
        Classing::Fixed => base.spec.breaks.clone(),
        Classing::Quantile => {
            let v: Vec<f64> = (0..study.areas.len()).map(share).collect();
            let w: Vec<f64> = (0..study.areas.len())
                .map(|i| rows(i).population.unwrap_or(rows(i).area_m2))
                .collect();
            quantile_breaks(&v, &w, 5)
        }
    };
    let palette: Vec<Rgb> = spread(&VIRIDIS, breaks.len() - 1);
    let mut p = base.page(
        &format!(
            "{}: share of {} within reach of a {}",
            study_title(study),
            if by_population {
                units.people
            } else {
                "the area"
            },
            study.service_label(t)
        ),
        &format!(
            "{} areas; {}; {} classes",
            study.areas.len(),
            catchment_note(study, t),
            match base.spec.classes {
                Classing::Fixed => "fixed",
                Classing::Quantile if by_population => "population-quantile",
                Classing::Quantile => "area-quantile",
            }
        ),
    );
    p.areas(
        |i| class_fill(share(i), &breaks, &palette),
        |i| area_tip(base, i, &pct(share(i))),
    );
    let gaps = findings.map(|f| &f.services[t].gaps[..]).unwrap_or(&[]);
    if !gaps.is_empty() {
        p.c.push(Item::Begin("gaps".into()));
        for g in gaps {
            // Gaps are dissolved polygons: their rings are the outline.
            let paths = g
                .shape
                .0
                .iter()
                .flat_map(|poly| std::iter::once(poly.exterior()).chain(poly.interiors()))
                .map(|r| {
                    let mut px: Vec<(f64, f64)> = r.0.iter().map(|c| base.frame.px(*c)).collect();
                    if px.first() != px.last() {
                        px.push(px[0]);
                    }
                    thin(px)
                })
                .collect();
            p.c.push(Item::Lines {
                paths,
                stroke: Stroke::solid(GAP_RED, 1.6 * base.u),
            });
        }
        p.c.push(Item::End);
    }
    p.councils(3.0);
    p.providers(study, t, 4.0);
    p.council_names(study);
    p.legend_title(&format!("{} within reach", capitalise(units.whole())));
    for k in (0..breaks.len() - 1).rev() {
        p.legend_entry(
            Swatch::Box(Some(palette[k]), Some(Stroke::solid(GREY, 0.6 * base.u))),
            &format!("{}–{}", pct(breaks[k]), pct(breaks[k + 1])),
        );
    }
    p.legend_entry(
        Swatch::Box(Some(NO_DATA), Some(Stroke::solid(GREY, 0.6 * base.u))),
        if by_population {
            if units.people == "people" {
                "no people / no data"
            } else {
                "no points / no data"
            }
        } else {
            "no data"
        },
    );
    p.legend_y += 14.0 * base.u;
    if base.weight >= 1.0 {
        p.legend_entry(
            Swatch::Dot(BLACK, 5.0),
            &shorten(&study.service_label(t), 24),
        );
    }
    if !base.councils.paths().is_empty() {
        p.legend_entry(
            Swatch::Line(Stroke::solid(Rgb(17, 17, 17), 3.0 * base.u)),
            "council boundary",
        );
    }
    if !gaps.is_empty() {
        p.legend_entry(
            Swatch::Box(None, Some(Stroke::solid(GAP_RED, 2.0 * base.u))),
            "gap: outside every catchment",
        );
    }
    let total_pop: f64 = (0..study.areas.len())
        .filter_map(|i| rows(i).population)
        .sum();
    let covered: f64 = (0..study.areas.len())
        .filter_map(|i| rows(i).covered_population)
        .sum();
    if total_pop > 0.0 && by_population {
        p.legend_y += 14.0 * base.u;
        p.legend_note(
            &format!(
                "{} of {} {}",
                thousands(covered),
                thousands(total_pop),
                units.people
            ),
            17.0,
        );
        p.legend_note(
            &format!("({}) within reach", pct(covered / total_pop)),
            17.0,
        );
    }
    p.finish()
}

/// `n` colours spread over a palette (the palette itself when `n` is its length).
pub(crate) fn spread(palette: &[Rgb], n: usize) -> Vec<Rgb> {
    (0..n)
        .map(|k| {
            let at = if n <= 1 {
                palette.len() - 1
            } else {
                k * (palette.len() - 1) / (n - 1)
            };
            palette[at]
        })
        .collect()
}

/// The unmet-need map of service type `t`.
pub fn unmet_need_map(study: &Study, base: &Basemap, findings: &Findings, t: usize) -> Canvas {
    let name = &study.service_types[t];
    let sf = &findings.services[t];
    let units = lacuna_io::write::Units::new(study, sf.access.by_population);
    let mut unmet: Vec<Option<f64>> = vec![None; study.areas.len()];
    for u in &sf.unserved {
        unmet[u.area] = Some(u.unmet_need);
    }
    let values: Vec<f64> = sf.unserved.iter().map(|u| u.unmet_need).collect();
    let ones = vec![1.0; values.len()];
    let breaks = quantile_breaks(&values, &ones, 5);
    let palette = spread(&YLORRD, breaks.len() - 1);
    let threshold = study.spec.threshold(name);
    let mut p = base.page(
        &format!(
            "{}: unmet need for a {}",
            study_title(study),
            study.service_label(t)
        ),
        &format!(
            "Areas where under {} of {} is within reach, shaded by {} x need weight",
            pct(threshold),
            if units.by_population {
                units.people
            } else {
                "the area"
            },
            units.heading("uncovered")
        ),
    );
    p.areas(
        |i| class_fill(unmet[i].unwrap_or(f64::NAN), &breaks, &palette),
        |i| match unmet[i] {
            Some(v) => area_tip(base, i, &format!("unmet need {v:.0}")),
            None => area_tip(base, i, "served"),
        },
    );
    p.councils(2.5);
    p.providers(study, t, 3.0);
    let top: Vec<_> = sf.unserved.iter().take(base.spec.labels).collect();
    p.c.push(Item::Begin("labels".into()));
    for u in &top {
        let at = base.label_at(u.area);
        p.c.push(Item::Circle {
            at,
            r: 12.0 * base.u,
            fill: WHITE,
            stroke: Some(Stroke::solid(BLACK, 1.5 * base.u)),
        });
        p.c.text(
            (at.0, at.1 + 5.5 * base.u),
            15.0 * base.u,
            true,
            Anchor::Middle,
            &u.rank.to_string(),
        );
    }
    p.c.push(Item::End);
    p.legend_title("Unmet need");
    if sf.unserved.is_empty() {
        p.legend_note("no unserved areas", 17.0);
    }
    for k in (0..breaks.len() - 1)
        .rev()
        .filter(|_| !sf.unserved.is_empty())
    {
        p.legend_entry(
            Swatch::Box(Some(palette[k]), Some(Stroke::solid(GREY, 0.6 * base.u))),
            &format!("{}–{}", units.value(breaks[k]), units.value(breaks[k + 1])),
        );
    }
    p.legend_entry(
        Swatch::Box(Some(NO_DATA), Some(Stroke::solid(GREY, 0.6 * base.u))),
        &format!("served ({} or more)", pct(threshold)),
    );
    if base.weight >= 1.0 {
        p.legend_entry(
            Swatch::Dot(BLACK, 4.0),
            &shorten(&study.service_label(t), 24),
        );
    }
    if !top.is_empty() {
        p.legend_y += 20.0 * base.u;
        p.legend_title("Most unmet need");
        p.legend_y += 4.0 * base.u;
        for u in &top {
            let a = &study.areas[u.area];
            p.legend_note(&format!("{}. {}", u.rank, shorten(&a.name, 26)), 15.0);
            p.legend_note(
                &format!(
                    "    {}{}{} uncovered",
                    shorten(study.group_label(&a.group), 18),
                    ": ",
                    units.amount(u.uncovered_population)
                ),
                13.0,
            );
        }
    }
    p.finish()
}

/// Difference classes of flagged pairs: the threshold to 1 in three steps.
fn difference_breaks(min: f64) -> [f64; 4] {
    let step = (1.0 - min) / 3.0;
    [min, min + step, min + 2.0 * step, 1.0]
}

const PAIR_COLOURS: [Rgb; 3] = [
    Rgb(0xfd, 0xae, 0x61),
    Rgb(0xf4, 0x6d, 0x43),
    Rgb(0xa5, 0x00, 0x26),
];

/// The postcode-lottery map of service type `t`.
pub fn lottery_map(study: &Study, base: &Basemap, findings: &Findings, t: usize) -> Canvas {
    let sf = &findings.services[t];
    let params = &study.spec.findings;
    let breaks = difference_breaks(params.lottery_min_difference);
    let fixed = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
    let mut p = base.page(
        &format!("{}: postcode lottery for a {}", study_title(study), study.service_label(t)),
        &format!(
            "Neighbouring areas in different councils with similar need (deciles within {}) and coverage at least {} apart",
            params.lottery_max_need_gap,
            pct(params.lottery_min_difference)
        ),
    );
    p.areas(
        |i| class_fill(sf.access.share[i], &fixed, &GREYS),
        |i| area_tip(base, i, &pct(sf.access.share[i])),
    );
    p.councils(4.0);
    p.c.push(Item::Begin("pairs".into()));
    // Weakest first, so the largest differences are drawn on top.
    for pair in sf.pairs.iter().rev() {
        let colour = PAIR_COLOURS[class_of(pair.difference, &breaks).min(2)];
        for piece in [pair.a, pair.b] {
            p.c.push(Item::Outline {
                pieces: Arc::clone(&base.pieces),
                piece,
                stroke: Stroke::solid(colour, 2.0 * base.u),
            });
        }
        p.c.push(Item::Lines {
            paths: vec![vec![base.label_at(pair.a), base.label_at(pair.b)]],
            stroke: Stroke::solid(colour, 5.0 * base.u),
        });
    }
    p.c.push(Item::End);
    p.council_names(study);
    p.legend_title("Coverage of the area");
    for k in (0..5).rev() {
        p.legend_entry(
            Swatch::Box(Some(GREYS[k]), Some(Stroke::solid(GREY, 0.6 * base.u))),
            &format!("{}–{}", pct(fixed[k]), pct(fixed[k + 1])),
        );
    }
    p.legend_y += 14.0 * base.u;
    p.legend_title("Flagged pair: difference");
    for k in (0..3).rev() {
        p.legend_entry(
            Swatch::Line(Stroke::solid(PAIR_COLOURS[k], 5.0 * base.u)),
            &format!(
                "{}–{} points",
                pct(breaks[k]).trim_end_matches('%'),
                pct(breaks[k + 1]).trim_end_matches('%')
            ),
        );
    }
    p.legend_entry(
        Swatch::Line(Stroke::solid(Rgb(17, 17, 17), 4.0 * base.u)),
        "council boundary",
    );
    p.legend_y += 10.0 * base.u;
    p.legend_note(&format!("{} pairs flagged", sf.pairs.len()), 17.0);
    if let Some(top) = sf.pairs.first() {
        let (a, b) = (&study.areas[top.a], &study.areas[top.b]);
        p.legend_note("Largest:", 15.0);
        p.legend_note(
            &format!(
                "{} ({}): {}",
                shorten(&a.name, 26),
                shorten(study.group_label(&a.group), 16),
                pct(top.share_a)
            ),
            13.0,
        );
        p.legend_note(
            &format!(
                "{} ({}): {}",
                shorten(&b.name, 26),
                shorten(study.group_label(&b.group), 16),
                pct(top.share_b)
            ),
            13.0,
        );
    }
    p.finish()
}

/// The equity chart of service type `t`, as an SVG document drawn with plotters: coverage by
/// deprivation decile per council, and the concentration curve. `None` without a deprivation
/// measure or equity rows.
pub fn equity_chart(
    study: &Study,
    base: &Basemap,
    findings: &Findings,
    t: usize,
) -> Option<String> {
    let sf = &findings.services[t];
    let units = lacuna_io::write::Units::new(study, sf.access.by_population);
    let whole = units.whole();
    let overall = sf.equity.iter().find(|e| e.group == "ALL")?;
    let need = &findings.need;
    if need.order.is_empty() {
        return None;
    }
    register_chart_fonts();
    let u = base.u;
    let (w, h) = (f64::from(base.spec.width), f64::from(base.spec.height));
    // The two panels' plotting areas: coverage by decile on the left, the concentration curve
    // in a square on the right, their bottoms level.
    let (x0, x1, y0, y1) = (110.0 * u, w * 0.5, 150.0 * u, h - 330.0 * u);
    let side = (w - 60.0 * u - w * 0.58).min(y1 - y0);
    let right = (w * 0.58, w * 0.58 + side, y1 - side, y1);
    let mut svg = String::new();
    let drawn = (|| -> Drawn {
        let root = SVGBackend::with_string(&mut svg, (base.spec.width, base.spec.height))
            .into_drawing_area();
        root.fill(&plotters::style::WHITE)?;
        let title = format!(
            "{}: who is within reach of a {}?",
            study_title(study),
            study.service_label(t)
        );
        let subtitle = format!(
            "Concentration index {:+.3} (95% CI {:+.3} to {:+.3}); Erreygers {:+.3}. Negative: access concentrated among the more deprived",
            overall.concentration_index, overall.ci_low, overall.ci_high, overall.erreygers_index
        );
        let at_left = Pos::new(HPos::Left, VPos::Bottom);
        label(
            &root,
            &title,
            (20.0 * u, 48.0 * u),
            font(30.0 * u, true, BLACK).pos(at_left),
        )?;
        label(
            &root,
            &subtitle,
            (20.0 * u, 80.0 * u),
            font(18.0 * u, false, GREY).pos(at_left),
        )?;
        decile_panel(&root, study, findings, t, u, (x0, x1, y0, y1), whole)?;
        concentration_panel(&root, findings, t, u, right, whole)?;
        let footer = format!(
            "{}; mean coverage {}",
            units.amount(overall.population),
            pct(weighted_mean(&sf.access.share, &sf.access.weight))
        );
        let at_right = Pos::new(HPos::Right, VPos::Bottom);
        label(
            &root,
            &footer,
            (w - 20.0 * u, h - 14.0 * u),
            font(14.0 * u, false, GREY).pos(at_right),
        )?;
        // The chart is drawn from the same data as the maps, so it carries the same attribution.
        label(
            &root,
            &base.attribution,
            (20.0 * u, h - 14.0 * u),
            font(14.0 * u, false, GREY).pos(at_left),
        )?;
        root.present()?;
        Ok(())
    })();
    // Plotters fails only for a font it does not have (ours is registered above) or a failed
    // write into the string, which cannot fail.
    drawn.expect("the equity chart draws into a string");
    Some(svg)
}

/// What drawing into a chart returns.
type Drawn = std::result::Result<(), Box<dyn std::error::Error>>;

/// The whole chart, drawn into an SVG string.
type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Registers the embedded DejaVu Sans as plotters' `sans-serif`: plotters lays out axis labels
/// with its advances, and the PNG renderer maps `sans-serif` to the same font.
fn register_chart_fonts() {
    static FONTS: std::sync::Once = std::sync::Once::new();
    FONTS.call_once(|| {
        // Valid TrueType compiled in (the maps' tests render with it): registering cannot fail.
        let _ = register_font("sans-serif", FontStyle::Normal, super::canvas::REGULAR);
        let _ = register_font("sans-serif", FontStyle::Bold, super::canvas::BOLD);
    });
}

/// Text of `px` pixels: plotters' SVG writes a font size of a plotters size / 1.24.
fn font(px: f64, bold: bool, colour: Rgb) -> TextStyle<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    FontDesc::new(FontFamily::SansSerif, px * 1.24, style).color(&colour.plotters())
}

/// A line of `width` pixels (at least one).
fn line(colour: Rgb, width: f64) -> ShapeStyle {
    colour
        .plotters()
        .stroke_width(width.round().max(1.0) as u32)
}

/// Whole pixels, as plotters draws.
fn px((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

/// A text at a point of the chart.
fn label(root: &Root, text: &str, at: (f64, f64), style: TextStyle) -> Drawn {
    root.draw(&Text::new(text, px(at), style))?;
    Ok(())
}

/// A legend entry: a line swatch `len` long from `at`, and its text after it, centred on the
/// line.
fn legend_line(
    root: &Root,
    at: (f64, f64),
    len: f64,
    stroke: Stroke,
    text: &str,
    style: TextStyle,
) -> Drawn {
    let ends = [px(at), px((at.0 + len, at.1))];
    let shape = line(stroke.color, stroke.width);
    if stroke.dashed {
        root.draw(&DashedPathElement::new(ends, 4, 3, shape))?;
    } else {
        root.draw(&PathElement::new(ends, shape))?;
    }
    let pos = Pos::new(HPos::Left, VPos::Center);
    label(root, text, (at.0 + len + 10.0, at.1), style.pos(pos))
}

/// Coverage by deprivation decile, per council and for the whole study, with the councils'
/// legend under it; `(x0, x1, y0, y1)` is the plotting area.
fn decile_panel(
    root: &Root,
    study: &Study,
    findings: &Findings,
    t: usize,
    u: f64,
    (x0, x1, y0, y1): (f64, f64, f64, f64),
    whole: &str,
) -> Drawn {
    let sf = &findings.services[t];
    let need = &findings.need;
    let Groups { codes: groups, of } = Groups::of(&study.areas);
    // Population-weighted coverage per (group, decile), and overall per decile.
    let mut sums = vec![[(0.0f64, 0.0f64); 10]; groups.len() + 1];
    for (i, &gi) in of.iter().enumerate() {
        let (Some(d), wgt) = (need.decile[i], sf.access.weight[i]) else {
            continue;
        };
        let s = sf.access.share[i];
        if !(s.is_finite() && wgt > 0.0) {
            continue;
        }
        let d = usize::from(d.clamp(1, 10)) - 1;
        for g in [gi as usize, groups.len()] {
            sums[g][d].0 += s * wgt;
            sums[g][d].1 += wgt;
        }
    }
    let means = |g: usize| -> Vec<(f64, f64)> {
        (0..10)
            .filter(|&d| sums[g][d].1 > 0.0)
            .map(|d| (d as f64 + 1.0, sums[g][d].0 / sums[g][d].1))
            .collect()
    };
    let xlabel = if lacuna_io::write::study_deciles(study) {
        "Study decile of deprivation (1 = the study's most deprived tenth)"
    } else {
        "Deprivation decile (1 = most deprived)"
    };
    let mut chart = axes(
        root,
        u,
        (x0, x1, y0, y1),
        (0.5..10.5, 10),
        xlabel,
        &format!("Share of {whole} within reach"),
    )?;
    // Many councils (a national study) are one grey cloud behind the study's line; up to 16,
    // each has its colour, the second eight dashed.
    let many = groups.len() > 16;
    let stroke = |g: usize| {
        if many {
            Stroke::solid(Rgb(190, 190, 190), 1.0 * u)
        } else if g >= 8 {
            Stroke::dashed(OKABE_ITO[g % 8], 2.0 * u)
        } else {
            Stroke::solid(OKABE_ITO[g % 8], 2.0 * u)
        }
    };
    for g in 0..groups.len() {
        let (pts, s) = (means(g), stroke(g));
        let shape = line(s.color, s.width);
        if s.dashed {
            chart.draw_series(DashedLineSeries::new(pts.clone(), 4, 3, shape))?;
        } else {
            chart.draw_series(LineSeries::new(pts.clone(), shape))?;
        }
        let r = if many { 2.0 } else { 5.0 } * u;
        let dot = s.color.plotters().filled();
        chart.draw_series(pts.into_iter().map(|p| Circle::new(p, r, dot)))?;
    }
    chart.draw_series(LineSeries::new(means(groups.len()), line(BLACK, 4.0 * u)))?;
    // The councils' legend under the panel, in three columns.
    let ly = y1 + 76.0 * u;
    legend_line(
        root,
        (x0, ly),
        36.0 * u,
        Stroke::solid(BLACK, 4.0 * u),
        "whole study",
        font(15.0 * u, true, BLACK),
    )?;
    let plain = |size: f64| font(size * u, false, BLACK);
    if many {
        let text = format!("each of {} councils", groups.len());
        return legend_line(
            root,
            (x0 + 200.0 * u, ly),
            36.0 * u,
            stroke(0),
            &text,
            plain(15.0),
        );
    }
    let col_w = (x1 - x0) / 3.0;
    for (g, name) in groups.iter().enumerate() {
        let at = (
            x0 + col_w * (g % 3) as f64,
            ly + 26.0 * u * (1 + g / 3) as f64,
        );
        let s = Stroke {
            width: 3.0 * u,
            ..stroke(g)
        };
        legend_line(
            root,
            at,
            30.0 * u,
            s,
            &shorten(study.group_label(name), 22),
            plain(14.0),
        )?;
    }
    Ok(())
}

/// The concentration curve against the line of equality, with its legend under it;
/// `(x0, x1, y0, y1)` is the plotting area.
fn concentration_panel(
    root: &Root,
    findings: &Findings,
    t: usize,
    u: f64,
    (x0, x1, y0, y1): (f64, f64, f64, f64),
    whole: &str,
) -> Drawn {
    let sf = &findings.services[t];
    let order = &findings.need.order;
    let mut chart = axes(
        root,
        u,
        (x0, x1, y0, y1),
        (0.0..1.0, 6),
        &format!("Cumulative share of {whole}, most deprived first"),
        &format!("Cumulative share of {whole} within reach"),
    )?;
    let equality = line(GREY, 1.5 * u);
    chart.draw_series(DashedLineSeries::new(
        [(0.0, 0.0), (1.0, 1.0)],
        4,
        3,
        equality,
    ))?;
    let total_w: f64 = order.iter().map(|&i| sf.access.weight[i]).sum();
    let total_c: f64 = order
        .iter()
        .map(|&i| sf.access.weight[i] * sf.access.share[i].max(0.0))
        .sum();
    let curve = Stroke::solid(OKABE_ITO[4], 3.0 * u);
    if total_w > 0.0 && total_c > 0.0 {
        let mut pts = vec![(0.0, 0.0)];
        let (mut cw, mut cc) = (0.0, 0.0);
        for &i in order {
            cw += sf.access.weight[i];
            cc += sf.access.weight[i] * sf.access.share[i].max(0.0);
            pts.push((cw / total_w, cc / total_c));
        }
        // A vertex every two pixels is enough for the eye, keeps the SVG small, and spares the
        // line the zigzag of neighbouring vertices rounded to whole pixels.
        let step = 2.0 / (x1 - x0);
        pts.dedup_by(|a, b| (a.0 - b.0).abs() < step && (a.1 - b.1).abs() < step);
        chart.draw_series(LineSeries::new(pts, line(curve.color, curve.width)))?;
    }
    let ly = y1 + 76.0 * u;
    let plain = font(15.0 * u, false, BLACK);
    legend_line(
        root,
        (x0, ly),
        36.0 * u,
        curve,
        "concentration curve",
        plain.clone(),
    )?;
    legend_line(
        root,
        (x0, ly + 26.0 * u),
        36.0 * u,
        Stroke::dashed(GREY, 1.5 * u),
        "line of equality",
        plain,
    )?;
    let note = "Above the line: the more deprived have more than their share of access";
    let at_left = Pos::new(HPos::Left, VPos::Bottom);
    label(
        root,
        note,
        (x0, ly + 66.0 * u),
        font(14.0 * u, false, GREY).pos(at_left),
    )
}

/// A panel's axes over its plotting area `(x0, x1, y0, y1)`: x over `xs` (its range and how many
/// labels at most), y from 0 to 100% in fifths with light grid lines, the x title under the
/// axis and the y title above it.
fn axes<'a, 'b>(
    root: &'a Root<'b>,
    u: f64,
    (x0, x1, y0, y1): (f64, f64, f64, f64),
    xs: (std::ops::Range<f64>, usize),
    xlabel: &str,
    ylabel: &str,
) -> std::result::Result<Chart<'a, 'b>, Box<dyn std::error::Error>> {
    // The plotting area with the label areas left of it and under it.
    let (left, under) = (80.0 * u, 52.0 * u);
    let area = root
        .clone()
        .shrink(px((x0 - left, y0)), px((x1 - x0 + left, y1 - y0 + under)));
    let mut chart = ChartBuilder::on(&area)
        .y_label_area_size(left.round() as u32)
        .x_label_area_size(under.round() as u32)
        .build_cartesian_2d(xs.0.clone(), 0.0..1.0)?;
    // Deciles are labelled as whole numbers, shares as percentages.
    let integers = xs.0.end - xs.0.start >= 2.0;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(0)
        .bold_line_style(line(Rgb(225, 225, 225), 1.0 * u))
        .axis_style(line(BLACK, 1.5 * u))
        .x_labels(xs.1)
        .y_labels(6)
        .x_label_formatter(&|x| if integers { format!("{x:.0}") } else { pct(*x) })
        .y_label_formatter(&|y| pct(*y))
        .label_style(font(15.0 * u, false, BLACK))
        .x_desc(xlabel)
        .axis_desc_style(font(16.0 * u, false, BLACK))
        .draw()?;
    let at = (x0, y0 - 14.0 * u);
    label(
        root,
        ylabel,
        at,
        font(16.0 * u, false, BLACK).pos(Pos::new(HPos::Left, VPos::Bottom)),
    )?;
    Ok(chart)
}

/// A panel of the equity chart: plotters' cartesian chart over f64 x and y.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws every map and chart of a study into `dir` (PNG and SVG; PNG per `[maps] png`), in
/// parallel; returns the files written, in a fixed order.
///
/// # Errors
/// When a file cannot be written.
pub fn write_all(
    dir: &Path,
    study: &Study,
    coverage: &Coverage,
    findings: &Findings,
) -> Result<Vec<PathBuf>> {
    let png = study.spec.maps.png;
    let base = Basemap::for_study(study);
    let kinds = ["coverage", "unmet_need", "lottery", "equity"];
    let jobs: Vec<(usize, &str)> = (0..study.service_types.len())
        .flat_map(|t| kinds.iter().map(move |k| (t, *k)))
        .collect();
    let written: Vec<Vec<PathBuf>> = jobs
        .par_iter()
        .map(|&(t, kind)| -> Result<Vec<PathBuf>> {
            let stem = format!("{kind}_{}", study.service_types[t]);
            let svg = match kind {
                "coverage" => {
                    Some(coverage_map(study, &base, coverage, Some(findings), t).to_svg())
                }
                "unmet_need" => Some(unmet_need_map(study, &base, findings, t).to_svg()),
                "lottery" => Some(lottery_map(study, &base, findings, t).to_svg()),
                _ => equity_chart(study, &base, findings, t),
            };
            let Some(svg) = svg else {
                return Ok(Vec::new());
            };
            let svg_path = dir.join(format!("{stem}.svg"));
            write_atomic(&svg_path, |w| w.write_all(svg.as_bytes()))?;
            let mut out = vec![svg_path];
            if png {
                let p = dir.join(format!("{stem}.png"));
                write_png(&svg, &p)?;
                out.push(p);
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    Ok(written.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outer_edges_drop_the_edges_two_pieces_of_a_set_share() {
        let square = |x: f64| -> Vec<Coord> {
            [(x, 0.0), (x + 1.0, 0.0), (x + 1.0, 1.0), (x, 1.0), (x, 0.0)]
                .iter()
                .map(|&(x, y)| Coord { x, y })
                .collect()
        };
        // Two unit squares side by side: in one set their shared edge is inside the union.
        let one = outer_edges([("a", square(0.0)), ("a", square(1.0))].into_iter());
        assert_eq!(one.len(), 6);
        let shared = |e: &(Coord, Coord)| e.0.x == 1.0 && e.1.x == 1.0;
        assert!(!one.iter().any(shared));
        // In two sets (councils) each keeps its whole outline, the shared edge twice.
        let two = outer_edges([("a", square(0.0)), ("b", square(1.0))].into_iter());
        assert_eq!(two.len(), 8);
        assert_eq!(two.iter().filter(|e| shared(e)).count(), 2);
        // Coordinates within 1 cm match; the order is the same whatever order the rings came in.
        let mut near = square(1.0);
        near[0].x += 0.004;
        near[4].x += 0.004;
        let a = outer_edges([("a", square(0.0)), ("a", near.clone())].into_iter());
        let b = outer_edges([("a", near), ("a", square(0.0))].into_iter());
        assert_eq!(a.len(), 6);
        assert_eq!(a, b);
    }

    #[test]
    fn edges_chain_into_closed_outlines_and_open_lines() {
        let c = |x: f64, y: f64| Coord { x, y };
        // A square's four edges, in scrambled order and direction, and a separate open line.
        let edges = vec![
            (c(1.0, 0.0), c(1.0, 1.0)),
            (c(5.0, 5.0), c(6.0, 5.0)),
            (c(0.0, 1.0), c(1.0, 1.0)),
            (c(0.0, 0.0), c(1.0, 0.0)),
            (c(7.0, 5.0), c(6.0, 5.0)),
            (c(0.0, 1.0), c(0.0, 0.0)),
        ];
        let lines = chain(edges);
        assert_eq!(lines.len(), 2);
        let square = &lines[0];
        assert_eq!(square.len(), 5);
        assert_eq!(square.first(), square.last());
        let mut corners: Vec<(i64, i64)> = square[..4]
            .iter()
            .map(|p| (p.x as i64, p.y as i64))
            .collect();
        corners.sort_unstable();
        assert_eq!(corners, [(0, 0), (0, 1), (1, 0), (1, 1)]);
        let open: Vec<f64> = lines[1].iter().map(|p| p.x).collect();
        assert!(
            open == [5.0, 6.0, 7.0] || open == [7.0, 6.0, 5.0],
            "{open:?}"
        );
        // Thinning keeps both ends of a line and drops what lies within a third of a pixel.
        let thinned =
            thin_line([(0.0, 0.0), (0.1, 0.0), (0.2, 0.1), (2.0, 0.0), (2.1, 0.0)].into_iter());
        assert_eq!(thinned, [(0.0, 0.0), (2.0, 0.0), (2.1, 0.0)]);
    }

    #[test]
    fn classes_and_quantiles() {
        let b = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
        assert_eq!(class_of(0.0, &b), 0);
        assert_eq!(class_of(0.2, &b), 1);
        assert_eq!(class_of(0.79, &b), 3);
        assert_eq!(class_of(1.0, &b), 4);
        // Ten values 1..10 with equal weights: quintile breaks at 2, 4, 6, 8.
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let q = quantile_breaks(&v, &[1.0; 10], 5);
        assert_eq!(q, vec![1.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        // Weights move the breaks: the value 10 holds half the people.
        let mut w = [1.0; 10];
        w[9] = 9.0;
        let q = quantile_breaks(&v, &w, 2);
        assert_eq!(q, vec![1.0, 9.0, 10.0]);
        // All equal: one class.
        assert_eq!(quantile_breaks(&[0.5; 4], &[1.0; 4], 5).len(), 2);
    }
}
