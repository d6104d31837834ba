//! Joining points to the network: each provider and population point joins at the nearest point
//! on an edge (not the nearest node, which on a long rural road can be a kilometre off), within
//! a maximum distance.

use geo::Coord;
use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;

use super::graph::Graph;

/// Where a point joins the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The edge.
    pub edge: u32,
    /// How far along it, from its node `a` (0) to its node `b` (1).
    pub t: f64,
    /// Straight-line distance from the point to the edge, metres.
    pub offset_m: f64,
}

/// An R-tree of a graph's edges.
pub struct Snapper {
    tree: RTree<GeomWithData<Line<[f64; 2]>, u32>>,
}

impl Snapper {
    /// Indexes the edges of `graph` that searches use (zero-length edges are left out) and
    /// `keep` accepts (by number).
    pub fn new(graph: &Graph, keep: impl Fn(usize) -> bool) -> Snapper {
        let lines = graph
            .edges
            .iter()
            .enumerate()
            .filter(|&(k, e)| e.a != e.b && e.length > 0.0 && keep(k))
            .map(|(k, e)| {
                let (p, q) = (graph.nodes[e.a as usize], graph.nodes[e.b as usize]);
                GeomWithData::new(Line::new([p.x, p.y], [q.x, q.y]), k as u32)
            })
            .collect();
        Snapper {
            tree: RTree::bulk_load(lines),
        }
    }

    /// The nearest point of the network to `p`, if within `max_m` metres. Among edges at the
    /// same distance (a point nearest to a junction) the lowest-numbered edge wins, so the
    /// answer does not depend on the tree's layout.
    pub fn snap(&self, p: Coord, max_m: f64) -> Option<Snap> {
        let q = [p.x, p.y];
        let mut best: Option<(f64, u32, &Line<[f64; 2]>)> = None;
        for (e, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&q) {
            if best.is_some_and(|(b, _, _)| d2 > b) || d2 > max_m * max_m {
                break;
            }
            if best.is_none_or(|(b, k, _)| d2 < b || e.data < k) {
                best = Some((d2, e.data, e.geom()));
            }
        }
        let (d2, edge, line) = best?;
        let (a, b) = (line.from, line.to);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let t = (((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
        Some(Snap {
            edge,
            t,
            offset_m: d2.sqrt(),
        })
    }
}
