//! The scenario finding's files: `scenario.csv` (per area and service touched, before and
//! after), `scenario_summary.csv` (per council and need decile), `scenario_coverage.csv`
//! (coverage after the change, as a rerun's `coverage.csv`) and `scenario_providers.csv` (the
//! providers closed and opened).

use super::*;
use lacuna_core::metrics::scenario::Level;

const SCENARIO: &str = "area_code,area_name,group,service_type,population,covered_population_before,covered_population_after,change,share_before,share_after,population_losing_access,population_gaining_access,nearest_m_before,nearest_m_after,need_decile,unmet_need_before,unmet_need_after,unserved_before,unserved_after";

pub(super) fn scenario_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let Ctx { f, study, .. } = *cx;
    let rows = f
        .scenario
        .iter()
        .flat_map(|s| s.rows.iter().filter(|r| r.changed()))
        .map(|r| {
            let a = &study.areas[r.area];
            vec![
                a.code.clone(),
                a.name.clone(),
                a.group.clone(),
                study.service_types[r.service].clone(),
                num(r.population, 3),
                num(r.covered_before, 3),
                num(r.covered_after, 3),
                num(r.covered_after - r.covered_before, 3),
                num(r.share_before, 9),
                num(r.share_after, 9),
                num(r.losing, 3),
                num(r.gaining, 3),
                opt(r.nearest_before, 1),
                opt(r.nearest_after, 1),
                decile(f.need.decile[r.area]),
                num(r.unmet_before, 3),
                num(r.unmet_after, 3),
                flag(r.unserved_before),
                flag(r.unserved_after),
            ]
        })
        .collect();
    write_csv(p, SCENARIO, cx.labels, rows)
}

const SCENARIO_SUMMARY: &str = "service_type,level,key,population,covered_population_before,covered_population_after,population_losing_access,population_gaining_access,unmet_need_before,unmet_need_after,unserved_areas_before,unserved_areas_after";

pub(super) fn scenario_summary_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let rows =
        cx.f.scenario
            .iter()
            .flat_map(|s| &s.summary)
            .map(|r| {
                let (level, key) = match &r.level {
                    Level::All => ("all", "ALL".to_string()),
                    Level::Group(g) => ("group", g.clone()),
                    Level::Decile(d) => ("need_decile", d.to_string()),
                };
                vec![
                    cx.study.service_types[r.service].clone(),
                    level.to_string(),
                    key,
                    num(r.population, 3),
                    num(r.covered_before, 3),
                    num(r.covered_after, 3),
                    num(r.losing, 3),
                    num(r.gaining, 3),
                    num(r.unmet_before, 3),
                    num(r.unmet_after, 3),
                    r.unserved_before.to_string(),
                    r.unserved_after.to_string(),
                ]
            })
            .collect();
    write_csv(p, SCENARIO_SUMMARY, cx.labels, rows)
}

pub(super) fn scenario_coverage_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let rows =
        cx.f.scenario
            .as_ref()
            .map(|s| s.after.rows.as_slice())
            .unwrap_or_default();
    crate::write::tables::write_coverage(p, cx.study, rows)
}

pub(super) fn scenario_providers_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let Some(s) = &cx.f.scenario else {
        return write_csv(p, PROVIDER_COLUMNS, cx.labels, Vec::new());
    };
    let closed = s
        .change
        .close
        .iter()
        .map(|&i| ("close", &cx.study.providers[i]));
    let opened = s.change.open.iter().map(|p| ("open", p));
    let rows = closed
        .chain(opened)
        .map(|(action, provider)| {
            let site = cx.to_wgs84.point(provider.site).ok();
            vec![
                action.to_string(),
                provider.service_type.clone(),
                provider.id.clone(),
                provider.network.clone().unwrap_or_default(),
                site.map(|s| num(s.x, 6)).unwrap_or_default(),
                site.map(|s| num(s.y, 6)).unwrap_or_default(),
            ]
        })
        .collect();
    write_csv(p, PROVIDER_COLUMNS, cx.labels, rows)
}

const PROVIDER_COLUMNS: &str = "action,service_type,provider,network,lon,lat";
