//! The capacity-aware access finding's files: `access.csv` (per area and service type: supply
//! per person within reach and its ratio to the study's mean) and `access_summary.csv` (per
//! service type, the study's row with the Gini and concentration indices, then one row per
//! council).

use super::*;

/// `x` to twelve significant digits: supply per person is a list size per head (about 1) or a
/// number of doctors per head (about 0.0005), and both need their digits.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return num(x, 0);
    }
    num(x, (11 - x.abs().log10().floor() as i32).max(0) as u32)
}

const ACCESS: &str = "area_code,service_type,method,population,access,access_ratio";

pub(super) fn access_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let study = cx.study;
    let mut rows = Vec::new();
    for s in &cx.f.capacity.services {
        for (i, area) in study.areas.iter().enumerate() {
            rows.push(vec![
                area.code.clone(),
                study.service_types[s.service].clone(),
                s.rule.method_name().into(),
                num(s.population[i], 3),
                s.access[i].map(sig).unwrap_or_default(),
                opt(s.ratio(i), 6),
            ]);
        }
    }
    write_csv(p, ACCESS, cx.labels, rows)
}

const ACCESS_SUMMARY: &str = "service_type,method,max_m,group,population,access,access_ratio,gini,concentration_index,supply,supply_unreached";

pub(super) fn access_summary_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let mut rows = Vec::new();
    for s in &cx.f.capacity.services {
        let row = |group: &str, pop: f64, access: f64, indices: Option<(f64, f64)>| {
            let mut r = vec![String::new(); 11];
            r[0] = cx.study.service_types[s.service].clone();
            r[1] = s.rule.method_name().into();
            r[2] = s.rule.max_m.map(|m| num(m, 3)).unwrap_or_default();
            r[3] = group.into();
            r[4] = num(pop, 3);
            r[5] = sig(access);
            r[6] = num(access / s.mean, 6);
            if let Some((gini, ci)) = indices {
                r[7] = num(gini, 6);
                r[8] = num(ci, 6);
                r[9] = num(s.supply, 3);
                r[10] = num(s.supply_unreached, 3);
            }
            r
        };
        let total = s.population.iter().sum();
        rows.push(row(
            "ALL",
            total,
            s.mean,
            Some((s.gini, s.concentration_index)),
        ));
        for (g, pop, access) in &s.groups {
            rows.push(row(g, *pop, *access, None));
        }
    }
    write_csv(p, ACCESS_SUMMARY, cx.labels, rows)
}
