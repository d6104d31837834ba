//! Reach of a provider network, for voluntary networks checking who they reach: per provider, per
//! service type and per named network (the providers of the files that say `network = NAME`,
//! within one service type), the population and target population inside the catchments, the
//! need-weighted population, the population it alone covers (exclusive) and the population also
//! covered by another provider of the same type (overlap), and the share of the study's target
//! population reached. With population-weighted points, each point counts for the providers
//! whose catchment holds it. Without points, the need file's population is spread uniformly over
//! each area and every figure is an exact area overlay: a provider's population is
//! sum_i pop_i |A_i ∩ C_j| / |A_i|, its exclusive population sum_i pop_i (|A_i ∩ U| - |A_i ∩ U\j|)
//! / |A_i| (U: the union of the type's catchments, U\j: the union without j), and its overlap the
//! difference. Without either, reach is not computed (the run says so). A named network's
//! exclusive and overlap population count its own providers only (covered by exactly one of
//! them, by two or more), like the service type's row does for all of the type's.

use rayon::prelude::*;
use serde::Serialize;

use crate::metrics::access::Access;
use crate::metrics::need::AreaNeed;
use crate::model::Catchment;
use crate::spatial::index::ProviderIndex;
use crate::spatial::overlay::Disc;
use crate::study::Study;

/// Reach of one provider, of a named network, or of every provider of a service type.
#[derive(Debug, Clone, Serialize)]
pub struct Reach {
    /// Service type.
    pub service_type: String,
    /// The named network: on a network's row (`provider` None) the network itself, on a
    /// provider's row the provider's network; None on the service type's row and for providers
    /// of no named network.
    pub network: Option<String>,
    /// The provider's id; None for a service type's or a network's row.
    pub provider: Option<String>,
    /// Population inside the catchment(s).
    pub population: f64,
    /// Target population inside (the service's target column, spread like the population).
    pub target_population: f64,
    /// Population x need weight of its area.
    pub need_weighted_population: f64,
    /// Population covered by this provider and no other of its type (network row: covered by
    /// exactly one provider).
    pub exclusive_population: f64,
    /// Population covered by this provider and at least one other of its type (network row:
    /// covered by two or more).
    pub overlap_population: f64,
    /// target_population / the study's target population.
    pub share_of_target_reached: f64,
}

/// What a run says when it has no population points, so an empty `reach.csv` is explained.
pub const NO_POINTS: &str = "no population points ([points] in the study, --points FILE) and no \
need-file population: network reach (reach.csv, network_gaps.csv) has nobody to count, so \
those files are left empty; give population-weighted centroids (e.g. the ONS LSOA PWCs) or a \
need file with a population column to get it";

/// What a run says when reach spreads the need file's population over each area.
pub const AREAL: &str = "no population points: network reach (reach.csv) spreads each area's \
need-file population uniformly over the area and counts the share inside each catchment \
(exact overlay); population-weighted centroids would place people more faithfully";

/// Target population per person of each area for service type `t` (1 everywhere when the
/// service has no target column; 0 where the area has no target figure or no population), and
/// whether it has a target column.
pub(crate) fn target_rates(study: &Study, t: usize) -> (Vec<f64>, bool) {
    let col = study
        .params
        .services
        .get(&study.service_types[t])
        .and_then(|s| s.target_population.as_deref())
        .and_then(|c| {
            let join = study.need.as_ref()?;
            join.columns.iter().position(|x| x == c).map(|i| (i, join))
        });
    let rates = (0..study.areas.len())
        .map(|a| match col {
            None => 1.0,
            Some((c, join)) => {
                let target = join.rows[a]
                    .as_ref()
                    .and_then(|r| r[c].as_number().ok().flatten())
                    .unwrap_or(0.0);
                match join.population[a] {
                    Some(p) if p > 0.0 => target / p,
                    _ => 0.0,
                }
            }
        })
        .collect();
    (rates, col.is_some())
}

