//! The unserved finding's files: `unserved.csv` (areas below the standard ranked by unmet need),
//! `unserved.geojson` (the same as a layer) and `gaps.geojson` (the gap polygons).

use super::*;

pub(super) fn unserved_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let Ctx {
        f,
        coverage,
        labels,
        study,
        ..
    } = *cx;
    let types = study.service_types.len();
    let area = |i: usize| &study.areas[i];
    let rows = f
        .services
        .iter()
        .flat_map(|s| s.unserved.iter().map(move |u| (s.service, u)));
    write_csv_each(
        p,
        &[
            "service_type",
            "rank",
            "area_code",
            "area_name",
            "group",
            "group_rank",
            "population",
            "target_population",
            "covered_share",
            "uncovered_population",
            "uncovered_target",
            "need_decile",
            "need_weight",
            "unmet_need",
            "nearest_m",
        ],
        labels,
        rows,
        |(t, u), r| {
            let a = area(u.area);
            let mut int = itoa::Buffer::new();
            r[0].push_str(&u.service_type);
            r[1].push_str(int.format(u.rank));
            r[2].push_str(&a.code);
            r[3].push_str(&a.name);
            r[4].push_str(&a.group);
            r[5].push_str(int.format(u.group_rank));
            push_num(&mut r[6], u.population, 3);
            push_num(&mut r[7], u.target_population, 3);
            push_num(&mut r[8], u.covered_share, 9);
            push_num(&mut r[9], u.uncovered_population, 3);
            push_num(&mut r[10], u.uncovered_target, 3);
            if let Some(d) = u.need_decile {
                r[11].push_str(int.format(d));
            }
            push_num(&mut r[12], u.need_weight, 6);
            push_num(&mut r[13], u.unmet_need, 3);
            if let Some(n) = coverage.rows[u.area * types + t].nearest_m {
                push_num(&mut r[14], n, 1);
            }
        },
    )?;
    Ok(())
}

pub(super) fn unserved_geojson(cx: &Ctx, p: &Path) -> Result<()> {
    let Ctx {
        f,
        study,
        known,
        by_population,
        ..
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
            let mut props = String::with_capacity(256);
            props.push_str("{\"type\":\"Feature\",\"properties\":{\"service_type\":");
            push_json_string(&mut props, &u.service_type);
            props.push_str(",\"rank\":");
            props.push_str(itoa::Buffer::new().format(u.rank));
            props.push_str(",\"area_code\":");
            push_json_string(&mut props, &a.code);
            props.push_str(",\"area_name\":");
            push_json_string(&mut props, &a.name);
            props.push_str(",\"group\":");
            push_json_string(&mut props, &a.group);
            props.push_str(",\"covered_share\":");
            push_num(&mut props, u.covered_share, 9);
            props.push_str(if by_population {
                ",\"uncovered_population\":"
            } else {
                ",\"uncovered_area_m2\":"
            });
            push_num(&mut props, u.uncovered_population, 3);
            props.push_str(",\"unmet_need\":");
            push_num(&mut props, u.unmet_need, 3);
            props.push_str("},\"geometry\":");
            props
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
    let area = |i: usize| &study.areas[i];
    let mut features = Vec::new();
    for sf in &f.services {
        for (k, gap) in sf.gaps.iter().enumerate() {
            let mut g = String::new();
            let local = lacuna_core::spatial::overlay::LocalPolygon::new(&gap.shape);
            geometry_json(&mut g, &local, t).map_err(|e| Error::crs(p, e))?;
            let codes: Vec<&str> = gap.areas.iter().map(|&i| area(i).code.as_str()).collect();
            let mut groups: Vec<&str> = gap.areas.iter().map(|&i| area(i).group.as_str()).collect();
            groups.sort_unstable();
            groups.dedup();
            let mut props = format!(
                "{{\"service_type\":{},\"gap\":{},\"area_m2\":",
                json_string(&study.service_types[sf.service]),
                k + 1
            );
            push_num(&mut props, gap.area_m2, 1);
            if gap.population.is_finite() {
                props.push_str(",\"population\":");
                push_num(&mut props, gap.population, 3);
            }
            props.push_str(&format!(
                ",\"n_areas\":{},\"areas\":{},\"groups\":{}}}",
                codes.len(),
                json_string(&codes.join(";")),
                json_string(&groups.join(";"))
            ));
            features.push(format!(
                "{{\"type\":\"Feature\",\"properties\":{props},\"geometry\":{g}}}"
            ));
        }
    }
    write_feature_collection(p, &study.run_id, &features)?;
    Ok(())
}
