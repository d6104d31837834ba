//! What each provider reaches along the network: the population points and the streets within
//! the standard, and each point's distance to the nearest provider.

use std::collections::HashMap;

use geo::{Coord, MultiPolygon};
use rayon::prelude::*;

use super::area::{buffered, Streets};
use super::{Joined, Network, NetworkStandard, Search};
use crate::model::group_by_area;

/// The network catchments of a list of providers (same order).
#[derive(Debug, Clone, Default)]
pub struct NetworkCatchments {
    /// Where each provider joins the network (None: farther than `snap_max_m` from it; such a
    /// provider reaches no one and its service area is empty).
    pub joins: Vec<Option<Joined>>,
    /// The streets each provider reaches within the standard (its service area is these
    /// buffered by `lateral_m`, with its own leg to the street).
    pub streets: Vec<Streets>,
    /// The population points each provider reaches within the standard (indices, ascending).
    pub points: Vec<Vec<u32>>,
}

/// The sources of a backward search to a provider joined at `j`: each end of its edge, with
/// the cost of travelling from there along the edge to the join, and the provider's leg.
fn sources(net: &Network, std: &NetworkStandard, j: &Joined) -> Vec<(u32, f64)> {
    let g = &net.graph;
    let e = &g.edges[j.snap.edge as usize];
    let c = g.cost(j.snap.edge, std.metric);
    let mut out = Vec::with_capacity(2);
    if e.forward {
        out.push((e.a, j.leg + j.snap.t * c));
    }
    if e.backward {
        out.push((e.b, j.leg + (1.0 - j.snap.t) * c));
    }
    out
}

/// The cost from a point joined at `q` to a provider joined at `p` on the same edge, directly
/// along it (None when the edge's direction forbids it).
fn along(net: &Network, std: &NetworkStandard, q: &Joined, p: &Joined) -> Option<f64> {
    let e = &net.graph.edges[q.snap.edge as usize];
    let c = net.graph.cost(q.snap.edge, std.metric);
    let d = p.snap.t - q.snap.t;
    let ok = if d >= 0.0 { e.forward } else { e.backward };
    ok.then(|| q.leg + d.abs() * c + p.leg)
}

/// The cost from a point joined at `q` to the sources of a finished search, through node `v`
/// (one end of its edge), when the edge may be travelled towards `v`.
fn via(net: &Network, std: &NetworkStandard, search: &Search, q: &Joined, v: u32) -> f64 {
    let g = &net.graph;
    let e = q.snap.edge;
    let w = g.other(e, v);
    if !g.allows_from(e, w) {
        return f64::INFINITY;
    }
    let frac = if g.edges[e as usize].a == v {
        q.snap.t
    } else {
        1.0 - q.snap.t
    };
    q.leg + frac * g.cost(e, std.metric) + search.cost(v)
}

/// The catchments of providers at `sites` under `std`, given the population points' joins
/// (`points`, from [`Network::join`] under the same standard). In parallel over providers,
/// each a search bounded by the standard.
pub fn catchments(
    net: &Network,
    std: &NetworkStandard,
    sites: &[Coord],
    points: &[Option<Joined>],
) -> NetworkCatchments {
    // Points grouped by the edge they join.
    let edge_of = points
        .iter()
        .map(|j| j.as_ref().map(|j| j.snap.edge as usize));
    let by_edge = group_by_area(net.graph.edges.len(), edge_of);
    let joins: Vec<Option<Joined>> = sites.par_iter().map(|&s| net.join(s, std)).collect();
    let each: Vec<(Streets, Vec<u32>)> = sites
        .par_iter()
        .zip(&joins)
        .map_init(
            || Search::new(&net.graph),
            |search, (&site, join)| match join {
                None => (Streets::default(), Vec::new()),
                Some(j) => {
                    search.run(&net.graph, std.metric, &sources(net, std, j), std.budget);
                    let reached = reached_points(net, std, search, j, points, &by_edge);
                    (Streets::of_search(net, std, search, j, site), reached)
                }
            },
        )
        .collect();
    let (streets, points) = each.into_iter().unzip();
    NetworkCatchments {
        joins,
        streets,
        points,
    }
}

