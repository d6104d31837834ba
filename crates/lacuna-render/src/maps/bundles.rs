//! The bundle map: areas shaded by the share of their people lacking at least one service of
//! a bundle within reach, the services each lacks in its tooltip.

use super::classes::{class_fill, FIFTHS, FIFTHS_LABELS, NO_DATA, YLORRD};
use super::page::Swatch;
use super::{capitalise, study_name, Basemap};
use crate::canvas::Canvas;
use lacuna_core::metrics::bundles::Bundles;
use lacuna_io::LoadedStudy as Study;

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
    let name = study_name(study, "Study");
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
        |i| class_fill(share[i], &FIFTHS, &YLORRD),
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
    p.class_legend(&YLORRD, |k| FIFTHS_LABELS[k].to_string());
    p.legend_entry(Swatch::Class(NO_DATA), "no population");
    p.finish()
}
