//! The bundle map: areas shaded by the share of their people lacking at least one service of
//! a bundle within reach, the services each lacks in its tooltip.

use super::classes::{class_fill, NO_DATA};
use super::page::Swatch;
use super::Basemap;
use crate::canvas::{Canvas, Rgb};
use lacuna_core::metrics::bundles::Bundles;
use lacuna_io::LoadedStudy as Study;

const BREAKS: [f64; 6] = [0.0, 0.2, 0.4, 0.6, 0.8, f64::INFINITY];

/// ColorBrewer YlOrRd (5 classes).
const YLORRD: [Rgb; 5] = [
    Rgb(0xff, 0xff, 0xb2),
    Rgb(0xfe, 0xcc, 0x5c),
    Rgb(0xfd, 0x8d, 0x3c),
    Rgb(0xf0, 0x3b, 0x20),
    Rgb(0xbd, 0x00, 0x26),
];

const LABELS: [&str; 5] = ["under 20%", "20–40%", "40–60%", "60–80%", "80% or more"];

/// The map of bundle `b`.
pub(super) fn bundle_map(study: &Study, base: &Basemap, bundles: &Bundles, b: usize) -> Canvas {
    let services: Vec<String> = bundles.services[b]
        .iter()
        .map(|&t| study.service_label(t))
        .collect();
    let n = study.areas.len();
    let mut share = vec![f64::NAN; n];
    let mut lacking = vec![String::new(); n];
    // Areas not listed lack nothing: 0 where anyone lives (their population is in the totals).
    for (a, s) in share.iter_mut().enumerate() {
        if study.areas[a].local.area() > 0.0 {
            *s = 0.0;
        }
    }
    for r in bundles.areas.iter().filter(|r| r.bundle == b) {
        share[r.area] = if r.population > 0.0 {
            r.lacking_any / r.population
        } else {
            f64::NAN
        };
        lacking[r.area] = r
            .lacking
            .iter()
            .map(|&t| study.service_label(t))
            .collect::<Vec<_>>()
            .join(", ");
    }
    // Without any population the shares are of area, and the map must not say people.
    let whole = lacuna_io::write::Units::new(study, bundles.by_population).whole();
    let name = if study.spec.name.is_empty() {
        "Study"
    } else {
        &study.spec.name
    };
    let mut p = base.page(
        &format!(
            "{name}: {} lacking part of the {} bundle",
            whole, bundles.names[b]
        ),
        &format!(
            "Share of {whole} without every one of: {}",
            services.join(", ")
        ),
    );
    p.areas(
        |i| class_fill(share[i], &BREAKS, &YLORRD),
        |i| {
            let what = if lacking[i].is_empty() {
                format!("{:.0}% lacking part", 100.0 * share[i])
            } else {
                format!(
                    "{:.0}% lacking part; unserved for {}",
                    100.0 * share[i],
                    lacking[i]
                )
            };
            base.tip(i, &what)
        },
    );
    p.councils(2.5);
    p.legend_title(&format!("{} lacking part of it", capitalise(whole)));
    p.class_legend(&YLORRD, |k| LABELS[k].to_string());
    p.legend_entry(Swatch::Class(NO_DATA), "no population");
    p.finish()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}
