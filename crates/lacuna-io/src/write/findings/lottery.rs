//! The postcode lottery's files: `lottery_pairs.csv` and `lottery.geojson` (neighbouring areas
//! in different councils with similar need and very different provision) and `groups.csv` (the
//! council league table).

use super::*;

const LOTTERY_PAIRS: &str = "service_type,area_a,name_a,group_a,area_b,name_b,group_b,share_a,share_b,need_a,need_b,difference,shared_boundary_m,population_a,population_b,score";

pub(super) fn lottery_pairs_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let area = |i: usize| &cx.study.areas[i];
    let rows =
        cx.f.services
            .iter()
            .flat_map(|s| &s.pairs)
            .map(|x| {
                let (a, b) = (area(x.a), area(x.b));
                vec![
                    x.service_type.clone(),
                    a.code.clone(),
                    a.name.clone(),
                    a.group.clone(),
                    b.code.clone(),
                    b.name.clone(),
                    b.group.clone(),
                    num(x.share_a, 9),
                    num(x.share_b, 9),
                    x.need_a.to_string(),
                    x.need_b.to_string(),
                    num(x.difference, 9),
                    num(x.shared_boundary_m, 1),
                    num(x.population_a, 3),
                    num(x.population_b, 3),
                    num(x.score, 3),
                ]
            })
            .collect();
    write_csv(p, LOTTERY_PAIRS, cx.labels, rows)
}

const GROUPS: &str = "service_type,rank,group,areas,population,covered_population,coverage,coverage_most_deprived,coverage_least_deprived,need_gap,uncovered_population,population_in_unserved_areas";

pub(super) fn groups_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let rows =
        cx.f.services
            .iter()
            .flat_map(|s| &s.league)
            .map(|g| {
                vec![
                    g.service_type.clone(),
                    g.rank.to_string(),
                    g.group.clone(),
                    g.areas.to_string(),
                    num(g.population, 3),
                    num(g.covered_population, 3),
                    num(g.coverage, 9),
                    opt(g.coverage_most_deprived, 9),
                    opt(g.coverage_least_deprived, 9),
                    opt(g.need_gap, 9),
                    num(g.uncovered_population, 3),
                    num(g.population_in_unserved_areas, 3),
                ]
            })
            .collect();
    write_csv(p, GROUPS, cx.labels, rows)
}

pub(super) fn lottery_geojson(cx: &Ctx, p: &Path) -> Result<()> {
    let Ctx { f, study, .. } = *cx;
    let t = &cx.to_wgs84;
    let area = |i: usize| &study.areas[i];
    let mut features = Vec::new();
    // Each area's interior point once, in parallel: areas recur across pairs and services.
    let ends = f
        .services
        .iter()
        .flat_map(|s| &s.pairs)
        .flat_map(|x| [x.a, x.b]);
    let (slot, points) = per_distinct_area(study.areas.len(), ends, |i| {
        let c = area(i)
            .local
            .shape()
            .interior_point()
            .map(|p| p.0)
            .ok_or_else(|| Error::crs(p, "area without interior point"))?;
        t.point(c).map_err(|e| Error::crs(p, e))
    })?;
    for s in &f.services {
        for x in &s.pairs {
            let (pa, pb) = (points[slot[x.a]], points[slot[x.b]]);
            let mut g = String::from("{\"type\":\"LineString\",\"coordinates\":[[");
            for (k, c) in [pa, pb].iter().enumerate() {
                if k > 0 {
                    g.push_str("],[");
                }
                push_num(&mut g, c.x, 7);
                g.push(',');
                push_num(&mut g, c.y, 7);
            }
            g.push_str("]]}");
            let mut f = FeatureText::new();
            f.text("service_type", &x.service_type)
                .text("area_a", &area(x.a).code)
                .text("group_a", &area(x.a).group)
                .text("area_b", &area(x.b).code)
                .text("group_b", &area(x.b).group)
                .num("difference", x.difference, 9)
                .num("score", x.score, 3);
            features.push(f.geometry() + &g + "}");
        }
    }
    write_feature_collection(p, &study.run_id, &features)
}
