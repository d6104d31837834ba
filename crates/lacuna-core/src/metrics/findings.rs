//! The findings of a study from its coverage: unserved neighbourhoods, uneven universal access,
//! the postcode lottery, the reach of provider networks and capacity-aware access. Each is a [`Finding`]; [`compute`]
//! computes those asked for and only what they depend on (a run of `lacuna reach` builds no
//! adjacency and draws no bootstrap).

use rayon::prelude::*;

use crate::metrics::access::{access, Access};
use crate::metrics::bundles::{bundles, Bundles};
use crate::metrics::capacity::{capacity_access, CapacityAccess};
use crate::metrics::coverage::Coverage;
use crate::metrics::critical::{critical_providers, Critical};
use crate::metrics::equity::{deciles, equity_many, DecileRow, EquityRow};
use crate::metrics::gaps::{unserved, Unserved};
use crate::metrics::hotspots::{hotspots, Hotspots};
use crate::metrics::lacunae::{gaps, Gap};
use crate::metrics::lottery::{league, pairs, GroupRow, LotteryPair};
use crate::metrics::need::{area_need, AreaNeed};
use crate::metrics::reach::{
    missed_by_one_covered_by_another, named_network_access, reach, Missed, Network, Reach,
};
use crate::metrics::scenario::{scenario, Scenario};
use crate::metrics::sites::{choose, Sites};
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
    /// Coverage by need decile (`ALL` then groups); empty when the service is not universal.
    pub equity_deciles: Vec<DecileRow>,
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
    /// Neighbouring areas (empty unless a finding needed them).
    pub neighbours: Vec<Neighbours>,
    /// Per service type, in `Study::service_types` order.
    pub services: Vec<ServiceFindings>,
    /// Reach per network and provider (None when not computed, or without population points
    /// and need-file population).
    pub reach: Option<Vec<Reach>>,
    /// The networks compared in `missed`: every service type (in order), then the named
    /// networks.
    pub networks: Vec<Network>,
    /// Areas one network misses that another covers.
    pub missed: Vec<Missed>,
    /// What closing each provider alone would cost, ranked within each service type (None when
    /// not computed, or without population points and need-file population).
    pub critical: Option<Vec<Critical>>,
    /// Capacity-aware access per service type that has capacities (empty when not computed).
    pub capacity: CapacityAccess,
    /// What the study's change (providers closed, sites opened) would do (None when the study
    /// weighs no change, or the finding was not asked for).
    pub scenario: Option<Scenario>,
    /// The study's bundles of services (None when it has none, or they were not asked for).
    pub bundles: Option<Bundles>,
    /// Hot spots of unmet need per service type (None when not asked for).
    pub hotspots: Option<Hotspots>,
    /// The new sites chosen (None unless the study asks where to open next).
    pub sites: Option<Sites>,
    /// Whether gap polygons were built.
    pub gap_polygons: bool,
    /// The findings computed, in [`Finding::ALL`] order; the fields of the others are empty.
    pub computed: Vec<Finding>,
    /// Seconds per part of the computation, for `run.json` and benchmarks. Parts run side by
    /// side (equity beside everything else, adjacency beside reach) each report their own
    /// time.
    pub timings: Vec<(&'static str, f64)>,
}

/// One finding of a study: a question with its own tables, maps and report section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Finding {
    /// Unserved neighbourhoods ranked by unmet need, and the gaps outside every catchment.
    Unserved,
    /// Uneven universal access: inequality indices, their decomposition and resampling.
    Equity,
    /// The postcode lottery: neighbouring areas in different councils with similar need and
    /// very different provision, and the council league table.
    Lottery,
    /// The reach of each provider and network, the areas one network misses that another
    /// covers, and what closing each provider alone would cost.
    Reach,
    /// Capacity-aware access: supply per person within reach (2SFCA, E2SFCA, gravity).
    Access,
    /// The cuts: what closing some providers (and opening new sites) would do; computed only
    /// when the study weighs a change (`Study::scenario`).
    Scenario,
    /// Joined-up bundles: the areas lacking any (and all) of a bundle of services; computed
    /// only when the study has `[bundles]`.
    Bundles,
    /// Hot spots of unmet need: Getis-Ord Gi* and local Moran's I over neighbouring areas,
    /// with permutation p-values and a false discovery rate.
    Hotspots,
    /// Where to open next: k new sites bringing the most need-weighted people within reach
    /// (maximal covering location); computed only when the study asks (`Study::sites`).
    Sites,
}

impl Finding {
    /// Every finding, in the order the outputs list them.
    pub const ALL: [Finding; 9] = [
        Finding::Unserved,
        Finding::Equity,
        Finding::Lottery,
        Finding::Reach,
        Finding::Access,
        Finding::Scenario,
        Finding::Bundles,
        Finding::Hotspots,
        Finding::Sites,
    ];

