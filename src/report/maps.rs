//! Coverage maps as self-contained SVG: areas shaded by covered share in five fixed classes of a
//! colour-blind-safe sequential palette (viridis), council boundaries drawn over them, gap
//! polygons outlined, providers as dots, with title, legend, scale bar, north arrow and
//! attribution. Polygons with holes and multipolygons
//! are single paths with `fill-rule="evenodd"`. Output is deterministic.
//!
//! Drawn in the working CRS (British National Grid in Great Britain), whose grid north is within
//! a few degrees of true north across Britain.

use std::fmt::Write as _;
use std::path::Path;

use geo::Coord;

use crate::error::Result;
use crate::io::atomic::write_atomic;
use crate::load::Study;
use crate::metrics::coverage::Coverage;
use crate::metrics::findings::Findings;
use crate::model::Catchment;

/// Width and height of the SVG in pixels.
pub const SIZE: (f64, f64) = (1600.0, 1200.0);
/// Class breaks of the covered share.
pub const BREAKS: [f64; 6] = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
/// Viridis, five classes, from least to most covered.
pub const PALETTE: [&str; 5] = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];
/// Fill of areas without a share.
pub const NO_DATA: &str = "#d9d9d9";

/// The class of a covered share (0..5).
pub fn class_of(share: f64) -> usize {
    BREAKS[1..5].iter().filter(|&&b| share >= b).count()
}

struct Frame {
    min: Coord,
    scale: f64,
    left: f64,
    top: f64,
    height: f64,
}

