//! The interactive map's area layers for one service type: the shading of each static map kind
//! whose finding was computed, in the order the layer switcher lists them.

use crate::maps::{self, Shading};
use lacuna_core::metrics::coverage::Coverage;
use lacuna_core::metrics::findings::{Finding, Findings};
use lacuna_io::LoadedStudy as Study;

/// `(id, name, shading)` of each layer of service type `t`.
pub(crate) fn shadings(
    study: &Study,
    coverage: &Coverage,
    f: &Findings,
    t: usize,
) -> Vec<(&'static str, &'static str, Shading)> {
    let mut out = vec![(
        "coverage",
        "Coverage",
        maps::coverage_shading(study, &study.spec.maps, coverage, t),
    )];
    if f.has(Finding::Unserved) {
        out.push((
            "unmet_need",
            "Unmet need",
            maps::unmet_need_shading(study, f, t),
        ));
    }
    if let Some(a) = f.capacity.services.iter().find(|a| a.service == t) {
        out.push(("access", "Access ratio", maps::access_shading(a)));
    }
    if let Some(s) = f.scenario.as_ref().filter(|s| s.services.contains(&t)) {
        out.push((
            "scenario",
            "Scenario change",
            maps::scenario_shading(study, s, t),
        ));
    }
    if let Some(h) = &f.hotspots {
        out.push(("hotspots", "Hot spots", maps::hotspot_shading(study, h, t)));
    }
    out
}
