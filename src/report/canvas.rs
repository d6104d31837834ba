//! A small drawing list that renders to both SVG and PNG, so every map and chart is drawn once
//! and comes out the same in both formats.
//!
//! Why not plotters' own SVG backend and polygon element: plotters fills one ring per polygon,
//! so areas with holes (a ward around a park) and multipolygons (islands) would be filled wrongly.
//! Here polygons are filled with the even-odd rule in both formats: SVG paths with
//! `fill-rule="evenodd"`, and in the PNG our own scanline fill into the pixel buffer. Lines,
//! markers and text in the PNG are drawn with plotters' bitmap backend, text with DejaVu Sans
//! embedded in the binary (no system fonts needed). The PNG is drawn at twice its size and
//! averaged down, which anti-aliases polygon edges and lines. Output is deterministic.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Once;

use plotters::prelude::{
    BitMapBackend, Circle, DrawingArea, IntoDrawingArea, IntoFont, PathElement, RGBColor,
    ShapeStyle, Text,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::Color as _;
use plotters::style::{FontStyle, TextStyle};

use crate::error::Result;
use crate::io::atomic::write_atomic;
use crate::report::push_num;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Parses `#rrggbb`.
    pub fn hex(s: &str) -> Rgb {
        let v = u32::from_str_radix(s.trim_start_matches('#'), 16).unwrap_or(0);
        Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }

    fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    fn plotters(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// Black, white and the greys used for frames and text.
pub const BLACK: Rgb = Rgb(0, 0, 0);
/// White.
pub const WHITE: Rgb = Rgb(255, 255, 255);
/// Grey for secondary text.
pub const GREY: Rgb = Rgb(85, 85, 85);

/// Horizontal anchor of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Text starts at the point.
    Start,
    /// Text is centred on the point.
    Middle,
    /// Text ends at the point.
    End,
}

/// A stroke: colour, width in pixels, dashed or not.
#[derive(Debug, Clone, Copy)]
pub struct Stroke {
    /// Colour.
    pub color: Rgb,
    /// Width in pixels.
    pub width: f64,
    /// Dashed (4 on, 3 off).
    pub dashed: bool,
}

impl Stroke {
    /// A solid stroke.
    pub fn solid(color: Rgb, width: f64) -> Stroke {
        Stroke {
            color,
            width,
            dashed: false,
        }
    }

    /// A dashed stroke.
    pub fn dashed(color: Rgb, width: f64) -> Stroke {
        Stroke {
            color,
            width,
            dashed: true,
        }
    }
}

/// One thing to draw, in pixel coordinates (y down).
#[derive(Debug, Clone)]
pub enum Item {
    /// A polygonal shape: rings filled with the even-odd rule; `id` becomes `data-id` and
    /// `title` a tooltip in SVG.
    Shape {
        /// Closed rings (the closing point may be omitted).
        rings: Vec<Vec<(f64, f64)>>,
        /// Fill, if any.
        fill: Option<Rgb>,
        /// Outline, if any.
        stroke: Option<Stroke>,
        /// An identifier kept in the SVG.
        id: Option<String>,
        /// A tooltip kept in the SVG.
        title: Option<String>,
    },
    /// Open polylines.
    Lines {
        /// Polylines.
        paths: Vec<Vec<(f64, f64)>>,
        /// Stroke.
        stroke: Stroke,
    },
    /// A filled circle.
    Circle {
        /// Centre.
        at: (f64, f64),
        /// Radius in pixels.
        r: f64,
        /// Fill.
        fill: Rgb,
        /// Outline, if any.
        stroke: Option<Stroke>,
    },
    /// Text.
    Text {
        /// Anchor point (baseline).
        at: (f64, f64),
        /// Font size in pixels.
        size: f64,
        /// Bold or regular.
        bold: bool,
        /// Horizontal anchor.
        anchor: Anchor,
        /// Colour.
        color: Rgb,
        /// The text.
        text: String,
    },
    /// Start of a named group (an SVG `<g id=...>`; nothing in the PNG).
    Begin(String),
    /// End of the innermost group.
    End,
}

/// A picture: a size in pixels and what to draw, in order.
#[derive(Debug, Clone)]
pub struct Canvas {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// What to draw, back to front.
    pub items: Vec<Item>,
}

/// Supersampling factor of the PNG (the downsampling in `to_rgb` assumes 2).
const SS: u32 = 2;

static FONTS: Once = Once::new();

fn register_fonts() {
    FONTS.call_once(|| {
        // The fonts are valid TrueType files compiled in; registering cannot fail at run time
        // unless the files were replaced, which a test would catch.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
        );
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Bold,
            include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"),
        );
    });
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn stroke_attrs(s: Option<&Stroke>) -> String {
    match s {
        None => " stroke=\"none\"".into(),
        Some(s) => format!(
            " stroke=\"{}\" stroke-width=\"{}\" stroke-linejoin=\"round\" stroke-linecap=\"round\"{}",
            s.color.css(),
            s.width,
            if s.dashed {
                " stroke-dasharray=\"4 3\""
            } else {
                ""
            }
        ),
    }
}