impl Frame {
    fn fit(study: &Study) -> Frame {
        let mut min = Coord {
            x: f64::INFINITY,
            y: f64::INFINITY,
        };
        let mut max = Coord {
            x: f64::NEG_INFINITY,
            y: f64::NEG_INFINITY,
        };
        for a in &study.areas {
            let r = a.local.bounding_rect();
            min.x = min.x.min(r.min().x);
            min.y = min.y.min(r.min().y);
            max.x = max.x.max(r.max().x);
            max.y = max.y.max(r.max().y);
        }
        // Map panel: left 1200 x 1040 px under the title; legend on the right.
        let (w, h) = (1180.0, 1020.0);
        let scale = (w / (max.x - min.x).max(1.0)).min(h / (max.y - min.y).max(1.0));
        Frame {
            min,
            scale,
            left: 20.0,
            top: 90.0 + (h - (max.y - min.y) * scale) / 2.0,
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

fn path_of(out: &mut String, frame: &Frame, rings: impl Iterator<Item = Vec<Coord>>) {
    for ring in rings {
        for (k, c) in ring.iter().enumerate() {
            let (x, y) = frame.px(*c);
            let _ = write!(out, "{}{x:.1} {y:.1}", if k == 0 { "M" } else { "L" });
        }
        out.push('Z');
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes `coverage_<type>.svg` for service type `t`.
///
/// # Errors
/// When the file cannot be written.
pub fn write_coverage_map(
    path: &Path,
    study: &Study,
    coverage: &Coverage,
    findings: Option<&Findings>,
    t: usize,
) -> Result<()> {
    let (w, h) = SIZE;
    let frame = Frame::fit(study);
    let types = study.service_types.len();
    let name = &study.service_types[t];
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans, Arial, sans-serif">"##
    );
    let _ = writeln!(s, r##"<rect width="{w}" height="{h}" fill="white"/>"##);
    let title = if study.spec.name.is_empty() {
        "Study".to_string()
    } else {
        study.spec.name.clone()
    };
    let _ = writeln!(
        s,
        r##"<text x="20" y="45" font-size="30" font-weight="bold">{}: share of people within reach of a {}</text>"##,
        escape(&title),
        escape(name)
    );
    let radius = study.spec.services.get(name).and_then(|x| x.radius_m);
    let _ = writeln!(
        s,
        r##"<text x="20" y="75" font-size="18" fill="#444">{} areas{}; straight-line catchments</text>"##,
        study.areas.len(),
        radius
            .map(|r| format!(", {r} m catchment"))
            .unwrap_or_default()
    );
    let _ = writeln!(s, r##"<g id="areas" stroke="#ffffff" stroke-width="0.6">"##);
    for (i, a) in study.areas.iter().enumerate() {
        let r = &coverage.rows[i * types + t];
        let share = r.population_share.unwrap_or(r.area_share);
        let fill = if share.is_finite() {
            PALETTE[class_of(share)]
        } else {
            NO_DATA
        };
        let mut d = String::new();
        path_of(&mut d, &frame, a.local.world_rings().flatten());
        let _ = writeln!(
            s,
            r##"<path data-area="{}" fill="{fill}" fill-rule="evenodd" d="{d}"><title>{} ({}): {:.0}%</title></path>"##,
            escape(&a.code),
            escape(&a.name),
            escape(&a.group),
            100.0 * share
        );
    }
    s.push_str("</g>\n");
    // Council boundaries: edges that belong to one area of a group only (an edge shared by two
    // areas of the same group is internal). Edges are matched on coordinates rounded to 1 cm.
    let mut edges: std::collections::HashMap<(&str, [i64; 4]), (Coord, Coord, usize)> =
        std::collections::HashMap::new();
    let key = |c: Coord| [(c.x * 100.0).round() as i64, (c.y * 100.0).round() as i64];
    for a in &study.areas {
        if a.group.is_empty() {
            continue;
        }
        for ring in a.local.world_rings().flatten() {
            for w in ring.windows(2) {
                let (p, q) = (key(w[0]), key(w[1]));
                let k = if p <= q {
                    [p[0], p[1], q[0], q[1]]
                } else {
                    [q[0], q[1], p[0], p[1]]
                };
                edges
                    .entry((a.group.as_str(), k))
                    .or_insert((w[0], w[1], 0))
                    .2 += 1;
            }
        }
    }
    let mut outline: Vec<_> = edges.into_iter().filter(|(_, v)| v.2 == 1).collect();
    outline.sort_by(|a, b| a.0.cmp(&b.0));
    let mut d = String::new();
    for (_, (p, q, _)) in &outline {
        let ((x1, y1), (x2, y2)) = (frame.px(*p), frame.px(*q));
        let _ = write!(d, "M{x1:.1} {y1:.1}L{x2:.1} {y2:.1}");
    }
    let councils = format!(
        r##"<path id="councils" fill="none" stroke="#111111" stroke-width="3" stroke-linecap="round" d="{d}"/>"##
    );
    if let Some(f) = findings {
        s.push_str(r##"<g id="gaps" fill="none" stroke="#d7301f" stroke-width="1.2" stroke-dasharray="4 3">"##);
        s.push('\n');
        for g in &f.services[t].gaps {
            let mut d = String::new();
            let rings = g.shape.0.iter().map(|p| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(|r| r.0.clone())
                    .collect::<Vec<_>>()
            });
            path_of(&mut d, &frame, rings.flatten());
            let _ = writeln!(s, r##"<path fill-rule="evenodd" d="{d}"/>"##);
        }
        s.push_str("</g>\n");
    }
    // Council boundaries over the areas and gaps, under the providers.
    s.push_str(&councils);
    s.push('\n');
    s.push_str(r##"<g id="providers" fill="#000000" stroke="#ffffff" stroke-width="1">"##);
    s.push('\n');
    for p in study.providers.iter().filter(|p| &p.service_type == name) {
        let at = match &p.catchment {
            Catchment::Disc(d) => Coord { x: d.x, y: d.y },
            Catchment::Polygon(..) => p.site,
        };
        let (x, y) = frame.px(at);
        let _ = writeln!(s, r##"<circle cx="{x:.1}" cy="{y:.1}" r="4"/>"##);
    }
    s.push_str("</g>\n");
    // Legend.
    let lx = 1240.0;
    let _ = writeln!(
        s,
        r##"<text x="{lx}" y="130" font-size="20" font-weight="bold">People within reach</text>"##
    );
    for k in 0..5 {
        let y = 150.0 + 40.0 * (4 - k) as f64;
        let _ = writeln!(
            s,
            r##"<rect x="{lx}" y="{y}" width="36" height="30" fill="{}" stroke="#888"/><text x="{}" y="{}" font-size="18">{:.0}–{:.0}%</text>"##,
            PALETTE[k],
            lx + 48.0,
            y + 22.0,
            100.0 * BREAKS[k],
            100.0 * BREAKS[k + 1]
        );
    }
    let _ = writeln!(
        s,
        r##"<rect x="{lx}" y="360" width="36" height="30" fill="{NO_DATA}" stroke="#888"/><text x="{}" y="382" font-size="18">no people / no data</text>"##,
        lx + 48.0
    );
    let _ = writeln!(
        s,
        r##"<circle cx="{}" cy="425" r="5" fill="#000"/><text x="{}" y="431" font-size="18">{}</text><line x1="{lx}" y1="505" x2="{}" y2="505" stroke="#111111" stroke-width="3"/><text x="{}" y="511" font-size="18">council boundary</text>"##,
        lx + 18.0,
        lx + 48.0,
        escape(name),
        lx + 36.0,
        lx + 48.0
    );
    if findings.is_some_and(|f| f.gap_polygons) {
        let _ = writeln!(
            s,
            r##"<rect x="{lx}" y="450" width="36" height="24" fill="none" stroke="#d7301f" stroke-width="2" stroke-dasharray="4 3"/><text x="{}" y="468" font-size="18">gap: outside every catchment</text>"##,
            lx + 48.0
        );
    }
    // Scale bar: a round length near a fifth of the map width.
    let target_m = 240.0 / frame.scale;
    let step = [1.0, 2.0, 5.0]
        .iter()
        .flat_map(|m| (0..7).map(move |e| m * 10f64.powi(e)))
        .filter(|&l| l <= target_m)
        .fold(1.0, f64::max);
    let bar = step * frame.scale;
    let label = if step >= 1000.0 {
        format!("{} km", step / 1000.0)
    } else {
        format!("{step} m")
    };
    let _ = writeln!(
        s,
        r##"<g id="scale"><rect x="40" y="1140" width="{bar:.1}" height="10" fill="#000"/><text x="40" y="1175" font-size="18">0</text><text x="{:.1}" y="1175" font-size="18" text-anchor="end">{label}</text></g>"##,
        40.0 + bar
    );
    let _ = writeln!(
        s,
        r##"<g id="north"><path d="M1540 1080 L1525 1130 L1540 1120 L1555 1130 Z" fill="#000"/><text x="1540" y="1070" font-size="22" text-anchor="middle">N</text></g>"##
    );
    let attribution = &study.spec.findings.attribution;
    let _ = writeln!(
        s,
        r##"<text x="1580" y="1188" font-size="14" fill="#555" text-anchor="end">{}</text>"##,
        escape(attribution)
    );
    s.push_str("</svg>\n");
    write_atomic(path, |w| w.write_all(s.as_bytes()))
}
