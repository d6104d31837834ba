//! `lacuna scenario` end to end on the demo: closing two GP surgeries and opening a new site
//! gives, in `scenario_coverage.csv`, the bytes of a rerun's `coverage.csv` without those
//! surgeries and with the new site; the summary's totals follow from `scenario.csv`; closing
//! every GP leaves nobody covered; a `[scenario]` in the study reaches `lacuna run`'s report.

use crate::util::{demo_copy, f, read_csv, Workdir};

/// The demo in `w/demo`, with `new_gp.csv` (one new GP site, British National Grid).
fn demo(w: &Workdir) {
    demo_copy(w);
    w.write(
        "demo/new_gp.csv",
        "name,easting,northing\nNew Surgery,262600,502300\n",
    );
}

const CLOSED: [&str; 2] = ["Demo Surgery 1", "Demo Surgery 2"];

#[test]
fn a_scenario_equals_a_rerun_without_the_closed_and_with_the_opened() {
    let w = Workdir::new();
    demo(&w);
    w.ok(&[
        "scenario",
        "demo/study.toml",
        "--out",
        "sc",
        "--close",
        &CLOSED.join(","),
        "--open",
        "demo/new_gp.csv",
        "--open-type",
        "gp",
    ]);
    // The rerun: the two surgeries removed from the file, the new site as another file.
    let health = std::fs::read_to_string(w.path("demo/health.csv")).unwrap();
    let kept: Vec<&str> = health
        .lines()
        .filter(|l| !CLOSED.iter().any(|c| l.starts_with(&format!("{c},"))))
        .collect();
    assert_eq!(kept.len() + 2, health.lines().count());
    w.write("demo/health.csv", &(kept.join("\n") + "\n"));
    let study = std::fs::read_to_string(w.path("demo/study.toml")).unwrap();
    w.write(
        "demo/study.toml",
        &format!("{study}\n[[providers]]\npath = \"new_gp.csv\"\nservice_type = \"gp\"\n"),
    );
    w.ok(&["run", "demo/study.toml", "--out", "rerun"]);
    let after = std::fs::read(w.path("sc/scenario_coverage.csv")).unwrap();
    let rerun = std::fs::read(w.path("rerun/coverage.csv")).unwrap();
    assert!(
        after == rerun,
        "scenario_coverage.csv differs from the rerun's coverage.csv"
    );
    // Only the GP rows change, and the summary's ALL row is the sum of scenario.csv's rows.
    let rows = read_csv(&w.path("sc/scenario.csv"));
    assert!(!rows.is_empty() && rows.iter().all(|r| r["service_type"] == "gp"));
    let summary = read_csv(&w.path("sc/scenario_summary.csv"));
    let all = &summary[0];
    assert_eq!((all["level"].as_str(), all["key"].as_str()), ("all", "ALL"));
    for col in ["population_losing_access", "population_gaining_access"] {
        let sum: f64 = rows.iter().map(|r| f(r, col)).sum();
        assert!(
            (sum - f(all, col)).abs() < 1e-6,
            "{col}: {sum} vs {}",
            f(all, col)
        );
    }
    assert!(f(all, "population_losing_access") > 0.0 && f(all, "population_gaining_access") > 0.0);
    let before: f64 = read_csv(&w.path("sc/coverage.csv"))
        .iter()
        .filter(|r| r["service_type"] == "gp")
        .map(|r| f(r, "covered_population"))
        .sum();
    assert!((f(all, "covered_population_before") - before).abs() < 1e-6);
    // The map and the report section.
    assert!(w.path("sc/maps/scenario_gp.svg").exists());
    assert!(!w.path("sc/maps/scenario_library.svg").exists());
    let report = std::fs::read_to_string(w.path("sc/report.md")).unwrap();
    assert!(report.contains("### If these close"), "{report}");
    assert!(report.contains(
        "Closing 2 GP practice sites (Demo Surgery 1, Demo Surgery 2) and opening 1 new site"
    ));
    let providers = read_csv(&w.path("sc/scenario_providers.csv"));
    assert_eq!(
        providers
            .iter()
            .map(|r| r["action"].as_str())
            .collect::<Vec<_>>(),
        ["close", "close", "open"]
    );
}

