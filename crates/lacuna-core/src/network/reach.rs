//! What each provider reaches along the network: the population points within the standard
//! and the service-area polygon, and each point's distance to the nearest provider.

use std::collections::HashMap;

use geo::{Coord, MultiLineString, MultiPolygon};
use rayon::prelude::*;

use super::{Joined, Network, NetworkStandard, Search};

/// The network catchments of a list of providers (same order).
#[derive(Debug, Clone, Default)]
pub struct NetworkCatchments {
    /// Where each provider joins the network (None: farther than `snap_max_m` from it; such a
    /// provider reaches no one and its service area is empty).
    pub joins: Vec<Option<Joined>>,
    /// Each provider's service area: the streets reachable within the standard, buffered by
    /// `lateral_m`, with the provider's own leg to the street.
    pub areas: Vec<MultiPolygon>,
    /// The population points each provider reaches within the standard (indices, ascending).
    pub points: Vec<Vec<u32>>,
}

/// Points grouped by the edge they join: the points of edge e are
/// `ids[start[e]..start[e + 1]]`.
struct ByEdge {
    start: Vec<u32>,
    ids: Vec<u32>,
}

impl ByEdge {
    fn new(edges: usize, joins: &[Option<Joined>]) -> ByEdge {
        let mut start = vec![0u32; edges + 1];
        for j in joins.iter().flatten() {
            start[j.snap.edge as usize + 1] += 1;
        }
        for e in 0..edges {
            start[e + 1] += start[e];
        }
        let mut next = start.clone();
        let mut ids = vec![0u32; start[edges] as usize];
        for (i, j) in joins.iter().enumerate() {
            if let Some(j) = j {
                let e = j.snap.edge as usize;
                ids[next[e] as usize] = i as u32;
                next[e] += 1;
            }
        }
        ByEdge { start, ids }
    }

