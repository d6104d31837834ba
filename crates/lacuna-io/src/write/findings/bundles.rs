//! The bundles finding's files: `bundles.csv` (per bundle, the areas lacking any of its
//! services, ranked by unmet need) and `bundles_summary.csv` (per bundle, the study and each
//! council).

use super::*;

pub(super) fn bundles_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let Ctx { f, study, .. } = *cx;
    let Some(b) = &f.bundles else {
        return write_csv(p, AREA_COLUMNS, cx.labels, Vec::new());
    };
    let rows = b
        .areas
        .iter()
        .map(|r| {
            let a = &study.areas[r.area];
            let lacking: Vec<&str> = r
                .lacking
                .iter()
                .map(|&t| study.service_types[t].as_str())
                .collect();
            vec![
                b.names[r.bundle].clone(),
                r.rank.to_string(),
                a.code.clone(),
                a.name.clone(),
                a.group.clone(),
                num(r.population, 3),
                lacking.join(";"),
                lacking.len().to_string(),
                num(r.lacking_any, 3),
                num(r.lacking_all, 3),
                decile(f.need.decile[r.area]),
                num(r.unmet_need, 3),
            ]
        })
        .collect();
    write_csv(p, AREA_COLUMNS, cx.labels, rows)
}

const AREA_COLUMNS: &str = "bundle,rank,area_code,area_name,group,population,services_unserved,services_unserved_count,population_lacking_any,population_lacking_all,need_decile,unmet_need";

pub(super) fn bundles_summary_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let Some(b) = &cx.f.bundles else {
        return write_csv(p, SUMMARY_COLUMNS, cx.labels, Vec::new());
    };
    let rows = b
        .groups
        .iter()
        .map(|g| {
            vec![
                b.names[g.bundle].clone(),
                g.group.clone().unwrap_or_else(|| "ALL".into()),
                num(g.population, 3),
                num(g.lacking_any, 3),
                num(g.lacking_all, 3),
                num(g.lacking_any / g.population.max(f64::MIN_POSITIVE), 9),
                g.areas_lacking_any.to_string(),
                g.areas_lacking_all.to_string(),
            ]
        })
        .collect();
    write_csv(p, SUMMARY_COLUMNS, cx.labels, rows)
}

const SUMMARY_COLUMNS: &str = "bundle,group,population,population_lacking_any,population_lacking_all,share_lacking_any,areas_unserved_for_any,areas_unserved_for_all";
