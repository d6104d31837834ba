//! Real UK open data from `../shared/data` (set `LACUNA_SHARED_DATA` to move it). Ignored by
//! default so `cargo test` passes without it; `.ci/run` runs them with `--ignored`.

use std::collections::HashMap;

use crate::util::{f, read_csv, row, shared_data, Workdir};

/// The first polygon of a GeoJSON MultiPolygon geometry.
fn polygon_of(geometry: &serde_json::Value) -> geo::Polygon {
    let ring = |r: &serde_json::Value| -> geo::LineString {
        r.as_array()
            .unwrap()
            .iter()
            .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
            .collect()
    };
    let rings = geometry["coordinates"][0].as_array().unwrap();
    geo::Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect())
}

fn run_json(w: &Workdir, dir: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(w.path(&format!("{dir}/run.json"))).unwrap()).unwrap()
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn gm_wards_geojson_and_bng_shapefile_agree_on_areas() {
    let d = shared_data();
    let w = Workdir::new();
    let lib = format!(
        "library={}",
        d.join("services/gm/gm_libraries.geojson").display()
    );
    w.ok(&[
        "coverage",
        "--areas",
        d.join("boundaries/gm_wards_2017_generalised.geojson")
            .to_str()
            .unwrap(),
        "--id",
        "area_code",
        "--providers",
        &lib,
        "--radius-m",
        "1000",
        "--out",
        "geo",
    ]);
    w.ok(&[
        "coverage",
        "--areas",
        d.join("shapefiles/gm_wards_2017_bng_derived/gm_wards_2017_bng.shp")
            .to_str()
            .unwrap(),
        "--id",
        "WD17CD",
        "--providers",
        &lib,
        "--radius-m",
        "1000",
        "--out",
        "shp",
    ]);
    let a = read_csv(&w.path("geo/coverage.csv"));
    let b = read_csv(&w.path("shp/coverage.csv"));
    assert_eq!(a.len(), 215);
    assert_eq!(b.len(), 215);
    let total: f64 = b.iter().map(|r| f(r, "area_m2")).sum();
    // The data README: summed area of GM wards (BNG) = 1275.9 km².
    assert!((total / 1e6 - 1275.9).abs() < 0.1, "{total}");
    for r in &a {
        let s = row(&b, &r["area_code"], "library");
        let (x, y) = (f(r, "area_m2"), f(s, "area_m2"));
        assert!((x - y).abs() / y < 1e-3, "{}: {x} vs {y}", r["area_code"]);
        let (x, y) = (f(r, "area_share"), f(s, "area_share"));
        assert!((x - y).abs() < 5e-3, "{}: share {x} vs {y}", r["area_code"]);
    }
    assert_eq!(run_json(&w, "shp")["files"][0]["crs"], "EPSG:27700");
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn camden_shapefiles_load_as_british_national_grid() {
    let d = shared_data().join("shapefiles/camden_cdrc_2011");
    let w = Workdir::new();
    w.write("lib.csv", "name,BNG_E,BNG_N\nSwiss Cottage,526600,184200\n");
    for (shp, id, n) in [
        ("Camden_lsoa11.shp", "LSOA11CD", 133),
        ("Camden_oa11.shp", "OA11CD", 749),
    ] {
        w.ok(&[
            "coverage",
            "--areas",
            d.join(shp).to_str().unwrap(),
            "--id",
            id,
            "--providers",
            "library=lib.csv",
            "--radius-m",
            "1000",
            "--out",
            id,
        ]);
        let run = run_json(&w, id);
        assert_eq!(run["files"][0]["crs"], "EPSG:27700");
        assert_eq!(
            run["files"][0]["kept"].as_u64().unwrap()
                + run["files"][0]["repaired"].as_u64().unwrap(),
            n
        );
        let rows = read_csv(&w.path(&format!("{id}/coverage.csv")));
        assert_eq!(rows.len(), n as usize);
        assert!(rows.iter().any(|r| f(r, "area_share") == 1.0));
    }
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn gm_services_cover_all_215_wards() {
    let d = shared_data();
    let w = Workdir::new();
    let s = d.join("services/gm");
    let providers = [
        format!(
            "gp={}",
            s.join("gm_general_practices_2018.geojson").display()
        ),
        format!("pharmacy={}", s.join("gm_pharmacies.geojson").display()),
        format!("library={}", s.join("gm_libraries.geojson").display()),
        format!("food_bank={}", s.join("gm_food_banks.geojson").display()),
    ];
    let areas = d.join("boundaries/gm_wards_2023_generalised.geojson");
    let mut args: Vec<String> = [
        "coverage",
        "--areas",
        areas.to_str().unwrap(),
        "--id",
        "area_code",
        "--group",
        "local_authority_area_code",
        "--radius-m",
        "1000",
        "--out",
        "out",
        "--providers",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    args.extend(providers);
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    w.ok(&a);
    let rows = read_csv(&w.path("out/coverage.csv"));
    assert_eq!(rows.len(), 215 * 4);
    let mut per_type: HashMap<&str, usize> = HashMap::new();
    for r in &rows {
        *per_type.entry(r["service_type"].as_str()).or_default() += 1;
        let s = f(r, "area_share");
        assert!((0.0..=1.0).contains(&s));
        assert!(!r["group"].is_empty());
    }
    assert_eq!(per_type.len(), 4);
    let run = run_json(&w, "out");
    assert_eq!(run["counts"]["providers"], 543 + 631 + 141 + 171);
    assert_eq!(run["counts"]["overlay_failures"], 0);
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn gm_lsoa_self_intersections_are_repaired_and_reported() {
    let d = shared_data();
    let w = Workdir::new();
    w.write("p.csv", "name,lon,lat\nx,-2.24,53.48\n");
    let areas = d.join("boundaries/gm_lsoa_2011_generalised.geojson");
    let args = vec![
        "coverage",
        "--areas",
        areas.to_str().unwrap(),
        "--id",
        "area_code",
        "--providers",
        "gp=p.csv",
        "--radius-m",
        "1000",
        "--out",
        "out",
    ];
    w.ok(&args);
    let run = run_json(&w, "out");
    let f0 = &run["files"][0];
    assert_eq!(f0["read"], 1673);
    assert_eq!(f0["dropped"], 0);
    let repaired: Vec<&str> = f0["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    for code in ["E01004910", "E01006195", "E01006205"] {
        assert!(
            repaired.contains(&code),
            "{code} not reported as repaired: {repaired:?}"
        );
    }
    assert_eq!(read_csv(&w.path("out/coverage.csv")).len(), 1673);
    // The repaired rings come out the same from run to run (geo's make_valid alone started
    // them at varying vertices, so areas.geojson and the maps changed between runs).
    // The repair messages too: the area after repair was summed before the canonical form
    // and printed +0.000% or -0.000% by run.
    let first = std::fs::read(w.path("out/areas.geojson")).unwrap();
    let problems = f0["problems"].clone();
    for _ in 0..3 {
        let mut again = args.clone();
        *again.last_mut().unwrap() = "again";
        w.ok(&again);
        assert!(
            std::fs::read(w.path("again/areas.geojson")).unwrap() == first,
            "areas.geojson differs between two runs of the same input"
        );
        assert_eq!(run_json(&w, "again")["files"][0]["problems"], problems);
    }
    assert!(problems.to_string().contains("(0.000%)"), "{problems}");
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn national_bench_runs_and_point_coverage_matches_brute_force() {
    let b = shared_data().join("bench");
    let w = Workdir::new();
    w.ok(&[
        "coverage",
        "--areas",
        b.join("england_lsoa11_voronoi_bng.geojson")
            .to_str()
            .unwrap(),
        "--id",
        "lsoa11cd",
        "--group",
        "lad19cd",
        "--providers",
        b.join("england_providers_synthetic_bng.csv")
            .to_str()
            .unwrap(),
        "--type-column",
        "service_type",
        "--radius-column",
        "radius_m",
        "--points",
        b.join("england_lsoa11_pwc_bng.csv").to_str().unwrap(),
        "--crs",
        "EPSG:27700",
        "--out",
        "out",
    ]);
    let rows = read_csv(&w.path("out/coverage.csv"));
    assert_eq!(rows.len(), 32_844 * 5);
    let by_key: HashMap<(String, String), &crate::util::Row> = rows
        .iter()
        .map(|r| ((r["area_code"].clone(), r["service_type"].clone()), r))
        .collect();
    // Independent check of point coverage: brute force over a sample of areas.
    let providers = read_csv(&b.join("england_providers_synthetic_bng.csv"));
    let points = read_csv(&b.join("england_lsoa11_pwc_bng.csv"));
    for p in points.iter().step_by(97) {
        let (x, y) = (f(p, "easting"), f(p, "northing"));
        for t in ["gp", "pharmacy", "library", "food_bank", "advice"] {
            let covered = providers.iter().any(|q| {
                q["service_type"] == t
                    && (f(q, "easting") - x).hypot(f(q, "northing") - y) <= f(q, "radius_m")
            });
            let r = by_key[&(p["lsoa11cd"].clone(), t.to_string())];
            assert_eq!(
                f(r, "population_share") == 1.0,
                covered,
                "{} {t}",
                p["lsoa11cd"]
            );
        }
    }
    for r in &rows {
        let s = f(r, "area_share");
        assert!((0.0..=1.0).contains(&s));
    }
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn gm_findings_cover_all_ten_councils() {
    let d = shared_data();
    let w = Workdir::new();
    let s = d.join("services/gm");
    let study = format!(
        r#"name = "Greater Manchester LSOAs"
[areas]
path = "{}"
id = "area_code"
group = "lad19cd"
[[providers]]
path = "{}"
service_type = "gp"
[[providers]]
path = "{}"
service_type = "library"
[[providers]]
path = "{}"
service_type = "food_bank"
[need]
path = "{}"
population = "pop_total_mid2015"
deprivation = "imd_decile"
[services.gp]
radius_m = 1000
[services.library]
radius_m = 1500
[services.food_bank]
radius_m = 1500
target_population = "pop_60plus_mid2015"
[findings]
permutations = 199
bootstrap = 199
"#,
        d.join("boundaries/gm_lsoa_2011_generalised.geojson")
            .display(),
        s.join("gm_general_practices_2018.geojson").display(),
        s.join("gm_libraries.geojson").display(),
        s.join("gm_food_banks.geojson").display(),
        d.join("deprivation/gm_lsoa11_need_indicators_derived.csv")
            .display(),
    );
    w.write("study.toml", &study);
    w.ok(&["run", "study.toml", "--out", "out"]);
    let groups = read_csv(&w.path("out/groups.csv"));
    let coverage = read_csv(&w.path("out/coverage.csv"));
    let unserved = read_csv(&w.path("out/unserved.csv"));
    for t in ["gp", "library", "food_bank"] {
        let councils: Vec<_> = groups.iter().filter(|r| r["service_type"] == t).collect();
        assert_eq!(councils.len(), 10, "{t}: all 10 GM councils");
        let rows: Vec<_> = coverage.iter().filter(|r| r["service_type"] == t).collect();
        for r in &councils {
            assert!(r["group"].starts_with("E080000"), "{r:?}");
            // The league table's figures, recomputed from the per-area rows of coverage.csv.
            let mine: Vec<_> = rows.iter().filter(|c| c["group"] == r["group"]).collect();
            let pop: f64 = mine.iter().map(|c| f(c, "population")).sum();
            let cov: f64 = mine.iter().map(|c| f(c, "covered_population")).sum();
            assert_eq!(mine.len(), f(r, "areas") as usize, "{t} {r:?}");
            assert!((pop - f(r, "population")).abs() < 0.5, "{t} {r:?}: {pop}");
            assert!(
                (cov - f(r, "covered_population")).abs() < 0.5,
                "{t} {r:?}: {cov}"
            );
            assert!((pop - cov - f(r, "uncovered_population")).abs() < 0.5);
        }
        // Unserved + served = population: the areas below the 0.5 threshold in coverage.csv are
        // exactly those of unserved.csv, and with the rest they hold everyone.
        let below: Vec<_> = rows
            .iter()
            .filter(|c| f(c, "population") > 0.0 && f(c, "population_share") < 0.5)
            .collect();
        let listed: Vec<_> = unserved.iter().filter(|u| u["service_type"] == t).collect();
        assert_eq!(below.len(), listed.len(), "{t}: unserved areas");
        let unserved_pop: f64 = listed.iter().map(|u| f(u, "population")).sum();
        let served_pop: f64 = rows
            .iter()
            .filter(|c| f(c, "population_share") >= 0.5)
            .map(|c| f(c, "population"))
            .sum();
        let total: f64 = councils.iter().map(|r| f(r, "population")).sum();
        assert!((unserved_pop + served_pop - total).abs() < 0.5, "{t}");
    }
    let equity = read_csv(&w.path("out/access_equity.csv"));
    for r in equity.iter().filter(|r| r["group"] == "ALL") {
        let sum = f(r, "theil_between") + f(r, "theil_within");
        assert!((sum - f(r, "theil")).abs() < 1e-8);
    }
    assert_eq!(
        equity.iter().filter(|r| r["service_type"] == "gp").count(),
        11
    );
    let pairs = read_csv(&w.path("out/lottery_pairs.csv"));
    assert!(!pairs.is_empty());
    for r in &pairs {
        assert_ne!(r["group_a"], r["group_b"]);
        assert!(f(r, "shared_boundary_m") > 1.0);
        assert!((f(r, "need_a") - f(r, "need_b")).abs() <= 1.0);
    }
    // Food-bank gaps are ranked by the over-60 population left uncovered.
    let fb = unserved
        .iter()
        .find(|r| r["service_type"] == "food_bank")
        .unwrap();
    assert!(f(fb, "target_population") < f(fb, "population"));
    // Dissolved gap polygons: each one polygon, together holding the uncovered population of
    // coverage.csv; and reach (no points here: the need population spread over each area)
    // reaches exactly the covered population.
    let gaps: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("out/gaps.geojson")).unwrap()).unwrap();
    let reach = read_csv(&w.path("out/reach.csv"));
    for t in ["gp", "library", "food_bank"] {
        let rows: Vec<_> = coverage.iter().filter(|r| r["service_type"] == t).collect();
        let uncovered: f64 = rows
            .iter()
            .map(|r| f(r, "population") - f(r, "covered_population"))
            .sum();
        let covered: f64 = rows.iter().map(|r| f(r, "covered_population")).sum();
        let mine: Vec<_> = gaps["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["properties"]["service_type"] == t)
            .collect();
        assert!(!mine.is_empty(), "{t}");
        for g in &mine {
            assert_eq!(g["geometry"]["coordinates"].as_array().unwrap().len(), 1);
        }
        // Gaps are whole: no two of a service meet (a gap split at an area boundary would
        // leave two that share an edge; GEOS finds 21, 28 and 11 of them, as lacuna does).
        let shapes: Vec<geo::Polygon> = mine.iter().map(|g| polygon_of(&g["geometry"])).collect();
        for (i, a) in shapes.iter().enumerate() {
            for b in &shapes[i + 1..] {
                assert!(!geo::Intersects::intersects(a, b), "{t}: two gaps meet");
            }
        }
        let in_gaps: f64 = mine
            .iter()
            .map(|g| g["properties"]["population"].as_f64().unwrap())
            .sum();
        assert!(
            (in_gaps - uncovered).abs() < 1e-4 * uncovered,
            "{t}: {in_gaps} in gaps, {uncovered} uncovered"
        );
        let net = reach
            .iter()
            .find(|r| r["service_type"] == t && r["level"] == "service_type")
            .unwrap();
        assert!((f(net, "population") - covered).abs() < 1.0, "{t}: {net:?}");
        let exclusive: f64 = reach
            .iter()
            .filter(|r| r["service_type"] == t && r["level"] == "provider")
            .map(|r| f(r, "exclusive_population"))
            .sum();
        assert!(
            (exclusive - f(net, "exclusive_population")).abs() < 1.0,
            "{t}"
        );
    }
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn national_batch_by_council_equals_the_national_run() {
    let b = shared_data().join("bench");
    let w = Workdir::new();
    let areas = b.join("england_lsoa11_voronoi_bng.geojson");
    let providers = b.join("england_providers_synthetic_bng.csv");
    let points = b.join("england_lsoa11_pwc_bng.csv");
    let common = [
        "--areas",
        areas.to_str().unwrap(),
        "--id",
        "lsoa11cd",
        "--providers",
        providers.to_str().unwrap(),
        "--type-column",
        "service_type",
        "--radius-column",
        "radius_m",
        "--points",
        points.to_str().unwrap(),
        "--crs",
        "EPSG:27700",
        "--quiet",
    ];
    let mut national = vec!["coverage", "--group", "lad19cd", "--out", "national"];
    national.extend(common);
    w.ok(&national);
    let mut batch = vec!["batch", "--partition-by", "lad19cd", "--out", "batch"];
    batch.extend(common);
    w.ok(&batch);
    // The combined table's first column names the partition; a run's table has none.
    let sorted = |p: &str, skip_partition: bool| {
        let text = std::fs::read_to_string(w.path(p)).unwrap();
        let mut lines: Vec<&str> = text
            .lines()
            .map(|l| match skip_partition {
                true => l.split_once(',').unwrap().1,
                false => l,
            })
            .collect();
        lines[1..].sort_unstable();
        lines.join("\n")
    };
    let (a, n) = (
        sorted("batch/coverage.csv", true),
        sorted("national/coverage.csv", false),
    );
    assert_eq!(a.lines().count(), 32_844 * 5 + 1);
    assert!(a == n, "batch rows differ from the national run's");
    assert_eq!(read_csv(&w.path("batch/batch_summary.csv")).len(), 317);
}

/// The national bench's study file, written beside the test's outputs.
fn national_study(w: &Workdir) -> String {
    let d = shared_data();
    let b = d.join("bench");
    let p = |f: &std::path::Path| f.to_str().unwrap().replace('\\', "/");
    w.write(
        "national.toml",
        &format!(
            r#"name = "England (national bench)"
crs = "EPSG:27700"
[areas]
path = "{}"
id = "lsoa11cd"
group = "lad19cd"
[[providers]]
path = "{}"
type_column = "service_type"
radius_column = "radius_m"
id = "provider_id"
[points]
path = "{}"
population = "population"
"#,
            p(&b.join("england_lsoa11_voronoi_bng.geojson")),
            p(&b.join("england_providers_synthetic_bng.csv")),
            p(&b.join("england_lsoa11_pwc_bng.csv")),
        ),
    );
    "national.toml".into()
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn national_access_shares_out_the_supply_and_closures_equal_reruns() {
    let w = Workdir::new();
    let study = national_study(&w);
    // The synthetic providers' `capacity` column is found by name: 2SFCA for every type.
    w.ok(&["access", &study, "--out", "acc", "-q"]);
    let summary = read_csv(&w.path("acc/access_summary.csv"));
    let areas = read_csv(&w.path("acc/access.csv"));
    for all in summary.iter().filter(|r| r["group"] == "ALL") {
        let t = &all["service_type"];
        let shared: f64 = areas
            .iter()
            .filter(|r| &r["service_type"] == t && !r["access"].is_empty())
            .map(|r| f(r, "population") * f(r, "access"))
            .sum();
        let reached = f(all, "supply") - f(all, "supply_unreached");
        assert!(
            (shared - reached).abs() <= 1e-6 * reached,
            "{t}: {shared} shared out of {reached} reached"
        );
    }
    // Closing the GP practice that matters most is a rerun without it.
    w.ok(&["reach", &study, "--out", "reach", "-q"]);
    let critical = read_csv(&w.path("reach/critical_providers.csv"));
    let top = critical
        .iter()
        .find(|r| r["service_type"] == "gp" && r["rank"] == "1")
        .unwrap();
    let before = read_csv(&w.path("reach/coverage.csv"));
    let providers =
        std::fs::read_to_string(shared_data().join("bench/england_providers_synthetic_bng.csv"))
            .unwrap();
    let kept: Vec<&str> = providers
        .lines()
        .filter(|l| !l.starts_with(&format!("{},", top["provider"])))
        .collect();
    assert_eq!(kept.len(), providers.lines().count() - 1);
    let without = std::fs::read_to_string(w.path(&study)).unwrap().replace(
        &shared_data()
            .join("bench/england_providers_synthetic_bng.csv")
            .to_str()
            .unwrap()
            .replace('\\', "/"),
        "without.csv",
    );
    w.write("without.csv", &(kept.join("\n") + "\n"));
    w.write("without.toml", &without);
    w.ok(&["reach", "without.toml", "--out", "after", "-q"]);
    let after = read_csv(&w.path("after/coverage.csv"));
    let covered = |rows: &[crate::util::Row]| -> f64 {
        rows.iter()
            .filter(|r| r["service_type"] == "gp")
            .map(|r| f(r, "covered_population"))
            .sum()
    };
    let lost = covered(&before) - covered(&after);
    assert!(
        (lost - f(top, "population_losing_access")).abs() < 1e-6,
        "rerun lost {lost}, critical_providers.csv says {}",
        top["population_losing_access"]
    );
    assert!(lost > 0.0);
    // The same closure weighed by `lacuna scenario` (population points): the rerun's bytes.
    w.ok(&[
        "scenario",
        &study,
        "--out",
        "sc",
        "--close",
        &top["provider"],
        "-q",
    ]);
    assert!(
        std::fs::read(w.path("sc/scenario_coverage.csv")).unwrap()
            == std::fs::read(w.path("after/coverage.csv")).unwrap(),
        "scenario_coverage.csv differs from the rerun's coverage.csv"
    );
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn gm_closing_the_most_critical_library_equals_a_rerun_without_it() {
    // No population points: each LSOA's need-file population is spread over it, and what a
    // closure loses is the exact areal overlay of what only that library covers.
    let d = shared_data();
    let w = Workdir::new();
    let libraries: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("services/gm/gm_libraries.geojson")).unwrap(),
    )
    .unwrap();
    let study = |providers: &str| {
        format!(
            r#"name = "GM libraries"
[areas]
path = "{}"
id = "area_code"
group = "lad19cd"
[[providers]]
path = "{providers}"
service_type = "library"
id = "fid"
[need]
path = "{}"
population = "pop_total_mid2015"
deprivation = "imd_decile"
[services.library]
radius_m = 1500
"#,
            d.join("boundaries/gm_lsoa_2011_generalised.geojson")
                .display(),
            d.join("deprivation/gm_lsoa11_need_indicators_derived.csv")
                .display(),
        )
    };
    // Each library gets its position as its id, so the closed one is unambiguous.
    let with_ids = |features: Vec<serde_json::Value>| {
        let mut fc = libraries.clone();
        fc["features"] = serde_json::Value::Array(features);
        fc.to_string()
    };
    let mut features: Vec<serde_json::Value> = libraries["features"].as_array().unwrap().clone();
    for (i, f) in features.iter_mut().enumerate() {
        f["properties"]["fid"] = serde_json::json!(format!("lib{i:03}"));
    }
    w.write("all.geojson", &with_ids(features.clone()));
    w.write("all.toml", &study("all.geojson"));
    w.ok(&["reach", "all.toml", "--out", "before", "-q"]);
    let critical = read_csv(&w.path("before/critical_providers.csv"));
    let top = &critical[0];
    assert_eq!(top["rank"], "1");
    features.retain(|f| f["properties"]["fid"] != top["provider"].as_str());
    w.write("without.geojson", &with_ids(features));
    w.write("without.toml", &study("without.geojson"));
    w.ok(&["reach", "without.toml", "--out", "after", "-q"]);
    let covered = |dir: &str| -> f64 {
        read_csv(&w.path(&format!("{dir}/coverage.csv")))
            .iter()
            .map(|r| f(r, "covered_population"))
            .sum()
    };
    let lost = covered("before") - covered("after");
    let said = f(top, "population_losing_access");
    assert!(lost > 100.0, "{lost}");
    // coverage.csv rounds each area's covered population to 3 decimals: 1,673 roundings.
    assert!(
        (lost - said).abs() < 2.0,
        "rerun lost {lost}, critical says {said}"
    );
    // The areas it says become unserved are exactly those under the threshold after.
    let after = read_csv(&w.path("after/coverage.csv"));
    let before = read_csv(&w.path("before/coverage.csv"));
    let newly: Vec<&str> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| f(b, "population_share") >= 0.5 && f(a, "population_share") < 0.5)
        .map(|(b, _)| b["area_code"].as_str())
        .collect();
    assert_eq!(newly.join(";"), top["area_codes"]);
}

#[test]
#[ignore = "needs ../shared/data; run by .ci/run"]
fn gm_scenarios_equal_reruns_and_closing_every_library_leaves_nobody_covered() {
    // The GP practices and libraries of Greater Manchester, each with its position as its id;
    // the need file's population spread over each LSOA (the areal method).
    let d = shared_data();
    let w = Workdir::new();
    let layer = |name: &str, prefix: &str, keep: &dyn Fn(&str) -> bool| {
        let mut fc: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(d.join("services/gm").join(name)).unwrap(),
        )
        .unwrap();
        let mut features = fc["features"].as_array().unwrap().clone();
        for (i, f) in features.iter_mut().enumerate() {
            f["properties"]["fid"] = serde_json::json!(format!("{prefix}{i:04}"));
        }
        features.retain(|f| keep(f["properties"]["fid"].as_str().unwrap()));
        fc["features"] = serde_json::Value::Array(features);
        fc.to_string()
    };
    let study = |gps: &str| {
        format!(
            r#"name = "GM GPs and libraries"
[areas]
path = "{}"
id = "area_code"
group = "lad19cd"
[[providers]]
path = "{gps}"
service_type = "gp"
id = "fid"
[[providers]]
path = "libraries.geojson"
service_type = "library"
id = "fid"
[need]
path = "{}"
population = "pop_total_mid2015"
deprivation = "imd_decile"
[services.gp]
radius_m = 1000
[services.library]
radius_m = 1500
"#,
            d.join("boundaries/gm_lsoa_2011_generalised.geojson")
                .display(),
            d.join("deprivation/gm_lsoa11_need_indicators_derived.csv")
                .display(),
        )
    };
    w.write(
        "gps.geojson",
        &layer("gm_general_practices_2018.geojson", "gp", &|_| true),
    );
    w.write(
        "libraries.geojson",
        &layer("gm_libraries.geojson", "lib", &|_| true),
    );
    w.write("all.toml", &study("gps.geojson"));
    w.ok(&["reach", "all.toml", "--out", "before", "-q"]);
    // The ten GP practices whose closure alone would cost the most people.
    let top: Vec<String> = read_csv(&w.path("before/critical_providers.csv"))
        .iter()
        .filter(|r| r["service_type"] == "gp")
        .take(10)
        .map(|r| r["provider"].clone())
        .collect();
    assert_eq!(top.len(), 10);
    let said = w.ok(&[
        "scenario",
        "all.toml",
        "--out",
        "sc",
        "--close",
        &top.join(","),
    ]);
    let recomputed = run_json(&w, "sc");
    w.write(
        "without.geojson",
        &layer("gm_general_practices_2018.geojson", "gp", &|id| {
            !top.iter().any(|t| t == id)
        }),
    );
    w.write("without.toml", &study("without.geojson"));
    w.ok(&["reach", "without.toml", "--out", "after", "-q"]);
    assert!(
        std::fs::read(w.path("sc/scenario_coverage.csv")).unwrap()
            == std::fs::read(w.path("after/coverage.csv")).unwrap(),
        "scenario_coverage.csv differs from the rerun's coverage.csv: {said} {recomputed}"
    );
    let summary = read_csv(&w.path("sc/scenario_summary.csv"));
    let all = summary.iter().find(|r| r["key"] == "ALL").unwrap();
    assert!(f(all, "population_losing_access") > 1000.0, "{all:?}");
    assert_eq!(f(all, "population_gaining_access"), 0.0);
    // Closing every library leaves nobody within reach of one.
    let libraries = std::fs::read_to_string(w.path("libraries.geojson")).unwrap();
    let ids: Vec<String> = serde_json::from_str::<serde_json::Value>(&libraries).unwrap()
        ["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["fid"].as_str().unwrap().to_string())
        .collect();
    w.write("close.csv", &format!("id\n{}\n", ids.join("\n")));
    w.ok(&[
        "scenario",
        "all.toml",
        "--out",
        "nolib",
        "--close-file",
        "close.csv",
        "-q",
    ]);
    let after = read_csv(&w.path("nolib/scenario_coverage.csv"));
    let lib: Vec<_> = after
        .iter()
        .filter(|r| r["service_type"] == "library")
        .collect();
    assert_eq!(lib.len(), 1673);
    assert!(lib.iter().all(|r| f(r, "covered_population") == 0.0));
}