/// The named networks among the providers of service type `t`, sorted, and each provider's
/// position among them (providers indexed from the start of the type's range).
pub fn named_networks(
    study: &Study,
    index: &ProviderIndex,
    t: usize,
) -> (Vec<String>, Vec<Option<usize>>) {
    let providers = &study.providers[index.ranges[t].clone()];
    let names: Vec<String> = providers
        .iter()
        .filter_map(|p| p.network.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let of = providers
        .iter()
        .map(|p| {
            let n = p.network.as_ref()?;
            names.binary_search(n).ok()
        })
        .collect();
    (names, of)
}

/// The service type's row, one row per named network and one per provider of type `t`, from
/// their sums (population, target, need-weighted, exclusive, overlap).
fn rows(
    study: &Study,
    index: &ProviderIndex,
    t: usize,
    net: Sums,
    networks: &[(String, Sums)],
    per: &[Sums],
    total_target: f64,
) -> Vec<Reach> {
    let name = &study.service_types[t];
    let range = index.ranges[t].clone();
    let share = |x: f64| {
        if total_target > 0.0 {
            x / total_target
        } else {
            f64::NAN
        }
    };
    let row = |network: Option<String>, provider: Option<String>, v: &Sums| Reach {
        service_type: name.clone(),
        network,
        provider,
        population: v[0],
        target_population: v[1],
        need_weighted_population: v[2],
        exclusive_population: v[3],
        overlap_population: v[4],
        share_of_target_reached: share(v[1]),
    };
    std::iter::once(row(None, None, &net))
        .chain(networks.iter().map(|(n, v)| row(Some(n.clone()), None, v)))
        .chain(per.iter().enumerate().map(|(k, v)| {
            let p = &study.providers[range.start + k];
            row(p.network.clone(), Some(p.id.clone()), v)
        }))
        .collect()
}

/// Population, target, need-weighted, exclusive and overlap population, summed.
type Sums = [f64; 5];

fn add(acc: &mut Sums, v: &Sums) {
    for (a, x) in acc.iter_mut().zip(v) {
        *a += x;
    }
}

/// What one person (population `pop`, the first three sums in `row`) adds to a provider set
/// that `covering` of its members reach.
fn person(row: &Sums, pop: f64, covering: usize) -> Sums {
    let alone = covering == 1;
    [
        row[0],
        row[1],
        row[2],
        if alone { pop } else { 0.0 },
        if alone { 0.0 } else { pop },
    ]
}

/// Reach without points: each area's need-file population spread uniformly over it (see the
/// module docs). None when the need file gives no population.
fn reach_areal(study: &Study, need: &AreaNeed, index: &ProviderIndex) -> Option<Vec<Reach>> {
    let join = study.need.as_ref()?;
    join.population.iter().any(Option::is_some).then_some(())?;
    let per_type: Vec<Vec<Reach>> = (0..study.service_types.len())
        .into_par_iter()
        .map(|t| {
            let (rates, _) = target_rates(study, t);
            let (names, network_of) = named_networks(study, index, t);
            let of_type = TypeReach {
                study,
                need,
                index,
                t,
                rates,
                names,
                network_of,
            };
            let per_area: Vec<AreaSums> = study
                .areas
                .par_iter()
                .enumerate()
                .map(|(i, area)| of_type.area_sums(i, area, join.population[i].unwrap_or(0.0)))
                .collect();
            let (net, networks, per) = of_type.add_up(&per_area);
            let total_target: f64 = (0..study.areas.len())
                .map(|i| join.population[i].unwrap_or(0.0) * of_type.rates[i])
                .sum();
            rows(study, index, t, net, &networks, &per, total_target)
        })
        .collect();
    Some(per_type.into_iter().flatten().collect())
}

/// What one area adds to the sums of a service type, of each of its named networks and of each
/// provider reaching into the area (indexed from the start of the type's range).
type AreaSums = (Sums, Vec<Sums>, Vec<(usize, Sums)>);

/// [`reach_areal`] for one service type `t`: its target rates per area and its named networks.
struct TypeReach<'a> {
    study: &'a Study,
    need: &'a AreaNeed,
    index: &'a ProviderIndex,
    t: usize,
    rates: Vec<f64>,
    names: Vec<String>,
    network_of: Vec<Option<usize>>,
}

