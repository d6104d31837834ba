//! The demo: `lacuna run` works with no arguments, and the committed demo is exactly what its
//! generator writes.

use crate::util::{demo_dir, f, read_csv, Workdir};

#[test]
fn demo_is_what_the_generator_writes() {
    let w = Workdir::new();
    w.ok(&["demo", "--out", "gen"]);
    for entry in std::fs::read_dir(w.path("gen")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let committed = std::fs::read(demo_dir().join(&name)).unwrap();
        assert!(
            committed == std::fs::read(entry.path()).unwrap(),
            "data/demo/{} differs from the generator's output: run `cargo run -- demo`",
            name.to_string_lossy()
        );
    }
}

#[test]
fn run_on_the_demo_finds_the_designed_gaps() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    let log = w.ok(&["run", study.to_str().unwrap(), "--out", "out"]);
    assert!(
        log.contains("60 read, 60 kept, 0 repaired, 0 dropped"),
        "{log}"
    );
    let rows = read_csv(&w.path("out/coverage.csv"));
    assert_eq!(rows.len(), 60 * 4);
    for r in &rows {
        for col in ["area_share", "population_share"] {
            let x = f(r, col);
            assert!((0.0..=1.0).contains(&x), "{col} {x} out of range");
        }
        assert!(f(r, "covered_population") <= f(r, "population"));
    }
    // The rural west (first two columns of wards: A1, A2, B1, B2, ...) has no GP catchment.
    for code in ["DW001", "DW011", "DW021", "DW031"] {
        let r = rows
            .iter()
            .find(|r| r["area_code"] == code && r["service_type"] == "gp")
            .unwrap();
        assert_eq!(f(r, "population_share"), 0.0, "{code}");
        assert!(f(r, "nearest_m") > 1600.0);
    }
    // Population totals agree with the need file.
    let need = read_csv(&demo_dir().join("need.csv"));
    let total: f64 = need.iter().map(|r| f(r, "population")).sum();
    let gp_total: f64 = rows
        .iter()
        .filter(|r| r["service_type"] == "gp")
        .map(|r| f(r, "population"))
        .sum();
    assert_eq!(total, gp_total);
}
