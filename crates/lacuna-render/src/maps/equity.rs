//! The equity chart, drawn with plotters: coverage by deprivation decile per council and for
//! the whole study (the figures of `equity_deciles.csv`), and the concentration curve against
//! the line of equality.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::{
    Cartesian2d, ChartBuilder, ChartContext, Circle, DashedLineSeries, DrawingArea, FontDesc,
    FontFamily, IntoDrawingArea, LineSeries, PathElement, SVGBackend, Text,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, Color as _, FontStyle, ShapeStyle, TextStyle};

use super::{pct, shorten, title, Basemap};
use crate::canvas::{Rgb, Stroke, BLACK, GREY};
use lacuna_core::metrics::findings::{Findings, ServiceFindings};
use lacuna_core::metrics::inequality::weighted_mean;
use lacuna_io::write::Units;
use lacuna_io::LoadedStudy as Study;

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

/// The equity chart of service type `t`, as an SVG document drawn with plotters: coverage by
/// deprivation decile per council, and the concentration curve. `None` without a deprivation
/// measure or equity rows.
pub(super) fn equity_chart(
    study: &Study,
    base: &Basemap,
    findings: &Findings,
    t: usize,
) -> Option<String> {
    let sf = &findings.services[t];
    let overall = sf.equity.iter().find(|e| e.group == "ALL")?;
    if findings.need.order.is_empty() {
        return None;
    }
    register_chart_fonts();
    let units = Units::new(study, sf.access.by_population);
    let u = base.u;
    let (w, h) = (f64::from(base.spec.width), f64::from(base.spec.height));
    // The two panels' plotting areas: coverage by decile on the left, the concentration curve
    // in a square on the right, their bottoms level.
    let (x0, x1, y0, y1) = (110.0 * u, w * 0.5, 150.0 * u, h - 330.0 * u);
    let side = (w - 60.0 * u - w * 0.58).min(y1 - y0);
    let right = (w * 0.58, w * 0.58 + side, y1 - side, y1);
    let subtitle = format!(
        "Concentration index {:+.3} (95% CI {:+.3} to {:+.3}); Erreygers {:+.3}. Negative: access concentrated among the more deprived",
        overall.concentration_index, overall.ci_low, overall.ci_high, overall.erreygers_index
    );
    let mean = weighted_mean(&sf.access.share, &sf.access.weight);
    let footer = format!(
        "{}; mean coverage {}",
        units.amount(overall.population),
        pct(mean)
    );
    let whole = units.whole();
    let mut svg = String::new();
    let drawn = (|| -> Drawn {
        let root = SVGBackend::with_string(&mut svg, (base.spec.width, base.spec.height))
            .into_drawing_area();
        root.fill(&plotters::style::WHITE)?;
        let ink = Ink { root: &root, u };
        let title = format!("{}?", title(study, "who is within reach of a", t));
        ink.text(&title, (20.0 * u, 48.0 * u), 30.0, true, BLACK, HPos::Left)?;
        ink.grey(&subtitle, (20.0 * u, 80.0 * u), 18.0, HPos::Left)?;
        decile_panel(&ink, study, sf, (x0, x1, y0, y1), whole)?;
        concentration_panel(&ink, findings, t, right, whole)?;
        let bottom = h - 14.0 * u;
        ink.grey(&footer, (w - 20.0 * u, bottom), 14.0, HPos::Right)?;
        // The chart is drawn from the same data as the maps, so it carries the same attribution.
        ink.grey(&base.attribution, (20.0 * u, bottom), 14.0, HPos::Left)?;
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
        let _ = register_font("sans-serif", FontStyle::Normal, crate::canvas::REGULAR);
        let _ = register_font("sans-serif", FontStyle::Bold, crate::canvas::BOLD);
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

/// Draws texts and legend keys on the chart: positions in pixels, sizes in pixels of a chart
/// 1,600 wide (scaled by `u`).
struct Ink<'r, 'b> {
    root: &'r Root<'b>,
    u: f64,
}

impl Ink<'_, '_> {
    /// A text whose baseline's left or right end (`h`) is at `at`.
    fn text(
        &self,
        text: &str,
        at: (f64, f64),
        size: f64,
        bold: bool,
        colour: Rgb,
        h: HPos,
    ) -> Drawn {
        let style = font(size * self.u, bold, colour).pos(Pos::new(h, VPos::Bottom));
        self.root.draw(&Text::new(text, px(at), style))?;
        Ok(())
    }

    /// A grey text, not bold.
    fn grey(&self, text: &str, at: (f64, f64), size: f64, h: HPos) -> Drawn {
        self.text(text, at, size, false, GREY, h)
    }

    /// A legend key: a line swatch `len` long from `at`, and its text in black after it,
    /// centred on the line.
    fn key(
        &self,
        at: (f64, f64),
        len: f64,
        stroke: Stroke,
        text: &str,
        size: f64,
        bold: bool,
    ) -> Drawn {
        let len = len * self.u;
        let ends = [px(at), px((at.0 + len, at.1))];
        let shape = line(stroke.color, stroke.width);
        if stroke.dashed {
            self.root.draw(&DashedPathElement::new(ends, 4, 3, shape))?;
        } else {
            self.root.draw(&PathElement::new(ends, shape))?;
        }
        let style = font(size * self.u, bold, BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        let at = (at.0 + len + 10.0, at.1);
        self.root.draw(&Text::new(text, px(at), style))?;
        Ok(())
    }
}

/// Coverage by deprivation decile, per council and for the whole study (the equity finding's
/// `equity_deciles`), with the councils' legend under it; `(x0, x1, y0, y1)` is the plotting
/// area.
fn decile_panel(
    ink: &Ink,
    study: &Study,
    sf: &ServiceFindings,
    (x0, x1, y0, y1): (f64, f64, f64, f64),
    whole: &str,
) -> Drawn {
    let u = ink.u;
    // The councils are those of the equity rows, after the whole study's.
    let groups: Vec<&str> = sf.equity.iter().skip(1).map(|e| e.group.as_str()).collect();
    let means = |group: &str| -> Vec<(f64, f64)> {
        let rows = sf.equity_deciles.iter().filter(|d| d.group == group);
        rows.map(|d| (f64::from(d.decile), d.covered_share))
            .collect()
    };
    let xlabel = if lacuna_io::write::study_deciles(study) {
        "Study decile of deprivation (1 = the study's most deprived tenth)"
    } else {
        "Deprivation decile (1 = most deprived)"
    };
    let mut chart = axes(
        ink,
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
    for (g, group) in groups.iter().enumerate() {
        let (pts, s) = (means(group), stroke(g));
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
    chart.draw_series(LineSeries::new(means("ALL"), line(BLACK, 4.0 * u)))?;
    // The councils' legend under the panel, in three columns.
    let ly = y1 + 76.0 * u;
    let study_line = Stroke::solid(BLACK, 4.0 * u);
    ink.key((x0, ly), 36.0, study_line, "whole study", 15.0, true)?;
    if many {
        let text = format!("each of {} councils", groups.len());
        return ink.key((x0 + 200.0 * u, ly), 36.0, stroke(0), &text, 15.0, false);
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
        let name = shorten(study.group_label(name), 22);
        ink.key(at, 30.0, s, &name, 14.0, false)?;
    }
    Ok(())
}

/// The concentration curve against the line of equality, with its legend under it;
/// `(x0, x1, y0, y1)` is the plotting area.
fn concentration_panel(
    ink: &Ink,
    findings: &Findings,
    t: usize,
    (x0, x1, y0, y1): (f64, f64, f64, f64),
    whole: &str,
) -> Drawn {
    let u = ink.u;
    let sf = &findings.services[t];
    let order = &findings.need.order;
    let mut chart = axes(
        ink,
        (x0, x1, y0, y1),
        (0.0..1.0, 6),
        &format!("Cumulative share of {whole}, most deprived first"),
        &format!("Cumulative share of {whole} within reach"),
    )?;
    let equality = Stroke::dashed(GREY, 1.5 * u);
    let diagonal = [(0.0, 0.0), (1.0, 1.0)];
    let shape = line(equality.color, equality.width);
    chart.draw_series(DashedLineSeries::new(diagonal, 4, 3, shape))?;
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
    ink.key((x0, ly), 36.0, curve, "concentration curve", 15.0, false)?;
    ink.key(
        (x0, ly + 26.0 * u),
        36.0,
        equality,
        "line of equality",
        15.0,
        false,
    )?;
    let note = "Above the line: the more deprived have more than their share of access";
    ink.grey(note, (x0, ly + 66.0 * u), 14.0, HPos::Left)
}

/// A panel's axes over its plotting area `(x0, x1, y0, y1)`: x over `xs` (its range and how many
/// labels at most), y from 0 to 100% in fifths with light grid lines, the x title under the
/// axis and the y title above it.
fn axes<'a, 'b>(
    ink: &Ink<'a, 'b>,
    (x0, x1, y0, y1): (f64, f64, f64, f64),
    xs: (std::ops::Range<f64>, usize),
    xlabel: &str,
    ylabel: &str,
) -> std::result::Result<Chart<'a, 'b>, Box<dyn std::error::Error>> {
    let u = ink.u;
    // The plotting area with the label areas left of it and under it.
    let (left, under) = (80.0 * u, 52.0 * u);
    let area = ink
        .root
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
    ink.text(ylabel, (x0, y0 - 14.0 * u), 16.0, false, BLACK, HPos::Left)?;
    Ok(chart)
}

/// A panel of the equity chart: plotters' cartesian chart over f64 x and y.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
