//! The reach finding's files: `reach.csv` (per provider, service type and named network) and
//! `network_gaps.csv` (areas one network misses that another covers).

use super::*;

pub(super) fn reach_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let Ctx { f, labels, .. } = *cx;
    write_csv_each(
        p,
        &[
            "level",
            "service_type",
            "network",
            "provider",
            "population",
            "target_population",
            "need_weighted_population",
            "exclusive_population",
            "overlap_population",
            "share_of_target_reached",
        ],
        labels,
        f.reach.iter().flatten(),
        |x, r| {
            r[0].push_str(match (&x.provider, &x.network) {
                (Some(_), _) => "provider",
                (None, Some(_)) => "network",
                (None, None) => "service_type",
            });
            r[1].push_str(&x.service_type);
            r[2].push_str(x.network.as_deref().unwrap_or_default());
            r[3].push_str(x.provider.as_deref().unwrap_or_default());
            push_num(&mut r[4], x.population, 3);
            push_num(&mut r[5], x.target_population, 3);
            push_num(&mut r[6], x.need_weighted_population, 3);
            push_num(&mut r[7], x.exclusive_population, 3);
            push_num(&mut r[8], x.overlap_population, 3);
            push_num(&mut r[9], x.share_of_target_reached, 9);
        },
    )?;
    Ok(())
}

pub(super) fn network_gaps_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let Ctx {
        f, labels, study, ..
    } = *cx;
    let area = |i: usize| &study.areas[i];
    write_csv_each(
        p,
        &[
            "missing_network",
            "covering_network",
            "area_code",
            "area_name",
            "group",
            "share_missing",
            "share_covering",
            "population",
        ],
        labels,
        f.missed.iter(),
        |m, r| {
            let a = area(m.area);
            r[0].push_str(&f.networks[m.missing].name);
            r[1].push_str(&f.networks[m.covering].name);
            r[2].push_str(&a.code);
            r[3].push_str(&a.name);
            r[4].push_str(&a.group);
            push_num(&mut r[5], m.share_missing, 9);
            push_num(&mut r[6], m.share_covering, 9);
            push_num(&mut r[7], m.population, 3);
        },
    )?;
    Ok(())
}
