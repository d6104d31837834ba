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
    let (left, bottom) = (
        Pos::new(HPos::Left, VPos::Bottom),
        Pos::new(HPos::Right, VPos::Bottom),
    );
    let head = [
        (
            format!("{}?", title(study, "who is within reach of a", t)),
            (20.0 * u, 48.0 * u),
            font(30.0 * u, true, BLACK).pos(left),
        ),
        (
            format!(
                "Concentration index {:+.3} (95% CI {:+.3} to {:+.3}); Erreygers {:+.3}. Negative: access concentrated among the more deprived",
                overall.concentration_index, overall.ci_low, overall.ci_high, overall.erreygers_index
            ),
            (20.0 * u, 80.0 * u),
            font(18.0 * u, false, GREY).pos(left),
        ),
    ];
    let foot = [
        (
            format!(
                "{}; mean coverage {}",
                units.amount(overall.population),
                pct(weighted_mean(&sf.access.share, &sf.access.weight))
            ),
            (w - 20.0 * u, h - 14.0 * u),
            font(14.0 * u, false, GREY).pos(bottom),
        ),
        // The chart is drawn from the same data as the maps, so it carries the same attribution.
        (
            base.attribution.clone(),
            (20.0 * u, h - 14.0 * u),
            font(14.0 * u, false, GREY).pos(left),
        ),
    ];
    let whole = units.whole();
    let mut svg = String::new();
    let drawn = (|| -> Drawn {
        let root = SVGBackend::with_string(&mut svg, (base.spec.width, base.spec.height))
            .into_drawing_area();
        root.fill(&plotters::style::WHITE)?;
        for (text, at, style) in &head {
            label(&root, text, *at, style.clone())?;
        }
        decile_panel(&root, study, sf, u, (x0, x1, y0, y1), whole)?;
        concentration_panel(&root, findings, t, u, right, whole)?;
        for (text, at, style) in &foot {
            label(&root, text, *at, style.clone())?;
        }
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

/// Coverage by deprivation decile, per council and for the whole study (the equity finding's
/// `equity_deciles`), with the councils' legend under it; `(x0, x1, y0, y1)` is the plotting
/// area.
fn decile_panel(
    root: &Root,
    study: &Study,
    sf: &ServiceFindings,
    u: f64,
    (x0, x1, y0, y1): (f64, f64, f64, f64),
    whole: &str,
) -> Drawn {
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
