//! The equity finding's files: `access_equity.csv` (inequality indices per universal service,
//! overall and per council, with the permutation test and bootstrap interval) and
//! `equity_deciles.csv` (coverage by need decile, overall and per council: the equity chart's
//! figures).

use super::*;

const ACCESS_EQUITY: &str = "service_type,group,areas,population,population_meeting_standard,share_meeting_standard,zero_access_population,gini,theil,theil_between,theil_within,theil_between_share,between_share_p_value,concentration_index,erreygers_index,ci_low,ci_high";

pub(super) fn access_equity_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let rows =
        cx.f.services
            .iter()
            .flat_map(|s| &s.equity)
            .map(|e| {
                vec![
                    e.service_type.clone(),
                    e.group.clone(),
                    e.areas.to_string(),
                    num(e.population, 3),
                    num(e.population_meeting_standard, 3),
                    num(e.share_meeting_standard, 9),
                    num(e.zero_access_population, 3),
                    num(e.gini, 9),
                    num(e.theil, 9),
                    opt(e.theil_between, 9),
                    opt(e.theil_within, 9),
                    opt(e.theil_between_share, 9),
                    opt(e.between_share_p_value, 6),
                    num(e.concentration_index, 9),
                    num(e.erreygers_index, 9),
                    num(e.ci_low, 9),
                    num(e.ci_high, 9),
                ]
            })
            .collect();
    write_csv(p, ACCESS_EQUITY, cx.labels, rows)
}

const EQUITY_DECILES: &str =
    "service_type,group,need_decile,population,covered_population,covered_share";

pub(super) fn equity_deciles_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let rows =
        cx.f.services
            .iter()
            .flat_map(|s| &s.equity_deciles)
            .map(|d| {
                vec![
                    d.service_type.clone(),
                    d.group.clone(),
                    d.decile.to_string(),
                    num(d.population, 3),
                    num(d.covered_population, 3),
                    num(d.covered_share, 9),
                ]
            })
            .collect();
    write_csv(p, EQUITY_DECILES, cx.labels, rows)
}
