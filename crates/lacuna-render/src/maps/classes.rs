//! Classes and palettes: the breaks that put values into classes (fixed or population
//! quantiles), the class of a value, and the colour-blind-safe palettes the classes are drawn in.

use crate::canvas::Rgb;

/// Viridis, five classes, from least to most covered.
pub(crate) const VIRIDIS: [Rgb; 5] = [
    Rgb(0x44, 0x01, 0x54),
    Rgb(0x3b, 0x52, 0x8b),
    Rgb(0x21, 0x91, 0x8c),
    Rgb(0x5e, 0xc9, 0x62),
    Rgb(0xfd, 0xe7, 0x25),
];
/// ColorBrewer YlOrRd, five classes, from least to most unmet need.
pub(super) const YLORRD: [Rgb; 5] = [
    Rgb(0xff, 0xff, 0xb2),
    Rgb(0xfe, 0xcc, 0x5c),
    Rgb(0xfd, 0x8d, 0x3c),
    Rgb(0xf0, 0x3b, 0x20),
    Rgb(0xbd, 0x00, 0x26),
];
/// Fixed breaks of a share in fifths, and their labels.
pub(super) const FIFTHS: [f64; 6] = [0.0, 0.2, 0.4, 0.6, 0.8, f64::INFINITY];
pub(super) const FIFTHS_LABELS: [&str; 5] =
    ["under 20%", "20–40%", "40–60%", "60–80%", "80% or more"];
/// Fill of areas without a value.
pub(crate) const NO_DATA: Rgb = Rgb(0xe0, 0xe0, 0xe0);

/// The class of `v` given class breaks `b` (`b.len() - 1` classes).
pub(crate) fn class_of(v: f64, b: &[f64]) -> usize {
    b[1..b.len() - 1].iter().filter(|&&x| v >= x).count()
}

/// The colour of class `class_of(v, breaks)`; the no-data grey for a missing value.
pub(super) fn class_fill(v: f64, breaks: &[f64], palette: &[Rgb]) -> Rgb {
    if v.is_finite() {
        palette[class_of(v, breaks)]
    } else {
        NO_DATA
    }
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

/// Population-weighted quantile breaks of `values` in `n` classes (fewer when values repeat).
pub(crate) fn quantile_breaks(values: &[f64], weights: &[f64], n: usize) -> Vec<f64> {
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

/// How a map shades its areas: a fill per area and the legend that explains the fills, worked
/// out once and drawn by both the static map and the report's interactive map, so the two
/// agree by construction.
#[derive(Debug, Clone)]
pub(crate) struct Shading {
    /// The legend's title.
    pub title: String,
    /// The fill of each area, in study order.
    pub fill: Vec<Rgb>,
    /// The legend, top entry first: a class's colour and its label.
    pub legend: Vec<(Rgb, String)>,
}

impl Shading {
    /// A shading whose classes are `palette` (lowest first), labelled by `label(k)`, listed
    /// highest first and followed by the no-data entry.
    pub(crate) fn classes(
        title: impl Into<String>,
        fill: Vec<Rgb>,
        palette: &[Rgb],
        label: impl Fn(usize) -> String,
        no_data: &str,
    ) -> Shading {
        let mut legend: Vec<(Rgb, String)> = (0..palette.len())
            .rev()
            .map(|k| (palette[k], label(k)))
            .collect();
        legend.push((NO_DATA, no_data.to_string()));
        Shading {
            title: title.into(),
            fill,
            legend,
        }
    }
}
