//! Service areas as polygons: the streets some providers reach, buffered by `lateral_m`.
//!
//! A provider's reach is kept as [`Streets`] (how far along each edge), not as a polygon:
//! buffering is the costly step (polygon unions of thousands of street pieces), and the
//! overlay only ever needs the union of a service type's catchments near one area. So the
//! streets of all the catchments touching an area are merged edge by edge first and buffered
//! once, near that area only ([`buffered`]): the buffering follows the length of street
//! reached, not that length times the number of providers reaching it (each catchment's list
//! of edges is still scanned once per area it may reach, which is cheap beside buffering).

use std::collections::HashMap;

use geo::{Coord, Intersects, MultiLineString, MultiPolygon, Rect};

use super::{Joined, Network, NetworkStandard, Search};
use crate::spatial::grow;

/// The streets one provider reaches within the standard.
#[derive(Debug, Clone, Default)]
pub struct Streets {
    /// Per edge reached (ascending): how far along it, as fractions, from its a end and from
    /// its b end. Single precision: a fraction's rounding (6e-8 of the edge) moves a street end
    /// by under a millimetre on edges up to 17 km (a long ferry line, by a few).
    pub edges: Vec<(u32, f32, f32)>,
    /// Its own pieces: along its edge from where it joins, and its leg from its site. Keys are
    /// nodes' numbers, or this provider's own (from `CUT`) for points inside an edge.
    own: Vec<Piece>,
    /// The box of everything it reaches (None when it reaches nothing).
    pub bbox: Option<Rect>,
}

/// A straight piece of a service area: the keys of its two ends and their positions.
type Piece = (u64, u64, Coord, Coord);

/// The first key of a point inside an edge; nodes' numbers are below it.
const CUT: u64 = 1 << 40;

/// The most keys one provider's own pieces use (its join and up to three ends).
const OWN_KEYS: u64 = 8;

/// How far a street may move when simplified before buffering, metres.
const SIMPLIFY_M: f64 = 1.0;

/// The angle, in radians, between the vertices of a buffer's round ends and joins: 0.3 keeps
/// a 50 m buffer's arcs within 50 (1 - cos 0.15) = 0.56 m of the circle.
const ARC_STEP: f64 = 0.3;

/// Where along edge `e` the fraction `t` from its a end lies.
fn at(net: &Network, e: u32, t: f64) -> Coord {
    let g = &net.graph;
    let ed = &g.edges[e as usize];
    let (a, b) = (g.nodes[ed.a as usize], g.nodes[ed.b as usize]);
    a + (b - a) * t
}

impl Streets {
    /// What the provider at `site`, joined at `j`, reaches after its search.
    pub(crate) fn of_search(
        net: &Network,
        std: &NetworkStandard,
        search: &Search,
        j: &Joined,
        site: Coord,
    ) -> Streets {
        let g = &net.graph;
        let mut reach: HashMap<u32, (f32, f32)> = HashMap::new();
        for &v in search.reached() {
            let left = std.budget - search.cost(v);
            for &e in g.incident(v) {
                if !g.allows_from(e, g.other(e, v)) {
                    continue;
                }
                let f = (left / g.cost(e, std.metric)).min(1.0) as f32;
                let r = reach.entry(e).or_insert((0.0, 0.0));
                if g.edges[e as usize].a == v {
                    r.0 = r.0.max(f);
                } else {
                    r.1 = r.1.max(f);
                }
            }
        }
        let mut edges: Vec<(u32, f32, f32)> = reach
            .into_iter()
            .filter(|(_, (a, b))| *a > 0.0 || *b > 0.0)
            .map(|(e, (a, b))| (e, a, b))
            .collect();
        edges.sort_unstable_by_key(|r| r.0);
        let own = own_pieces(net, std, j, site);
        let mut pieces = own.clone();
        edge_pieces(
            net,
            edges.iter().copied(),
            &mut (CUT + OWN_KEYS),
            &mut pieces,
        );
        let bbox = bbox(pieces.into_iter());
        Streets { edges, own, bbox }
    }
}

/// Adds to `out` the pieces of edges reached `fa` from their a end and `fb` from their b end:
/// the whole edge when the two meet. Ends inside an edge take fresh keys from `next`.
fn edge_pieces(
    net: &Network,
    edges: impl Iterator<Item = (u32, f32, f32)>,
    next: &mut u64,
    out: &mut Vec<Piece>,
) {
    for (e, fa, fb) in edges {
        let ed = &net.graph.edges[e as usize];
        let (a, b) = (u64::from(ed.a), u64::from(ed.b));
        let (fa, fb) = (f64::from(fa), f64::from(fb));
        if fa + fb >= 1.0 {
            out.push((a, b, at(net, e, 0.0), at(net, e, 1.0)));
        } else {
            if fa > 0.0 {
                *next += 1;
                out.push((a, *next, at(net, e, 0.0), at(net, e, fa)));
            }
            if fb > 0.0 {
                *next += 1;
                out.push((b, *next, at(net, e, 1.0), at(net, e, 1.0 - fb)));
            }
        }
    }
}