/// Path data with coordinates to a tenth of a pixel, trailing zeros trimmed: a national map's
/// outlines are hundreds of thousands of numbers, and `push_num` formats them several times
/// faster than `{:.1}`.
fn push_path(d: &mut String, pts: &[(f64, f64)], close: bool) {
    for (k, &(x, y)) in pts.iter().enumerate() {
        d.push(if k == 0 { 'M' } else { 'L' });
        push_num(d, x, 1);
        d.push(' ');
        push_num(d, y, 1);
    }
    if close && !pts.is_empty() {
        d.push('Z');
    }
}

impl Canvas {
    /// An empty white canvas.
    pub fn new(width: u32, height: u32) -> Canvas {
        Canvas {
            width,
            height,
            items: Vec::new(),
        }
    }

    /// Adds an item.
    pub fn push(&mut self, item: Item) {
        self.items.push(item);
    }

    /// Adds a text.
    pub fn text(&mut self, at: (f64, f64), size: f64, bold: bool, anchor: Anchor, text: &str) {
        self.push(Item::Text {
            at,
            size,
            bold,
            anchor,
            color: BLACK,
            text: text.to_string(),
        });
    }

    /// Adds a rectangle (a one-ring shape).
    pub fn rect(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Option<Rgb>,
        stroke: Option<Stroke>,
    ) {
        self.push(Item::Shape {
            rings: vec![vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h)]],
            fill,
            stroke,
            id: None,
            title: None,
        });
    }

    /// The picture as an SVG document.
    pub fn to_svg(&self) -> String {
        let (w, h) = (self.width, self.height);
        let mut s = String::new();
        let _ = writeln!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans, Verdana, Arial, sans-serif">"##
        );
        let _ = writeln!(s, r##"<rect width="{w}" height="{h}" fill="#ffffff"/>"##);
        for item in &self.items {
            match item {
                Item::Shape {
                    rings,
                    fill,
                    stroke,
                    id,
                    title,
                } => {
                    let _ = write!(
                        s,
                        r#"<path{} fill="{}" fill-rule="evenodd"{} d=""#,
                        id.as_ref()
                            .map(|i| format!(r#" data-id="{}""#, escape(i)))
                            .unwrap_or_default(),
                        fill.map(Rgb::css).unwrap_or_else(|| "none".into()),
                        stroke_attrs(stroke.as_ref()),
                    );
                    for r in rings {
                        push_path(&mut s, r, true);
                    }
                    s.push('"');
                    match title {
                        Some(t) => {
                            let _ = writeln!(s, "><title>{}</title></path>", escape(t));
                        }
                        None => s.push_str("/>\n"),
                    }
                }
                Item::Lines { paths, stroke } => {
                    let _ = write!(s, r#"<path fill="none"{} d=""#, stroke_attrs(Some(stroke)));
                    for p in paths {
                        push_path(&mut s, p, false);
                    }
                    s.push_str("\"/>\n");
                }
                Item::Circle {
                    at,
                    r,
                    fill,
                    stroke,
                } => {
                    let _ = writeln!(
                        s,
                        r#"<circle cx="{:.1}" cy="{:.1}" r="{r}" fill="{}"{}/>"#,
                        at.0,
                        at.1,
                        fill.css(),
                        stroke_attrs(stroke.as_ref())
                    );
                }
                Item::Text {
                    at,
                    size,
                    bold,
                    anchor,
                    color,
                    text,
                } => {
                    let _ = writeln!(
                        s,
                        r#"<text x="{:.1}" y="{:.1}" font-size="{size}"{}{} fill="{}">{}</text>"#,
                        at.0,
                        at.1,
                        if *bold { r#" font-weight="bold""# } else { "" },
                        match anchor {
                            Anchor::Start => "",
                            Anchor::Middle => r#" text-anchor="middle""#,
                            Anchor::End => r#" text-anchor="end""#,
                        },
                        color.css(),
                        escape(text)
                    );
                }
                Item::Begin(id) => {
                    let _ = writeln!(s, r#"<g id="{}">"#, escape(id));
                }
                Item::End => s.push_str("</g>\n"),
            }
        }
        s.push_str("</svg>\n");
        s
    }

    /// The picture as RGB pixels (`width * height * 3` bytes, rows top to bottom).
    pub fn to_rgb(&self) -> Vec<u8> {
        register_fonts();
        let (bw, bh) = (self.width * SS, self.height * SS);
        let mut buf = vec![255u8; (bw * bh * 3) as usize];
        let k = f64::from(SS);
        // The supersampled buffer's size.
        let (sw, sh) = (bw as usize, bh as usize);
        let mut scratch = FillScratch::default();
        let mut i = 0;
        while i < self.items.len() {
            // Fills and wide strokes straight into the buffer.
            match &self.items[i] {
                Item::Shape {
                    rings,
                    fill,
                    stroke,
                    ..
                } if direct(&self.items[i], k) => {
                    if let Some(c) = fill {
                        fill_scaled(&mut scratch, &mut buf, sw, sh, rings, k, *c);
                    }
                    if let Some(s) = stroke.as_ref().filter(|s| wide(s, k)) {
                        for r in rings {
                            let closed = r.iter().chain(r.first()).copied();
                            stroke_wide(&mut buf, sw, sh, closed, s, k);
                        }
                    }
                }
                Item::Lines { paths, stroke } if wide(stroke, k) => {
                    for p in paths {
                        stroke_wide(&mut buf, sw, sh, p.iter().copied(), stroke, k);
                    }
                }
                _ => {}
            }
            // Everything else (thin outlines, markers, text) through plotters, in order, up to
            // the next item drawn straight into the buffer.
            let start = i;
            let mut end = i + 1;
            while end < self.items.len() && !direct(&self.items[end], k) {
                end += 1;
            }
            {
                let area = BitMapBackend::with_buffer(&mut buf, (bw, bh)).into_drawing_area();
                for item in &self.items[start..end] {
                    draw_with_plotters(&area, item, k);
                }
                let _ = area.present();
            }
            i = end;
        }
        // Average SS x SS blocks, a pair of rows at a time: first the two rows summed (a loop
        // the compiler vectorises), then neighbouring pixels of the sum.
        let (w, h) = (self.width as usize, self.height as usize);
        let mut out = vec![0u8; w * h * 3];
        let row = w * 3 * 2;
        let mut sum = vec![0u16; row];
        for (dst, rows) in out.chunks_exact_mut(w * 3).zip(buf.chunks_exact(2 * row)) {
            let (r0, r1) = rows.split_at(row);
            // In fixed blocks of 32, so the compiler emits vector adds.
            let mut blocks = sum.chunks_exact_mut(32);
            for ((s, a), b) in (&mut blocks)
                .zip(r0.chunks_exact(32))
                .zip(r1.chunks_exact(32))
            {
                for i in 0..32 {
                    s[i] = u16::from(a[i]) + u16::from(b[i]);
                }
            }
            let done = row - blocks.into_remainder().len();
            for ((s, &a), &b) in sum[done..].iter_mut().zip(&r0[done..]).zip(&r1[done..]) {
                *s = u16::from(a) + u16::from(b);
            }
            for (px, s) in dst.chunks_exact_mut(3).zip(sum.chunks_exact(6)) {
                px[0] = ((s[0] + s[3] + 2) / 4) as u8;
                px[1] = ((s[1] + s[4] + 2) / 4) as u8;
                px[2] = ((s[2] + s[5] + 2) / 4) as u8;
            }
        }
        out
    }

    /// Writes the picture as a PNG file (atomically).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        let rgb = self.to_rgb();
        write_atomic(path, |w| {
            let mut enc = png::Encoder::new(w, self.width, self.height);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            // Maps are large flat areas of colour: the fast encoder compresses them nearly as
            // well as the default, several times faster.
            enc.set_compression(png::Compression::Fast);
            // One filter for every row rather than the best of five per row: 5.5 ms instead of
            // 8.5 ms for a GM map, 1% larger.
            enc.set_filter(png::Filter::Paeth);
            let mut writer = enc.write_header().map_err(std::io::Error::other)?;
            writer
                .write_image_data(&rgb)
                .map_err(std::io::Error::other)?;
            writer.finish().map_err(std::io::Error::other)
        })
    }

    /// Writes the picture as an SVG file (atomically).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write_svg(&self, path: &Path) -> Result<()> {
        let svg = self.to_svg();
        write_atomic(path, |w| w.write_all(svg.as_bytes()))
    }
}

fn px(p: (f64, f64), k: f64) -> (i32, i32) {
    ((p.0 * k).round() as i32, (p.1 * k).round() as i32)
}

/// Splits a polyline into dashes of `on` and gaps of `off` pixels.
fn dashes(pts: &[(i32, i32)], on: f64, off: f64) -> Vec<Vec<(i32, i32)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(i32, i32)> = Vec::new();
    let mut drawing = true;
    let mut left = on;
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
        let len = dx.hypot(dy);
        let mut t = 0.0;
        while t < len {
            let step = left.min(len - t);
            let p0 = (
                (f64::from(a.0) + dx * t / len).round() as i32,
                (f64::from(a.1) + dy * t / len).round() as i32,
            );
            t += step;
            let p1 = (
                (f64::from(a.0) + dx * t / len).round() as i32,
                (f64::from(a.1) + dy * t / len).round() as i32,
            );
            if drawing {
                if cur.is_empty() {
                    cur.push(p0);
                }
                cur.push(p1);
            }
            left -= step;
            if left <= 1e-9 {
                if drawing && !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                drawing = !drawing;
                left = if drawing { on } else { off };
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn draw_with_plotters<'a>(
    area: &DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>,
    item: &Item,
    k: f64,
) {
    let line = |paths: Vec<Vec<(i32, i32)>>, s: &Stroke| {
        if wide(s, k) {
            // Drawn by `stroke_wide` instead.
            return;
        }
        let style = ShapeStyle {
            color: s.color.plotters().into(),
            filled: false,
            stroke_width: (s.width * k).round().max(1.0) as u32,
        };
        for p in paths {
            let parts = if s.dashed {
                dashes(&p, 4.0 * k, 3.0 * k)
            } else {
                vec![p]
            };
            for part in parts {
                let _ = area.draw(&PathElement::new(part, style));
            }
        }
    };
    match item {
        Item::Shape {
            rings,
            stroke: Some(s),
            ..
        } => {
            let paths = rings
                .iter()
                .map(|r| {
                    let mut p: Vec<_> = r.iter().map(|&c| px(c, k)).collect();
                    if let Some(&first) = p.first() {
                        if p.last() != Some(&first) {
                            p.push(first);
                        }
                    }
                    p
                })
                .collect();
            line(paths, s);
        }
        Item::Shape { .. } | Item::Begin(_) | Item::End => {}
        Item::Lines { paths, stroke } => {
            line(
                paths
                    .iter()
                    .map(|p| p.iter().map(|&c| px(c, k)).collect())
                    .collect(),
                stroke,
            );
        }
        Item::Circle {
            at,
            r,
            fill,
            stroke,
        } => {
            let c = px(*at, k);
            let r = (r * k).round() as i32;
            let _ = area.draw(&Circle::new(c, r, fill.plotters().filled()));
            if let Some(s) = stroke {
                let _ = area.draw(&Circle::new(
                    c,
                    r,
                    ShapeStyle {
                        color: s.color.plotters().into(),
                        filled: false,
                        stroke_width: (s.width * k).round().max(1.0) as u32,
                    },
                ));
            }
        }
        Item::Text {
            at,
            size,
            bold,
            anchor,
            color,
            text,
        } => {
            let font = ("sans-serif", size * k).into_font().style(if *bold {
                FontStyle::Bold
            } else {
                FontStyle::Normal
            });
            let h = match anchor {
                Anchor::Start => HPos::Left,
                Anchor::Middle => HPos::Center,
                Anchor::End => HPos::Right,
            };
            let ink = color.plotters();
            let style = TextStyle::from(font)
                .color(&ink)
                .pos(Pos::new(h, VPos::Bottom));
            // SVG anchors text at its baseline; plotters at the bottom of the line box. Lift by
            // the descent (about a fifth of the size) so both put letters in the same place.
            let (x, y) = px(*at, k);
            let _ = area.draw(&Text::new(
                text.clone(),
                (x, y + (0.22 * size * k) as i32),
                style,
            ));
        }
    }
}

/// Whether a stroke is wider than one pixel of the supersampled buffer: such strokes are drawn
/// by [`stroke_wide`], thinner ones by plotters' one-pixel lines.
fn wide(s: &Stroke, k: f64) -> bool {
    (s.width * k).round() >= 2.0
}

/// Whether `to_rgb` draws (part of) an item straight into the buffer: fills and wide strokes.
fn direct(item: &Item, k: f64) -> bool {
    match item {
        Item::Shape { fill, stroke, .. } => {
            fill.is_some() || stroke.as_ref().is_some_and(|s| wide(s, k))
        }
        Item::Lines { stroke, .. } => wide(stroke, k),
        _ => false,
    }
}

/// The vertices of a regular 12-gon of radius 1 (cos and sin of multiples of 30 degrees): the
/// joins and caps of wide strokes, scaled per stroke rather than computed per path.
const UNIT_12GON: [(f64, f64); 12] = {
    const H: f64 = 0.866_025_403_784_438_6; // sqrt(3) / 2
    [
        (1.0, 0.0),
        (H, 0.5),
        (0.5, H),
        (0.0, 1.0),
        (-0.5, H),
        (-H, 0.5),
        (-1.0, 0.0),
        (-H, -0.5),
        (-0.5, -H),
        (0.0, -1.0),
        (0.5, -H),
        (H, -0.5),
    ]
};

/// Strokes a polyline (buffer pixels) `s.width * k` wide with round joins and caps, as the
/// SVG's `stroke-linejoin="round" stroke-linecap="round"` draws it: a rectangle per segment
/// and a disc (a 12-gon) at each vertex, each filled on its own. Plotters' wide lines fill one
/// polygon per path over its whole bounding box, which made a national chart's 317 council
/// lines cost more than all of its other items.
fn stroke_wide(
    buf: &mut [u8],
    w: usize,
    h: usize,
    pts: impl Iterator<Item = (f64, f64)>,
    s: &Stroke,
    k: f64,
) {
    // Points come in map pixels; the buffer is k times larger.
    let scaled = pts.map(|p| (p.0 * k, p.1 * k));
    if s.dashed {
        let rounded: Vec<(i32, i32)> = scaled
            .map(|p| (p.0.round() as i32, p.1.round() as i32))
            .collect();
        for dash in dashes(&rounded, 4.0 * k, 3.0 * k) {
            let part = dash.into_iter().map(|(x, y)| (f64::from(x), f64::from(y)));
            stroke_part(buf, w, h, part, s, k);
        }
    } else {
        stroke_part(buf, w, h, scaled, s, k);
    }
}

/// One unbroken polyline of [`stroke_wide`], in buffer pixels. Nothing is allocated: a national
/// map's council boundaries are a hundred thousand two-point paths.
fn stroke_part(
    buf: &mut [u8],
    w: usize,
    h: usize,
    pts: impl Iterator<Item = (f64, f64)>,
    s: &Stroke,
    k: f64,
) {
    let r = s.width * k / 2.0;
    let disc = UNIT_12GON.map(|d| (r * d.0, r * d.1));
    let mut prev: Option<(f64, f64)> = None;
    for b in pts {
        if let Some(a) = prev {
            let len = (b.0 - a.0).hypot(b.1 - a.1);
            if len > 0.0 {
                let (nx, ny) = (-(b.1 - a.1) / len * r, (b.0 - a.0) / len * r);
                let quad = [
                    (a.0 + nx, a.1 + ny),
                    (b.0 + nx, b.1 + ny),
                    (b.0 - nx, b.1 - ny),
                    (a.0 - nx, a.1 - ny),
                ];
                fill_convex(buf, w, h, &quad, s.color);
            }
        }
        fill_convex(buf, w, h, &disc.map(|d| (b.0 + d.0, b.1 + d.1)), s.color);
        prev = Some(b);
    }
}

/// Fills a convex polygon: each row's centre line crosses it at most twice, so a row's pixels
/// are those whose centres lie between the smallest and largest crossing, by the same rule as
/// [`fill_even_odd`].
fn fill_convex(buf: &mut [u8], w: usize, h: usize, poly: &[(f64, f64)], c: Rgb) {
    let (mut ymin, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in poly {
        ymin = ymin.min(p.1);
        ymax = ymax.max(p.1);
    }
    if !(ymin.is_finite() && ymax.is_finite()) {
        return;
    }
    let n = poly.len();
    for row in rows(ymin, ymax, h) {
        let yc = row as f64 + 0.5;
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for i in 0..n {
            if let Some(x) = crossing(poly[i], poly[(i + 1) % n], yc) {
                lo = lo.min(x);
                hi = hi.max(x);
            }
        }
        if lo < hi {
            fill_span(&mut buf[row * w * 3..(row + 1) * w * 3], lo, hi, c);
        }
    }
}

/// The rows whose centres lie in [ymin, ymax], within a buffer `h` rows high.
fn rows(ymin: f64, ymax: f64, h: usize) -> std::ops::Range<usize> {
    let row0 = (ymin - 0.5).ceil().max(0.0) as usize;
    let row1 = ((ymax - 0.5).floor().min(h as f64 - 1.0)).max(-1.0);
    row0..(row1 + 1.0) as usize
}

/// Where the edge from `a` to `b` crosses the horizontal line `y = yc`, counting its lower end
/// and not its upper one (so a vertex on the line is crossed once, and horizontal edges never).
fn crossing(a: (f64, f64), b: (f64, f64), yc: f64) -> Option<f64> {
    let ((x0, y0), (x1, y1)) = (a, b);
    ((y0 <= yc && yc < y1) || (y1 <= yc && yc < y0)).then(|| x0 + (yc - y0) * (x1 - x0) / (y1 - y0))
}

/// Paints the pixels of one buffer row whose centres lie in [from, to).
fn fill_span(line: &mut [u8], from: f64, to: f64, c: Rgb) {
    let w = line.len() / 3;
    let start = (from - 0.5).ceil().max(0.0) as usize;
    let end = ((to - 0.5).ceil().min(w as f64)).max(0.0) as usize;
    if start < end {
        for px in line[start * 3..end * 3].chunks_exact_mut(3) {
            px.copy_from_slice(&[c.0, c.1, c.2]);
        }
    }
}

/// Fills `rings` with the even-odd rule: a pixel is filled when its centre lies inside an odd
/// number of rings. Holes and separate parts need no special handling.
///
/// Each row looks only at the edges that span it (an active-edge list over the edges sorted by
/// their first row): a gap polygon of thousands of edges over the whole height would otherwise
/// test every edge on every row.
pub fn fill_even_odd(buf: &mut [u8], w: usize, h: usize, rings: &[Vec<(f64, f64)>], c: Rgb) {
    fill_scaled(&mut FillScratch::default(), buf, w, h, rings, 1.0, c);
}

/// An edge for [`fill_scaled`]: (first row, x0, y0, x1, y1).
type Edge = (i64, f64, f64, f64, f64);

/// The buffers of [`fill_scaled`], kept from one shape to the next: a national map fills 33,000
/// shapes.
#[derive(Default)]
struct FillScratch {
    edges: Vec<Edge>,
    active: Vec<Edge>,
    xs: Vec<f64>,
}

/// [`fill_even_odd`] of `rings` scaled by `k`.
fn fill_scaled(
    scratch: &mut FillScratch,
    buf: &mut [u8],
    w: usize,
    h: usize,
    rings: &[Vec<(f64, f64)>],
    k: f64,
    c: Rgb,
) {
    let FillScratch { edges, active, xs } = scratch;
    edges.clear();
    active.clear();
    // Rows are only a conservative window: the exact test below decides which edges cross a
    // row's centre.
    let (mut ymin, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY);
    for r in rings {
        let n = r.len();
        for i in 0..n {
            let (a, b) = (r[i], r[(i + 1) % n]);
            let (a, b) = ((a.0 * k, a.1 * k), (b.0 * k, b.1 * k));
            if a.1 != b.1 && a.0.is_finite() && b.0.is_finite() {
                let lo = a.1.min(b.1);
                edges.push(((lo - 0.5).floor() as i64, a.0, a.1, b.0, b.1));
                ymin = ymin.min(lo);
                ymax = ymax.max(a.1.max(b.1));
            }
        }
    }
    if edges.is_empty() {
        return;
    }
    edges.sort_by_key(|e| e.0);
    let mut next = 0;
    // Active edges hold (last row + 1, x0, y0, x1, y1).
    for row in rows(ymin, ymax, h) {
        let r = row as i64;
        while next < edges.len() && edges[next].0 <= r {
            let (_, x0, y0, x1, y1) = edges[next];
            active.push(((y0.max(y1) - 0.5).ceil() as i64 + 1, x0, y0, x1, y1));
            next += 1;
        }
        active.retain(|e| e.0 > r);
        let yc = row as f64 + 0.5;
        xs.clear();
        xs.extend(
            active
                .iter()
                .filter_map(|&(_, x0, y0, x1, y1)| crossing((x0, y0), (x1, y1), yc)),
        );
        xs.sort_by(f64::total_cmp);
        let line = &mut buf[row * w * 3..(row + 1) * w * 3];
        for pair in xs.chunks_exact(2) {
            fill_span(line, pair[0], pair[1], c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixel(c: &Canvas, rgb: &[u8], x: usize, y: usize) -> Rgb {
        let o = (y * c.width as usize + x) * 3;
        Rgb(rgb[o], rgb[o + 1], rgb[o + 2])
    }

    #[test]
    fn a_square_fills_inside_and_not_outside() {
        let mut c = Canvas::new(100, 80);
        let red = Rgb(200, 30, 30);
        c.rect(20.0, 10.0, 40.0, 30.0, Some(red), None);
        let rgb = c.to_rgb();
        assert_eq!(pixel(&c, &rgb, 21, 11), red);
        assert_eq!(pixel(&c, &rgb, 59, 39), red);
        assert_eq!(pixel(&c, &rgb, 40, 25), red);
        assert_eq!(pixel(&c, &rgb, 19, 25), WHITE);
        assert_eq!(pixel(&c, &rgb, 60, 25), WHITE);
        assert_eq!(pixel(&c, &rgb, 40, 9), WHITE);
        assert_eq!(pixel(&c, &rgb, 40, 40), WHITE);
        // Exactly 40 x 30 pixels are red: edges on pixel boundaries are not smeared.
        let red_count = rgb.chunks(3).filter(|p| *p == [200, 30, 30]).count();
        assert_eq!(red_count, 40 * 30);
    }

    #[test]
    fn a_hole_stays_unfilled_and_parts_are_both_filled() {
        let mut c = Canvas::new(100, 100);
        let blue = Rgb(20, 40, 200);
        let square = |x: f64, y: f64, s: f64| vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s)];
        c.push(Item::Shape {
            // An outer square with a hole, and an island inside the hole, and a second part.
            rings: vec![
                square(10.0, 10.0, 60.0),
                square(25.0, 25.0, 30.0),
                square(35.0, 35.0, 10.0),
                square(80.0, 80.0, 10.0),
            ],
            fill: Some(blue),
            stroke: None,
            id: None,
            title: None,
        });
        let rgb = c.to_rgb();
        assert_eq!(pixel(&c, &rgb, 15, 15), blue);
        assert_eq!(pixel(&c, &rgb, 28, 28), WHITE, "hole");
        assert_eq!(pixel(&c, &rgb, 40, 40), blue, "island in the hole");
        assert_eq!(pixel(&c, &rgb, 85, 85), blue, "second part");
        assert_eq!(pixel(&c, &rgb, 75, 75), WHITE);
        let svg = c.to_svg();
        assert!(svg.contains(r#"fill-rule="evenodd""#));
    }

    #[test]
    fn scanline_fill_equals_a_crossing_count_at_every_pixel_centre() {
        // Random rings, some reaching outside the canvas: a pixel is filled exactly when an odd
        // number of edge crossings of its row lie at or left of its centre.
        let (w, h) = (37, 29);
        let mut rng = crate::rng::SplitMix64::new(11);
        for case in 0..200 {
            let rings: Vec<Vec<(f64, f64)>> = (0..1 + case % 3)
                .map(|_| {
                    (0..3 + rng.below(12))
                        .map(|_| (rng.range(-5.0, 42.0), rng.range(-5.0, 34.0)))
                        .collect()
                })
                .collect();
            let mut buf = vec![255u8; w * h * 3];
            fill_even_odd(&mut buf, w, h, &rings, BLACK);
            for y in 0..h {
                let yc = y as f64 + 0.5;
                for x in 0..w {
                    let xc = x as f64 + 0.5;
                    let mut crossings = 0;
                    for r in &rings {
                        for i in 0..r.len() {
                            let ((x0, y0), (x1, y1)) = (r[i], r[(i + 1) % r.len()]);
                            if ((y0 <= yc && yc < y1) || (y1 <= yc && yc < y0))
                                && x0 + (yc - y0) * (x1 - x0) / (y1 - y0) <= xc
                            {
                                crossings += 1;
                            }
                        }
                    }
                    let filled = buf[(y * w + x) * 3] == 0;
                    assert_eq!(filled, crossings % 2 == 1, "case {case}, pixel {x},{y}");
                }
            }
        }
    }

    #[test]
    fn wide_lines_have_their_width_round_caps_and_dashes() {
        let mut c = Canvas::new(100, 60);
        c.push(Item::Lines {
            paths: vec![vec![(10.0, 20.0), (50.0, 20.0)]],
            stroke: Stroke::solid(BLACK, 4.0),
        });
        c.push(Item::Lines {
            paths: vec![vec![(10.0, 45.0), (90.0, 45.0)]],
            stroke: Stroke::dashed(BLACK, 2.0),
        });
        let rgb = c.to_rgb();
        // 4 px wide: rows 18 to 21 are ink, 16 and 23 are not.
        for y in 18..=21 {
            assert_eq!(pixel(&c, &rgb, 30, y), BLACK, "row {y}");
        }
        assert_eq!(pixel(&c, &rgb, 30, 16), WHITE);
        assert_eq!(pixel(&c, &rgb, 30, 23), WHITE);
        // Round caps reach half the width past each end, no further.
        assert_eq!(pixel(&c, &rgb, 51, 20), BLACK);
        assert_eq!(pixel(&c, &rgb, 8, 20), BLACK);
        assert_eq!(pixel(&c, &rgb, 53, 20), WHITE);
        assert_eq!(pixel(&c, &rgb, 6, 20), WHITE);
        // Dashes of 4 px and gaps of 3 px, 2 px wide: the round caps eat 1 px of each gap,
        // which shows as a lighter pixel every 7.
        let light = (10..90).filter(|&x| pixel(&c, &rgb, x, 45).0 > 100).count();
        assert!((8..=24).contains(&light), "{light} of 80 pixels light");
        assert_eq!(pixel(&c, &rgb, 12, 45), BLACK);
    }

    #[test]
    fn text_is_drawn_with_the_embedded_font() {
        let mut c = Canvas::new(200, 60);
        c.text((10.0, 40.0), 30.0, true, Anchor::Start, "Lacuna");
        let rgb = c.to_rgb();
        let dark = rgb.chunks(3).filter(|p| p[0] < 128).count();
        // Six bold letters at 30 px cover a few hundred pixels; an unregistered font draws none.
        assert!(dark > 300, "{dark} dark pixels");
        // All ink lies between the top of the capitals and the descender line.
        for y in (0..8).chain(48..60) {
            for x in 0..200 {
                assert_eq!(pixel(&c, &rgb, x, y), WHITE, "ink at {x},{y}");
            }
        }
    }

    #[test]
    fn output_is_deterministic() {
        let mut c = Canvas::new(50, 50);
        c.push(Item::Circle {
            at: (25.0, 25.0),
            r: 10.0,
            fill: Rgb(10, 200, 10),
            stroke: Some(Stroke::solid(BLACK, 1.0)),
        });
        c.push(Item::Lines {
            paths: vec![vec![(0.0, 0.0), (50.0, 50.0)]],
            stroke: Stroke::dashed(BLACK, 2.0),
        });
        assert_eq!(c.to_rgb(), c.to_rgb());
        assert_eq!(c.to_svg(), c.to_svg());
    }
}
