//! Joined-up bundles on the demo (`[bundles] essentials = ["gp", "pharmacy", "food_bank"]`):
//! per ward, the people lacking part of the bundle are at least those any one service misses
//! and at most all of them together, those lacking all at most those the best service misses;
//! the summary's totals are the sums of the wards; a bundle naming an unknown service stops
//! the run.

use crate::util::{demo_dir, f, read_csv, Workdir};

#[test]
fn people_lacking_part_and_all_of_a_bundle_are_bounded_by_each_service() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    w.ok(&["bundles", study.to_str().unwrap(), "--out", "b", "-q"]);
    let coverage = read_csv(&w.path("b/coverage.csv"));
    let rows = read_csv(&w.path("b/bundles.csv"));
    assert!(!rows.is_empty());
    let types = ["food_bank", "gp", "pharmacy"];
    for r in &rows {
        let uncovered: Vec<f64> = types
            .iter()
            .map(|t| {
                let c = coverage
                    .iter()
                    .find(|c| c["area_code"] == r["area_code"] && c["service_type"] == *t)
                    .unwrap();
                f(c, "population") - f(c, "covered_population")
            })
            .collect();
        let (any, all) = (
            f(r, "population_lacking_any"),
            f(r, "population_lacking_all"),
        );
        let most = uncovered.iter().cloned().fold(0.0, f64::max);
        let least = uncovered.iter().cloned().fold(f64::INFINITY, f64::min);
        let sum: f64 = uncovered.iter().sum();
        assert!(
            any >= most - 1e-6 && any <= sum + 1e-6,
            "{r:?} {uncovered:?}"
        );
        assert!(all <= least + 1e-6 && all <= any, "{r:?} {uncovered:?}");
    }
    // Wards not listed lack nothing, so the study's totals are the listed wards' sums.
    let summary = read_csv(&w.path("b/bundles_summary.csv"));
    let all = summary.iter().find(|r| r["group"] == "ALL").unwrap();
    for col in ["population_lacking_any", "population_lacking_all"] {
        let sum: f64 = rows.iter().map(|r| f(r, col)).sum();
        assert!((sum - f(all, col)).abs() < 1e-3, "{col}");
    }
    let people: f64 = coverage
        .iter()
        .filter(|c| c["service_type"] == "gp")
        .map(|c| f(c, "population"))
        .sum();
    assert!((f(all, "population") - people).abs() < 1e-6);
    // Ranked by unmet need.
    let need: Vec<f64> = rows.iter().map(|r| f(r, "unmet_need")).collect();
    assert!(need.windows(2).all(|p| p[0] >= p[1]));
}

#[test]
fn a_bundle_of_an_unknown_service_stops_the_run() {
    let w = Workdir::new();
    let text = std::fs::read_to_string(demo_dir().join("study.toml"))
        .unwrap()
        .replace("\"food_bank\"]", "\"dentist\"]")
        .replace("path = \"", &format!("path = \"{}/", demo_dir().display()));
    w.write("study.toml", &text);
    let said = w.fails(&["run", "study.toml", "--out", "o"]);
    assert!(
        said.contains("[bundles] essentials: \"dentist\" is not a service type of the study"),
        "{said}"
    );
}
