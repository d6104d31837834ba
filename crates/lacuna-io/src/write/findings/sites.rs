//! The sites finding's files: `sites.csv` (the chosen sites in order, what each adds, the
//! running totals and the bound) and `sites.geojson` (each site and its new catchment, for
//! QGIS).

use super::*;

const COLUMNS: &str = "rank,candidate,service_type,easting,northing,lon,lat,radius_m,population_newly_covered,need_weighted_newly_covered,cumulative_population,cumulative_share_of_uncovered,bound_need_weighted,bound_method";

/// The chosen sites' rows (also the GeoJSON's properties).
fn rows(cx: &Ctx) -> Vec<(Vec<String>, geo::Coord)> {
    let Some(s) = &cx.f.sites else {
        return Vec::new();
    };
    let mut cumulative = 0.0;
    s.chosen
        .iter()
        .map(|c| {
            let (id, at) = &s.input.candidates[c.candidate];
            let ll = cx.to_wgs84.point(*at).ok();
            cumulative += c.people;
            let row = vec![
                c.rank.to_string(),
                id.clone(),
                cx.study.service_types[s.input.service].clone(),
                num(at.x, 1),
                num(at.y, 1),
                ll.map(|p| num(p.x, 6)).unwrap_or_default(),
                ll.map(|p| num(p.y, 6)).unwrap_or_default(),
                num(s.input.radius_m, 1),
                num(c.people, 3),
                num(c.need_weighted, 3),
                num(cumulative, 3),
                num(cumulative / s.uncovered_people.max(f64::MIN_POSITIVE), 9),
                num(s.bound, 3),
                s.bound_method.to_string(),
            ];
            (row, *at)
        })
        .collect()
}

pub(super) fn sites_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let rows = rows(cx).into_iter().map(|(r, _)| r).collect();
    write_csv(p, COLUMNS, cx.labels, rows)
}

pub(super) fn sites_geojson(cx: &Ctx, p: &Path) -> Result<()> {
    let radius = cx.f.sites.as_ref().map_or(0.0, |s| s.input.radius_m);
    let features: Vec<String> = rows(cx)
        .into_iter()
        .map(|(row, at)| {
            // The new catchment as a 128-gon in the working CRS, then in WGS84.
            let mut ring: Vec<geo::Coord> = (0..=128)
                .map(|k| {
                    let a = std::f64::consts::TAU * (k % 128) as f64 / 128.0;
                    geo::Coord {
                        x: at.x + radius * a.cos(),
                        y: at.y + radius * a.sin(),
                    }
                })
                .collect();
            let _ = cx.to_wgs84.apply(&mut ring);
            let coords: Vec<String> = ring
                .iter()
                .map(|c| format!("[{},{}]", num(c.x, 7), num(c.y, 7)))
                .collect();
            let props: Vec<String> = COLUMNS
                .split(',')
                .zip(&row)
                .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap_or_default(), serde_json::to_string(v).unwrap_or_default()))
                .collect();
            format!(
                r#"{{"type":"Feature","properties":{{{}}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
                props.join(","),
                coords.join(",")
            )
        })
        .collect();
    write_feature_collection(p, &cx.study.run_id, &features)
}