/// The points within the budget of the provider joined at `j`, after its search.
fn reached_points(
    net: &Network,
    std: &NetworkStandard,
    search: &Search,
    j: &Joined,
    points: &[Option<Joined>],
    (start, ids): &(Vec<usize>, Vec<usize>),
) -> Vec<u32> {
    let on = |e: u32| &ids[start[e as usize]..start[e as usize + 1]];
    let joined = |i: usize| points[i].as_ref().expect("grouped points are joined");
    let mut out = Vec::new();
    for &v in search.reached() {
        for &e in net.graph.incident(v) {
            for &i in on(e) {
                if via(net, std, search, joined(i), v) <= std.budget {
                    out.push(i as u32);
                }
            }
        }
    }
    for &i in on(j.snap.edge) {
        if along(net, std, joined(i), j).is_some_and(|c| c <= std.budget) {
            out.push(i as u32);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The service area of one provider at `site` (empty when it is off the network).
pub fn service_area(net: &Network, std: &NetworkStandard, site: Coord) -> MultiPolygon {
    let Some(j) = net.join(site, std) else {
        return MultiPolygon::new(vec![]);
    };
    let mut search = Search::new(&net.graph);
    search.run(&net.graph, std.metric, &sources(net, std, &j), std.budget);
    let streets = Streets::of_search(net, std, &search, &j, site);
    buffered(net, std, &[&streets], None)
}

/// Every place's cost to the nearest of a set of providers: one search from all of them,
/// unbounded, then any point's cost from where it joins the network.
pub struct Nearest<'a> {
    net: &'a Network,
    std: NetworkStandard,
    search: Search,
    on_edge: HashMap<u32, Vec<Joined>>,
}

impl<'a> Nearest<'a> {
    /// The search from the providers joined at `providers` (None: off the network).
    pub fn new(net: &'a Network, std: &NetworkStandard, providers: &[Option<Joined>]) -> Self {
        let all: Vec<(u32, f64)> = providers
            .iter()
            .flatten()
            .flat_map(|j| sources(net, std, j))
            .collect();
        let mut search = Search::new(&net.graph);
        search.run(&net.graph, std.metric, &all, f64::INFINITY);
        let mut on_edge: HashMap<u32, Vec<Joined>> = HashMap::new();
        for j in providers.iter().flatten() {
            on_edge.entry(j.snap.edge).or_default().push(*j);
        }
        Nearest {
            net,
            std: *std,
            search,
            on_edge,
        }
    }

    /// The cost from a point joined at `q` to the nearest provider (infinite when cut off).
    pub fn cost(&self, q: &Joined) -> f64 {
        let (net, std) = (self.net, &self.std);
        let e = &net.graph.edges[q.snap.edge as usize];
        let ends = via(net, std, &self.search, q, e.a).min(via(net, std, &self.search, q, e.b));
        self.on_edge
            .get(&q.snap.edge)
            .into_iter()
            .flatten()
            .filter_map(|p| along(net, std, q, p))
            .fold(ends, f64::min)
    }

    /// The cost from `p` (infinite when off the network or cut off).
    pub fn at(&self, p: Coord) -> f64 {
        self.net
            .join(p, &self.std)
            .map_or(f64::INFINITY, |q| self.cost(&q))
    }
}

/// Each point's cost (under `std`) to the nearest of the providers joined at `providers`
/// (infinite when off the network or cut off from every provider).
pub fn nearest(
    net: &Network,
    std: &NetworkStandard,
    providers: &[Option<Joined>],
    points: &[Option<Joined>],
) -> Vec<f64> {
    let field = Nearest::new(net, std, providers);
    points
        .par_iter()
        .map(|q| q.as_ref().map_or(f64::INFINITY, |q| field.cost(q)))
        .collect()
}
