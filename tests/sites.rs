//! `lacuna sites` on the demo: the sites chosen bring within reach exactly the people they
//! report (opening them in `lacuna scenario` gains that many), the exact optimum is at least
//! the greedy choice and at most the bound, and bad questions are refused.

use crate::util::{demo_dir, f, read_csv, Workdir};

#[test]
fn chosen_sites_gain_what_they_report_and_the_optimum_sits_between_greedy_and_bound() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    let study = study.to_str().unwrap();
    w.ok(&[
        "sites",
        study,
        "--service",
        "pharmacy",
        "--k",
        "4",
        "--out",
        "g",
        "-q",
    ]);
    let greedy = read_csv(&w.path("g/sites.csv"));
    assert_eq!(greedy.len(), 4);
    let gained: f64 = greedy
        .iter()
        .map(|r| f(r, "population_newly_covered"))
        .sum();
    let objective: f64 = greedy
        .iter()
        .map(|r| f(r, "need_weighted_newly_covered"))
        .sum();
    let bound = f(&greedy[0], "bound_need_weighted");
    assert!(objective <= bound + 1e-6, "{objective} > bound {bound}");
    // Opening the four sites as a scenario brings exactly that many people within reach.
    w.ok(&[
        "scenario",
        study,
        "--open",
        w.path("g/sites.csv").to_str().unwrap(),
        "--open-type",
        "pharmacy",
        "--out",
        "sc",
        "-q",
    ]);
    let summary = read_csv(&w.path("sc/scenario_summary.csv"));
    let all = summary.iter().find(|r| r["key"] == "ALL").unwrap();
    assert!(
        (f(all, "population_gaining_access") - gained).abs() < 1e-6,
        "scenario gains {}, sites.csv says {gained}",
        all["population_gaining_access"]
    );
    // The exact optimum on a coarser grid: at least greedy's, at most its bound.
    w.ok(&[
        "sites",
        study,
        "--service",
        "pharmacy",
        "--k",
        "4",
        "--grid-m",
        "1500",
        "--out",
        "g2",
        "-q",
    ]);
    w.ok(&[
        "sites",
        study,
        "--service",
        "pharmacy",
        "--k",
        "4",
        "--grid-m",
        "1500",
        "--exact",
        "--out",
        "e",
        "-q",
    ]);
    let total = |dir: &str| -> f64 {
        read_csv(&w.path(&format!("{dir}/sites.csv")))
            .iter()
            .map(|r| f(r, "need_weighted_newly_covered"))
            .sum()
    };
    let g2 = read_csv(&w.path("g2/sites.csv"));
    let exact = read_csv(&w.path("e/sites.csv"));
    assert_eq!(exact[0]["bound_method"], "exact");
    assert!(total("e") >= total("g2") - 1e-6);
    assert!(total("e") <= f(&g2[0], "bound_need_weighted") + 1e-6);
}

#[test]
fn a_question_without_a_known_service_or_radius_is_refused() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    let study = study.to_str().unwrap();
    let said = w.fails(&[
        "sites",
        study,
        "--service",
        "dentist",
        "--k",
        "2",
        "--out",
        "o",
    ]);
    assert!(
        said.contains("sites: service \"dentist\" is not a service type"),
        "{said}"
    );
    let said = w.fails(&["sites", study, "--k", "2", "--out", "o"]);
    assert!(said.contains("--service TYPE --k K"), "{said}");
}
