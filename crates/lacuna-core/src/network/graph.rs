//! The street network as a graph: nodes in the working CRS, straight edges between them with
//! their length, the speed along them and the directions they may be travelled in.

use geo::Coord;

use crate::model::group_by_area;

/// One straight piece of street between two nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// Node it starts at.
    pub a: u32,
    /// Node it ends at.
    pub b: u32,
    /// Length in metres.
    pub length: f64,
    /// Speed along it in metres per second.
    pub speed: f64,
    /// It may be travelled from `a` to `b`.
    pub forward: bool,
    /// It may be travelled from `b` to `a`.
    pub backward: bool,
}

/// A street network: nodes, edges and, for each node, the edges that meet there.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Node positions, working CRS (metres).
    pub nodes: Vec<Coord>,
    /// The edges.
    pub edges: Vec<Edge>,
    /// Edges meeting at node n: `incident[first[n]..first[n + 1]]` (a compressed list rather
    /// than a vector per node: a national network has millions of nodes).
    first: Vec<u32>,
    incident: Vec<u32>,
}

/// What a search minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Metres along the network.
    Distance,
    /// Seconds along the network.
    Time,
}

impl Graph {
    /// The graph of `nodes` and `edges` (edges of zero length or naming a missing node are
    /// kept out of the incidence lists, so no search uses them).
    pub fn new(nodes: Vec<Coord>, edges: Vec<Edge>) -> Graph {
        let n = nodes.len();
        let usable = |e: &Edge| (e.a as usize) < n && (e.b as usize) < n && e.a != e.b;
        // Both ends of edge k in turn: end i is of edge i / 2, so each node's edges come in
        // edge order.
        let ends = edges.iter().flat_map(|e| {
            let ok = usable(e);
            [ok.then_some(e.a as usize), ok.then_some(e.b as usize)]
        });
        let (first, incident) = group_by_area(n, ends);
        Graph {
            first: first.into_iter().map(|s| s as u32).collect(),
            incident: incident.into_iter().map(|i| (i / 2) as u32).collect(),
            nodes,
            edges,
        }
    }

    /// The edges meeting at node `n`.
    pub fn incident(&self, n: u32) -> &[u32] {
        let n = n as usize;
        &self.incident[self.first[n] as usize..self.first[n + 1] as usize]
    }

    /// The cost of travelling the whole of edge `e` under `metric` (either direction).
    pub fn cost(&self, e: u32, metric: Metric) -> f64 {
        let e = &self.edges[e as usize];
        match metric {
            Metric::Distance => e.length,
            Metric::Time => e.length / e.speed,
        }
    }

    /// Whether edge `e` may be travelled from node `from` to its other end.
    pub fn allows_from(&self, e: u32, from: u32) -> bool {
        let e = &self.edges[e as usize];
        if e.a == from {
            e.forward
        } else {
            e.backward
        }
    }

    /// The other end of edge `e` from node `n`.
    pub fn other(&self, e: u32, n: u32) -> u32 {
        let e = &self.edges[e as usize];
        if e.a == n {
            e.b
        } else {
            e.a
        }
    }

    /// The connected parts of the graph (directions ignored): the part of each node, numbered
    /// from the largest part (0) down, and the number of edges in each part. A network with
    /// many parts has islands people cannot leave (a ferry-only island, a private estate drawn
    /// without its gate, a digitising gap).
    pub fn components(&self) -> (Vec<u32>, Vec<usize>) {
        let n = self.nodes.len();
        let mut part = vec![u32::MAX; n];
        let mut sizes: Vec<usize> = Vec::new();
        let mut stack = Vec::new();
        for s in 0..n as u32 {
            if part[s as usize] != u32::MAX || self.incident(s).is_empty() {
                continue;
            }
            let id = sizes.len() as u32;
            let mut edges = 0usize;
            part[s as usize] = id;
            stack.push(s);
            while let Some(v) = stack.pop() {
                for &e in self.incident(v) {
                    let w = self.other(e, v);
                    // Each edge once: from the node it starts at.
                    if self.edges[e as usize].a == v {
                        edges += 1;
                    }
                    if part[w as usize] == u32::MAX {
                        part[w as usize] = id;
                        stack.push(w);
                    }
                }
            }
            sizes.push(edges);
        }
        let mut order: Vec<u32> = (0..sizes.len() as u32).collect();
        order.sort_by_key(|&k| std::cmp::Reverse(sizes[k as usize]));
        let mut rank = vec![0u32; sizes.len()];
        for (r, &k) in order.iter().enumerate() {
            rank[k as usize] = r as u32;
        }
        for p in part.iter_mut().filter(|p| **p != u32::MAX) {
            *p = rank[*p as usize];
        }
        let sizes = order.iter().map(|&k| sizes[k as usize]).collect();
        (part, sizes)
    }
}
