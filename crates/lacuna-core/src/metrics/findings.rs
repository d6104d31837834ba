//! All findings of a study from its coverage: unserved neighbourhoods, uneven universal access
//! and the postcode lottery, per service type.

use rayon::prelude::*;

use crate::metrics::access::{access, Access};
use crate::metrics::coverage::Coverage;
use crate::metrics::equity::{equity_many, EquityRow};
use crate::metrics::gaps::{unserved, Unserved};
use crate::metrics::lacunae::{gaps, Gap};
use crate::metrics::lottery::{league, pairs, GroupRow, LotteryPair};
use crate::metrics::need::{area_need, AreaNeed};
use crate::metrics::reach::{
    missed_by_one_covered_by_another, named_network_access, reach, Missed, Network, Reach,
};
use crate::spatial::adjacency::{neighbours, Neighbours};
use crate::spatial::index::ProviderIndex;
use crate::study::Study;

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
    /// Connected gaps outside every catchment (empty when gap polygons are switched off).
    pub gaps: Vec<Gap>,
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
    /// Reach per network and provider (None without population points).
    pub reach: Option<Vec<Reach>>,
    /// The networks compared in `missed`: every service type (in order), then the named
    /// networks.
    pub networks: Vec<Network>,
    /// Areas one network misses that another covers.
    pub missed: Vec<Missed>,
    /// Whether gap polygons were built.
    pub gap_polygons: bool,
    /// Seconds per part of the computation, for `run.json` and benchmarks. Parts run side by
    /// side (equity beside everything else, adjacency beside reach) each report their own
    /// time.
    pub timings: Vec<(&'static str, f64)>,
}

/// Computes every finding.
pub fn compute(study: &Study, coverage: &Coverage) -> Findings {
    compute_and(study, coverage, |_| ()).0
}

/// [`compute`], running `early` on the findings before their equity rows are in (every
/// `ServiceFindings::equity` empty) while the equity finding is still being computed: the
/// resampling is the longest part, and what does not depend on it (most files) can be written
/// meanwhile. Returns the complete findings and what `early` returned.
pub fn compute_and<R: Send>(
    study: &Study,
    coverage: &Coverage,
    early: impl FnOnce(&Findings) -> R + Send,
) -> (Findings, R) {
    let clock = std::time::Instant::now();
    let need = area_need(study);
    let params = &study.params.findings;
    let gap_polygons = params
        .gap_polygons
        .unwrap_or(study.areas.len() <= crate::params::GAP_POLYGON_AUTO_LIMIT);
    let types = study.service_types.len();
    let accesses: Vec<Access> = (0..types).map(|t| access(study, coverage, t)).collect();
    let index = ProviderIndex::build(&study.providers, &study.service_types);
    let t_prepare = clock.elapsed().as_secs_f64();
    let secs = |t: std::time::Instant| t.elapsed().as_secs_f64();
    // The resampling of the equity finding on one side; on the other adjacency and the reach
    // of each network (independent, side by side), then everything built on adjacency, then
    // `early`.
    let ((equities, t_eq), (mut findings, r)) = rayon::join(
        || {
            let t = std::time::Instant::now();
            (universal_equity(study, &accesses, &need, params), secs(t))
        },
        || {
            let ((neighbours, t_adj), ((reach, named), t_reach)) = rayon::join(
                || {
                    let t = std::time::Instant::now();
                    let n = neighbours(
                        &study.areas,
                        params.boundary_tolerance_m,
                        params.adjacency == crate::params::Adjacency::Touching,
                    );
                    (n, secs(t))
                },
                || {
                    let t = std::time::Instant::now();
                    let types: Vec<&Access> = accesses.iter().collect();
                    let named = named_network_access(study, &index, &types);
                    ((reach(study, &need, &index), named), secs(t))
                },
            );
            let t_services = std::time::Instant::now();
            let services: Vec<ServiceFindings> = accesses
                .par_iter()
                .enumerate()
                .map(|(t, acc)| ServiceFindings {
                    service: t,
                    unserved: unserved(study, t, acc, &need),
                    equity: Vec::new(),
                    pairs: pairs(study, t, acc, &need, &neighbours, params),
                    league: league(study, t, acc, &need),
                    gaps: if gap_polygons {
                        gaps(study, &index, t, acc, coverage, &neighbours)
                    } else {
                        Vec::new()
                    },
                    access: acc.clone(),
                })
                .collect();
            let mut networks: Vec<Network> = (0..types)
                .map(|t| Network {
                    name: study.service_types[t].clone(),
                    service: t,
                    named: false,
                })
                .collect();
            networks.extend(named.iter().map(|(n, _)| n.clone()));
            let compared: Vec<(&Network, &Access)> = networks
                .iter()
                .zip(
                    services
                        .iter()
                        .map(|s| &s.access)
                        .chain(named.iter().map(|(_, a)| a)),
                )
                .collect();
            let missed = missed_by_one_covered_by_another(study, &compared);
            let timings = vec![
                ("findings/prepare (need, access, index)", t_prepare),
                ("findings/adjacency", t_adj),
                ("findings/reach", t_reach),
                ("findings/unserved, pairs, league, gaps", secs(t_services)),
            ];
            let findings = Findings {
                timings,
                reach,
                need: need.clone(),
                neighbours,
                services,
                networks,
                missed,
                gap_polygons,
            };
            let r = early(&findings);
            (findings, r)
        },
    );
    for (s, e) in findings.services.iter_mut().zip(equities) {
        s.equity = e;
    }
    findings
        .timings
        .insert(2, ("findings/equity (bootstrap, permutations)", t_eq));
    (findings, r)
}

/// Equity rows of every universal service (empty for the others). Services with the same
/// weights (populations: all of them, unless an overlay failed) share their bootstrap draws and
/// permutations.
fn universal_equity(
    study: &Study,
    accesses: &[Access],
    need: &AreaNeed,
    params: &crate::params::FindingsSpec,
) -> Vec<Vec<EquityRow>> {
    let types = accesses.len();
    let mut pending: Vec<usize> = (0..types)
        .filter(|&t| {
            study
                .params
                .services
                .get(&study.service_types[t])
                .map(|s| s.universal())
                .unwrap_or(true)
        })
        .collect();
    let mut equities: Vec<Vec<EquityRow>> = vec![Vec::new(); types];
    while let Some(&lead) = pending.first() {
        let (same, rest): (Vec<usize>, Vec<usize>) = pending
            .iter()
            .partition(|&&t| accesses[t].weight == accesses[lead].weight);
        let batch: Vec<(usize, &Access)> = same.iter().map(|&t| (t, &accesses[t])).collect();
        for (&t, rows) in same.iter().zip(equity_many(study, &batch, need, params)) {
            equities[t] = rows;
        }
        pending = rest;
    }
    equities
}