    /// Its name, as the subcommand that computes it alone (`lacuna unserved`).
    pub fn name(self) -> &'static str {
        match self {
            Finding::Unserved => "unserved",
            Finding::Equity => "equity",
            Finding::Lottery => "lottery",
            Finding::Reach => "reach",
            Finding::Access => "access",
            Finding::Scenario => "scenario",
            Finding::Bundles => "bundles",
            Finding::Hotspots => "hotspots",
            Finding::Sites => "sites",
        }
    }

    /// Whether it needs the areas' neighbours (shared boundaries): the lottery's pairs, and the
    /// unserved finding's gap polygons (which join gaps across neighbouring areas).
    fn needs_neighbours(self, gap_polygons: bool) -> bool {
        matches!(self, Finding::Lottery | Finding::Hotspots)
            || (self == Finding::Unserved && gap_polygons)
    }
}

impl Findings {
    /// Whether `finding` was computed.
    pub fn has(&self, finding: Finding) -> bool {
        self.computed.contains(&finding)
    }

    /// What a run must say about its findings besides the numbers: why capacity-aware access
    /// was not measured for a service that asked for it, and the providers it left out for want
    /// of a capacity (`service_types` names the services).
    pub fn notes(&self, service_types: &[String]) -> Vec<String> {
        let mut notes = self.capacity.notes.clone();
        if self.sites.as_ref().is_some_and(|s| s.areal) {
            notes.push(
                "sites: without population points each area counts as reached when its interior \
                 point is within a new site's radius, so sites.csv's gains are approximate; \
                 `lacuna scenario --open sites.csv` measures an opening exactly"
                    .into(),
            );
        }
        for s in &self.capacity.services {
            if let Some(first) = s.without_capacity.first() {
                notes.push(format!(
                    "{} {} providers have no capacity (first: {first}) and are left out of \
                     access.csv; give each a capacity, or 0 for one that takes nobody",
                    s.without_capacity.len(),
                    service_types[s.service]
                ));
            }
        }
        notes
    }
}

