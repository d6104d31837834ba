//! Network catchments end to end: a town cut by a river with one bridge (covered people and
//! mean network distances in closed form), a one-way street driven against a time standard,
//! the demo's street study against its straight-line twin, and the errors a network study can
//! meet.

use crate::util::{demo_copy, f, read_csv, row, Workdir};

/// British National Grid offset of the fixtures (somewhere in England).
const X0: f64 = 400_000.0;
const Y0: f64 = 300_000.0;

/// A GeoJSON line layer in British National Grid from (properties, vertices) in local metres.
fn lines(features: &[(&str, Vec<(f64, f64)>)]) -> String {
    let fs: Vec<String> = features
        .iter()
        .map(|(props, pts)| {
            let c: Vec<String> = pts
                .iter()
                .map(|(x, y)| format!("[{},{}]", X0 + x, Y0 + y))
                .collect();
            format!(
                r#"{{"type":"Feature","properties":{{{props}}},"geometry":{{"type":"LineString","coordinates":[{}]}}}}"#,
                c.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"EPSG:27700"}}}},"features":[{}]}}"#,
        fs.join(",")
    )
}

/// Rectangles (code, x0, y0, x1, y1) in local metres as a GeoJSON area layer in BNG.
fn boxes(areas: &[(&str, f64, f64, f64, f64)]) -> String {
    let fs: Vec<String> = areas
        .iter()
        .map(|(code, a, b, c, d)| {
            let (a, b, c, d) = (X0 + a, Y0 + b, X0 + c, Y0 + d);
            format!(
                r#"{{"type":"Feature","properties":{{"code":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{a},{b}],[{c},{b}],[{c},{d}],[{a},{d}],[{a},{b}]]]}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"EPSG:27700"}}}},"features":[{}]}}"#,
        fs.join(",")
    )
}

/// Streets every 100 m over a 1 km square, a river between y = 400 and y = 600 crossed only
/// at x = 1000; a population point of 1 at every junction; a GP at (0, 400).
fn river_town(w: &Workdir, standard: &str) {
    let hw = r#""highway":"residential""#;
    let mut streets = Vec::new();
    let rows = [
        0.0, 100.0, 200.0, 300.0, 400.0, 600.0, 700.0, 800.0, 900.0, 1000.0,
    ];
    for &y in &rows {
        streets.push((hw, (0..=10).map(|i| (100.0 * i as f64, y)).collect()));
    }
    for i in 0..=10 {
        let x = 100.0 * i as f64;
        let south: Vec<(f64, f64)> = rows[..5].iter().map(|&y| (x, y)).collect();
        let north: Vec<(f64, f64)> = rows[5..].iter().map(|&y| (x, y)).collect();
        if i == 10 {
            streets.push((hw, [south, north].concat()));
        } else {
            streets.push((hw, south));
            streets.push((hw, north));
        }
    }
    w.write("streets.geojson", &lines(&streets));
    w.write(
        "areas.geojson",
        &boxes(&[
            ("N", -50.0, 550.0, 1050.0, 1050.0),
            ("S", -50.0, -50.0, 1050.0, 450.0),
        ]),
    );
    let mut pts = String::from("easting,northing,population\n");
    for &y in &rows {
        for i in 0..=10 {
            pts.push_str(&format!("{},{},1\n", X0 + 100.0 * i as f64, Y0 + y));
        }
    }
    w.write("points.csv", &pts);
    w.write(
        "gp.csv",
        &format!("name,easting,northing\nRiverside GP,{X0},{}\n", Y0 + 400.0),
    );
    w.write(
        "study.toml",
        &format!(
            r#"crs = "EPSG:27700"
[areas]
path = "areas.geojson"
id = "code"
[[providers]]
path = "gp.csv"
service_type = "gp"
[points]
path = "points.csv"
population = "population"
[network]
path = "streets.geojson"
[services.gp]
{standard}
"#
        ),
    );
}

#[test]
fn across_the_river_only_the_corner_by_the_bridge_is_within_a_walk() {
    let w = Workdir::new();
    river_town(&w, "network = \"walk\"\nmax_m = 1600");
    w.ok(&["run", "study.toml", "--out", "net"]);
    let rows = read_csv(&w.path("net/coverage.csv"));
    let (n, s) = (row(&rows, "N", "gp"), row(&rows, "S", "gp"));
    // South bank: every junction within 1400 m. North: the bridge lands 1200 m away, leaving
    // 400 m: the 15 junctions within 400 m (Manhattan) of its north end.
    assert_eq!(f(s, "covered_population"), 55.0);
    assert_eq!(f(n, "covered_population"), 15.0);
    // Mean distances along the streets: south x + (400 - y) = 500 + 200; north
    // 1000 + 200 + (1000 - x) + (y - 600) = 1200 + 500 + 200.
    assert!(
        (f(s, "nearest_m") - 700.0).abs() < 1e-9,
        "{}",
        s["nearest_m"]
    );
    assert!(
        (f(n, "nearest_m") - 1900.0).abs() < 1e-9,
        "{}",
        n["nearest_m"]
    );

    // The straight-line twin: a 1600 m disc holds every junction on both banks.
    river_town(&w, "radius_m = 1600");
    w.ok(&["run", "study.toml", "--out", "line"]);
    let rows = read_csv(&w.path("line/coverage.csv"));
    assert_eq!(f(row(&rows, "N", "gp"), "covered_population"), 55.0);

    // The network layers agree with coverage.csv.
    let pts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("net/network_points.geojson")).unwrap())
            .unwrap();
    let feats = pts["features"].as_array().unwrap();
    assert_eq!(feats.len(), 110);
    let covered_n = feats
        .iter()
        .filter(|f| f["properties"]["area_code"] == "N" && f["properties"]["covered"] == true)
        .count();
    assert_eq!(covered_n, 15);
    // Each provider's own service area is drawn by `lacuna network`, not by every run.
    assert!(!w.path("net/service_areas.geojson").exists());
    river_town(&w, "network = \"walk\"\nmax_m = 1600");
    w.ok(&["network", "study.toml", "--out", "inspect"]);
    let areas: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("inspect/service_areas.geojson")).unwrap())
            .unwrap();
    let gp = &areas["features"][0]["properties"];
    assert_eq!(gp["points_reached"], 70);
    // 1600 m of walk from (0, 400): its buffered streets hold well over 70 junctions' worth
    // of ground, and less than the 1 km square of the town plus its 50 m margins.
    let m2 = gp["area_m2"].as_f64().unwrap();
    assert!(m2 > 0.5e6 && m2 < 1100.0 * 1100.0, "{m2}");
    // No OpenStreetMap data here: no OpenStreetMap attribution either.
    let report = std::fs::read_to_string(w.path("net/report.md")).unwrap();
    assert!(report.contains("1600 m walk") && !report.contains("OpenStreetMap"));
}

