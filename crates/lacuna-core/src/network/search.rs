//! Bounded multi-source Dijkstra, run backwards: the cost of travelling from every node to the
//! nearest of a set of sources (people travel to the service, so a one-way street counts in the
//! direction they would drive it), stopping at a budget.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::graph::{Graph, Metric};

/// A search's working memory, reused from one search to the next (a provider's search touches
/// a few thousand nodes of millions: the arrays are allocated once per thread and only the
/// touched entries are reset).
pub struct Search {
    cost: Vec<f64>,
    touched: Vec<u32>,
    /// Smallest cost first; ties by node, so the result does not depend on push order.
    heap: BinaryHeap<Reverse<Entry<u32>>>,
}

/// A priority-queue entry: ordered by its key (`f64::total_cmp`), then by its item.
#[derive(PartialEq)]
pub(crate) struct Entry<T>(pub f64, pub T);

impl<T: Ord> Eq for Entry<T> {}

impl<T: Ord> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

impl<T: Ord> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Search {
    /// Working memory for searches on `graph`.
    pub fn new(graph: &Graph) -> Search {
        Search {
            cost: vec![f64::INFINITY; graph.nodes.len()],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Runs the search from `sources` (node, cost already spent reaching the source from that
    /// node), keeping nodes whose cost is at most `budget`. Afterwards [`Search::cost`] gives
    /// each node's cost and [`Search::reached`] the nodes within the budget.
    pub fn run(&mut self, graph: &Graph, metric: Metric, sources: &[(u32, f64)], budget: f64) {
        self.reset();
        for &(n, c) in sources {
            if c <= budget && c < self.cost[n as usize] {
                self.set(n, c);
                self.heap.push(Reverse(Entry(c, n)));
            }
        }
        while let Some(Reverse(Entry(c, v))) = self.heap.pop() {
            if c > self.cost[v as usize] {
                continue;
            }
            for &e in graph.incident(v) {
                let u = graph.other(e, v);
                // Backwards: u reaches v along e when e may be travelled from u.
                if !graph.allows_from(e, u) {
                    continue;
                }
                let next = c + graph.cost(e, metric);
                if next <= budget && next < self.cost[u as usize] {
                    self.set(u, next);
                    self.heap.push(Reverse(Entry(next, u)));
                }
            }
        }
    }

    fn set(&mut self, n: u32, c: f64) {
        if self.cost[n as usize] == f64::INFINITY {
            self.touched.push(n);
        }
        self.cost[n as usize] = c;
    }

    fn reset(&mut self) {
        for &n in &self.touched {
            self.cost[n as usize] = f64::INFINITY;
        }
        self.touched.clear();
        self.heap.clear();
    }

    /// The cost from node `n` to the nearest source (infinite beyond the budget).
    pub fn cost(&self, n: u32) -> f64 {
        self.cost[n as usize]
    }

    /// The nodes within the budget, in the order they were first reached.
    pub fn reached(&self) -> &[u32] {
        &self.touched
    }
}
