//! Catchments along the street network: a provider serves the people who can walk (or drive) to
//! it within the standard, measured along the streets rather than in a straight line.
//!
//! - [`Graph`]: the network (built by a reader from OpenStreetMap or a line layer);
//! - [`Snapper`]: providers and population points join it at the nearest point on an edge;
//! - [`Search`]: bounded multi-source Dijkstra, backwards from the providers;
//! - [`NetworkStandard`]: the standard (distance or time, the budget, snapping and buffer);
//! - [`catchments`]: the streets each provider reaches (buffered into service areas for the
//!   exact overlay, near one area at a time: [`union_near`]) and the population points it
//!   reaches (for point coverage);
//! - [`NetworkCatchment`]: what a provider's [`crate::Catchment::Network`] holds;
//! - [`Nearest`], [`nearest`]: the network distance from any point, or from every population
//!   point, to the nearest provider.
//!
//! A point's cost to a provider is its off-network leg (straight line to the edge, at walking
//! speed for time standards), the way along its edge to a node, the network between nodes, and
//! the way along the provider's edge to where the provider joins it, plus the provider's own
//! leg. Two points on the same edge are joined directly along it.

mod apply;
mod area;
mod catchment;
mod graph;
mod reach;
pub(crate) mod search;
mod snap;

pub use apply::NetworkSummary;
pub use area::{buffered, Streets};
pub use catchment::{union_near, NetworkCatchment};
pub use graph::{Edge, Graph, Metric};
pub use reach::{catchments, nearest, service_area, Nearest, NetworkCatchments};
pub use search::Search;
pub use snap::{Snap, Snapper};

use std::sync::Arc;

use geo::Coord;

/// How people travel: the streets they use and how fast.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// On foot: footways, paths, steps and streets, in both directions.
    Walk,
    /// By car: roads at their speeds, one-way streets one way.
    Drive,
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Profile::Walk => "walk",
            Profile::Drive => "drive",
        })
    }
}

/// A network standard of one service type (`network = "walk"`, `max_m` or `max_minutes`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetworkStandard {
    /// Metres or seconds.
    pub metric: Metric,
    /// The most a person may travel: metres for [`Metric::Distance`], seconds for
    /// [`Metric::Time`].
    pub budget: f64,
    /// Points farther than this from every edge are off the network (unreachable).
    pub snap_max_m: f64,
    /// How far either side of a reachable street the service area extends.
    pub lateral_m: f64,
    /// Walking speed, metres per second: the off-network legs of time standards.
    pub walk_ms: f64,
}

impl NetworkStandard {
    /// The cost of an off-network leg of `m` metres.
    pub fn leg(&self, m: f64) -> f64 {
        match self.metric {
            Metric::Distance => m,
            Metric::Time => m / self.walk_ms,
        }
    }
}

/// A point joined to the network: where, and the cost of its leg.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Joined {
    /// Where it joins.
    pub snap: Snap,
    /// The cost of its off-network leg.
    pub leg: f64,
}

/// A network and the index used to join points to it.
pub struct Network {
    /// The graph.
    pub graph: Graph,
    /// Its edges indexed: those points may join.
    pub snapper: Snapper,
    /// How many edges points may not join: those of parts smaller than the smallest part
    /// joined (and edges of no length).
    pub unjoinable_edges: usize,
}

/// The default smallest part of a network (in edges) that points join: a footway, a flight of
/// steps or a private drive mapped joined to nothing would trap whoever joins it (Valhalla's
/// `minimum_reachability` is 50 too, though it counts nodes reachable along one-way streets;
/// parts here ignore direction).
pub const MIN_PART_EDGES: usize = 50;

impl Network {
    /// The network of `graph`, indexed; points may join any edge.
    pub fn new(graph: Graph) -> Network {
        Network::joining_parts_of(graph, 0)
    }

