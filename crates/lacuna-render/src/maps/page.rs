//! The layout every map shares: the frame that fits a study into the map panel, and a [`Page`]
//! being drawn, with its title, the layers of areas, councils and providers, the legend down
//! the right-hand side, the scale bar, the north arrow and the attribution line.

use std::sync::Arc;

use geo::Coord;

use super::basemap::Basemap;
use super::shorten;
use super::topology::box_centre;
use crate::canvas::{text_width, Anchor, Canvas, Item, Rgb, Stroke, BLACK, GREY, WHITE};
use lacuna_core::model::{Catchment, Groups};
use lacuna_io::LoadedStudy as Study;

/// Council boundaries' colour.
const BOUNDARY: Rgb = Rgb(17, 17, 17);

/// Maps a study onto the map panel.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame {
    min: Coord,
    pub(super) scale: f64,
    left: f64,
    top: f64,
    height: f64,
}

impl Frame {
    pub(super) fn fit(min: Coord, max: Coord, width: f64, height: f64, u: f64) -> Frame {
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

    pub(super) fn px(&self, c: Coord) -> (f64, f64) {
        (
            self.left + (c.x - self.min.x) * self.scale,
            self.top + self.height - (c.y - self.min.y) * self.scale,
        )
    }
}

/// What a legend entry shows beside its label.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A class's colour in a box with a thin grey frame.
    Class(Rgb),
    /// A box with a fill or an outline.
    Box(Option<Rgb>, Option<Stroke>),
    /// A line.
    Line(Stroke),
    /// A dot of a radius (before scaling).
    Dot(Rgb, f64),
}

/// One map being drawn.
pub(crate) struct Page<'b> {
    pub(super) base: &'b Basemap,
    pub(super) c: Canvas,
    /// Where the legend's next entry goes.
    pub(super) legend_y: f64,
}

impl<'b> Page<'b> {
    /// A page of `base` with its title and subtitle.
    pub(super) fn new(base: &'b Basemap, title: &str, subtitle: &str) -> Page<'b> {
        let mut c = Canvas::new(base.spec.width, base.spec.height);
        let u = base.u;
        c.text((20.0 * u, 48.0 * u), 30.0 * u, true, Anchor::Start, title);
        c.grey_text((20.0 * u, 80.0 * u), 18.0 * u, Anchor::Start, subtitle);
        Page {
            base,
            c,
            legend_y: 106.0 * u,
        }
    }
}

impl Page<'_> {
    fn u(&self) -> f64 {
        self.base.u
    }

    /// The legend's left edge.
    fn lx(&self) -> f64 {
        f64::from(self.base.spec.width) * 0.775
    }

    /// Adds space before the legend's next entry (`gap` before scaling).
    pub(crate) fn legend_gap(&mut self, gap: f64) {
        self.legend_y += gap * self.u();
    }

    /// Every area, each filled and titled as `fill` and `tip` say.
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

    /// The legend of a shading: its title and its entries.
    pub(crate) fn shading_legend(&mut self, shading: &super::classes::Shading) {
        self.legend_title(&shading.title);
        for (colour, label) in &shading.legend {
            self.legend_entry(Swatch::Class(*colour), label);
        }
    }

    /// The council boundaries, `width` pixels wide (before scaling).
    pub(crate) fn councils(&mut self, width: f64) {
        if self.base.councils.is_empty() {
            return;
        }
        self.c.push(Item::Begin("councils".into()));
        self.c.push(Item::Lines {
            paths: self.base.councils.clone(),
            stroke: Stroke::solid(BOUNDARY, width * self.u() * self.base.weight),
        });
        self.c.push(Item::End);
    }

