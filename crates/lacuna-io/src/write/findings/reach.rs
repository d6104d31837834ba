//! The reach finding's files: `reach.csv` (per provider, service type and named network) and
//! `network_gaps.csv` (areas one network misses that another covers).

use super::*;

const REACH: &str = "level,service_type,network,provider,population,target_population,need_weighted_population,exclusive_population,overlap_population,share_of_target_reached";

pub(super) fn reach_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let rows =
        cx.f.reach
            .iter()
            .flatten()
            .map(|x| {
                let level = match (&x.provider, &x.network) {
                    (Some(_), _) => "provider",
                    (None, Some(_)) => "network",
                    (None, None) => "service_type",
                };
                vec![
                    level.to_string(),
                    x.service_type.clone(),
                    x.network.clone().unwrap_or_default(),
                    x.provider.clone().unwrap_or_default(),
                    num(x.population, 3),
                    num(x.target_population, 3),
                    num(x.need_weighted_population, 3),
                    num(x.exclusive_population, 3),
                    num(x.overlap_population, 3),
                    num(x.share_of_target_reached, 9),
                ]
            })
            .collect();
    write_csv(p, REACH, cx.labels, rows)
}

const NETWORK_GAPS: &str = "missing_network,covering_network,area_code,area_name,group,share_missing,share_covering,population";

pub(super) fn network_gaps_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let Ctx { f, study, .. } = *cx;
    let rows = f
        .missed
        .iter()
        .map(|m| {
            let a = &study.areas[m.area];
            vec![
                f.networks[m.missing].name.clone(),
                f.networks[m.covering].name.clone(),
                a.code.clone(),
                a.name.clone(),
                a.group.clone(),
                num(m.share_missing, 9),
                num(m.share_covering, 9),
                num(m.population, 3),
            ]
        })
        .collect();
    write_csv(p, NETWORK_GAPS, cx.labels, rows)
}

const CRITICAL_PROVIDERS: &str = "service_type,rank,provider,network,lon,lat,population_losing_access,need_weighted_population_losing_access,target_population_losing_access,areas_becoming_unserved,area_codes";

/// `critical_providers.csv`: per provider, what closing it alone would cost, ranked within
/// each service type. The site's longitude and latitude tell apart providers that share a name
/// (a federation's food banks).
pub(super) fn critical_providers_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let study = cx.study;
    let rows: Vec<Vec<String>> =
        cx.f.critical
            .iter()
            .flatten()
            .map(|c| {
                let provider = &study.providers[c.provider];
                // A site that does not transform (outside the CRS's domain) is left blank.
                let site = cx.to_wgs84.point(provider.site).ok();
                let codes: Vec<&str> = c
                    .areas_unserved
                    .iter()
                    .map(|&a| study.areas[a].code.as_str())
                    .collect();
                vec![
                    study.service_types[c.service].clone(),
                    c.rank.to_string(),
                    provider.id.clone(),
                    provider.network.clone().unwrap_or_default(),
                    site.map(|s| num(s.x, 6)).unwrap_or_default(),
                    site.map(|s| num(s.y, 6)).unwrap_or_default(),
                    num(c.population, 3),
                    num(c.need_weighted_population, 3),
                    num(c.target_population, 3),
                    codes.len().to_string(),
                    codes.join(";"),
                ]
            })
            .collect();
    write_csv(p, CRITICAL_PROVIDERS, cx.labels, rows)
}