impl TypeReach<'_> {
    /// The sums that area `i` (its need-file population `pop` spread uniformly) adds to the
    /// type, each named network and each provider reaching into it.
    fn area_sums(&self, i: usize, area: &crate::model::Area, pop: f64) -> AreaSums {
        let (study, index) = (self.study, self.index);
        let a = area.local.area();
        if pop <= 0.0 || a <= 0.0 {
            return ([0.0; 5], Vec::new(), Vec::new());
        }
        let range = index.ranges[self.t].clone();
        let polygons = index.has_polygons[self.t];
        let cands = index.candidates(self.t, area.local.bounding_rect());
        let covered = |c: &[usize]| {
            crate::spatial::covered::overlay_area(area, &study.providers, c, polygons) / a
        };
        // With polygon catchments, each candidate's own share of the area, found
        // once for the type and its networks.
        let inside: Vec<f64> = if polygons {
            (0..cands.len()).map(|k| covered(&cands[k..=k])).collect()
        } else {
            Vec::new()
        };
        // The share inside the union of `set` (sorted candidates), and per member
        // reaching into the area (provider, its share, the share it alone covers).
        let shape = polygons.then(|| area.local.shape());
        let split = |set: &[usize]| match &shape {
            Some(shape) => split_polygons(study, area, shape, set, &cands, &inside),
            None => split_discs(study, area, set),
        };
        let scale = |x: f64| {
            let p = pop * x;
            [p, p * self.rates[i], p * self.need.weight[i], 0.0, 0.0]
        };
        let (all, alone) = split(&cands);
        let mut net = scale(all);
        let mut own = Vec::with_capacity(alone.len());
        for &(j, inside, alone) in &alone {
            let mut v = scale(inside);
            v[3] = pop * alone;
            v[4] = pop * (inside - alone);
            net[3] += pop * alone;
            own.push((j - range.start, v));
        }
        net[4] = (net[0] - net[3]).max(0.0);
        // A named network: the same sums over its own providers.
        let networks = (0..self.names.len())
            .map(|n| {
                let mine: Vec<usize> = cands
                    .iter()
                    .copied()
                    .filter(|&j| self.network_of[j - range.start] == Some(n))
                    .collect();
                let (all, alone) = split(&mine);
                let mut v = scale(all);
                for &(_, _, alone) in &alone {
                    v[3] += pop * alone;
                }
                v[4] = (v[0] - v[3]).max(0.0);
                v
            })
            .collect();
        (net, networks, own)
    }

    /// The areas' sums added up, in area order: the type's, each named network's (with its
    /// name) and each provider's.
    fn add_up(&self, per_area: &[AreaSums]) -> (Sums, Vec<(String, Sums)>, Vec<Sums>) {
        let mut net = [0.0f64; 5];
        let mut per = vec![[0.0f64; 5]; self.index.ranges[self.t].len()];
        let mut networks: Vec<(String, Sums)> =
            self.names.iter().map(|n| (n.clone(), [0.0; 5])).collect();
        for (n, nets, own) in per_area {
            add(&mut net, n);
            for ((_, acc), v) in networks.iter_mut().zip(nets) {
                add(acc, v);
            }
            for (k, v) in own {
                add(&mut per[*k], v);
            }
        }
        (net, networks, per)
    }
}

/// Per provider of type `t` whose catchment reaches into `area`, the share of the area that it
/// alone covers: what the area loses if that provider alone closes (exact, as reach measures).
pub(crate) fn alone_shares(
    study: &Study,
    index: &ProviderIndex,
    t: usize,
    area: &crate::model::Area,
) -> Vec<(usize, f64)> {
    let cands = index.candidates(t, area.local.bounding_rect());
    let split = if index.has_polygons[t] {
        let a = area.local.area();
        let inside: Vec<f64> = (0..cands.len())
            .map(|k| {
                crate::spatial::covered::overlay_area(area, &study.providers, &cands[k..=k], true)
                    / a
            })
            .collect();
        split_polygons(study, area, &area.local.shape(), &cands, &cands, &inside)
    } else {
        split_discs(study, area, &cands)
    };
    split
        .1
        .into_iter()
        .map(|(j, _, alone)| (j, alone))
        .collect()
}

/// [`reach_areal`]'s split of an area for a type with disc catchments: the share of `area`
/// inside the union of `set`, and per member reaching into it (provider, its share, the share
/// it alone covers), from one exact pass over the discs rather than one overlay for each
/// member and one of the union without it.
fn split_discs(
    study: &Study,
    area: &crate::model::Area,
    set: &[usize],
) -> (f64, Vec<(usize, f64, f64)>) {
    let a = area.local.area();
    let discs: Vec<Disc> = set
        .iter()
        .map(|&j| match &study.providers[j].catchment {
            Catchment::Disc(d) => *d,
            Catchment::Polygon(..) | Catchment::Network(_) => {
                unreachable!("types with polygon catchments are split by split_polygons")
            }
        })
        .collect();
    let shares = area.local.disc_shares(&discs);
    let alone = set
        .iter()
        .zip(shares.inside)
        .zip(shares.alone)
        .filter(|&((_, inside), _)| inside > 0.0)
        .map(|((&j, inside), alone)| (j, inside / a, (alone / a).clamp(0.0, inside / a)))
        .collect::<Vec<_>>();
    (shares.union / a, alone)
}

