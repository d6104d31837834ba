//! The sites map: the study's coverage of the service (the share within reach, as on its
//! coverage map, paler), with the chosen new sites numbered and their new catchments outlined.

use super::classes::{class_fill, FIFTHS, FIFTHS_LABELS, NO_DATA, VIRIDIS};
use super::page::Swatch;
use super::{title, Basemap};
use crate::canvas::{Canvas, Rgb, Stroke};
use lacuna_core::metrics::coverage::Coverage;
use lacuna_core::metrics::sites::Sites;
use lacuna_io::LoadedStudy as Study;

const NEW: Rgb = Rgb(0xd9, 0x5f, 0x02);

/// The map of the chosen sites.
pub(super) fn sites_map(study: &Study, base: &Basemap, coverage: &Coverage, s: &Sites) -> Canvas {
    let t = s.input.service;
    let types = study.service_types.len();
    let units = lacuna_io::write::Units::of(study, coverage);
    let share = |i: usize| {
        let r = &coverage.rows[i * types + t];
        r.population_share.unwrap_or(r.area_share)
    };
    let mut p =
        base.page(
            &title(study, "where to open next:", t),
            &format!(
            "{} new sites ({} m) bring {} more within reach{}; bound on the need-weighted gain \
             {:.0} ({})",
            s.chosen.len(),
            s.input.radius_m,
            units.amount(s.chosen.iter().map(|c| c.people).sum::<f64>()),
            if s.areal { " (areas reached whole)" } else { "" },
            s.bound,
            s.bound_method
        ),
        );
    p.areas(
        |i| class_fill(share(i), &FIFTHS, &VIRIDIS),
        |i| base.tip(i, &format!("{:.0}% within reach today", 100.0 * share(i))),
    );
    p.councils(2.5);
    let sites: Vec<geo::Coord> = s
        .chosen
        .iter()
        .map(|c| s.input.candidates[c.candidate].1)
        .collect();
    p.catchments(&sites, s.input.radius_m, Stroke::solid(NEW, 3.0));
    p.sites(&sites, 9.0, NEW);
    p.numbers(&sites);
    p.legend_title("Within reach today");
    p.class_legend(&VIRIDIS, |k| FIFTHS_LABELS[k].to_string());
    p.legend_entry(Swatch::Class(NO_DATA), "no population");
    p.legend_entry(Swatch::Dot(NEW, 9.0), "new site (by rank)");
    p.finish()
}
