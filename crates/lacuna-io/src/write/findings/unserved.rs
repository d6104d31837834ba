//! The unserved finding's files: `unserved.csv` (areas below the standard ranked by unmet need),
//! `unserved.geojson` (the same as a layer) and `gaps.geojson` (the gap polygons).

use super::*;

const UNSERVED: &str = "service_type,rank,area_code,area_name,group,group_rank,population,target_population,covered_share,uncovered_population,uncovered_target,need_decile,need_weight,unmet_need,nearest_m";

pub(super) fn unserved_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let Ctx { f, study, .. } = *cx;
    let types = study.service_types.len();
    let area = |i: usize| &study.areas[i];
    let rows = f
        .services
        .iter()
        .flat_map(|s| s.unserved.iter().map(move |u| (s.service, u)))
        .map(|(t, u)| {
            let a = area(u.area);
            vec![
                u.service_type.clone(),
                u.rank.to_string(),
                a.code.clone(),
                a.name.clone(),
                a.group.clone(),
                u.group_rank.to_string(),
                num(u.population, 3),
                num(u.target_population, 3),
                num(u.covered_share, 9),
                num(u.uncovered_population, 3),
                num(u.uncovered_target, 3),
                decile(u.need_decile),
                num(u.need_weight, 6),
                num(u.unmet_need, 3),
                opt(cx.coverage.rows[u.area * types + t].nearest_m, 1),
            ]
        })
        .collect();
    write_csv(p, UNSERVED, cx.labels, rows)
}

pub(super) fn unserved_geojson(cx: &Ctx, p: &Path) -> Result<()> {
    let Ctx {
        f, study, known, ..
    } = *cx;
    let t = &cx.to_wgs84;
    let area = |i: usize| &study.areas[i];
    let all: Vec<_> = f.services.iter().flat_map(|s| &s.unserved).collect();
    // An area unserved for several services is transformed to WGS84 once, and not at all
    // when `areas.geojson` already did.
    let missing = all
        .iter()
        .map(|u| u.area)
        .filter(|&i| known.get(i).is_none());
    let (slot, shapes) = per_distinct_area(study.areas.len(), missing, |i| {
        let mut g = String::new();
        geometry_json(&mut g, &area(i).local, t).map_err(|e| Error::crs(p, e))?;
        Ok(g)
    })?;
    let geometry = |i: usize| known.get(i).unwrap_or_else(|| &shapes[slot[i]]);
    // Properties formatted in parallel (a national run lists thousands of areas per
    // service); each feature is then written as its properties, the shared geometry string
    // and a closing brace, so a geometry is never copied into a feature string.
    let props: Vec<String> = all
        .par_iter()
        .map(|u| {
            let a = area(u.area);
            let uncovered = if cx.labels.by_population {
                "uncovered_population"
            } else {
                "uncovered_area_m2"
            };
            let mut f = FeatureText::new();
            f.text("service_type", &u.service_type)
                .num("rank", u.rank as f64, 0)
                .text("area_code", &a.code)
                .text("area_name", &a.name)
                .text("group", &a.group)
                .num("covered_share", u.covered_share, 9)
                .num(uncovered, u.uncovered_population, 3)
                .num("unmet_need", u.unmet_need, 3);
            f.geometry()
        })
        .collect();
    write_features(p, &study.run_id, all.len(), |w, k| {
        w.write_all(props[k].as_bytes())?;
        w.write_all(geometry(all[k].area).as_bytes())?;
        w.write_all(b"}")
    })
}

pub(super) fn gaps_geojson(cx: &Ctx, p: &Path) -> Result<()> {
    let Ctx { f, study, .. } = *cx;
    let t = &cx.to_wgs84;
    let mut features = Vec::new();
    for sf in &f.services {
        for (k, gap) in sf.gaps.iter().enumerate() {
            let mut g = String::new();
            let local = lacuna_core::spatial::overlay::LocalPolygon::new(&gap.shape);
            geometry_json(&mut g, &local, t).map_err(|e| Error::crs(p, e))?;
            let (codes, groups) = crate::write::gap_lists(&study.areas, &gap.areas);
            let mut f = FeatureText::new();
            f.text("service_type", &study.service_types[sf.service])
                .num("gap", (k + 1) as f64, 0)
                .num("area_m2", gap.area_m2, 1);
            if gap.population.is_finite() {
                f.num("population", gap.population, 3);
            }
            f.num("n_areas", codes.len() as f64, 0)
                .text("areas", &codes.join(";"))
                .text("groups", &groups.join(";"));
            features.push(f.geometry() + &g + "}");
        }
    }
    write_feature_collection(p, &study.run_id, &features)
}
