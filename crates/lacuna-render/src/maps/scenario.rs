//! The scenario map: areas shaded by the change in their covered share that closing some
//! providers (and opening new sites) would make, in a diverging palette (losses red, gains
//! blue), with the closed and the opened sites marked.

use geo::Coord;

use super::classes::{class_fill, Shading};
use super::page::Swatch;
use super::{title, Basemap};
use crate::canvas::Rgb;
use lacuna_core::metrics::scenario::Scenario;
use lacuna_core::Provider;
use lacuna_io::LoadedStudy as Study;

/// Breaks of the change in covered share: changes under a percentage point either way read
/// as none.
const BREAKS: [f64; 8] = [
    f64::NEG_INFINITY,
    -0.5,
    -0.2,
    -0.01,
    0.01,
    0.2,
    0.5,
    f64::INFINITY,
];

/// ColorBrewer RdBu (7 classes, colour-blind safe), red for losses.
const RDBU: [Rgb; 7] = [
    Rgb(0xb2, 0x18, 0x2b),
    Rgb(0xef, 0x8a, 0x62),
    Rgb(0xfd, 0xdb, 0xc7),
    Rgb(0xf7, 0xf7, 0xf7),
    Rgb(0xd1, 0xe5, 0xf0),
    Rgb(0x67, 0xa9, 0xcf),
    Rgb(0x21, 0x66, 0xac),
];

const LABELS: [&str; 7] = [
    "loses over 50 points",
    "loses 20–50 points",
    "loses 1–20 points",
    "no change (under 1 point)",
    "gains 1–20 points",
    "gains 20–50 points",
    "gains over 50 points",
];

const CLOSED: Rgb = Rgb(0x67, 0x00, 0x1f);
const OPENED: Rgb = Rgb(0x05, 0x30, 0x61);

/// The scenario map of service type `t`, or None when the change does not touch it.
pub(super) fn scenario_map(
    study: &Study,
    base: &Basemap,
    s: &Scenario,
    t: usize,
) -> Option<crate::canvas::Canvas> {
    if !s.services.contains(&t) {
        return None;
    }
    let (closed, opened) = changed_providers(study, s, t);
    let [closed, opened]: [Vec<Coord>; 2] =
        [closed, opened].map(|v| v.iter().map(|p| p.site).collect());
    let change = scenario_change(study, s, t);
    let mut p = base.page(
        &title(
            study,
            if closed.is_empty() {
                "if these open:"
            } else {
                "if these close:"
            },
            t,
        ),
        &format!(
            "Change in the share within reach: {} closed, {} opened",
            closed.len(),
            opened.len()
        ),
    );
    let shading = scenario_shading(study, s, t);
    p.areas(
        |i| shading.fill[i],
        |i| {
            let c = change[i];
            if c.is_finite() {
                base.tip(i, &format!("change {:+.0} points", 100.0 * c))
            } else {
                base.tip(i, "no population")
            }
        },
    );
    p.councils(2.5);
    p.sites(&closed, 7.0, CLOSED);
    p.sites(&opened, 7.0, OPENED);
    p.shading_legend(&shading);
    if !closed.is_empty() {
        p.legend_entry(Swatch::Dot(CLOSED, 7.0), "closed");
    }
    if !opened.is_empty() {
        p.legend_entry(Swatch::Dot(OPENED, 7.0), "opened");
    }
    Some(p.finish())
}

/// The change in each area's covered share of service type `t` (NaN where nobody lives).
fn scenario_change(study: &Study, s: &Scenario, t: usize) -> Vec<f64> {
    // Areas not recomputed keep their share: no change where anyone lives.
    let types = study.service_types.len();
    let mut change: Vec<f64> = (0..study.areas.len())
        .map(|a| {
            let r = &s.after.rows[a * types + t];
            if r.population.unwrap_or(r.area_m2) > 0.0 {
                0.0
            } else {
                f64::NAN
            }
        })
        .collect();
    for r in s.rows.iter().filter(|r| r.service == t) {
        change[r.area] = if r.population > 0.0 {
            r.share_after - r.share_before
        } else {
            f64::NAN
        };
    }
    change
}

/// The scenario map's shading of service type `t`: the change in covered share in the
/// diverging classes (losses red, gains blue).
pub(crate) fn scenario_shading(study: &Study, s: &Scenario, t: usize) -> Shading {
    Shading::classes(
        "Change in share within reach",
        scenario_change(study, s, t)
            .iter()
            .map(|c| class_fill(*c, &BREAKS, &RDBU))
            .collect(),
        &RDBU,
        |k| LABELS[k].to_string(),
        "no population",
    )
}

/// The providers of service type `t` that the change of `s` closes, and those it opens.
pub(crate) fn changed_providers<'a>(
    study: &'a Study,
    s: &'a Scenario,
    t: usize,
) -> (Vec<&'a Provider>, Vec<&'a Provider>) {
    let of_t = |p: &&Provider| p.service_type == study.service_types[t];
    let closed = s.change.close.iter().map(|&i| &study.providers[i]);
    (
        closed.filter(of_t).collect(),
        s.change.open.iter().filter(of_t).collect(),
    )
}