#[test]
fn closing_every_gp_leaves_nobody_covered_and_unknown_ids_are_refused() {
    let w = Workdir::new();
    demo(&w);
    let ids: Vec<String> = read_csv(&w.path("demo/health.csv"))
        .iter()
        .filter(|r| r["service_type"] == "gp")
        .map(|r| r["name"].clone())
        .collect();
    w.write(
        "demo/closures.csv",
        &format!("provider\n{}\n", ids.join("\n")),
    );
    w.ok(&[
        "scenario",
        "demo/study.toml",
        "--out",
        "sc",
        "--close-file",
        "demo/closures.csv",
    ]);
    let after = read_csv(&w.path("sc/scenario_coverage.csv"));
    let gp: Vec<_> = after.iter().filter(|r| r["service_type"] == "gp").collect();
    assert!(!gp.is_empty());
    assert!(gp
        .iter()
        .all(|r| f(r, "covered_population") == 0.0 && r["nearest_m"].is_empty()));
    let said = w.fails(&[
        "scenario",
        "demo/study.toml",
        "--out",
        "sc2",
        "--close",
        "No Such Surgery",
    ]);
    assert!(said.contains("name no provider: No Such Surgery"), "{said}");
    let said = w.fails(&["scenario", "demo/study.toml", "--out", "sc3"]);
    assert!(said.contains("nothing to weigh"), "{said}");
}

#[test]
fn closing_nothing_through_the_study_file_changes_nothing() {
    let w = Workdir::new();
    demo(&w);
    let study = std::fs::read_to_string(w.path("demo/study.toml")).unwrap();
    // An open file with no rows: nothing closes, nothing opens.
    w.write("demo/none.csv", "name,easting,northing\n");
    w.write(
        "demo/study.toml",
        &format!(
            "{study}\n[scenario]\n[[scenario.open]]\npath = \"none.csv\"\nservice_type = \"gp\"\n"
        ),
    );
    w.ok(&["scenario", "demo/study.toml", "--out", "sc"]);
    assert!(read_csv(&w.path("sc/scenario.csv")).is_empty());
    assert_eq!(
        std::fs::read(w.path("sc/scenario_coverage.csv")).unwrap(),
        std::fs::read(w.path("sc/coverage.csv")).unwrap()
    );
}

#[test]
fn a_close_file_with_coordinates_closes_only_the_site_it_means() {
    // Two food banks of one name ("Demo Food Bank 1"), 8 km apart.
    let w = Workdir::new();
    let study = demo_copy(&w);
    let path = w.path("demo/food_banks.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let second = text.replace("Demo Food Bank 2,", "Demo Food Bank 1,");
    std::fs::write(&path, second).unwrap();
    w.ok(&["run", &study, "--out", "out", "--quiet"]);
    // critical_providers.csv lists both, each with its own lon/lat; close the second only.
    let rows = read_csv(&w.path("out/critical_providers.csv"));
    let same: Vec<_> = rows
        .iter()
        .filter(|r| r["provider"] == "Demo Food Bank 1")
        .collect();
    assert_eq!(same.len(), 2);
    let r = same[1];
    w.write(
        "close.csv",
        &format!(
            "provider,lon,lat\nDemo Food Bank 1,{},{}\n",
            r["lon"], r["lat"]
        ),
    );
    let close = w.path("close.csv").display().to_string();
    w.ok(&[
        "scenario",
        &study,
        "--close-file",
        &close,
        "--out",
        "one",
        "--quiet",
    ]);
    let closed = read_csv(&w.path("one/scenario_providers.csv"));
    assert_eq!(closed.len(), 1);
    assert_eq!(
        (&closed[0]["lon"], &closed[0]["lat"]),
        (&r["lon"], &r["lat"])
    );
    // Without coordinates the id names both: both close, and the run says so.
    w.write("close_all.csv", "provider\nDemo Food Bank 1\n");
    let all = w.path("close_all.csv").display().to_string();
    let said = w.ok(&["scenario", &study, "--close-file", &all, "--out", "both"]);
    assert_eq!(read_csv(&w.path("both/scenario_providers.csv")).len(), 2);
    assert!(
        said.contains("names 2 providers; all of them are closed"),
        "{said}"
    );
    // Coordinates matching neither site are an error, not a silent guess.
    w.write(
        "close_far.csv",
        "provider,lon,lat\nDemo Food Bank 1,-3.0,54.0\n",
    );
    let far = w.path("close_far.csv").display().to_string();
    let e = w.fails(&[
        "scenario",
        &study,
        "--close-file",
        &far,
        "--out",
        "far",
        "--quiet",
    ]);
    assert!(e.contains("none within 5 m"), "{e}");
}