#[test]
fn a_one_way_street_is_driven_the_long_way_round() {
    let w = Workdir::new();
    // a (0,0) -> b (1000,0) one way; back from b to a only round by (1000,500) and (0,500).
    let streets = lines(&[
        (
            r#""highway":"residential","oneway":"yes""#,
            vec![(0.0, 0.0), (1000.0, 0.0)],
        ),
        (
            r#""highway":"residential""#,
            vec![(1000.0, 0.0), (1000.0, 500.0), (0.0, 500.0), (0.0, 0.0)],
        ),
    ]);
    w.write("streets.geojson", &streets);
    w.write(
        "areas.geojson",
        &boxes(&[("A", -100.0, -100.0, 1100.0, 600.0)]),
    );
    // One person in the middle of the one-way street; the surgery at its start.
    w.write(
        "points.csv",
        &format!("easting,northing,population\n{},{Y0},1\n", X0 + 500.0),
    );
    w.write("gp.csv", &format!("name,easting,northing\nGP,{X0},{Y0}\n"));
    for (minutes, covered) in [("4", 0.0), ("4.5", 1.0)] {
        w.write(
            "study.toml",
            &format!(
                r#"crs = "EPSG:27700"
[areas]
path = "areas.geojson"
id = "code"
[[providers]]
path = "gp.csv"
service_type = "gp"
[points]
path = "points.csv"
population = "population"
[network]
path = "streets.geojson"
drive_kmh = {{ residential = 36 }}
[services.gp]
network = "drive"
max_minutes = {minutes}
"#
            ),
        );
        let out = format!("drive{minutes}");
        w.ok(&["run", "study.toml", "--out", &out]);
        let rows = read_csv(&w.path(&format!("{out}/coverage.csv")));
        let a = row(&rows, "A", "gp");
        // On with the traffic to b (500 m), then round (2000 m), at 10 m/s: 250 s.
        assert_eq!(f(a, "covered_population"), covered, "{minutes} minutes");
        assert!(
            (f(a, "nearest_m") - 2500.0).abs() < 1e-9,
            "{}",
            a["nearest_m"]
        );
    }
}