/// Computes the findings in `wanted` (see [`Finding::ALL`] for all of them), and only what they
/// depend on.
pub fn compute(study: &Study, coverage: &Coverage, wanted: &[Finding]) -> Findings {
    let clock = std::time::Instant::now();
    let want = |f: Finding| wanted.contains(&f);
    let params = &study.params.findings;
    let gap_polygons = want(Finding::Unserved)
        && params
            .gap_polygons
            .unwrap_or(study.areas.len() <= crate::params::GAP_POLYGON_AUTO_LIMIT);
    let need = area_need(study);
    let accesses: Vec<Access> = (0..study.service_types.len())
        .map(|t| access(study, coverage, t))
        .collect();
    let index = ProviderIndex::build(&study.providers, &study.service_types);
    let prepared = clock.elapsed().as_secs_f64();
    let mut timings = vec![("findings/prepare (need, access, index)", prepared)];
    // The resampling of the equity finding is the longest part: it runs beside the rest.
    let ((equities, t_eq), ((neighbours, t_adj), (mut services, t_services), (networks, t_reach))) =
        rayon::join(
            || {
                timed(|| {
                    want(Finding::Equity).then(|| universal_equity(study, &accesses, &need, params))
                })
            },
            || {
                let (neighbours, t_adj) = timed(|| {
                    let touching = params.adjacency == crate::params::Adjacency::Touching;
                    if wanted.iter().any(|f| f.needs_neighbours(gap_polygons)) {
                        neighbours(&study.areas, params.boundary_tolerance_m, touching)
                    } else {
                        Vec::new()
                    }
                });
                let services = timed(|| {
                    accesses
                        .par_iter()
                        .enumerate()
                        .map(|(t, acc)| ServiceFindings {
                            service: t,
                            unserved: if want(Finding::Unserved) {
                                unserved(study, t, acc, &need)
                            } else {
                                Vec::new()
                            },
                            equity: Vec::new(),
                            equity_deciles: Vec::new(),
                            pairs: if want(Finding::Lottery) {
                                pairs(study, t, acc, &need, &neighbours, params)
                            } else {
                                Vec::new()
                            },
                            league: if want(Finding::Lottery) {
                                league(study, t, acc, &need)
                            } else {
                                Vec::new()
                            },
                            gaps: if gap_polygons {
                                gaps(study, &index, t, acc, coverage, &neighbours)
                            } else {
                                Vec::new()
                            },
                            access: acc.clone(),
                        })
                        .collect::<Vec<_>>()
                });
                let networks = timed(|| {
                    want(Finding::Reach).then(|| {
                        let critical = critical_providers(study, &need, &index, &accesses);
                        (networks_reach(study, &need, &index, &accesses), critical)
                    })
                });
                ((neighbours, t_adj), services, networks)
            },
        );
    for (s, (equity, deciles)) in services.iter_mut().zip(equities.into_iter().flatten()) {
        s.equity = equity;
        s.equity_deciles = deciles;
    }
    timings.extend([
        ("findings/equity (bootstrap, permutations)", t_eq),
        ("findings/adjacency", t_adj),
        ("findings/reach", t_reach),
        ("findings/unserved, pairs, league, gaps", t_services),
    ]);
    let ((reach, networks, missed), critical) =
        networks.unwrap_or(((None, Vec::new(), Vec::new()), None));
    let (capacity, t) = timed(|| {
        if want(Finding::Access) {
            capacity_access(study, &need)
        } else {
            CapacityAccess::default()
        }
    });
    timings.push(("findings/access (capacity)", t));
    let (scenario, t) = timed(|| {
        study
            .scenario
            .as_ref()
            .filter(|_| want(Finding::Scenario))
            .map(|change| scenario(study, coverage, &need, change))
    });
    timings.push(("findings/scenario", t));
    let (bundles, t) = timed(|| {
        want(Finding::Bundles)
            .then(|| bundles(study, coverage, &need))
            .flatten()
    });
    timings.push(("findings/bundles", t));
    let (hot, t) =
        timed(|| want(Finding::Hotspots).then(|| hotspots(study, &accesses, &need, &neighbours)));
    timings.push(("findings/hotspots (Gi*, local Moran, permutations)", t));
    let (sites, t) = timed(|| {
        study
            .sites
            .as_ref()
            .filter(|_| want(Finding::Sites))
            .map(|input| choose(study, &accesses, &need, input))
    });
    timings.push(("findings/sites", t));
    Findings {
        need,
        neighbours,
        services,
        reach,
        networks,
        missed,
        critical,
        capacity,
        gap_polygons,
        computed: Finding::ALL
            .into_iter()
            .filter(|f| match f {
                Finding::Scenario => scenario.is_some(),
                Finding::Bundles => bundles.is_some(),
                Finding::Sites => sites.is_some(),
                _ => want(*f),
            })
            .collect(),
        scenario,
        bundles,
        hotspots: hot,
        sites,
        timings,
    }
}

/// `f`'s result and the seconds it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let clock = std::time::Instant::now();
    let out = f();
    (out, clock.elapsed().as_secs_f64())
}

/// The reach finding: reach per provider and network, the networks compared (every service
/// type, then the named networks) and the areas one misses that another covers.
fn networks_reach(
    study: &Study,
    need: &AreaNeed,
    index: &ProviderIndex,
    accesses: &[Access],
) -> (Option<Vec<Reach>>, Vec<Network>, Vec<Missed>) {
    let types: Vec<&Access> = accesses.iter().collect();
    let named = named_network_access(study, index, &types);
    let reach = reach(study, need, index);
    let mut networks: Vec<Network> = (0..accesses.len())
        .map(|t| Network {
            name: study.service_types[t].clone(),
            service: t,
            named: false,
        })
        .collect();
    networks.extend(named.iter().map(|(n, _)| n.clone()));
    let compared: Vec<(&Network, &Access)> = networks
        .iter()
        .zip(types.into_iter().chain(named.iter().map(|(_, a)| a)))
        .collect();
    let missed = missed_by_one_covered_by_another(study, &compared);
    (reach, networks, missed)
}

/// Equity rows and coverage by decile of every universal service (empty for the others).
/// Services with the same weights (populations: all of them, unless an overlay failed) share
/// their bootstrap draws and permutations.
fn universal_equity(
    study: &Study,
    accesses: &[Access],
    need: &AreaNeed,
    params: &crate::params::FindingsSpec,
) -> Vec<(Vec<EquityRow>, Vec<DecileRow>)> {
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
    let mut equities = vec![(Vec::new(), Vec::new()); types];
    while let Some(&lead) = pending.first() {
        let (same, rest): (Vec<usize>, Vec<usize>) = pending
            .iter()
            .partition(|&&t| accesses[t].weight == accesses[lead].weight);
        let batch: Vec<(usize, &Access)> = same.iter().map(|&t| (t, &accesses[t])).collect();
        for (&t, rows) in same.iter().zip(equity_many(study, &batch, need, params)) {
            equities[t] = (rows, deciles(study, t, &accesses[t], need));
        }
        pending = rest;
    }
    equities
}
