//! A small drawing list that renders to SVG, and the PNG rendered from that SVG, so every map
//! is drawn once and comes out the same in both formats.
//!
//! Why not plotters' own SVG backend and polygon element: plotters fills one ring per polygon,
//! so areas with holes (a ward around a park) and multipolygons (islands) would be filled wrongly.
//! Here polygons are SVG paths filled with `fill-rule="evenodd"`. The PNG is that SVG rendered
//! by resvg, with DejaVu Sans (regular and bold) embedded in the binary as the only fonts it
//! knows: no system fonts are needed or read, so the pixels do not depend on the machine.
//! Output is deterministic.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Color, Pixmap, Transform};
use resvg::usvg;

use lacuna_io::atomic::write_atomic;
use lacuna_io::error::Result;
use lacuna_io::write::push_num;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// As CSS writes it: `#rrggbb`.
impl std::fmt::Display for Rgb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

impl Rgb {
    /// The same colour for plotters (the charts).
    pub(crate) fn plotters(self) -> plotters::style::RGBColor {
        plotters::style::RGBColor(self.0, self.1, self.2)
    }
}

/// Black, white and the greys used for frames and text.
pub(crate) const BLACK: Rgb = Rgb(0, 0, 0);
/// White.
pub(crate) const WHITE: Rgb = Rgb(255, 255, 255);
/// Grey for secondary text.
pub(crate) const GREY: Rgb = Rgb(85, 85, 85);

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
    /// A polygonal shape: rings filled with the even-odd rule.
    Shape {
        /// Closed rings (the closing point may be omitted).
        rings: Vec<Vec<(f64, f64)>>,
        /// Fill, if any.
        fill: Option<Rgb>,
        /// Outline, if any.
        stroke: Option<Stroke>,
    },
    /// Polygons shared with other pictures, each with its own fill (and tooltip) here and all
    /// with one outline: drawn as [`Item::Shape`]s with an id would be.
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
    /// [`Item::Shape`] of its rings would be (the postcode lottery maps outline areas of the
    /// study's basemap).
    Outline {
        /// The shared polygons.
        pieces: Arc<Pieces>,
        /// Which of them.
        piece: usize,
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
/// each of its maps): their SVG path data is written by the first picture that needs it and
/// shared by the others.
#[derive(Debug)]
pub struct Pieces {
    rings: Vec<Vec<Vec<(f64, f64)>>>,
    ids: Vec<String>,
    /// Escaped id and path data, per piece.
    svg: OnceLock<Vec<(String, String)>>,
}

impl Pieces {
    /// Pieces with their ids and rings (in pixels).
    pub(crate) fn new(ids: Vec<String>, rings: Vec<Vec<Vec<(f64, f64)>>>) -> Pieces {
        Pieces {
            rings,
            ids,
            svg: OnceLock::new(),
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

    /// The rings of piece `i`.
    pub(crate) fn rings(&self, i: usize) -> &[Vec<(f64, f64)>] {
        &self.rings[i]
    }

    /// How many pieces there are.
    pub(crate) fn len(&self) -> usize {
        self.rings.len()
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

/// DejaVu Sans, embedded.
pub(crate) const REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold, embedded.
pub(crate) const BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// How wide `text` is set in DejaVu Sans at `size` pixels (bold or regular): the sum of its
/// glyphs' advances and kerning, as the SVG's text takes; for boxes drawn around a text.
pub(crate) fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    use ab_glyph::{Font, FontRef};
    static FONTS: OnceLock<[FontRef<'static>; 2]> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        // Compiled in and rendered by the tests: parsing cannot fail at run time.
        let parse = |b| FontRef::try_from_slice(b).expect("embedded font parses");
        [parse(REGULAR), parse(BOLD)]
    });
    let font = &fonts[usize::from(bold)];
    let mut units = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        units += font.h_advance_unscaled(id);
        if let Some(p) = prev {
            units += font.kern_unscaled(p, id);
        }
        prev = Some(id);
    }
    f64::from(units) * size / f64::from(font.units_per_em().unwrap_or(2048.0))
}

/// What resvg needs to read our SVGs: the embedded fonts as the only ones, DejaVu Sans also
/// standing for `sans-serif` (what plotters' charts ask for) and for text that names no font.
fn svg_options() -> usvg::Options<'static> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        for font in [REGULAR, BOLD] {
            db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(font)));
        }
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    });
    usvg::Options {
        font_family: "DejaVu Sans".into(),
        fontdb: Arc::clone(fonts),
        ..usvg::Options::default()
    }
}