#[test]
fn an_untagged_trunk_road_is_walked_only_with_walk_trunk() {
    let w = Workdir::new();
    // The surgery's street and the patient's are joined only by 400 m of A road without a
    // sidewalk tag, as many British towns' are mapped.
    let street = r#""highway":"residential""#;
    w.write(
        "streets.geojson",
        &lines(&[
            (street, vec![(0.0, 0.0), (300.0, 0.0)]),
            (r#""highway":"trunk""#, vec![(300.0, 0.0), (700.0, 0.0)]),
            (street, vec![(700.0, 0.0), (1000.0, 0.0)]),
        ]),
    );
    w.write(
        "areas.geojson",
        &boxes(&[("A", -100.0, -100.0, 1100.0, 100.0)]),
    );
    w.write(
        "points.csv",
        &format!("easting,northing,population\n{},{Y0},1\n", X0 + 900.0),
    );
    w.write("gp.csv", &format!("name,easting,northing\nGP,{X0},{Y0}\n"));
    for (walk_trunk, covered) in [(false, 0.0), (true, 1.0)] {
        w.write(
            "study.toml",
            &format!(
                r#"crs = "EPSG:27700"
[areas]
path = "areas.geojson"
id = "code"
[[providers]]
path = "gp.csv"
service_type = "gp"
[points]
path = "points.csv"
population = "population"
[network]
path = "streets.geojson"
min_part_edges = 0
walk_trunk = {walk_trunk}
[services.gp]
network = "walk"
max_m = 1600
"#
            ),
        );
        let out = format!("trunk_{walk_trunk}");
        w.ok(&["run", "study.toml", "--out", &out]);
        let rows = read_csv(&w.path(&format!("{out}/coverage.csv")));
        let a = row(&rows, "A", "gp");
        assert_eq!(
            f(a, "covered_population"),
            covered,
            "walk_trunk = {walk_trunk}"
        );
        if walk_trunk {
            assert!(
                (f(a, "nearest_m") - 900.0).abs() < 1e-9,
                "{}",
                a["nearest_m"]
            );
        }
        // The report says so beside the figures it changes.
        let report = std::fs::read_to_string(w.path(&format!("{out}/report.md"))).unwrap();
        assert_eq!(report.contains("walk_trunk = true"), walk_trunk);
    }
}

#[test]
fn the_demo_along_its_streets_reaches_no_one_a_straight_line_would_not() {
    let w = Workdir::new();
    demo_copy(&w);
    w.ok(&["run", "demo/study.toml", "--out", "line"]);
    w.ok(&["network", "demo/network.toml", "--out", "net"]);
    let line = read_csv(&w.path("line/coverage.csv"));
    let net = read_csv(&w.path("net/coverage.csv"));
    let (mut fewer, mut total_line, mut total_net) = (0, 0.0, 0.0);
    for (a, b) in line.iter().zip(&net) {
        assert_eq!(a["area_code"], b["area_code"]);
        if a["service_type"] != "gp" {
            continue;
        }
        // A walk is never shorter than the straight line: the people a 1.6 km walk reaches
        // are among those a 1.6 km disc holds, and the nearest surgery is no nearer.
        let (cl, cn) = (f(a, "covered_population"), f(b, "covered_population"));
        assert!(cn <= cl, "{}: {cn} > {cl}", a["area_code"]);
        assert!(f(b, "nearest_m") >= f(a, "nearest_m") - 1e-9);
        fewer += usize::from(cn < cl);
        total_line += cl;
        total_net += cn;
    }
    assert!(
        fewer > 10 && total_net < 0.7 * total_line,
        "{total_net} vs {total_line}"
    );
    // Libraries keep their straight-line standard: the same rows in both runs.
    for (a, b) in line.iter().zip(&net) {
        if a["service_type"] == "library" {
            assert_eq!(a, b);
        }
    }
}

#[test]
fn network_studies_that_cannot_work_say_why() {
    let w = Workdir::new();
    river_town(&w, "network = \"walk\"\nmax_m = 1600");
    let study = std::fs::read_to_string(w.path("study.toml")).unwrap();
    let variant = |from: &str, to: &str| {
        assert!(study.contains(from));
        w.write("bad.toml", &study.replace(from, to));
        w.fails(&["run", "bad.toml", "--out", "bad"])
    };
    let err = variant("[network]\npath = \"streets.geojson\"\n", "");
    assert!(
        err.contains("[services.gp]") && err.contains("[network]"),
        "{err}"
    );
    let err = variant("max_m = 1600", "max_m = 1600\nradius_m = 1600");
    assert!(err.contains("radius_m") && err.contains("max_m"), "{err}");
    let err = variant("max_m = 1600", "max_m = 1600\nmax_minutes = 20");
    assert!(err.contains("one of max_m"), "{err}");
    let err = variant("network = \"walk\"\n", "");
    assert!(
        err.contains("network = \\\"walk\\\"") || err.contains("network ="),
        "{err}"
    );
    w.write("broken.osm.pbf", "this is not a PBF file at all");
    let err = variant("streets.geojson", "broken.osm.pbf");
    assert!(
        err.contains("broken.osm.pbf") && err.contains("PBF"),
        "{err}"
    );
    // Streets no profile can use.
    w.write(
        "rails.geojson",
        &lines(&[(r#""railway":"rail""#, vec![(0.0, 0.0), (1000.0, 0.0)])]),
    );
    let err = variant("streets.geojson", "rails.geojson");
    assert!(err.contains("no street a walk profile can use"), "{err}");
    // The layers' command refuses a study without network standards.
    w.write(
        "line.toml",
        &study.replace("network = \"walk\"\nmax_m = 1600", "radius_m = 1600"),
    );
    let err = w.fails(&["network", "line.toml", "--out", "x"]);
    assert!(err.contains("nothing along a street network"), "{err}");
}
