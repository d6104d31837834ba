//! A small drawing list that renders to both SVG and PNG, so every map and chart is drawn once
//! and comes out the same in both formats.
//!
//! Why not plotters' own SVG backend and polygon element: plotters fills one ring per polygon,
//! so areas with holes (a ward around a park) and multipolygons (islands) would be filled wrongly.
//! Here polygons are filled with the even-odd rule in both formats: SVG paths with
//! `fill-rule="evenodd"`, and in the PNG the anti-aliased area coverage of
//! [`raster`](super::raster), which also draws lines and markers. Text in the PNG is drawn as
//! plotters draws it, with DejaVu Sans (regular and bold) embedded in the binary (no system
//! fonts needed), at twice the size into a coverage mask that is cached across pictures: each
//! glyph is drawn by plotters once per size and texts are put together from those glyphs with
//! ab_glyph's advances and kerning, which a test checks gives plotters' whole-text drawing pixel
//! for pixel. Output is deterministic.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex, Once, OnceLock};

use plotters::prelude::{FontDesc, FontFamily, IntoDrawingArea, RGBColor, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, TextStyle};

use crate::raster::{Mosaic, Raster};
use lacuna_io::atomic::write_atomic;
use lacuna_io::error::Result;
use lacuna_io::write::push_num;

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
        let mut s = String::with_capacity(7);
        self.push_css(&mut s);
        s
    }

    /// Appends the colour as `#rrggbb`.
    fn push_css(self, s: &mut String) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        s.push('#');
        for v in [self.0, self.1, self.2] {
            s.push(char::from(HEX[usize::from(v >> 4)]));
            s.push(char::from(HEX[usize::from(v & 15)]));
        }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Polygons shared with other pictures, each with its own fill (and tooltip) here and all
    /// with one outline: drawn as [`Item::Shape`]s with an id would be, except that in the PNG
    /// the outlines are drawn after all the fills (where neighbours share a boundary the later
    /// one's outline lies on top either way).
    Pieces {
        /// The shared polygons.
        pieces: Arc<Pieces>,
        /// One fill per piece.
        fills: Vec<Rgb>,
        /// One tooltip per piece (or none).
        titles: Vec<String>,
        /// The outline of every piece, if any.
        stroke: Option<Stroke>,
    },
    /// The outline of one of the polygons shared with other pictures: drawn as an unfilled
    /// [`Item::Shape`] of its rings would be, its pixel coverage per stroke worked out once
    /// (the postcode lottery maps outline the same areas for several services).
    Outline {
        /// The shared polygons.
        pieces: Arc<Pieces>,
        /// Which of them.
        piece: usize,
        /// Stroke.
        stroke: Stroke,
    },
    /// Polylines shared with other pictures: drawn as [`Item::Lines`] would be.
    Polylines {
        /// The shared polylines.
        lines: Arc<Polylines>,
        /// Stroke.
        stroke: Stroke,
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

/// Polygons many pictures draw with the same outlines and their own fills (a study's areas on
/// each of its maps): their SVG path data, and how they cover the pixels of a picture of one
/// size, are worked out by the first picture that needs them and shared by the others.
#[derive(Debug)]
pub struct Pieces {
    rings: Vec<Vec<Vec<(f64, f64)>>>,
    ids: Vec<String>,
    /// Escaped id and path data, per piece.
    svg: OnceLock<Vec<(String, String)>>,
    mosaic: OnceLock<Mosaic>,
    /// The outlines' coverage, per stroke.
    outlines: Masks,
    /// Each piece's own outline coverage, per stroke (see [`Item::Outline`]).
    outline_of: Vec<Masks>,
}

impl Pieces {
    /// Pieces with their ids and rings (in pixels).
    pub fn new(ids: Vec<String>, rings: Vec<Vec<Vec<(f64, f64)>>>) -> Pieces {
        Pieces {
            outline_of: (0..rings.len()).map(|_| Masks::default()).collect(),
            rings,
            ids,
            svg: OnceLock::new(),
            mosaic: OnceLock::new(),
            outlines: Masks::default(),
        }
    }

    /// Escaped id and path data of each piece, worked out the first time only.
    fn svg_paths(&self) -> &[(String, String)] {
        self.svg.get_or_init(|| {
            self.rings
                .iter()
                .zip(&self.ids)
                .map(|(rings, id)| {
                    let mut d = String::new();
                    for r in rings {
                        push_path(&mut d, r, true);
                    }
                    (escape(id), d)
                })
                .collect()
        })
    }

    /// Works out, in parallel, how the pieces and (with `stroke`) their outlines cover a
    /// picture of `width` x `height`, so that the pictures drawn next in parallel do not wait
    /// on the first of them to do it.
    pub fn prepare(&self, width: u32, height: u32, stroke: Option<&Stroke>) {
        let (w, h) = (width as usize, height as usize);
        rayon::join(
            || {
                self.mosaic
                    .get_or_init(|| Raster::mosaic(w, h, &self.rings));
            },
            || {
                if let Some(s) = stroke {
                    let mut r = Raster::new(w, h);
                    self.outlines.get(&mut r, s, |r| self.cover_outlines(r, s));
                }
            },
        );
    }

    /// Adds the coverage of every piece's outline.
    fn cover_outlines(&self, r: &mut Raster, s: &Stroke) {
        for rings in &self.rings {
            cover_stroke(r, rings, true, s);
        }
    }

    /// The rings of piece `i`.
    pub fn rings(&self, i: usize) -> &[Vec<(f64, f64)>] {
        &self.rings[i]
    }

    /// How many pieces there are.
    pub fn len(&self) -> usize {
        self.rings.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rings.is_empty()
    }
}

/// What a stroke's coverage depends on besides the lines: width (its bits), dashed, and the
/// picture's size.
type MaskKey = (u64, bool, usize, usize);

/// A stroke's coverage: (pixel, coverage in 1/255ths).
type Mask = Vec<(u32, u8)>;

/// Strokes' coverage of shared lines, by what it depends on besides the lines.
#[derive(Debug, Default)]
struct Masks(Mutex<Vec<(MaskKey, Arc<Mask>)>>);

impl Masks {
    /// Draws a stroke `s` whose coverage `cover` adds, working it out the first time only.
    fn draw(&self, r: &mut Raster, s: &Stroke, cover: impl FnOnce(&mut Raster)) {
        let mask = self.get(r, s, cover);
        r.paint_mask(&mask, s.color);
    }

    /// The coverage of a stroke `s` that `cover` adds, worked out the first time only.
    fn get(&self, r: &mut Raster, s: &Stroke, cover: impl FnOnce(&mut Raster)) -> Arc<Mask> {
        let key = (s.width.to_bits(), s.dashed, r.w, r.h);
        let mut masks = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = masks.iter().find(|m| m.0 == key) {
            return Arc::clone(&m.1);
        }
        cover(r);
        let m = Arc::new(r.take_mask());
        masks.push((key, Arc::clone(&m)));
        m
    }
}

/// Polylines many pictures draw (council boundaries on each map): their SVG path data, and their
/// pixel coverage per stroke, worked out once and shared.
#[derive(Debug)]
pub struct Polylines {
    paths: Vec<Vec<(f64, f64)>>,
    svg: OnceLock<String>,
    masks: Masks,
}

impl Polylines {
    /// Shared polylines (in pixels).
    pub fn new(paths: Vec<Vec<(f64, f64)>>) -> Polylines {
        Polylines {
            paths,
            svg: OnceLock::new(),
            masks: Masks::default(),
        }
    }

    /// The polylines.
    pub fn paths(&self) -> &[Vec<(f64, f64)>] {
        &self.paths
    }
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

static FONTS: Once = Once::new();

thread_local! {
    /// The buffer of this thread's last PNG, for the next one.
    static SPARE: std::cell::Cell<Option<Raster>> = const { std::cell::Cell::new(None) };
}

/// DejaVu Sans, embedded.
const REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold, embedded.
const BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

fn register_fonts() {
    FONTS.call_once(|| {
        // The fonts are valid TrueType files compiled in; registering cannot fail at run time
        // unless the files were replaced, which a test would catch.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, REGULAR);
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, BOLD);
    });
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

/// Appends `text` with `&`, `<`, `>` and `"` escaped: a national map has a title per area,
/// and four `replace`s allocated four strings for each.
fn push_escaped(out: &mut String, text: &str) {
    let mut from = 0;
    for (i, b) in text.bytes().enumerate() {
        let with = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        // The escaped characters are ASCII, so `i` is a character boundary.
        out.push_str(&text[from..i]);
        out.push_str(with);
        from = i + 1;
    }
    out.push_str(&text[from..]);
}

/// A shape's stroke attributes.
fn stroke_attrs(s: Option<&Stroke>) -> String {
    let Some(s) = s else {
        return " stroke=\"none\"".into();
    };
    let mut out = String::from(" stroke=\"");
    s.color.push_css(&mut out);
    let _ = write!(
        out,
        "\" stroke-width=\"{}\" stroke-linejoin=\"round\" stroke-linecap=\"round\"{}",
        s.width,
        if s.dashed {
            " stroke-dasharray=\"4 3\""
        } else {
            ""
        }
    );
    out
}

/// A filled or outlined path; `id` is escaped already, `stroke` is [`stroke_attrs`]' output.
fn svg_shape(
    s: &mut String,
    id: Option<&str>,
    fill: Option<Rgb>,
    stroke: &str,
    d: impl FnOnce(&mut String),
    title: Option<&str>,
) {
    s.push_str("<path");
    if let Some(id) = id {
        s.push_str(" data-id=\"");
        s.push_str(id);
        s.push('"');
    }
    s.push_str(" fill=\"");
    match fill {
        Some(c) => c.push_css(s),
        None => s.push_str("none"),
    }
    s.push_str("\" fill-rule=\"evenodd\"");
    s.push_str(stroke);
    s.push_str(" d=\"");
    d(s);
    s.push('"');
    match title {
        Some(t) => {
            s.push_str("><title>");
            push_escaped(s, t);
            s.push_str("</title></path>\n");
        }
        None => s.push_str("/>\n"),
    }
}

/// A stroked, unfilled path.
fn svg_lines(s: &mut String, stroke: &Stroke, d: impl FnOnce(&mut String)) {
    let _ = write!(s, r#"<path fill="none"{} d=""#, stroke_attrs(Some(stroke)));
    d(s);
    s.push_str("\"/>\n");
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
                } => svg_shape(
                    &mut s,
                    id.as_deref().map(escape).as_deref(),
                    *fill,
                    &stroke_attrs(stroke.as_ref()),
                    |s| {
                        for r in rings {
                            push_path(s, r, true);
                        }
                    },
                    title.as_deref(),
                ),
                Item::Pieces {
                    pieces,
                    fills,
                    titles,
                    stroke,
                } => {
                    let svg = pieces.svg_paths();
                    let stroke = stroke_attrs(stroke.as_ref());
                    for (k, (id, d)) in svg.iter().enumerate() {
                        svg_shape(
                            &mut s,
                            Some(id),
                            Some(fills[k]),
                            &stroke,
                            |s| s.push_str(d),
                            titles.get(k).map(String::as_str),
                        );
                    }
                }
                Item::Outline {
                    pieces,
                    piece,
                    stroke,
                } => svg_shape(
                    &mut s,
                    None,
                    None,
                    &stroke_attrs(Some(stroke)),
                    |s| s.push_str(&pieces.svg_paths()[*piece].1),
                    None,
                ),
                Item::Lines { paths, stroke } => svg_lines(&mut s, stroke, |s| {
                    for p in paths {
                        push_path(s, p, false);
                    }
                }),
                Item::Polylines { lines, stroke } => {
                    let d = lines.svg.get_or_init(|| {
                        let mut d = String::new();
                        for p in &lines.paths {
                            push_path(&mut d, p, false);
                        }
                        d
                    });
                    svg_lines(&mut s, stroke, |s| s.push_str(d));
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
        self.render().rgb
    }

    /// The picture drawn into a buffer this thread has drawn a picture of the same size into
    /// before, when there is one: a fresh 1600 x 1200 buffer costs more in page faults than
    /// some maps cost to draw.
    fn render(&self) -> Raster {
        register_fonts();
        let (w, h) = (self.width as usize, self.height as usize);
        let mut r = match SPARE.with(|s| s.take()) {
            Some(mut r) if (r.w, r.h) == (w, h) => {
                r.clear();
                r
            }
            _ => Raster::new(w, h),
        };
        for item in &self.items {
            draw(&mut r, item);
        }
        r
    }

    /// Writes the picture as a PNG file (atomically).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        let r = self.render();
        let rgb = &r.rgb;
        let written = write_atomic(path, |w| {
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
                .write_image_data(rgb)
                .map_err(std::io::Error::other)?;
            writer.finish().map_err(std::io::Error::other)
        });
        SPARE.with(|s| s.set(Some(r)));
        written
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

/// Draws a shape, line, or marker into the pixel buffer.
fn draw(r: &mut Raster, item: &Item) {
    match item {
        Item::Shape {
            rings,
            fill,
            stroke,
            ..
        } => {
            if let Some(c) = fill {
                r.fill(rings, *c);
            }
            if let Some(s) = stroke {
                stroke_paths(r, rings, true, s);
            }
        }
        Item::Lines { paths, stroke: s } => stroke_paths(r, paths, false, s),
        Item::Pieces {
            pieces,
            fills,
            stroke,
            ..
        } => {
            let mosaic = pieces
                .mosaic
                .get_or_init(|| Raster::mosaic(r.w, r.h, &pieces.rings));
            if mosaic.size == (r.w, r.h) {
                r.paint(mosaic, fills);
            } else {
                // Shared with a picture of another size: worked out for this one alone.
                r.paint(&Raster::mosaic(r.w, r.h, &pieces.rings), fills);
            }
            if let Some(s) = stroke {
                pieces.outlines.draw(r, s, |r| pieces.cover_outlines(r, s));
            }
        }
        Item::Outline {
            pieces,
            piece,
            stroke: s,
        } => {
            let rings = &pieces.rings[*piece];
            pieces.outline_of[*piece].draw(r, s, |r| cover_stroke(r, rings, true, s));
        }
        Item::Polylines { lines, stroke: s } => {
            lines
                .masks
                .draw(r, s, |r| cover_stroke(r, &lines.paths, false, s));
        }
        Item::Circle {
            at,
            r: radius,
            fill,
            stroke,
        } => {
            r.disc(*at, *radius, *fill);
            if let Some(s) = stroke {
                r.ring(*at, *radius, s.width, s.color);
            }
        }
        Item::Text { .. } => draw_text(r, item),
        Item::Begin(_) | Item::End => {}
    }
}

/// Strokes polylines (rings when `closed`), dashed or not.
fn stroke_paths(r: &mut Raster, paths: &[Vec<(f64, f64)>], closed: bool, s: &Stroke) {
    cover_stroke(r, paths, closed, s);
    r.flush(s.color);
}

/// Adds the coverage of a stroke of polylines (rings when `closed`), dashed or not.
fn cover_stroke(r: &mut Raster, paths: &[Vec<(f64, f64)>], closed: bool, s: &Stroke) {
    if !s.dashed {
        r.cover(paths.iter().map(|p| (p.as_slice(), closed)), s.width);
        return;
    }
    let parts: Vec<Vec<(f64, f64)>> = paths
        .iter()
        .flat_map(|p| {
            let mut p = p.clone();
            if closed && p.len() > 2 {
                p.push(p[0]);
            }
            dashes(&p, 4.0, 3.0)
        })
        .collect();
    r.cover(parts.iter().map(|p| (p.as_slice(), false)), s.width);
}

/// Splits a polyline into dashes of `on` and gaps of `off` pixels.
fn dashes(pts: &[(f64, f64)], on: f64, off: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let mut drawing = true;
    let mut left = on;
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = dx.hypot(dy);
        let at = |t: f64| (a.0 + dx * t / len, a.1 + dy * t / len);
        let mut t = 0.0;
        while t < len {
            let step = left.min(len - t);
            if drawing && cur.is_empty() {
                cur.push(at(t));
            }
            t += step;
            if drawing {
                cur.push(at(t));
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

/// Text is drawn at this many times the picture's size: plotters places each glyph at a whole
/// pixel, which at the picture's own size spaces letters visibly unevenly.
const TEXT_SCALE: i32 = 2;

/// A plotters backend that collects a text's glyph coverage, at [`TEXT_SCALE`] times the
/// picture's size: (x, y, share of the pixel) per glyph pixel drawn.
struct Ink<'a>(&'a mut Vec<(i32, i32, f64)>);

/// Where [`Ink`] draws a text's anchor, at [`TEXT_SCALE`] times the size: far enough from the
/// origin that no glyph is clipped.
const INK_ORIGIN: i32 = 1 << 16;

impl plotters::prelude::DrawingBackend for Ink<'_> {
    type ErrorType = std::convert::Infallible;

    fn get_size(&self) -> (u32, u32) {
        (2 * INK_ORIGIN as u32, 2 * INK_ORIGIN as u32)
    }

    fn ensure_prepared(
        &mut self,
    ) -> std::result::Result<(), plotters_backend::DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn present(
        &mut self,
    ) -> std::result::Result<(), plotters_backend::DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        (x, y): plotters_backend::BackendCoord,
        color: plotters_backend::BackendColor,
    ) -> std::result::Result<(), plotters_backend::DrawingErrorKind<Self::ErrorType>> {
        if color.alpha > 0.0 {
            self.0.push((x, y, color.alpha));
        }
        Ok(())
    }
}

/// What a text's coverage depends on: the text, size (bits), bold, anchor, and where its
/// anchor falls within a picture pixel at [`TEXT_SCALE`] times the size.
type TextKey = (String, u64, bool, Anchor, (i32, i32));

/// A text's coverage: (x, y) from the picture pixel of its anchor, coverage in 1/255ths.
type TextMask = Vec<(i32, i32, u8)>;

/// Texts already drawn, by what their coverage depends on: the maps of a study repeat their
/// legends, council names, scale bars and attribution.
static TEXTS: OnceLock<Mutex<std::collections::HashMap<TextKey, Arc<TextMask>>>> = OnceLock::new();

/// Draws a text with plotters and the embedded font: glyph coverage at twice the size,
/// averaged into the picture's pixels and blended in the text's colour.
fn draw_text(r: &mut Raster, item: &Item) {
    let Item::Text {
        at,
        size,
        bold,
        anchor,
        color,
        text,
    } = item
    else {
        return;
    };
    let k = f64::from(TEXT_SCALE);
    // SVG anchors text at its baseline; plotters at the bottom of the line box. Lift by the
    // descent (about a fifth of the size) so both put letters in the same place.
    let (x, y) = (
        (at.0 * k).round() as i32,
        ((at.1 + 0.22 * size) * k).round() as i32,
    );
    let (px, py) = (x.div_euclid(TEXT_SCALE), y.div_euclid(TEXT_SCALE));
    let phase = (x.rem_euclid(TEXT_SCALE), y.rem_euclid(TEXT_SCALE));
    let key = (text.clone(), size.to_bits(), *bold, *anchor, phase);
    let cache = TEXTS.get_or_init(Default::default);
    let found = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .cloned();
    let mask = match found {
        Some(m) => m,
        None => {
            let m = Arc::new(text_mask(text, *size, *bold, *anchor, phase));
            cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, Arc::clone(&m));
            m
        }
    };
    r.paint_text(&mask, (px, py), *color);
}

/// The coverage of a text drawn by plotters at [`TEXT_SCALE`] times the size, its anchor at
/// `phase` within the picture pixel (0, 0).
fn text_mask(text: &str, size: f64, bold: bool, anchor: Anchor, phase: (i32, i32)) -> TextMask {
    block_average(&text_ink(text, size, bold, anchor, phase))
}

/// The fonts plotters draws with (the same bytes it registers), for their advances and
/// kerning.
fn font(bold: bool) -> &'static ab_glyph::FontRef<'static> {
    static FONT_REFS: OnceLock<[ab_glyph::FontRef<'static>; 2]> = OnceLock::new();
    let fonts = FONT_REFS.get_or_init(|| {
        // Compiled in and checked by the tests: parsing cannot fail at run time.
        let parse = |b| ab_glyph::FontRef::try_from_slice(b).expect("embedded font parses");
        [parse(REGULAR), parse(BOLD)]
    });
    &fonts[usize::from(bold)]
}

/// One glyph's ink as plotters draws it at a size (at [`TEXT_SCALE`] times the picture's):
/// (x, y, coverage) from the left end of the baseline plotters puts a line's glyphs on, in
/// drawing order.
type GlyphInk = Vec<(i32, i32, f64)>;

/// Glyphs plotters has drawn, by font (bold), size (bits) and character: a study's texts use
/// a few dozen characters at a handful of sizes, and drawing a glyph costs more than placing it.
static GLYPHS: OnceLock<Mutex<std::collections::HashMap<GlyphKey, Arc<GlyphInk>>>> =
    OnceLock::new();

/// What a glyph's ink depends on: bold, size in pixels (bits), character.
type GlyphKey = (bool, u64, char);

/// The ink of character `c` at `px` pixels, drawn by plotters the first time only.
fn glyph_ink(c: char, px: f64, bold: bool) -> Arc<GlyphInk> {
    let cache = GLYPHS.get_or_init(Default::default);
    let key = (bold, px.to_bits(), c);
    if let Some(g) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Arc::clone(g);
    }
    register_fonts();
    // Drawn alone, left-aligned at the bottom of its line box: the line box's height is the
    // same for every text of the size, so the ink less that height is the glyph's.
    let mut ink = plotters_ink(&c.to_string(), px, bold, HPos::Left, (0, 0));
    let lift = line_height(px);
    for p in &mut ink {
        p.0 -= INK_ORIGIN;
        p.1 -= INK_ORIGIN - lift;
    }
    let g = Arc::new(ink);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, Arc::clone(&g));
    g
}

/// The height plotters gives a line of text at `px` pixels (its layout box).
fn line_height(px: f64) -> i32 {
    (px / 1.24) as i32
}

/// A text's ink as plotters would draw it whole (see [`plotters_ink`]), put together from
/// glyphs it drew once each: plotters' ab_glyph backend places glyph i at the whole pixel of
/// its pen position (the sum of the advances and kerning before it, in f32) and anchors the
/// line by its width (the same sums), which is what this does.
fn text_ink(text: &str, size: f64, bold: bool, anchor: Anchor, phase: (i32, i32)) -> GlyphInk {
    use ab_glyph::{Font, ScaleFont};
    let px = size * f64::from(TEXT_SCALE);
    let font = font(bold).as_scaled(px as f32);
    let mut width = 0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        width += font.h_advance(id);
        if let Some(p) = prev {
            width += font.kern(p, id);
        }
        prev = Some(id);
    }
    let width = width as i32;
    let dx = match anchor {
        Anchor::Start => 0,
        Anchor::Middle => -width / 2,
        Anchor::End => -width,
    };
    let (ox, oy) = (
        INK_ORIGIN + phase.0 + dx,
        INK_ORIGIN + phase.1 - line_height(px),
    );
    let mut drawn = Vec::new();
    let mut pen = 0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            pen += font.kern(p, id);
        }
        prev = Some(id);
        let x = ox + pen as i32;
        drawn.extend(
            glyph_ink(c, px, bold)
                .iter()
                .map(|&(gx, gy, a)| (gx + x, gy + oy, a)),
        );
        pen += font.h_advance(id);
    }
    drawn
}