/// An SVG document of ours rendered on white to RGB pixels (rows top to bottom): what
/// [`write_png`] writes.
///
/// # Panics
/// When the SVG does not parse or has no area: this module and plotters wrote it, and map sizes
/// are checked when a study is read, so either is a bug here.
fn svg_to_rgb(svg: &str) -> (u32, u32, Vec<u8>) {
    let tree = usvg::Tree::from_str(svg, &svg_options()).expect("our SVG parses");
    let size = tree.size().to_int_size();
    let mut pixmap = Pixmap::new(size.width(), size.height()).expect("a picture has an area");
    pixmap.fill(Color::WHITE);
    resvg::render(&tree, Transform::default(), &mut pixmap.as_mut());
    // Drawn over white, every pixel is opaque: its premultiplied colour is its colour.
    let rgb = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    (pixmap.width(), pixmap.height(), rgb)
}

/// Writes an SVG document of ours as a PNG file (atomically), rendered with [`svg_to_rgb`].
///
/// # Errors
/// When the file cannot be written.
pub(crate) fn write_png(svg: &str, path: &Path) -> Result<()> {
    let (width, height, rgb) = svg_to_rgb(svg);
    write_atomic(path, |w| {
        let mut enc = png::Encoder::new(w, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        // Maps are large flat areas of colour: the fast encoder compresses them nearly as well
        // as the default, several times faster.
        enc.set_compression(png::Compression::Fast);
        let mut writer = enc.write_header().map_err(std::io::Error::other)?;
        writer
            .write_image_data(&rgb)
            .map_err(std::io::Error::other)?;
        writer.finish().map_err(std::io::Error::other)
    })
}

/// `s` with `&`, `<`, `>` and `"` escaped, for XML and HTML.
pub(crate) fn escape(s: &str) -> String {
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

/// A shape's stroke attributes. Joins and caps are round, except on lines under a pixel wide
/// (areas' outlines) where they cannot be seen: the renderer strokes every path once to find
/// its bounds, and round joins at each of a map's hundred thousand vertices were a tenth of
/// the time of a map's PNG.
fn stroke_attrs(s: Option<&Stroke>) -> String {
    let Some(s) = s else {
        return " stroke=\"none\"".into();
    };
    let mut out = String::new();
    let _ = write!(out, " stroke=\"{}\" stroke-width=\"{}\"", s.color, s.width);
    if s.width >= 1.0 {
        out.push_str(" stroke-linejoin=\"round\" stroke-linecap=\"round\"");
    }
    if s.dashed {
        out.push_str(" stroke-dasharray=\"4 3\"");
    }
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
        Some(c) => {
            let _ = write!(s, "{c}");
        }
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

impl Item {
    /// Appends the item as SVG.
    fn write_svg(&self, s: &mut String) {
        match self {
            Item::Shape {
                rings,
                fill,
                stroke,
            } => {
                let d = |s: &mut String| rings.iter().for_each(|r| push_path(s, r, true));
                svg_shape(s, None, *fill, &stroke_attrs(stroke.as_ref()), d, None);
            }
            Item::Pieces {
                pieces,
                fills,
                titles,
                stroke,
            } => {
                let stroke = stroke_attrs(stroke.as_ref());
                for (k, (id, d)) in pieces.svg_paths().iter().enumerate() {
                    let title = titles.get(k).map(String::as_str);
                    svg_shape(
                        s,
                        Some(id),
                        Some(fills[k]),
                        &stroke,
                        |s| s.push_str(d),
                        title,
                    );
                }
            }
            Item::Outline {
                pieces,
                piece,
                stroke,
            } => {
                let d = &pieces.svg_paths()[*piece].1;
                let stroke = stroke_attrs(Some(stroke));
                svg_shape(s, None, None, &stroke, |s| s.push_str(d), None);
            }
            Item::Lines { paths, stroke } => {
                let _ = write!(s, r#"<path fill="none"{} d=""#, stroke_attrs(Some(stroke)));
                paths.iter().for_each(|p| push_path(s, p, false));
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
                    r#"<circle cx="{:.1}" cy="{:.1}" r="{r}" fill="{fill}"{}/>"#,
                    at.0,
                    at.1,
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
                let weight = if *bold { r#" font-weight="bold""# } else { "" };
                let anchor = match anchor {
                    Anchor::Start => "",
                    Anchor::Middle => r#" text-anchor="middle""#,
                    Anchor::End => r#" text-anchor="end""#,
                };
                let _ = writeln!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" font-size="{size}"{weight}{anchor} fill="{color}">{}</text>"#,
                    at.0,
                    at.1,
                    escape(text)
                );
            }
            Item::Begin(id) => {
                let _ = writeln!(s, r#"<g id="{}">"#, escape(id));
            }
            Item::End => s.push_str("</g>\n"),
        }
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

    /// Adds a text in grey, regular: subtitles, notes and attributions.
    pub(crate) fn grey_text(&mut self, at: (f64, f64), size: f64, anchor: Anchor, text: &str) {
        self.text(at, size, false, anchor, text);
        if let Some(Item::Text { color, .. }) = self.items.last_mut() {
            *color = GREY;
        }
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
            item.write_svg(&mut s);
        }
        s.push_str("</svg>\n");
        s
    }

    /// The picture as RGB pixels (`width * height * 3` bytes, rows top to bottom), rendered
    /// from its SVG.
    pub fn to_rgb(&self) -> Vec<u8> {
        svg_to_rgb(&self.to_svg()).2
    }

    /// Writes the picture as a PNG file (atomically), rendered from its SVG.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        write_png(&self.to_svg(), path)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_outline_draws_as_its_unfilled_shape_does() {
        // A square with a square hole, and a triangle; outlined in two colours, twice over so
        // the second time reuses the shared path data.
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
    fn svg_text_and_colours_are_escaped() {
        assert_eq!(
            escape(r#"Brent & Harrow <"north"> café"#),
            "Brent &amp; Harrow &lt;&quot;north&quot;&gt; café"
        );
        assert_eq!(escape("&&"), "&amp;&amp;");
        assert_eq!(escape(""), "");
        assert_eq!(Rgb(0, 15, 255).to_string(), "#000fff");
        assert_eq!(Rgb(171, 205, 239).to_string(), "#abcdef");
        let s = Stroke::solid(Rgb(1, 2, 3), 1.5);
        assert_eq!(
            stroke_attrs(Some(&s)),
            r##" stroke="#010203" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round""##
        );
        assert_eq!(stroke_attrs(None), r#" stroke="none""#);
        let hairline = Stroke::dashed(Rgb(1, 2, 3), 0.5);
        assert_eq!(
            stroke_attrs(Some(&hairline)),
            r##" stroke="#010203" stroke-width="0.5" stroke-dasharray="4 3""##
        );
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
        // An edge through the middle of a pixel column leaves it half way between the fill
        // and the page: anti-aliased, not snapped.
        let mut c = Canvas::new(100, 80);
        c.rect(20.5, 10.0, 40.0, 30.0, Some(red), None);
        let rgb = c.to_rgb();
        for x in [20, 60] {
            let p = pixel(&c, &rgb, x, 25);
            assert!((100..180).contains(&p.1), "{x}: {p:?}");
            assert!(p.0 > 200 && p.1 == p.2, "{x}: {p:?}");
        }
        assert_eq!(pixel(&c, &rgb, 21, 25), red);
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
    fn text_anchors_and_weights_place_the_ink() {
        // The columns holding ink, of a text drawn alone at 24 px.
        let ink = |anchor, bold| {
            let mut c = Canvas::new(300, 40);
            c.text((150.0, 30.0), 24.0, bold, anchor, "Bolton");
            let rgb = c.to_rgb();
            let cols: Vec<usize> = (0..300)
                .filter(|&x| (0..40).any(|y| pixel(&c, &rgb, x, y).0 < 128))
                .collect();
            (cols[0], cols[cols.len() - 1])
        };
        let (start, middle, end) = (
            ink(Anchor::Start, false),
            ink(Anchor::Middle, false),
            ink(Anchor::End, false),
        );
        // "Bolton" at 24 px is about 80 px wide in DejaVu Sans.
        let width = start.1 - start.0;
        assert!((60..100).contains(&width), "{width}");
        assert!(start.0 >= 150 && start.0 <= 153, "{start:?}");
        assert!(end.1 <= 150 && end.1 >= 147, "{end:?}");
        let centre = (middle.0 + middle.1) / 2;
        assert!(centre.abs_diff(150) <= 2, "{middle:?}");
        // Bold is its own face, wider than the regular one.
        let bold = ink(Anchor::Start, true);
        assert!(bold.1 - bold.0 > width + 3, "{bold:?} {start:?}");
        // The measured width is the set width: the ink less the side bearings of a pixel or two.
        for (ink, bold) in [(start, false), (bold, true)] {
            let set = text_width("Bolton", 24.0, bold);
            let inked = (ink.1 - ink.0 + 1) as f64;
            assert!(set >= inked && set < inked + 5.0, "{set} {inked}");
        }
    }

    #[test]
    fn the_png_shows_each_svg_polygon_in_its_fill() {
        // A mosaic of shared pieces (squares, one with a hole), an outlined shape, a disc and
        // text on top: at the middle of each square the PNG has the fill the SVG gives it.
        let mut rings = Vec::new();
        let mut ids = Vec::new();
        for k in 0..12 {
            let (x, y) = (
                10.0 + 40.0 * f64::from(k % 4),
                10.0 + 40.0 * f64::from(k / 4),
            );
            let mut r = vec![vec![
                (x, y),
                (x + 30.0, y),
                (x + 30.0, y + 30.0),
                (x, y + 30.0),
            ]];
            if k == 5 {
                r.push(vec![
                    (x + 10.0, y + 10.0),
                    (x + 20.0, y + 10.0),
                    (x + 20.0, y + 20.0),
                    (x + 10.0, y + 20.0),
                ]);
            }
            rings.push(r);
            ids.push(format!("p{k}"));
        }
        let fills: Vec<Rgb> = (0..12u8).map(|k| Rgb(20 * k, 255 - 20 * k, 90)).collect();
        let mut c = Canvas::new(200, 160);
        c.push(Item::Pieces {
            pieces: Arc::new(Pieces::new(ids, rings)),
            fills,
            titles: Vec::new(),
            stroke: Some(Stroke::solid(WHITE, 1.0)),
        });
        c.rect(
            170.0,
            10.0,
            20.0,
            60.0,
            Some(Rgb(1, 2, 3)),
            Some(Stroke::dashed(GREY, 1.0)),
        );
        c.push(Item::Circle {
            at: (180.0, 120.0),
            r: 12.0,
            fill: Rgb(200, 100, 0),
            stroke: None,
        });
        c.text((10.0, 155.0), 12.0, false, Anchor::Start, "Wigan");
        let svg = c.to_svg();
        let rgb = c.to_rgb();
        let mut checked = 0;
        for path in svg.split("<path").skip(1) {
            let attr = |name: &str| {
                let from = path.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                path[from..from + path[from..].find('"').unwrap()].to_string()
            };
            let fill = attr("fill");
            if fill == "none" {
                continue;
            }
            // The first ring's corners: its middle.
            let pts: Vec<f64> = attr("d")
                .split('Z')
                .next()
                .unwrap()
                .split(['M', 'L', ' '])
                .filter(|t| !t.is_empty())
                .map(|t| t.parse().unwrap())
                .collect();
            let mid =
                |o: usize| pts.iter().skip(o).step_by(2).sum::<f64>() / (pts.len() / 2) as f64;
            let (x, y) = (mid(0) as usize, mid(1) as usize);
            let at = pixel(&c, &rgb, x, y);
            if path.contains("data-id=\"p5\"") {
                assert_eq!(at, WHITE, "the hole at {x},{y}");
            } else {
                assert_eq!(at.to_string(), fill, "at {x},{y}");
            }
            checked += 1;
        }
        assert_eq!(checked, 13);
        assert_eq!(pixel(&c, &rgb, 180, 120), Rgb(200, 100, 0));
        assert!((150..160).any(|y| (10..40).any(|x| pixel(&c, &rgb, x, y).0 < 128)));
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