    /// The network of `graph`, where points join only edges of connected parts with at least
    /// `min_edges` edges (of the largest part when none is that large): a provider or a house
    /// nearest to a path mapped joined to nothing joins the nearest street that leads somewhere.
    pub fn joining_parts_of(graph: Graph, min_edges: usize) -> Network {
        let (part, sizes) = graph.components();
        let min = min_edges.min(sizes.first().copied().unwrap_or(0));
        let keep = |k: usize| {
            let p = part[graph.edges[k].a as usize];
            p != u32::MAX && sizes[p as usize] >= min
        };
        let unjoinable_edges = (0..graph.edges.len()).filter(|&k| !keep(k)).count();
        let snapper = Snapper::new(&graph, keep);
        Network {
            graph,
            snapper,
            unjoinable_edges,
        }
    }

    /// Joins `p` to the network under `standard` (None: farther than `snap_max_m`).
    pub fn join(&self, p: Coord, standard: &NetworkStandard) -> Option<Joined> {
        self.snapper
            .snap(p, standard.snap_max_m)
            .map(|snap| Joined {
                snap,
                leg: standard.leg(snap.offset_m),
            })
    }

    /// Where on the network a join lies.
    pub fn position(&self, snap: &Snap) -> Coord {
        let e = &self.graph.edges[snap.edge as usize];
        let (a, b) = (
            self.graph.nodes[e.a as usize],
            self.graph.nodes[e.b as usize],
        );
        a + (b - a) * snap.t
    }
}

/// A network service type of a study: its network and standard (the study's providers of the
/// type already carry their network catchments; this is for distances to the nearest).
#[derive(Clone)]
pub struct NetworkService {
    /// How people travel.
    pub profile: Profile,
    /// The network of its profile (shared by the types of one profile).
    pub network: Arc<Network>,
    /// Its standard.
    pub standard: NetworkStandard,
}

impl NetworkService {
    /// The distance from anywhere to the nearest of the providers at `sites`: in metres along
    /// the streets (`in_metres`; what `nearest_m` reports, for time standards too), else in the
    /// standard's own unit (metres or seconds).
    pub fn nearest(&self, sites: impl IntoIterator<Item = Coord>, in_metres: bool) -> Nearest<'_> {
        let std = if in_metres {
            NetworkStandard {
                metric: Metric::Distance,
                budget: f64::INFINITY,
                ..self.standard
            }
        } else {
            self.standard
        };
        let joins: Vec<_> = sites
            .into_iter()
            .map(|s| self.network.join(s, &std))
            .collect();
        Nearest::new(&self.network, &std, &joins)
    }
}

impl std::fmt::Debug for NetworkService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkService")
            .field("profile", &self.profile)
            .field("edges", &self.network.graph.edges.len())
            .field("standard", &self.standard)
            .finish()
    }
}

/// The population points a network catchment reaches, answered exactly for the study's own
/// points: whether a point is covered is decided along the network, not by the service-area
/// polygon (which is for areal coverage and holds points up to `lateral_m` off a street end).
/// A place that is not one of the study's points (an area's interior point, for instance) is
/// answered by the polygon.
#[derive(Debug, Clone)]
pub struct PointReach {
    /// Every study point's coordinates (as bits), sorted: shared by all catchments.
    pub known: Arc<Vec<[u64; 2]>>,
    /// The reached points' coordinates (as bits), sorted.
    pub reached: Vec<[u64; 2]>,
}

impl PointReach {
    /// The key a point is looked up by.
    pub fn key(p: Coord) -> [u64; 2] {
        [p.x.to_bits(), p.y.to_bits()]
    }

    /// Whether the catchment reaches `p`, when `p` is a study point (None otherwise).
    pub fn holds(&self, p: Coord) -> Option<bool> {
        let k = Self::key(p);
        self.known
            .binary_search(&k)
            .ok()
            .map(|_| self.reached.binary_search(&k).is_ok())
    }
}

#[cfg(test)]
mod tests;
