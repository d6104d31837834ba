//! All findings of a study from its coverage: unserved neighbourhoods, uneven universal access
//! and the postcode lottery, per service type.

use crate::load::Study;
use crate::metrics::access::{access, Access};
use crate::metrics::coverage::Coverage;
use crate::metrics::equity::{equity, EquityRow};
use crate::metrics::gaps::{unserved, Unserved};
use crate::metrics::lottery::{league, pairs, GroupRow, LotteryPair};
use crate::metrics::need::{area_need, AreaNeed};
use crate::spatial::adjacency::{neighbours, Neighbours};

/// The findings for one service type.
#[derive(Debug, Clone)]
pub struct ServiceFindings {
    /// Index into `Study::service_types`.
    pub service: usize,
    /// Access per area.
    pub access: Access,
    /// Unserved areas, ranked.
    pub unserved: Vec<Unserved>,
    /// Equity rows (`ALL` then groups); empty when the service is not universal.
    pub equity: Vec<EquityRow>,
    /// Flagged cross-boundary pairs, ranked.
    pub pairs: Vec<LotteryPair>,
    /// Group league table.
    pub league: Vec<GroupRow>,
}

/// All findings of a study.
#[derive(Debug, Clone)]
pub struct Findings {
    /// Need per area.
    pub need: AreaNeed,
    /// Neighbouring areas.
    pub neighbours: Vec<Neighbours>,
    /// Per service type, in `Study::service_types` order.
    pub services: Vec<ServiceFindings>,
}

/// Computes every finding.
pub fn compute(study: &Study, coverage: &Coverage) -> Findings {
    let need = area_need(study);
    let neighbours = neighbours(&study.areas, study.spec.findings.boundary_tolerance_m);
    let params = &study.spec.findings;
    let services = (0..study.service_types.len())
        .map(|t| {
            let acc = access(study, coverage, t);
            let universal = study
                .spec
                .services
                .get(&study.service_types[t])
                .map(|s| s.universal())
                .unwrap_or(true);
            ServiceFindings {
                service: t,
                unserved: unserved(study, t, &acc, &need),
                equity: if universal {
                    equity(study, t, &acc, &need, params)
                } else {
                    Vec::new()
                },
                pairs: pairs(study, t, &acc, &need, &neighbours, params),
                league: league(study, t, &acc, &need),
                access: acc,
            }
        })
        .collect();
    Findings {
        need,
        neighbours,
        services,
    }
}
