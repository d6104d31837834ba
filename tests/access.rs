//! Capacity-aware access end to end: a study file with a capacity column, population points in
//! a CSV of eastings and northings, `lacuna access`, and the numbers of `access.csv` and
//! `access_summary.csv` against the hand calculation of the core's unit test.

use crate::util::{f, read_csv, Workdir};

/// Two 100 m squares side by side (British National Grid), four points on their midline with
/// 100, 200, 300 and 400 people at x = 10, 60, 140 and 190 m, and GPs at x = 0, 100 and 200 m
/// with 60 m catchments and list sizes 30, 50 and 140, plus one GP with no list size.
fn setup(w: &Workdir, access: &str) {
    let square = |code: &str, x0: u32| {
        format!(
            r#"{{"type":"Feature","properties":{{"code":"{code}","lad":"C{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{a},400000],[{b},400000],[{b},400100],[{a},400100],[{a},400000]]]}}}}"#,
            a = 400000 + x0,
            b = 400100 + x0
        )
    };
    w.write(
        "areas.geojson",
        &format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::27700"}}}},"features":[{},{}]}}"#,
            square("A1", 0),
            square("A2", 100)
        ),
    );
    w.write(
        "gps.csv",
        "practice,easting,northing,list_size\ng0,400000,400050,30\ng1,400100,400050,50\n\
         g2,400200,400050,140\ng3,400100,400010,\n",
    );
    w.write(
        "people.csv",
        "easting,northing,population\n400010,400050,100\n400060,400050,200\n\
         400140,400050,300\n400190,400050,400\n",
    );
    w.write(
        "study.toml",
        &format!(
            r#"name = "two squares"
crs = "EPSG:27700"
[areas]
path = "areas.geojson"
id = "code"
group = "lad"
[[providers]]
path = "gps.csv"
service_type = "gp"
id = "practice"
capacity = "list_size"
[points]
path = "people.csv"
population = "population"
[services.gp]
radius_m = 60
{access}
"#
        ),
    );
}

#[test]
fn two_step_access_by_hand_through_the_files() {
    let w = Workdir::new();
    setup(&w, "");
    let said = w.ok(&["access", "study.toml", "--out", "out"]);
    // g3 has no list size: left out, and said. It would otherwise change nothing here: its
    // 60 m catchment at (100, 10) reaches the points at 60 and 140 m.
    assert!(
        said.contains("1 gp providers have no capacity (first: g3)"),
        "{said}"
    );
    let record = std::fs::read_to_string(w.path("out/run.json")).unwrap();
    assert!(record.contains("1 gp providers have no capacity (first: g3)"));
    // R = 30/300, 50/500, 140/700; A_k = 0.1, 0.2, 0.3, 0.2; areas 50/300 and 170/700.
    let rows = read_csv(&w.path("out/access.csv"));
    assert_eq!(rows.len(), 2);
    let (a1, a2) = (&rows[0], &rows[1]);
    assert_eq!(
        (a1["area_code"].as_str(), a1["method"].as_str()),
        ("A1", "2sfca")
    );
    assert!((f(a1, "access") - 50.0 / 300.0).abs() < 1e-11);
    assert!((f(a2, "access") - 170.0 / 700.0).abs() < 1e-11);
    assert!((f(a1, "access_ratio") - 50.0 / 300.0 / 0.22).abs() < 1e-6);
    assert_eq!(f(a2, "population"), 700.0);
    let summary = read_csv(&w.path("out/access_summary.csv"));
    let all = &summary[0];
    assert_eq!(all["group"], "ALL");
    assert!((f(all, "access") - 0.22).abs() < 1e-12);
    assert_eq!(f(all, "supply"), 220.0);
    assert_eq!(summary[1]["group"], "CA1");
}

#[test]
fn enhanced_access_reads_its_zones_and_bad_settings_stop_the_run() {
    let w = Workdir::new();
    setup(
        &w,
        "[services.gp.access]\nmethod = \"e2sfca\"\nweight = \"step\"\nzones = [[15, 1.0], [45, 0.5]]",
    );
    w.ok(&["access", "study.toml", "--out", "out"]);
    // Weights 1 within 15 m, 0.5 within 45 m, 0 beyond (the points 60 m away count for
    // nothing): R = 30/100, 50/250, 140/400; A_k = R0, R1/2, R1/2, R2.
    let r = [30.0 / 100.0, 50.0 / 250.0, 140.0 / 400.0];
    let a = [r[0], 0.5 * r[1], 0.5 * r[1], r[2]];
    let rows = read_csv(&w.path("out/access.csv"));
    let want1 = (100.0 * a[0] + 200.0 * a[1]) / 300.0;
    let want2 = (300.0 * a[2] + 400.0 * a[3]) / 700.0;
    assert!(
        (f(&rows[0], "access") - want1).abs() < 1e-11,
        "{:?}",
        rows[0]
    );
    assert!(
        (f(&rows[1], "access") - want2).abs() < 1e-11,
        "{:?}",
        rows[1]
    );
    setup(&w, "[services.gp.access]\nmethod = \"2sfca\"\nbeta = 2");
    let said = w.fails(&["access", "study.toml", "--out", "out2"]);
    assert!(
        said.contains("[services.gp.access] beta is not a setting of method = \"2sfca\""),
        "{said}"
    );
}

#[test]
fn validate_reads_each_file_in_its_own_crs_and_counts_capacities() {
    let w = Workdir::new();
    setup(&w, "");
    // The areas declare EPSG:27700; without the study-wide crs, the CSVs say theirs.
    let study = std::fs::read_to_string(w.path("study.toml"))
        .unwrap()
        .replace("crs = \"EPSG:27700\"\n", "")
        .replace(
            "capacity = \"list_size\"",
            "capacity = \"list_size\"\ncrs = \"EPSG:27700\"",
        )
        .replace(
            "population = \"population\"",
            "population = \"population\"\ncrs = \"EPSG:27700\"",
        );
    w.write("own.toml", &study);
    let out = w.run(&["validate", "own.toml"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains(
            "gp: 3 of 4 providers have a capacity; the others are left out of access.csv"
        ),
        "{said}"
    );
    w.ok(&["access", "own.toml", "--out", "out", "-q"]);
    let rows = read_csv(&w.path("out/access.csv"));
    assert!((f(&rows[0], "access") - 50.0 / 300.0).abs() < 1e-11);
}