/// [`reach_areal`]'s split of an area for a type with polygon catchments: the share of `area`
/// inside the union of `set`, and per member reaching into it (provider, its share, the share it
/// alone covers), from one leave-one-out pass instead of one overlay per member.
fn split_polygons(
    study: &Study,
    area: &crate::model::Area,
    shape: &geo::MultiPolygon,
    set: &[usize],
    cands: &[usize],
    inside: &[f64],
) -> (f64, Vec<(usize, f64, f64)>) {
    use geo::Area as _;
    if set.is_empty() {
        return (0.0, Vec::new());
    }
    let a = area.local.area();
    let catchments: Vec<&crate::model::Catchment> =
        set.iter().map(|&j| &study.providers[j].catchment).collect();
    let (left, without) = crate::spatial::catchment::leave_one_out(
        shape,
        area.local.bounding_rect(),
        &catchments,
        crate::spatial::covered::POLYGON_DISC_VERTICES,
    );
    let left = left.unsigned_area();
    let all = (shape.unsigned_area() - left).max(0.0) / a;
    let alone = set
        .iter()
        .zip(without)
        .filter_map(|(&j, w)| {
            let inside = cands.binary_search(&j).map_or(0.0, |k| inside[k]);
            (inside > 0.0).then(|| (j, inside, ((w - left) / a).clamp(0.0, inside)))
        })
        .collect();
    (all, alone)
}

/// Reach per provider and per network, from the study's provider index: from population points
/// when the study has them, else from the need file's population spread over each area; None
/// with neither.
pub fn reach(study: &Study, need: &AreaNeed, index: &ProviderIndex) -> Option<Vec<Reach>> {
    let Some(points) = study.points.as_ref() else {
        return reach_areal(study, need, index);
    };
    // One network per service type, in parallel; rows stay in service-type order.
    let per_type: Vec<Vec<Reach>> = (0..study.service_types.len())
        .into_par_iter()
        .map(|t| {
            let (rates, targeted) = target_rates(study, t);
            let range = index.ranges[t].clone();
            let (names, network_of) = named_networks(study, index, t);
            let mut networks: Vec<(String, Sums)> =
                names.iter().map(|n| (n.clone(), [0.0; 5])).collect();
            // How many of each named network's providers cover the point at hand.
            let mut counts = vec![0u32; names.len()];
            let mut per = vec![[0.0f64; 5]; range.len()];
            let mut net = [0.0f64; 5];
            let mut total_target = 0.0;
            let mut covering = Vec::new();
            for p in points {
                // A point in no area counts fully unless the service has a target group.
                let rate = match p.area {
                    Some(a) => rates[a],
                    None if targeted => 0.0,
                    None => 1.0,
                };
                let target = p.population * rate;
                total_target += target;
                covering.clear();
                covering.extend(index.covering(&study.providers, t, p.at));
                if covering.is_empty() {
                    continue;
                }
                let weight = p.area.map(|a| need.weight[a]).unwrap_or(1.0);
                let base = [p.population, target, p.population * weight, 0.0, 0.0];
                let row = person(&base, p.population, covering.len());
                for &i in &covering {
                    add(&mut per[i - range.start], &row);
                }
                add(&mut net, &row);
                if names.is_empty() {
                    continue;
                }
                counts.iter_mut().for_each(|c| *c = 0);
                for &i in &covering {
                    if let Some(n) = network_of[i - range.start] {
                        counts[n] += 1;
                    }
                }
                for ((_, acc), &c) in networks.iter_mut().zip(&counts) {
                    if c > 0 {
                        add(acc, &person(&base, p.population, c as usize));
                    }
                }
            }
            rows(study, index, t, net, &networks, &per, total_target)
        })
        .collect();
    Some(per_type.into_iter().flatten().collect())
}

/// A network `network_gaps.csv` compares: every provider of a service type, or a named network
/// within one.
#[derive(Debug, Clone, Serialize)]
pub struct Network {
    /// How the tables name it: the service type, or the network's name (with its service type
    /// in brackets when several service types have a network of that name).
    pub name: String,
    /// The service type (index into `Study::service_types`).
    pub service: usize,
    /// True for a named network, false for a whole service type.
    pub named: bool,
}

