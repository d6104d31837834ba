//! The network benchmark: a synthetic street grid (100 m blocks) of about `EDGES` edges with
//! `PROVIDERS` providers at random junctions and a 1.6 km walking standard, timed stage by
//! stage: building the graph, the providers' searches (`Study::set_network`), the areal
//! coverage of square areas of 800 m (service areas buffered near each area), and one search
//! for every junction's distance to the nearest provider.
//!
//! `cargo run --release --example network_grid -- 4000000 25000` (the size of England's walking
//! graph at LSOA density).

use std::time::Instant;

use std::sync::Arc;

use geo::{coord, Coord, Rect};
use lacuna_core::network::{
    nearest, Edge, Graph, Metric, Network, NetworkService, NetworkStandard, Profile,
};
use lacuna_core::{coverage, Area, Provider, Study};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let edges = args.first().copied().unwrap_or(400_000);
    let providers = args.get(1).copied().unwrap_or(2_500);
    let side = ((edges / 2) as f64).sqrt() as usize + 1;
    let t = Instant::now();
    let nodes: Vec<Coord> = (0..side * side)
        .map(|k| Coord {
            x: 100.0 * (k % side) as f64,
            y: 100.0 * (k / side) as f64,
        })
        .collect();
    let mut list = Vec::with_capacity(2 * side * side);
    let edge = |a: usize, b: usize| Edge {
        a: a as u32,
        b: b as u32,
        length: 100.0,
        speed: 4.8 / 3.6,
        forward: true,
        backward: true,
    };
    for j in 0..side {
        for i in 0..side {
            let k = j * side + i;
            if i + 1 < side {
                list.push(edge(k, k + 1));
            }
            if j + 1 < side {
                list.push(edge(k, k + side));
            }
        }
    }
    let n_edges = list.len();
    let net = Network::new(Graph::new(nodes, list));
    let build = t.elapsed();
    let mut state = 20_261_207u64;
    let sites: Vec<Coord> = (0..providers)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            net.graph.nodes[(state >> 33) as usize % net.graph.nodes.len()]
                + Coord { x: 30.0, y: 0.0 }
        })
        .collect();
    let std = NetworkStandard {
        metric: Metric::Distance,
        budget: 1600.0,
        snap_max_m: 250.0,
        lateral_m: 50.0,
        walk_ms: 4.8 / 3.6,
    };
    // Square areas of 800 m (about an LSOA's size in England) over the grid.
    let extent = 100.0 * (side - 1) as f64;
    let cells = (extent / 800.0).ceil() as usize;
    let areas: Vec<Area> = (0..cells * cells)
        .map(|k| {
            let (x, y) = (800.0 * (k % cells) as f64, 800.0 * (k / cells) as f64);
            let r = Rect::new(coord! { x: x, y: y }, coord! { x: x + 800.0, y: y + 800.0 });
            Area::new(format!("C{k}"), r)
        })
        .collect();
    let gps = sites
        .iter()
        .map(|&s| Provider::disc("gp", s, 1600.0))
        .collect();
    let mut study = Study::new(areas, gps);
    let t = Instant::now();
    let net = Arc::new(net);
    let svc = NetworkService {
        profile: Profile::Walk,
        network: net.clone(),
        standard: std,
    };
    study.set_network("gp", svc);
    let searches = t.elapsed();
    let t = Instant::now();
    let rows = coverage(&study).rows;
    let overlay = t.elapsed();
    let share = rows.iter().map(|r| r.area_share).sum::<f64>() / rows.len() as f64;
    let t = Instant::now();
    let joins: Vec<_> = sites.iter().map(|&s| net.join(s, &std)).collect();
    let all: Vec<_> = net.graph.nodes.iter().map(|&p| net.join(p, &std)).collect();
    let d = nearest(&net, &std, &joins, &all);
    let near = t.elapsed();
    let reached = d.iter().filter(|d| **d <= 1600.0).count();
    println!(
        "{n_edges} edges, {providers} providers: graph {build:.2?}, searches {searches:.2?}, \
         coverage of {} areas of 800 m {overlay:.2?} (mean share {share:.4}), nearest for {} \
         junctions {near:.2?} ({reached} within 1.6 km)",
        rows.len(),
        all.len()
    );
}
