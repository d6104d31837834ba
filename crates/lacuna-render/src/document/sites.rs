//! The report's "Where to open next" section: the new sites chosen, what each adds, and how
//! far from the best possible the choice can be.

use super::Doc;
use lacuna_core::metrics::sites::{Chosen, Sites};
use lacuna_io::write::{pct1, Units};
use lacuna_io::LoadedStudy as Study;

/// The section, when the study asked where to open next.
pub(super) fn sites_section(d: &mut Doc, study: &Study, sites: Option<&Sites>, units: Units) {
    let Some(s) = sites else {
        return;
    };
    let t = s.input.service;
    let label = study.service_label(t);
    let people: f64 = s.chosen.iter().map(|c| c.people).sum();
    d.heading(2, format!("Where to open next: {label}"));
    d.para(format!(
        "{} new {label} sites with {} m catchments, chosen among {} candidates to bring the most \
         need-weighted people within reach (maximal covering location; {}), would reach {} of \
         the {} out of reach of every {label} today ({}). Their need-weighted gain is {}; no {} \
         sites could do better than {} ({}).",
        s.chosen.len(),
        s.input.radius_m,
        s.input.candidates.len(),
        if s.bound_method == "exact" {
            "solved exactly"
        } else {
            "greedy choice"
        },
        units.amount(people),
        units.amount(s.uncovered_people),
        pct1(people / s.uncovered_people.max(f64::MIN_POSITIVE)),
        units.value(s.objective()),
        s.input.k,
        units.value(s.bound),
        s.bound_method,
    ));
    if s.areal {
        d.para(
            "Without population points each area counts as reached when its interior point is \
             within a new site's radius: these gains are approximate. `lacuna scenario --open \
             sites.csv` measures an opening exactly.",
        );
    }
    d.figure(
        format!("sites_{}", study.service_types[t]),
        "The new sites by rank and their catchments, over today's coverage.",
    );
    d.columns(
        s.chosen.iter(),
        &[
            ("rank", &|c: &&Chosen| c.rank.to_string()),
            ("candidate", &|c| s.input.candidates[c.candidate].0.clone()),
            (&units.heading("newly within reach:"), &|c| {
                units.value(c.people)
            }),
            ("need-weighted", &|c| units.value(c.need_weighted)),
        ],
    );
}