/// Every named network with its access per area, reckoned like its service type's in the
/// coverage step: with population points, the share of the area's point population inside one
/// of the network's catchments; without, the area share inside them (exact overlay). Weights
/// are the service type's (`types[t]`), except where the overlay failed (weight 0: the area is
/// left out, as the coverage step leaves out its own failures).
pub fn named_network_access(
    study: &Study,
    index: &ProviderIndex,
    types: &[&Access],
) -> Vec<(Network, Access)> {
    let per_type: Vec<(Vec<String>, Vec<Option<usize>>)> = (0..study.service_types.len())
        .map(|t| named_networks(study, index, t))
        .collect();
    let mut uses: std::collections::BTreeMap<&str, usize> = Default::default();
    for name in per_type.iter().flat_map(|(names, _)| names) {
        *uses.entry(name).or_default() += 1;
    }
    let jobs: Vec<(usize, usize)> = per_type
        .iter()
        .enumerate()
        .flat_map(|(t, (names, _))| (0..names.len()).map(move |n| (t, n)))
        .collect();
    jobs.par_iter()
        .map(|&(t, n)| {
            let (names, network_of) = &per_type[t];
            let start = index.ranges[t].start;
            let mine = |j: &usize| network_of[j - start] == Some(n);
            let base = types[t];
            let mut share = vec![0.0; study.areas.len()];
            let mut weight = base.weight.clone();
            match study.points.as_deref() {
                Some(points) => {
                    let mut covered = vec![0.0; study.areas.len()];
                    for p in points {
                        let Some(a) = p.area else { continue };
                        if index.covering(&study.providers, t, p.at).any(|j| mine(&j)) {
                            covered[a] += p.population;
                        }
                    }
                    for (i, s) in share.iter_mut().enumerate() {
                        if weight[i] > 0.0 {
                            *s = (covered[i] / weight[i]).clamp(0.0, 1.0);
                        }
                    }
                }
                None => {
                    let polygons = index.has_polygons[t];
                    share
                        .par_iter_mut()
                        .zip(&mut weight)
                        .enumerate()
                        .for_each(|(i, (s, w))| {
                            let area = &study.areas[i];
                            let a = area.local.area();
                            let cands: Vec<usize> = index
                                .candidates(t, area.local.bounding_rect())
                                .into_iter()
                                .filter(mine)
                                .collect();
                            if a <= 0.0 || cands.is_empty() {
                                return;
                            }
                            // Contain a geometry panic to this area, as the coverage step does.
                            let c = std::panic::catch_unwind(|| {
                                crate::spatial::covered::overlay_area(
                                    area,
                                    &study.providers,
                                    &cands,
                                    polygons,
                                )
                            });
                            match c {
                                Ok(c) => *s = (c / a).clamp(0.0, 1.0),
                                Err(_) => *w = 0.0,
                            }
                        });
                }
            }
            let name = &names[n];
            let network = Network {
                name: if uses[name.as_str()] > 1 {
                    format!("{name} ({})", study.service_types[t])
                } else {
                    name.clone()
                },
                service: t,
                named: true,
            };
            let access = Access {
                share,
                weight,
                by_population: base.by_population,
            };
            (network, access)
        })
        .collect()
}

/// A neighbourhood one network misses (below its service type's threshold) that another covers
/// to at least its own.
#[derive(Debug, Clone, Serialize)]
pub struct Missed {
    /// The network that misses the area (index into the compared networks).
    pub missing: usize,
    /// The network that covers it.
    pub covering: usize,
    /// The area.
    pub area: usize,
    /// The missing network's covered share of the area.
    pub share_missing: f64,
    /// The covering network's.
    pub share_covering: f64,
    /// The area's weight (population, or m² without population) for the missing network.
    pub population: f64,
}

/// For every ordered pair of networks (service types and named networks, with their access),
/// the areas the first leaves below its threshold and the second covers to at least its own.
pub fn missed_by_one_covered_by_another(
    study: &Study,
    networks: &[(&Network, &Access)],
) -> Vec<Missed> {
    let threshold = |n: &Network| study.params.threshold(&study.service_types[n.service]);
    let mut out = Vec::new();
    for (x, (nx, ax)) in networks.iter().enumerate() {
        for (y, (ny, ay)) in networks.iter().enumerate() {
            if x == y {
                continue;
            }
            let (tx, ty) = (threshold(nx), threshold(ny));
            for i in 0..study.areas.len() {
                if ax.weight[i] > 0.0 && ax.share[i] < tx && ay.share[i] >= ty {
                    out.push(Missed {
                        missing: x,
                        covering: y,
                        area: i,
                        share_missing: ax.share[i],
                        share_covering: ay.share[i],
                        population: ax.weight[i],
                    });
                }
            }
        }
    }
    out
}
