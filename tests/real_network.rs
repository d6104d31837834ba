//! Street networks from the real OpenStreetMap extracts in `../shared/data/osm` (Isle of Man
//! 2020, Malta 2024; © OpenStreetMap contributors, ODbL). Ignored by default; `.ci/run` runs
//! them.

use geo::Coord;
use lacuna_core::network::{nearest, Metric, Network, NetworkStandard, Profile};
use lacuna_io::crs::Crs;
use lacuna_io::network::NetworkSpec;

use crate::util::{read_csv, shared_data, Workdir};

/// SplitMix64: the same pairs every run.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// On random pairs of places on the network, the network distance is never below the
/// straight line.
fn never_below_the_straight_line(file: &str, profile: Profile, working: Crs) {
    let spec = NetworkSpec {
        path: shared_data().join("osm").join(file),
        ..NetworkSpec::default()
    };
    let (graphs, _) = lacuna_io::network::read(&spec, &[profile], working).unwrap();
    let net = Network::new(graphs.into_values().next().unwrap());
    let std = NetworkStandard {
        metric: Metric::Distance,
        budget: f64::INFINITY,
        snap_max_m: 250.0,
        lateral_m: 50.0,
        walk_ms: 4.8 / 3.6,
    };
    let mut s = 20_261_207u64;
    let n = net.graph.nodes.len() as u64;
    let pick = |s: &mut u64| -> Coord {
        // A place 0..30 m off a random node, so joins fall inside edges too.
        let c = net.graph.nodes[(next(s) % n) as usize];
        let dx = (next(s) % 6000) as f64 / 100.0 - 30.0;
        let dy = (next(s) % 6000) as f64 / 100.0 - 30.0;
        Coord {
            x: c.x + dx,
            y: c.y + dy,
        }
    };
    let (mut checked, mut reachable) = (0, 0);
    for _ in 0..40 {
        let p = pick(&mut s);
        let qs: Vec<Coord> = (0..50).map(|_| pick(&mut s)).collect();
        let provider = [net.join(p, &std)];
        let joins: Vec<_> = qs.iter().map(|&q| net.join(q, &std)).collect();
        for (q, d) in qs.iter().zip(nearest(&net, &std, &provider, &joins)) {
            checked += 1;
            let line = (*q - p).x.hypot((*q - p).y);
            if d.is_finite() {
                reachable += 1;
                assert!(
                    d >= line - 1e-6,
                    "{file}: {d} m along the streets < {line} m"
                );
            }
        }
    }
    assert!(
        reachable > checked / 2,
        "{file}: {reachable} of {checked} reachable"
    );
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn isle_of_man_network_distances_are_never_below_the_straight_line() {
    for p in [Profile::Walk, Profile::Drive] {
        never_below_the_straight_line("isle_of_man_2020-03-14.osm.pbf", p, Crs(27700));
    }
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn malta_network_distances_are_never_below_the_straight_line() {
    never_below_the_straight_line("malta_2024-03-13.osm.pbf", Profile::Walk, Crs(32633));
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn the_isle_of_man_study_runs_from_openstreetmap_alone() {
    let w = Workdir::new();
    let study = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("studies/isle_of_man.toml"),
    )
    .unwrap()
    .replace("../../shared/data", shared_data().to_str().unwrap());
    w.write("iom.toml", &study);
    let err = w.ok(&["run", "iom.toml", "--out", "iom", "--no-interactive"]);
    assert!(err.contains("walk:") && err.contains("drive:"), "{err}");
    let rows = read_csv(&w.path("iom/coverage.csv"));
    let types = ["gp", "library", "pharmacy"];
    assert_eq!(rows.len() % 3, 0);
    assert!(rows.len() / 3 > 500, "{} hexagons", rows.len() / 3);
    // Covered people never exceed the people; the island's 84,069 people are all counted
    // (bar the few buildings outside every hexagon).
    let mut people = 0.0;
    for r in &rows {
        let (c, p): (f64, f64) = (
            r["covered_population"].parse().unwrap(),
            r["population"].parse().unwrap(),
        );
        assert!(c <= p + 1e-9 && types.contains(&r["service_type"].as_str()));
        if r["service_type"] == "gp" {
            people += p;
        }
    }
    assert!((83_900.0..=84_069.0 + 1e-6).contains(&people), "{people}");
    // ODbL: the report names OpenStreetMap's contributors.
    let report = std::fs::read_to_string(w.path("iom/report.md")).unwrap();
    assert!(report.contains("© OpenStreetMap contributors"));
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("iom/run.json")).unwrap()).unwrap();
    assert_eq!(run["network"]["services"].as_array().unwrap().len(), 3);
    // Points join only parts of at least 50 edges: the island's walking graph has some of its
    // edges on smaller parts (lone footways, steps, a square's outline), but few.
    let walk = &run["network"]["report"]["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["profile"] == "walk")
        .unwrap();
    let (small, edges) = (
        walk["unjoinable_edges"].as_u64().unwrap(),
        walk["edges"].as_u64().unwrap(),
    );
    assert!(small > 0 && small < edges / 10, "{small} of {edges}");
    // lacuna validate checks it too (it has no areas file of its own): problems, not a crash.
    let out = w.run(&["validate", "iom.toml"]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("12174 population points"), "{text}");
}