/// A provider's pieces along its own edge, outwards from its join within what is left of the
/// budget after its leg, and the leg from its site.
fn own_pieces(net: &Network, std: &NetworkStandard, j: &Joined, site: Coord) -> Vec<Piece> {
    let g = &net.graph;
    let (e, u) = (j.snap.edge, j.snap.t);
    let f = (std.budget - j.leg) / g.cost(e, std.metric);
    let ed = &g.edges[e as usize];
    let join = CUT + 1;
    let mut cut = join;
    let mut end = |t: f64, node: u32| {
        if t == 0.0 || t == 1.0 {
            u64::from(node)
        } else {
            cut += 1;
            cut
        }
    };
    let mut out = Vec::with_capacity(3);
    if f > 0.0 {
        if ed.forward {
            let t = (u - f).max(0.0);
            out.push((end(t, ed.a), join, at(net, e, t), at(net, e, u)));
        }
        if ed.backward {
            let t = (u + f).min(1.0);
            out.push((join, end(t, ed.b), at(net, e, u), at(net, e, t)));
        }
    }
    // The site is never a node: its end takes a key of its own.
    out.push((end(0.5, 0), join, site, at(net, e, u)));
    out.retain(|p| p.2 != p.3);
    out
}

fn bbox(pieces: impl Iterator<Item = Piece>) -> Option<Rect> {
    use geo::BoundingRect;
    let ends: Vec<geo::Point> = pieces.flat_map(|p| [p.2.into(), p.3.into()]).collect();
    geo::MultiPoint(ends).bounding_rect()
}

/// The pieces of `all` that can reach into `near` (every piece without it): each edge once,
/// reached as far as any of them reaches it.
fn merged(net: &Network, lateral: f64, all: &[&Streets], near: Option<Rect>) -> Vec<Piece> {
    let near = near.map(|r| grow(r, lateral));
    let g = &net.graph;
    // An edge can matter only when its box meets the grown box (a piece lies on its edge).
    let edge_near = |e: u32| {
        near.is_none_or(|r| {
            let ed = &g.edges[e as usize];
            let (p, q) = (g.nodes[ed.a as usize], g.nodes[ed.b as usize]);
            Rect::new(p, q).intersects(&r)
        })
    };
    let mut pieces: Vec<Piece> = Vec::new();
    for (k, s) in all.iter().enumerate() {
        let offset = OWN_KEYS * k as u64;
        pieces.extend(s.own.iter().map(|&(a, b, p, q)| {
            let key = |x: u64| if x >= CUT { x + offset } else { x };
            (key(a), key(b), p, q)
        }));
    }
    let reaching = |s: &&&Streets| match (near, s.bbox) {
        (Some(r), Some(b)) => r.intersects(&b),
        _ => true,
    };
    let mut edges: Vec<(u32, f32, f32)> = all
        .iter()
        .filter(reaching)
        .flat_map(|s| s.edges.iter().copied())
        .filter(|r| edge_near(r.0))
        .collect();
    edges.sort_unstable_by_key(|r| r.0);
    edges.dedup_by(|later, kept| {
        if later.0 != kept.0 {
            return false;
        }
        kept.1 = kept.1.max(later.1);
        kept.2 = kept.2.max(later.2);
        true
    });
    let mut next = CUT + OWN_KEYS * (all.len() as u64 + 1);
    edge_pieces(net, edges.into_iter(), &mut next, &mut pieces);
    pieces.retain(|p| p.2 != p.3 && near.is_none_or(|r| Rect::new(p.2, p.3).intersects(&r)));
    pieces
}

/// The union of the service areas of `all` (streets of one network and standard): within
/// `near` when given (pieces that cannot reach it are left out; inside `near` the result is
/// the same as the whole union's), else whole. Up to the streets' 1 m simplification and the
/// arcs' polygons, as any service area.
pub fn buffered(
    net: &Network,
    std: &NetworkStandard,
    all: &[&Streets],
    near: Option<Rect>,
) -> MultiPolygon {
    let pieces = merged(net, std.lateral_m, all, near);
    if pieces.is_empty() {
        return MultiPolygon::new(vec![]);
    }
    // Streets simplified within SIMPLIFY_M before buffering: OpenStreetMap draws curves with a
    // vertex every few metres, and the buffer's work grows with its vertices.
    let lines: Vec<geo::LineString> = chain(&pieces)
        .iter()
        .map(|l| geo::Simplify::simplify(l, SIMPLIFY_M))
        .collect();
    let style = geo::algorithm::buffer::BufferStyle::new(std.lateral_m)
        .line_join(geo::algorithm::buffer::LineJoin::Round(ARC_STEP))
        .line_cap(geo::algorithm::buffer::LineCap::Round(ARC_STEP));
    geo::Buffer::buffer_with_style(&MultiLineString::new(lines), style)
}

/// Whether the service area of `s` reaches into `shape` (whose box is `rect`): some piece of
/// its streets within `lateral_m` of it.
pub fn reaches(
    net: &Network,
    std: &NetworkStandard,
    s: &Streets,
    shape: &MultiPolygon,
    rect: Rect,
) -> bool {
    use geo::{Distance, Euclidean, Line};
    let pieces = merged(net, std.lateral_m, &[s], Some(rect));
    pieces.iter().any(|p| {
        let line = Line::new(p.2, p.3);
        line.intersects(shape) || Euclidean.distance(&line, shape) <= std.lateral_m
    })
}

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
