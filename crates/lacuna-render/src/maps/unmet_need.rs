//! The unmet-need map: unserved areas shaded by unmet need, the areas with the most numbered on
//! the map and listed in the legend.

use super::classes::{class_fill, quantile_breaks, spread, Shading, NO_DATA, YLORRD};
use super::page::{Page, Swatch};
use super::{pct, shorten, title, Basemap};
use crate::canvas::{Anchor, Canvas, Item, Stroke, BLACK, WHITE};
use lacuna_core::metrics::findings::Findings;
use lacuna_core::metrics::gaps::Unserved;
use lacuna_io::write::Units;
use lacuna_io::LoadedStudy as Study;

/// The unmet-need map of service type `t`.
pub(super) fn unmet_need_map(
    study: &Study,
    base: &Basemap,
    findings: &Findings,
    t: usize,
) -> Canvas {
    let sf = &findings.services[t];
    let units = Units::new(study, sf.access.by_population);
    let mut unmet: Vec<Option<f64>> = vec![None; study.areas.len()];
    for u in &sf.unserved {
        unmet[u.area] = Some(u.unmet_need);
    }
    let threshold = study.spec.threshold(&study.service_types[t]);
    let whole = if units.by_population {
        units.people
    } else {
        "the area"
    };
    let mut p = base.page(
        &title(study, "unmet need for a", t),
        &format!(
            "Areas where under {} of {whole} is within reach, shaded by {} x need weight",
            pct(threshold),
            units.heading("uncovered")
        ),
    );
    let shading = unmet_need_shading(study, findings, t);
    p.areas(
        |i| shading.fill[i],
        |i| match unmet[i] {
            Some(v) => base.tip(i, &format!("unmet need {v:.0}")),
            None => base.tip(i, "served"),
        },
    );
    p.councils(2.5);
    p.providers(study, t, 3.0);
    let top: Vec<&Unserved> = sf.unserved.iter().take(base.spec.labels).collect();
    number_areas(&mut p, &top);
    if sf.unserved.is_empty() {
        p.legend_title("Unmet need");
        p.legend_note("no unserved areas", 17.0);
        p.legend_entry(Swatch::Class(NO_DATA), &shading.legend[0].1);
    } else {
        p.shading_legend(&shading);
    }
    p.providers_entry(study, t, 4.0);
    if !top.is_empty() {
        p.legend_gap(20.0);
        p.legend_title("Most unmet need");
        p.legend_gap(4.0);
        for u in &top {
            let a = &study.areas[u.area];
            p.legend_note(&format!("{}. {}", u.rank, shorten(&a.name, 26)), 15.0);
            let council = shorten(study.group_label(&a.group), 18);
            let uncovered = units.amount(u.uncovered_population);
            p.legend_note(&format!("    {council}: {uncovered} uncovered"), 13.0);
        }
    }
    p.finish()
}

/// The unmet-need map's shading of service type `t`: the unserved areas' unmet need in
/// quantile classes of YlOrRd, served areas grey.
pub(crate) fn unmet_need_shading(study: &Study, findings: &Findings, t: usize) -> Shading {
    let sf = &findings.services[t];
    let units = Units::new(study, sf.access.by_population);
    let mut unmet = vec![f64::NAN; study.areas.len()];
    for u in &sf.unserved {
        unmet[u.area] = u.unmet_need;
    }
    let values: Vec<f64> = sf.unserved.iter().map(|u| u.unmet_need).collect();
    let breaks = quantile_breaks(&values, &vec![1.0; values.len()], 5);
    let palette = if values.is_empty() {
        Vec::new()
    } else {
        spread(&YLORRD, breaks.len() - 1)
    };
    let threshold = study.spec.threshold(&study.service_types[t]);
    Shading::classes(
        "Unmet need",
        unmet
            .iter()
            .map(|v| class_fill(*v, &breaks, &palette))
            .collect(),
        &palette,
        |k| format!("{}–{}", units.value(breaks[k]), units.value(breaks[k + 1])),
        &format!("served ({} or more)", pct(threshold)),
    )
}

/// The areas `top` numbered by their rank, on white discs.
fn number_areas(p: &mut Page, top: &[&Unserved]) {
    let u = p.base.u;
    p.c.push(Item::Begin("labels".into()));
    for area in top {
        let at = p.base.label_at(area.area);
        p.c.push(Item::Circle {
            at,
            r: 12.0 * u,
            fill: WHITE,
            stroke: Some(Stroke::solid(BLACK, 1.5 * u)),
        });
        let rank = area.rank.to_string();
        p.c.text(
            (at.0, at.1 + 5.5 * u),
            15.0 * u,
            true,
            Anchor::Middle,
            &rank,
        );
    }
    p.c.push(Item::End);
}