/// A text's ink drawn by plotters at `px` pixels (already [`TEXT_SCALE`] times the picture's),
/// its anchor at (`INK_ORIGIN`, `INK_ORIGIN`) + `phase` and at the bottom of the line box.
fn plotters_ink(text: &str, px: f64, bold: bool, h: HPos, phase: (i32, i32)) -> GlyphInk {
    // `FontDesc::style` keeps the font it was made with (plotters 0.3.7 loads the face in
    // `new` and only records the new style), so bold is asked for when the face is loaded.
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    let font = FontDesc::new(FontFamily::SansSerif, px, style);
    let ink = BLACK.plotters();
    let style = TextStyle::from(font)
        .color(&ink)
        .pos(Pos::new(h, VPos::Bottom));
    let mut drawn = Vec::new();
    let area = Ink(&mut drawn).into_drawing_area();
    let _ = area.draw(&Text::new(
        text.to_string(),
        (INK_ORIGIN + phase.0, INK_ORIGIN + phase.1),
        style,
    ));
    drawn
}

/// Glyph pixels to picture pixels: the average over each TEXT_SCALE x TEXT_SCALE block,
/// summed in a grid over the text's box (sorting the glyph pixels by block cost more than
/// drawing them) in drawing order, and read out row by row.
fn block_average(drawn: &[(i32, i32, f64)]) -> TextMask {
    let block = |(x, y, _): &(i32, i32, f64)| {
        (
            (x - INK_ORIGIN).div_euclid(TEXT_SCALE),
            (y - INK_ORIGIN).div_euclid(TEXT_SCALE),
        )
    };
    let Some(first) = drawn.first().map(block) else {
        return Vec::new();
    };
    let (mut lo, mut hi) = (first, first);
    for p in drawn {
        let (x, y) = block(p);
        lo = (lo.0.min(x), lo.1.min(y));
        hi = (hi.0.max(x), hi.1.max(y));
    }
    let cols = (hi.0 - lo.0 + 1) as usize;
    let mut sums = vec![0.0; cols * (hi.1 - lo.1 + 1) as usize];
    let per = 1.0 / f64::from(TEXT_SCALE * TEXT_SCALE);
    for p in drawn {
        let (x, y) = block(p);
        sums[(y - lo.1) as usize * cols + (x - lo.0) as usize] += p.2 * per;
    }
    let mut out: TextMask = Vec::new();
    for (cell, &sum) in sums.iter().enumerate() {
        let v = (sum.min(1.0) * 255.0).round() as u8;
        if v > 0 {
            out.push((lo.0 + (cell % cols) as i32, lo.1 + (cell / cols) as i32, v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_outline_draws_as_its_unfilled_shape_does() {
        // A square with a square hole, and a triangle; outlined in two colours, twice over so
        // the second time comes from the cache.
        let square = vec![
            vec![(10.0, 10.0), (50.0, 10.0), (50.0, 50.0), (10.0, 50.0)],
            vec![(20.0, 20.0), (30.0, 20.0), (30.0, 30.0), (20.0, 30.0)],
        ];
        let triangle = vec![vec![(55.0, 5.0), (75.0, 40.5), (52.3, 33.3)]];
        let rings = vec![square, triangle];
        let pieces = Arc::new(Pieces::new(vec!["a".into(), "b".into()], rings.clone()));
        let colours = [Rgb(200, 0, 0), Rgb(0, 0, 200)];
        let (mut shared, mut shapes) = (Canvas::new(80, 60), Canvas::new(80, 60));
        for round in 0..2 {
            for (piece, r) in rings.iter().enumerate() {
                let stroke = Stroke::solid(colours[(piece + round) % 2], 2.0);
                shared.push(Item::Outline {
                    pieces: Arc::clone(&pieces),
                    piece,
                    stroke,
                });
                shapes.push(Item::Shape {
                    rings: r.clone(),
                    fill: None,
                    stroke: Some(stroke),
                    id: None,
                    title: None,
                });
            }
        }
        let rgb = shared.to_rgb();
        assert_eq!(rgb, shapes.to_rgb());
        assert_eq!(shared.to_svg(), shapes.to_svg());
        // Inked where the outline runs, not inside the hole's middle or far outside.
        assert_ne!(pixel(&shared, &rgb, 10, 30), Rgb(255, 255, 255));
        assert_eq!(pixel(&shared, &rgb, 25, 25), Rgb(255, 255, 255));
        assert_eq!(pixel(&shared, &rgb, 40, 55), Rgb(255, 255, 255));
    }

    #[test]
    fn svg_text_and_colours_are_escaped_and_written_by_hand() {
        assert_eq!(
            escape(r#"Brent & Harrow <"north"> café"#),
            "Brent &amp; Harrow &lt;&quot;north&quot;&gt; café"
        );
        assert_eq!(escape("&&"), "&amp;&amp;");
        assert_eq!(escape(""), "");
        assert_eq!(Rgb(0, 15, 255).css(), "#000fff");
        assert_eq!(
            Rgb(171, 205, 239).css(),
            format!("#{:02x}{:02x}{:02x}", 171, 205, 239)
        );
        let s = Stroke::solid(Rgb(1, 2, 3), 1.5);
        assert_eq!(
            stroke_attrs(Some(&s)),
            r##" stroke="#010203" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round""##
        );
        assert_eq!(stroke_attrs(None), r#" stroke="none""#);
    }

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
        // Round caps reach half the width past each end, no further: the pixels just inside
        // a cap's curve are nearly covered (about 0.9 of their area), those past it not at all.
        assert!(pixel(&c, &rgb, 51, 20).0 < 40);
        assert!(pixel(&c, &rgb, 8, 20).0 < 40);
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
    fn texts_put_together_from_glyphs_are_what_plotters_draws_whole() {
        register_fonts();
        // Bold is its own face, wider than the regular one.
        let bold = plotters_ink("Wards", 36.0, true, HPos::Left, (0, 0));
        let regular = plotters_ink("Wards", 36.0, false, HPos::Left, (0, 0));
        let right = |ink: &GlyphInk| ink.iter().map(|p| p.0).max();
        assert!(
            right(&bold) > right(&regular),
            "{:?} {:?}",
            right(&bold),
            right(&regular)
        );
        // Kerning pairs (AV, To, Wa), spaces, digits, punctuation, a non-ASCII dash and a
        // character the font lacks, at the maps' sizes and some others, every anchor and phase.
        let texts = [
            "AVATAR To Wa",
            "Greater Manchester: GP coverage 12.5–87%",
            "Contains OS data © Crown copyright",
            "x",
            "",
            "  lead and trail  ",
            "\u{2603} snow",
        ];
        for text in texts {
            for size in [9.0, 11.0, 13.5, 18.0, 30.0] {
                for bold in [false, true] {
                    for (anchor, h) in [
                        (Anchor::Start, HPos::Left),
                        (Anchor::Middle, HPos::Center),
                        (Anchor::End, HPos::Right),
                    ] {
                        for phase in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                            let px = size * f64::from(TEXT_SCALE);
                            let whole = plotters_ink(text, px, bold, h, phase);
                            let glyphs = text_ink(text, size, bold, anchor, phase);
                            let first = glyphs.iter().zip(&whole).position(|(a, b)| a != b);
                            assert!(
                                first.is_none() && glyphs.len() == whole.len(),
                                "{text:?} {size} {bold} {anchor:?} {phase:?}: {} and {} pixels, first differing {:?}",
                                glyphs.len(),
                                whole.len(),
                                first.map(|i| (glyphs[i], whole[i]))
                            );
                        }
                    }
                }
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