    /// Each council's name on a white label, placed inside the area whose box centre is nearest
    /// the area-weighted centre of the council's areas' box centres (so the label sits inside
    /// the council even when its shape is not convex).
    pub(super) fn council_names(&mut self, study: &Study) {
        let groups = Groups::of(&study.areas);
        let named = groups.codes.iter().filter(|g| !g.is_empty()).count();
        // Hundreds of councils (a national map) would hide the map under their names.
        if !(2..=40).contains(&named) {
            return;
        }
        self.c.push(Item::Begin("council_names".into()));
        for (group, members) in groups.codes.iter().zip(groups.members()) {
            if group.is_empty() {
                continue;
            }
            if let Some(at) = self.council_label_at(study, &members) {
                self.name_label(at, &shorten(study.group_label(group), 28));
            }
        }
        self.c.push(Item::End);
    }

    /// Where a council of areas `members` is labelled (see [`Page::council_names`]); `None`
    /// when its areas have no area.
    fn council_label_at(&self, study: &Study, members: &[usize]) -> Option<(f64, f64)> {
        let w: f64 = members.iter().map(|&i| study.areas[i].local.area()).sum();
        if w <= 0.0 {
            return None;
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
        Some(at)
    }

    /// A name in bold on a white, grey-framed box centred at `at`.
    fn name_label(&mut self, at: (f64, f64), name: &str) {
        let u = self.u();
        let size = 17.0 * u;
        let half = 0.5 * text_width(name, size, true) + 5.0 * u;
        let frame = Some(Stroke::solid(GREY, 0.8 * u));
        let (y, h) = (at.1 - 0.8 * size, 1.15 * size);
        self.c
            .rect(at.0 - half, y, 2.0 * half, h, Some(WHITE), frame);
        let baseline = (at.0, at.1 + 0.1 * size);
        self.c.text(baseline, size, true, Anchor::Middle, name);
    }

    /// The providers of service type `t` as dots of radius `r` (before scaling).
    pub(super) fn providers(&mut self, study: &Study, t: usize, r: f64) {
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
                Catchment::Polygon(..) | Catchment::Network(_) => p.site,
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

    /// Marked sites (a scenario's closed or opened providers), dots of radius `r` in `fill`
    /// with a white rim, drawn whatever the map's density: they are few and the point of it.
    pub(super) fn sites(&mut self, sites: &[Coord], r: f64, fill: Rgb) {
        self.c.push(Item::Begin("sites".into()));
        for &at in sites {
            self.c.push(Item::Circle {
                at: self.base.frame.px(at),
                r: r * self.u(),
                fill,
                stroke: Some(Stroke::solid(WHITE, 1.2 * self.u())),
            });
        }
        self.c.push(Item::End);
    }

    /// Circles of `radius` metres around `sites`, outlined (new catchments).
    pub(super) fn catchments(&mut self, sites: &[Coord], radius: f64, stroke: Stroke) {
        let scaled = Stroke {
            width: stroke.width * self.u(),
            ..stroke
        };
        let paths = sites
            .iter()
            .map(|c| {
                (0..=96)
                    .map(|k| {
                        let a = std::f64::consts::TAU * (k % 96) as f64 / 96.0;
                        self.base.frame.px(Coord {
                            x: c.x + radius * a.cos(),
                            y: c.y + radius * a.sin(),
                        })
                    })
                    .collect()
            })
            .collect();
        self.c.push(Item::Lines {
            paths,
            stroke: scaled,
        });
    }

    /// Each site's rank (1, 2, ...) beside it, in bold.
    pub(super) fn numbers(&mut self, sites: &[Coord]) {
        let u = self.u();
        for (k, &c) in sites.iter().enumerate() {
            let (x, y) = self.base.frame.px(c);
            self.c.text(
                (x + 10.0 * u, y - 10.0 * u),
                18.0 * u,
                true,
                Anchor::Start,
                &(k + 1).to_string(),
            );
        }
    }

    pub(crate) fn legend_title(&mut self, text: &str) {
        let (u, x) = (self.u(), self.lx());
        self.legend_y += 24.0 * u;
        self.c
            .text((x, self.legend_y), 20.0 * u, true, Anchor::Start, text);
        self.legend_y += 6.0 * u;
    }

    /// A line of grey text in the legend, `size` pixels (before scaling).
    pub(super) fn legend_note(&mut self, text: &str, size: f64) {
        let (u, x) = (self.u(), self.lx());
        self.legend_y += size * 1.3 * u;
        self.c
            .grey_text((x, self.legend_y), size * u, Anchor::Start, text);
    }

    /// A legend entry: a swatch (box, line or dot) and a label.
    pub(crate) fn legend_entry(&mut self, swatch: Swatch, label: &str) {
        let (u, x) = (self.u(), self.lx());
        let y = self.legend_y + 10.0 * u;
        match swatch {
            Swatch::Class(fill) => {
                let frame = Some(Stroke::solid(GREY, 0.6 * u));
                self.c.rect(x, y, 36.0 * u, 26.0 * u, Some(fill), frame);
            }
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
        let at = (x + 48.0 * u, y + 20.0 * u);
        self.c.text(at, 17.0 * u, false, Anchor::Start, label);
        self.legend_y += 34.0 * u;
    }

    /// The classes of `palette`, the last first, each labelled `label(k)`.
    pub(crate) fn class_legend(&mut self, palette: &[Rgb], label: impl Fn(usize) -> String) {
        for k in (0..palette.len()).rev() {
            self.legend_entry(Swatch::Class(palette[k]), &label(k));
        }
    }

    /// The providers' legend entry, a dot of radius `r` (when the map shows them).
    pub(super) fn providers_entry(&mut self, study: &Study, t: usize, r: f64) {
        if self.base.weight >= 1.0 {
            let name = shorten(&study.service_label(t), 24);
            self.legend_entry(Swatch::Dot(BLACK, r), &name);
        }
    }

    /// The council boundaries' legend entry, a line `width` wide (when the map has councils).
    pub(super) fn councils_entry(&mut self, width: f64) {
        if !self.base.councils.is_empty() {
            let line = Stroke::solid(BOUNDARY, width * self.u());
            self.legend_entry(Swatch::Line(line), "council boundary");
        }
    }

    /// Scale bar, north arrow, attribution; the finished picture.
    pub(crate) fn finish(mut self) -> Canvas {
        self.scale_bar();
        self.north_arrow();
        let u = self.u();
        let (w, h) = (self.c.width, self.c.height);
        let at = (f64::from(w) - 20.0 * u, f64::from(h) - 14.0 * u);
        self.c
            .grey_text(at, 14.0 * u, Anchor::End, &self.base.attribution);
        self.c
    }

    /// A scale bar of a round length near a fifth of the map panel, bottom left.
    fn scale_bar(&mut self) {
        let u = self.u();
        let scale = self.base.frame.scale;
        let target_m = 0.15 * f64::from(self.c.width) / scale;
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
        let (x, y) = (40.0 * u, f64::from(self.c.height) - 62.0 * u);
        let c = &mut self.c;
        c.push(Item::Begin("scale".into()));
        c.rect(x, y, bar / 2.0, 10.0 * u, Some(BLACK), None);
        let frame = Some(Stroke::solid(BLACK, 1.0 * u));
        c.rect(x + bar / 2.0, y, bar / 2.0, 10.0 * u, Some(WHITE), frame);
        c.text((x, y + 34.0 * u), 17.0 * u, false, Anchor::Middle, "0");
        c.text(
            (x + bar, y + 34.0 * u),
            17.0 * u,
            false,
            Anchor::Middle,
            &label,
        );
        c.push(Item::End);
    }

    /// An arrow to grid north, bottom right.
    fn north_arrow(&mut self) {
        let u = self.u();
        let (nx, ny) = (
            f64::from(self.c.width) - 60.0 * u,
            f64::from(self.c.height) - 120.0 * u,
        );
        let c = &mut self.c;
        c.push(Item::Begin("north".into()));
        c.push(Item::Shape {
            rings: vec![vec![
                (nx, ny),
                (nx - 15.0 * u, ny + 50.0 * u),
                (nx, ny + 40.0 * u),
                (nx + 15.0 * u, ny + 50.0 * u),
            ]],
            fill: Some(BLACK),
            stroke: None,
        });
        c.text((nx, ny - 8.0 * u), 22.0 * u, true, Anchor::Middle, "N");
        c.push(Item::End);
    }
}
