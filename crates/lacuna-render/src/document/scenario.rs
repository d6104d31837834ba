//! The report's "If these close" section: what the study's change (providers closed, sites
//! opened) would do to one service, overall, per council, per need decile and in the areas
//! that lose the most.

use super::{Doc, ServiceCx};
use lacuna_core::metrics::scenario::{Level, Scenario, ScenarioRow, SummaryRow};
use lacuna_io::write::pct1;

/// The section for the service of `cx`, when the change touches it.
pub(super) fn scenario_section(d: &mut Doc, cx: &ServiceCx) {
    let Some(s) = cx.scenario.filter(|s| s.services.contains(&cx.sf.service)) else {
        return;
    };
    let t = cx.sf.service;
    let summary: Vec<&SummaryRow> = s.summary.iter().filter(|r| r.service == t).collect();
    let Some(all) = summary.iter().find(|r| r.level == Level::All) else {
        return;
    };
    let units = cx.units;
    let label = cx.study.service_label(t);
    d.heading(3, "If these close");
    let share = |x: f64| pct1(x / all.population.max(f64::MIN_POSITIVE));
    d.para(format!(
        "{} would leave {} without a {label} within reach and bring {} within reach of one. \
         Within reach: {} ({}) before, {} ({}) after; unserved areas: {} before, {} after; \
         unmet need (uncovered {} x need weight): {} before, {} after. These figures equal a \
         rerun of the study with the changed providers; the {} of {} areas the change can \
         reach were recomputed.",
        what_changes(cx, s),
        units.amount(all.losing),
        units.amount(all.gaining),
        units.amount(all.covered_before),
        share(all.covered_before),
        units.amount(all.covered_after),
        share(all.covered_after),
        all.unserved_before,
        all.unserved_after,
        units.whole(),
        units.value(all.unmet_before),
        units.value(all.unmet_after),
        s.recomputed.len(),
        cx.study.areas.len(),
    ));
    d.figure(
        format!("scenario_{}", cx.t),
        "Change in the share within reach, by area; closed and opened sites marked.",
    );
    let people = |what: &str| units.heading(what);
    let table =
        |d: &mut Doc, key: &str, rows: Vec<&&SummaryRow>, name: &dyn Fn(&Level) -> String| {
            d.columns(
                rows.into_iter(),
                &[
                    (key, &|r: &&&SummaryRow| name(&r.level)),
                    (&people("losing access:"), &|r| units.value(r.losing)),
                    (&people("gaining access:"), &|r| units.value(r.gaining)),
                    ("within reach before", &|r| units.value(r.covered_before)),
                    ("after", &|r| units.value(r.covered_after)),
                    ("unserved areas", &|r| {
                        format!("{} → {}", r.unserved_before, r.unserved_after)
                    }),
                ],
            );
        };
    let councils: Vec<&&SummaryRow> = summary
        .iter()
        .filter(|r| matches!(r.level, Level::Group(_)) && (r.losing > 0.0 || r.gaining > 0.0))
        .collect();
    if !councils.is_empty() {
        d.para("Per council touched by the change:");
        table(d, "council", councils, &|l| match l {
            Level::Group(g) => cx.study.group_label(g).to_string(),
            _ => String::new(),
        });
    }
    let deciles: Vec<&&SummaryRow> = summary
        .iter()
        .filter(|r| matches!(r.level, Level::Decile(_)))
        .collect();
    if !deciles.is_empty() {
        d.para(format!("Per {} (1 = most deprived):", cx.decile));
        table(d, cx.decile, deciles, &|l| match l {
            Level::Decile(k) => k.to_string(),
            _ => String::new(),
        });
    }
    most_losing(d, cx, s);
}

/// "Closing 3 GP practices (A, B, C) and opening 1 new site".
fn what_changes(cx: &ServiceCx, s: &Scenario) -> String {
    let (closed, opened) = crate::maps::changed_providers(cx.study, s, cx.sf.service);
    let closed: Vec<&str> = closed.iter().map(|p| p.id.as_str()).collect();
    let opened = opened.len();
    let mut parts = Vec::new();
    if !closed.is_empty() {
        let mut shown: Vec<&str> = closed.iter().take(5).copied().collect();
        if closed.len() > 5 {
            shown.push("…");
        }
        let label = cx.study.service_label(cx.sf.service);
        parts.push(format!(
            "closing {} {label} site{} ({})",
            closed.len(),
            if closed.len() == 1 { "" } else { "s" },
            shown.join(", ")
        ));
    }
    if opened > 0 {
        parts.push(format!(
            "opening {opened} new site{}",
            if opened == 1 { "" } else { "s" }
        ));
    }
    crate::maps::capitalise(&parts.join(" and "))
}

/// The areas that would lose the most people's access.
fn most_losing(d: &mut Doc, cx: &ServiceCx, s: &Scenario) {
    let mut rows: Vec<&ScenarioRow> = s
        .rows
        .iter()
        .filter(|r| r.service == cx.sf.service && r.losing > 0.0)
        .collect();
    rows.sort_by(|a, b| b.losing.total_cmp(&a.losing).then(a.area.cmp(&b.area)));
    rows.truncate(cx.study.spec.findings.top_n.min(10));
    if rows.is_empty() {
        return;
    }
    let units = cx.units;
    d.para("The areas that would lose the most:");
    d.columns(
        rows.into_iter(),
        &[
            ("area", &|r: &&ScenarioRow| {
                cx.study.areas[r.area].name.clone()
            }),
            ("council", &|r| cx.council(r.area).to_string()),
            (&units.heading("losing access:"), &|r| units.value(r.losing)),
            ("share within reach", &|r| {
                format!("{} → {}", pct1(r.share_before), pct1(r.share_after))
            }),
            ("unserved", &|r| {
                match (r.unserved_before, r.unserved_after) {
                    (false, true) => "becomes unserved",
                    (true, true) => "already unserved",
                    (true, false) => "no longer unserved",
                    (false, false) => "",
                }
                .to_string()
            }),
        ],
    );
}