    fn of(&self, e: u32) -> &[u32] {
        &self.ids[self.start[e as usize] as usize..self.start[e as usize + 1] as usize]
    }
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
    let by_edge = ByEdge::new(net.graph.edges.len(), points);
    let joins: Vec<Option<Joined>> = sites.par_iter().map(|&s| net.join(s, std)).collect();
    let each: Vec<(MultiPolygon, Vec<u32>)> = sites
        .par_iter()
        .zip(&joins)
        .map_init(
            || Search::new(&net.graph),
            |search, (&site, join)| match join {
                None => (MultiPolygon::new(vec![]), Vec::new()),
                Some(j) => {
                    search.run(&net.graph, std.metric, &sources(net, std, j), std.budget);
                    let reached = reached_points(net, std, search, j, points, &by_edge);
                    (area_of_search(net, std, search, j, site), reached)
                }
            },
        )
        .collect();
    let (areas, points) = each.into_iter().unzip();
    NetworkCatchments {
        joins,
        areas,
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
    by_edge: &ByEdge,
) -> Vec<u32> {
    let g = &net.graph;
    let mut out = Vec::new();
    for &v in search.reached() {
        for &e in g.incident(v) {
            for &i in by_edge.of(e) {
                let q = points[i as usize]
                    .as_ref()
                    .expect("grouped points are joined");
                if via(net, std, search, q, v) <= std.budget {
                    out.push(i);
                }
            }
        }
    }
    for &i in by_edge.of(j.snap.edge) {
        let q = points[i as usize]
            .as_ref()
            .expect("grouped points are joined");
        if along(net, std, q, j).is_some_and(|c| c <= std.budget) {
            out.push(i);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The service area of the provider at `site`, joined at `j`, after its search: the parts of
/// edges from which its join is within the budget, and its leg, buffered by `lateral_m`.
fn area_of_search(
    net: &Network,
    std: &NetworkStandard,
    search: &Search,
    j: &Joined,
    site: Coord,
) -> MultiPolygon {
    let g = &net.graph;
    // How far along each edge (as a fraction) is reachable from its a end and from its b end.
    let mut reach: HashMap<u32, (f64, f64)> = HashMap::new();
    for &v in search.reached() {
        let left = std.budget - search.cost(v);
        for &e in g.incident(v) {
            if !g.allows_from(e, g.other(e, v)) {
                continue;
            }
            let f = (left / g.cost(e, std.metric)).min(1.0);
            let r = reach.entry(e).or_insert((0.0, 0.0));
            if g.edges[e as usize].a == v {
                r.0 = r.0.max(f);
            } else {
                r.1 = r.1.max(f);
            }
        }
    }
    let at = |e: u32, t: f64| {
        let ed = &g.edges[e as usize];
        let (a, b) = (g.nodes[ed.a as usize], g.nodes[ed.b as usize]);
        a + (b - a) * t
    };
    // Pieces with the keys of their ends: a node's number, or one of its own for a point
    // inside an edge, so pieces meeting at a node can be chained into one line.
    const CUT: u64 = 1 << 40;
    let mut pieces: Vec<Piece> = Vec::new();
    let mut cut = CUT;
    let mut cut_key = || {
        cut += 1;
        cut
    };
    let mut keys: Vec<u32> = reach.keys().copied().collect();
    keys.sort_unstable();
    for e in keys {
        let (fa, fb) = reach[&e];
        let ed = &g.edges[e as usize];
        let (a, b) = (u64::from(ed.a), u64::from(ed.b));
        if fa + fb >= 1.0 {
            pieces.push((a, b, at(e, 0.0), at(e, 1.0)));
        } else {
            if fa > 0.0 {
                pieces.push((a, cut_key(), at(e, 0.0), at(e, fa)));
            }
            if fb > 0.0 {
                pieces.push((b, cut_key(), at(e, 1.0), at(e, 1.0 - fb)));
            }
        }
    }
    // The provider's own edge, from its join outwards, and its leg from the site.
    let (e, u) = (j.snap.edge, j.snap.t);
    let f = (std.budget - j.leg) / g.cost(e, std.metric);
    let ed = &g.edges[e as usize];
    let join = cut_key();
    let mut end = |t: f64, node: u32| {
        if t == 0.0 || t == 1.0 {
            u64::from(node)
        } else {
            cut_key()
        }
    };
    if f > 0.0 {
        if ed.forward {
            let t = (u - f).max(0.0);
            pieces.push((end(t, ed.a), join, at(e, t), at(e, u)));
        }
        if ed.backward {
            let t = (u + f).min(1.0);
            pieces.push((join, end(t, ed.b), at(e, u), at(e, t)));
        }
    }
    pieces.push((cut_key(), join, site, at(e, u)));
    pieces.retain(|p| p.2 != p.3);
    // Streets simplified within SIMPLIFY_M before buffering: OpenStreetMap draws curves with a
    // vertex every few metres, and the buffer's work grows with its vertices.
    let lines: Vec<geo::LineString> = chain(&pieces)
        .iter()
        .map(|l| geo::Simplify::simplify(l, SIMPLIFY_M))
        .collect();
    let style = geo::algorithm::buffer::BufferStyle::new(std.lateral_m)
        .line_join(geo::algorithm::buffer::LineJoin::Round(ARC_STEP))
        .line_cap(geo::algorithm::buffer::LineCap::Round(ARC_STEP));
    tile(
        geo::Buffer::buffer_with_style(&MultiLineString::new(lines), style),
        TILE_VERTICES,
    )
}

/// How far a street may move when simplified before buffering, metres.
const SIMPLIFY_M: f64 = 1.0;

/// The angle, in radians, between the vertices of a buffer's round ends and joins: 0.3 keeps
/// a 50 m buffer's arcs within 50 (1 - cos 0.15) = 0.56 m of the circle.
const ARC_STEP: f64 = 0.3;

/// A straight piece of a service area: the keys of its two ends and their positions.
type Piece = (u64, u64, Coord, Coord);

/// The pieces joined into lines through every end where exactly two meet: a street of many
/// edges is buffered as one line, with round joins only at its bends, rather than as many
/// capsules whose round ends overlap (the buffer's work grows with its vertices).
fn chain(pieces: &[Piece]) -> Vec<geo::LineString> {
    let mut at: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, p) in pieces.iter().enumerate() {
        at.entry(p.0).or_default().push(i);
        at.entry(p.1).or_default().push(i);
    }
    let mut ends: Vec<u64> = at.keys().copied().collect();
    // Lines start where other than two meet; what is left are loops.
    ends.sort_unstable_by_key(|k| (at[k].len() == 2, *k));
    let mut used = vec![false; pieces.len()];
    let mut out = Vec::new();
    for start in ends {
        for &first in &at[&start] {
            if used[first] {
                continue;
            }
            let (mut key, mut cur) = (start, first);
            let p = &pieces[cur];
            let mut line = vec![if p.0 == key { p.2 } else { p.3 }];
            loop {
                used[cur] = true;
                let p = &pieces[cur];
                let (next_key, next_at) = if p.0 == key { (p.1, p.3) } else { (p.0, p.2) };
                line.push(next_at);
                key = next_key;
                let here = &at[&key];
                match (here.len(), here.iter().find(|&&i| i != cur)) {
                    (2, Some(&next)) if !used[next] => cur = next,
                    _ => break,
                }
            }
            out.push(geo::LineString::from(line));
        }
    }
    out
}

/// The most vertices a part of a service area keeps: larger parts are cut in two.
const TILE_VERTICES: usize = 512;

/// `mp` cut into parts of at most `max` vertices (halving the longer side of a part's box
/// until it is small enough), so an overlay with one area handles the few parts near it rather
/// than a drive-time service area of tens of thousands of vertices. The parts tile the shape:
/// same area, same points (a cut adds vertices on the cut lines only).
pub fn tile(mp: MultiPolygon, max: usize) -> MultiPolygon {
    use geo::{BooleanOps, BoundingRect, CoordsIter, Rect};
    let mut out = Vec::new();
    let mut todo: Vec<geo::Polygon> = mp.0;
    while let Some(p) = todo.pop() {
        let Some(r) = p.bounding_rect() else { continue };
        if p.coords_count() <= max || r.width().max(r.height()) < 1.0 {
            out.push(p);
            continue;
        }
        let (min, max_c) = (r.min(), r.max());
        let halves = if r.width() >= r.height() {
            let mid = (min.x + max_c.x) / 2.0;
            [
                Rect::new(min, Coord { x: mid, y: max_c.y }),
                Rect::new(Coord { x: mid, y: min.y }, max_c),
            ]
        } else {
            let mid = (min.y + max_c.y) / 2.0;
            [
                Rect::new(min, Coord { x: max_c.x, y: mid }),
                Rect::new(Coord { x: min.x, y: mid }, max_c),
            ]
        };
        for h in halves {
            todo.extend(p.intersection(&h.to_polygon()).0);
        }
    }
    // A fixed order whatever the cutting order: by each part's box.
    out.sort_by(|a, b| {
        let (ra, rb) = (a.bounding_rect(), b.bounding_rect());
        let key = |r: Option<geo::Rect>| r.map_or([0.0; 2], |r| [r.min().x, r.min().y]);
        let (ka, kb) = (key(ra), key(rb));
        ka[0].total_cmp(&kb[0]).then(ka[1].total_cmp(&kb[1]))
    });
    MultiPolygon(out)
}

/// The service area of one provider at `site` (empty when it is off the network).
pub fn service_area(net: &Network, std: &NetworkStandard, site: Coord) -> MultiPolygon {
    let Some(j) = net.join(site, std) else {
        return MultiPolygon::new(vec![]);
    };
    let mut search = Search::new(&net.graph);
    search.run(&net.graph, std.metric, &sources(net, std, &j), std.budget);
    area_of_search(net, std, &search, &j, site)
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
