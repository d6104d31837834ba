//! Unserved neighbourhoods: per service type, the areas whose covered share is below the
//! standard's threshold (default 0.5), ranked by unmet need = uncovered (target) population x
//! need weight, overall and within their council.

use serde::Serialize;

use crate::metrics::access::Access;
use crate::metrics::need::AreaNeed;
use crate::study::Study;

/// One unserved area.
#[derive(Debug, Clone, Serialize)]
pub struct Unserved {
    /// Service type.
    pub service_type: String,
    /// Rank by unmet need among all unserved areas of this service type (1 = greatest).
    pub rank: usize,
    /// Area index.
    #[serde(skip)]
    pub area: usize,
    /// Rank within the area's group.
    pub group_rank: usize,
    /// Population (or area weight).
    pub population: f64,
    /// Target population (the standard's target column; else the population).
    pub target_population: f64,
    /// Covered share.
    pub covered_share: f64,
    /// Population outside every catchment.
    pub uncovered_population: f64,
    /// Target population outside every catchment (spread like the population).
    pub uncovered_target: f64,
    /// Need decile (1 = most deprived).
    pub need_decile: Option<u8>,
    /// Need weight.
    pub need_weight: f64,
    /// uncovered_target x need_weight.
    pub unmet_need: f64,
}

/// The unserved areas for service type `t`, ranked.
pub fn unserved(study: &Study, t: usize, access: &Access, need: &AreaNeed) -> Vec<Unserved> {
    let name = &study.service_types[t];
    let standard = study.params.services.get(name).cloned().unwrap_or_default();
    let threshold = standard.threshold();
    let target_col = standard.target_population.as_deref().and_then(|c| {
        study
            .need
            .as_ref()
            .and_then(|n| n.columns.iter().position(|x| x == c))
            .map(|i| (i, study.need.as_ref().expect("need exists")))
    });
    let mut out: Vec<Unserved> = (0..study.areas.len())
        .filter(|&i| access.weight[i] > 0.0 && access.share[i] < threshold)
        .map(|i| {
            let population = access.weight[i];
            let target = match target_col {
                Some((c, join)) => join.rows[i]
                    .as_ref()
                    .and_then(|r| r[c].as_number().ok().flatten())
                    .unwrap_or(0.0),
                None => population,
            };
            let uncovered = population * (1.0 - access.share[i]);
            let uncovered_target = target * (1.0 - access.share[i]);
            Unserved {
                service_type: name.clone(),
                rank: 0,
                area: i,
                group_rank: 0,
                population,
                target_population: target,
                covered_share: access.share[i],
                uncovered_population: uncovered,
                uncovered_target,
                need_decile: need.decile[i],
                need_weight: need.weight[i],
                unmet_need: uncovered_target * need.weight[i],
            }
        })
        .collect();
    // Greatest unmet need first; ties by area code (areas are sorted by code).
    out.sort_by(|a, b| {
        b.unmet_need
            .total_cmp(&a.unmet_need)
            .then(a.area.cmp(&b.area))
    });
    let groups = crate::model::Groups::of(&study.areas);
    let mut per_group = vec![0; groups.codes.len()];
    for (k, u) in out.iter_mut().enumerate() {
        u.rank = k + 1;
        let g = &mut per_group[groups.of[u.area] as usize];
        *g += 1;
        u.group_rank = *g;
    }
    out
}
