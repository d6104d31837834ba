//! `lacuna coverage` on fixtures whose answers are known in closed form: squares, quarter and
//! half discs, a disc over a hole, points at known distances.

use std::f64::consts::PI;

use approx::assert_relative_eq;

use crate::util::{f, read_csv, row, Workdir};

/// Three 1 km squares in British National Grid; A3 has a 200 m square hole.
const AREAS: &str = r#"{"type":"FeatureCollection",
"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::27700"}},
"features":[
{"type":"Feature","properties":{"code":"A2","name":"Two","council":"G2"},"geometry":{"type":"Polygon","coordinates":[[[401000,400000],[402000,400000],[402000,401000],[401000,401000],[401000,400000]]]}},
{"type":"Feature","properties":{"code":"A1","name":"One","council":"G1"},"geometry":{"type":"Polygon","coordinates":[[[400000,400000],[400000,401000],[401000,401000],[401000,400000],[400000,400000]]]}},
{"type":"Feature","properties":{"code":"A3","name":"Three","council":"G2"},"geometry":{"type":"Polygon","coordinates":[[[403000,400000],[404000,400000],[404000,401000],[403000,401000],[403000,400000]],[[403400,400400],[403400,400600],[403600,400600],[403600,400400],[403400,400400]]]}}
]}"#;

const PROVIDERS: &str = "provider_id,service_type,easting,northing,radius_m\n\
g1,gp,400000,400000,500\n\
g2,gp,401000,400500,300\n\
l1,library,403500,400500,200\n\
l2,library,403500,400500,200\n";

const POINTS: &str = "code,easting,northing,population\n\
A1,400100,400100,100\n\
A1,400900,400900,300\n\
A2,401500,400500,50\n";

fn setup(w: &Workdir) {
    w.write("areas.geojson", AREAS);
    w.write("providers.csv", PROVIDERS);
    w.write("points.csv", POINTS);
}

const ARGS: &[&str] = &[
    "coverage",
    "--areas",
    "areas.geojson",
    "--id",
    "code",
    "--group",
    "council",
    "--providers",
    "providers.csv",
    "--type-column",
    "service_type",
    "--radius-column",
    "radius_m",
    "--points",
    "points.csv",
    "--crs",
    "EPSG:27700",
    "--out",
    "out",
];

#[test]
fn shares_match_closed_form_areas() {
    let w = Workdir::new();
    setup(&w);
    w.ok(ARGS);
    let rows = read_csv(&w.path("out/coverage.csv"));
    assert_eq!(rows.len(), 6, "3 areas x 2 service types");
    // Sorted by area code then service type, whatever the input order.
    let order: Vec<_> = rows
        .iter()
        .map(|r| format!("{}/{}", r["area_code"], r["service_type"]))
        .collect();
    assert_eq!(
        order,
        [
            "A1/gp",
            "A1/library",
            "A2/gp",
            "A2/library",
            "A3/gp",
            "A3/library"
        ]
    );

    let a1 = row(&rows, "A1", "gp");
    let quarter = PI * 500.0 * 500.0 / 4.0;
    let half = PI * 300.0 * 300.0 / 2.0;
    assert_relative_eq!(f(a1, "area_m2"), 1e6, max_relative = 1e-12);
    assert_relative_eq!(f(a1, "area_share"), (quarter + half) / 1e6, epsilon = 1e-9);
    assert_eq!(a1["providers_within"], "2");
    assert_eq!(a1["group"], "G1");
    assert_eq!(a1["area_name"], "One");
    // Points: 100 of 400 people within 500 m of g1; the other 300 are 412.3 m from g2.
    assert_eq!(f(a1, "population"), 400.0);
    assert_eq!(f(a1, "covered_population"), 100.0);
    assert_eq!(f(a1, "population_share"), 0.25);
    let d = (100.0 * 20_000f64.sqrt() + 300.0 * 170_000f64.sqrt()) / 400.0;
    assert!(
        (f(a1, "nearest_m") - d).abs() <= 0.05,
        "{} vs {d}",
        a1["nearest_m"]
    );

    let a2 = row(&rows, "A2", "gp");
    assert_relative_eq!(f(a2, "area_share"), half / 1e6, epsilon = 1e-9);
    assert_eq!(a2["providers_within"], "1");
    assert_eq!(f(a2, "population_share"), 0.0);
    assert_eq!(f(a2, "nearest_m"), 500.0);

    // The library disc covers the hole: covered = disc - hole; two providers at one address.
    let a3 = row(&rows, "A3", "library");
    assert_relative_eq!(f(a3, "area_m2"), 960_000.0, max_relative = 1e-12);
    assert_relative_eq!(
        f(a3, "area_share"),
        (PI * 200.0 * 200.0 - 40_000.0) / 960_000.0,
        epsilon = 1e-9
    );
    assert_eq!(a3["providers_within"], "2");
    assert_eq!(f(a3, "population"), 0.0);
    assert_eq!(
        a3["population_share"], "",
        "no population: share is empty, not 0"
    );
    assert_eq!(f(row(&rows, "A3", "gp"), "area_share"), 0.0);
}

#[test]
fn outputs_are_complete_and_consistent() {
    let w = Workdir::new();
    setup(&w);
    w.ok(ARGS);
    let layer: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("out/areas.geojson")).unwrap()).unwrap();
    let feats = layer["features"].as_array().unwrap();
    assert_eq!(feats.len(), 3);
    let a1 = &feats[0];
    assert_eq!(a1["properties"]["area_code"], "A1");
    let share = a1["properties"]["gp_area_share"].as_f64().unwrap();
    assert_relative_eq!(share, (PI * 62_500.0 + PI * 45_000.0) / 1e6, epsilon = 1e-9);
    // WGS84 output: British National Grid (400000, 400000) is near 2.0 W, 53.5 N.
    let first = &a1["geometry"]["coordinates"][0][0][0];
    assert!((first[0].as_f64().unwrap() + 2.0).abs() < 0.05, "{first}");
    assert!((first[1].as_f64().unwrap() - 53.5).abs() < 0.5, "{first}");
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("out/run.json")).unwrap()).unwrap();
    assert_eq!(run["working_crs"], "EPSG:27700");
    assert_eq!(run["counts"]["areas"], 3);
    assert_eq!(run["counts"]["providers"], 4);
    assert_eq!(run["population_method"], "points");
    assert_eq!(run["files"][0]["kept"], 3);
    assert_eq!(run["files"][0]["crs"], "EPSG:27700");
    // No temporary files left behind.
    let names: Vec<_> = std::fs::read_dir(w.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with(".lacuna-")),
        "{names:?}"
    );
}

#[test]
fn same_bytes_whatever_the_threads_and_input_order() {
    let w = Workdir::new();
    setup(&w);
    let mut args: Vec<&str> = ARGS.to_vec();
    let out1 = w.run_env(&args, &[("RAYON_NUM_THREADS", "1")]);
    assert!(out1.status.success());
    let a = std::fs::read(w.path("out/coverage.csv")).unwrap();
    let g = std::fs::read(w.path("out/areas.geojson")).unwrap();
    // Reverse the provider and point rows.
    let mut lines: Vec<&str> = PROVIDERS.lines().collect();
    lines[1..].reverse();
    w.write("providers.csv", &(lines.join("\n") + "\n"));
    let mut lines: Vec<&str> = POINTS.lines().collect();
    lines[1..].reverse();
    w.write("points.csv", &(lines.join("\n") + "\n"));
    let last = args.len() - 1;
    args[last] = "out2";
    let out2 = w.run_env(&args, &[("RAYON_NUM_THREADS", "2")]);
    assert!(out2.status.success());
    assert_eq!(a, std::fs::read(w.path("out2/coverage.csv")).unwrap());
    // The reordered inputs are other files, so the layer names another run; the rest is equal.
    let without_run_id = |b: &[u8]| {
        let s = String::from_utf8_lossy(b).into_owned();
        let at = s.find("\"run_id\":\"").expect("the layer names its run");
        format!("{}{}", &s[..at], &s[at + 28..])
    };
    let g2 = std::fs::read(w.path("out2/areas.geojson")).unwrap();
    assert_ne!(g, g2, "other inputs, another run id");
    assert_eq!(without_run_id(&g), without_run_id(&g2));
}

#[test]
fn need_population_is_spread_uniformly_without_points() {
    let w = Workdir::new();
    setup(&w);
    w.write(
        "need.csv",
        "\u{feff}area,Total population\nA1,\"1,000\"\nA2,500\nZ9,7\n",
    );
    w.ok(&[
        "coverage",
        "--areas",
        "areas.geojson",
        "--providers",
        "gp=providers.csv",
        "--radius-m",
        "500",
        "--need",
        "need.csv",
        "--crs",
        "EPSG:27700",
        "--out",
        "out",
    ]);
    let rows = read_csv(&w.path("out/coverage.csv"));
    // TYPE=FILE makes every provider a "gp" with the fixed radius: 4 discs of 500 m.
    let a1 = row(&rows, "A1", "gp");
    assert_eq!(f(a1, "population"), 1000.0);
    let share = f(a1, "area_share");
    assert_relative_eq!(f(a1, "covered_population"), 1000.0 * share, epsilon = 1e-3);
    assert_eq!(f(a1, "population_share"), f(a1, "area_share"));
    assert_eq!(
        row(&rows, "A3", "gp")["population"],
        "",
        "A3 has no need row"
    );
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("out/run.json")).unwrap()).unwrap();
    assert_eq!(run["population_method"], "uniform_from_need");
    assert_eq!(run["need_join"]["matched"], 2);
    assert_eq!(run["need_join"]["unmatched_areas"][0], "A3");
    assert_eq!(run["need_join"]["unmatched_rows"][0], "Z9");
}

#[test]
fn clear_errors_for_bad_input() {
    let w = Workdir::new();
    setup(&w);
    // No radius anywhere.
    let err = w.fails(&[
        "coverage",
        "--areas",
        "areas.geojson",
        "--providers",
        "points.csv",
        "--service-type",
        "gp",
        "--crs",
        "EPSG:27700",
    ]);
    assert!(
        err.contains("points.csv") && err.contains("--radius-m"),
        "{err}"
    );
    // Duplicate area codes.
    w.write("dup.geojson", &AREAS.replace("\"A3\"", "\"A1\""));
    let err = w.fails(&[
        "coverage",
        "--areas",
        "dup.geojson",
        "--id",
        "code",
        "--providers",
        "providers.csv",
        "--radius-column",
        "radius_m",
        "--crs",
        "EPSG:27700",
    ]);
    assert!(
        err.contains("dup.geojson") && err.contains("A1") && err.contains("unique"),
        "{err}"
    );
    // Eastings without a CRS.
    let err = w.fails(&[
        "coverage",
        "--areas",
        "areas.geojson",
        "--providers",
        "providers.csv",
        "--radius-column",
        "radius_m",
    ]);
    assert!(
        err.contains("providers.csv") && err.contains("--crs EPSG"),
        "{err}"
    );
    // A GeoJSON declaring one CRS and --crs another.
    let err = w.fails(&[
        "coverage",
        "--areas",
        "areas.geojson",
        "--providers",
        "providers.csv",
        "--radius-column",
        "radius_m",
        "--crs",
        "EPSG:4326",
    ]);
    assert!(err.contains("declares EPSG:27700"), "{err}");
}

/// Writes the fixture squares as a shapefile, with or without a `.prj`.
fn write_shapefile(w: &Workdir, prj: Option<&str>) {
    use shapefile::dbase::{FieldValue, Record, TableWriterBuilder};
    use shapefile::{Point, Polygon, PolygonRing};
    let table = TableWriterBuilder::new()
        .add_character_field("CODE".try_into().unwrap(), 10)
        .add_character_field("NAME".try_into().unwrap(), 20);
    let mut writer = shapefile::Writer::from_path(w.path("areas.shp"), table).unwrap();
    for (code, name, x0) in [("A1", "Caerdydd Ŵ", 400000.0), ("A2", "Two", 401000.0)] {
        // ESRI order: outer ring clockwise.
        let ring = vec![
            Point::new(x0, 400000.0),
            Point::new(x0, 401000.0),
            Point::new(x0 + 1000.0, 401000.0),
            Point::new(x0 + 1000.0, 400000.0),
            Point::new(x0, 400000.0),
        ];
        let mut rec = Record::default();
        rec.insert("CODE".into(), FieldValue::Character(Some(code.into())));
        rec.insert("NAME".into(), FieldValue::Character(Some(name.into())));
        writer
            .write_shape_and_record(&Polygon::new(PolygonRing::Outer(ring)), &rec)
            .unwrap();
    }
    drop(writer);
    w.write("areas.cpg", "UTF-8");
    if let Some(prj) = prj {
        w.write("areas.prj", prj);
    }
}

/// The Camden census `.prj`: British National Grid by its parameters only.
const CAMDEN_PRJ: &str = r#"PROJCS["Transverse_Mercator",GEOGCS["GCS_OSGB 1936",DATUM["D_OSGB_1936",SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",49],PARAMETER["central_meridian",-2],PARAMETER["scale_factor",0.9996012717],PARAMETER["false_easting",400000],PARAMETER["false_northing",-100000],UNIT["Meter",1]]"#;

#[test]
fn shapefile_with_prj_gives_the_same_answer_as_geojson() {
    let w = Workdir::new();
    setup(&w);
    write_shapefile(&w, Some(CAMDEN_PRJ));
    w.ok(&[
        "coverage",
        "--areas",
        "areas.shp",
        "--id",
        "CODE",
        "--providers",
        "providers.csv",
        "--radius-column",
        "radius_m",
        "--points",
        "points.csv",
        "--point-area",
        "code",
        "--out",
        "shp",
        "--crs",
        "EPSG:27700",
    ]);
    let rows = read_csv(&w.path("shp/coverage.csv"));
    let a1 = row(&rows, "A1", "gp");
    assert_relative_eq!(
        f(a1, "area_share"),
        (PI * 62_500.0 + PI * 45_000.0) / 1e6,
        epsilon = 1e-9
    );
    assert_eq!(a1["area_name"], "Caerdydd Ŵ", ".cpg encoding honoured");
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("shp/run.json")).unwrap()).unwrap();
    assert_eq!(run["files"][0]["crs"], "EPSG:27700");
    let how = run["files"][0]["crs_source"].as_str().unwrap();
    assert!(how.contains("Transverse Mercator parameters"), "{how}");
}

#[test]
fn shapefile_without_prj_needs_crs() {
    let w = Workdir::new();
    setup(&w);
    write_shapefile(&w, None);
    let base = [
        "coverage",
        "--areas",
        "areas.shp",
        "--id",
        "CODE",
        "--providers",
        "gp=providers.csv",
        "--radius-m",
        "100",
    ];
    let err = w.fails(&base);
    assert!(
        err.contains("areas.shp") && err.contains("areas.prj") && err.contains("--crs"),
        "{err}"
    );
    let mut with_crs = base.to_vec();
    with_crs.extend(["--crs", "EPSG:27700"]);
    w.ok(&with_crs);
}

#[test]
fn polygon_catchments_and_point_in_polygon_assignment() {
    let w = Workdir::new();
    setup(&w);
    // A polygon catchment over the western half of A1, and a disc over A2's centre.
    w.write(
        "hubs.geojson",
        r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:27700"}},"features":[
        {"type":"Feature","properties":{"name":"hub"},"geometry":{"type":"Polygon","coordinates":[[[399500,399500],[400500,399500],[400500,401500],[399500,401500],[399500,399500]]]}},
        {"type":"Feature","properties":{"name":"van"},"geometry":{"type":"Point","coordinates":[401500,400500]}}]}"#,
    );
    // Points without an area-code column: placed by point-in-polygon.
    w.write(
        "pts.csv",
        "x,y,pop\n400100,400100,10\n400900,400900,30\n401500,400500,5\n409000,409000,99\n",
    );
    let log = w.ok(&[
        "coverage",
        "--areas",
        "areas.geojson",
        "--providers",
        "advice=hubs.geojson",
        "--radius-m",
        "200",
        "--points",
        "pts.csv",
        "--point-population",
        "pop",
        "--crs",
        "EPSG:27700",
        "--out",
        "out",
    ]);
    assert!(log.contains("1 of 4 points outside every area"), "{log}");
    let rows = read_csv(&w.path("out/coverage.csv"));
    let a1 = row(&rows, "A1", "advice");
    // The hub polygon grown by the 200 m radius covers x < 400700 of A1: 70% of the square.
    assert!(
        (f(a1, "area_share") - 0.7).abs() < 1e-3,
        "{}",
        a1["area_share"]
    );
    assert_eq!(f(a1, "population"), 40.0);
    assert_eq!(f(a1, "covered_population"), 10.0);
    let a2 = row(&rows, "A2", "advice");
    // A 200 m disc drawn as a 1024-gon because the type mixes discs and polygons.
    let disc = PI * 200.0 * 200.0 / 1e6;
    assert!(
        (f(a2, "area_share") - disc).abs() < 1e-5 * disc + 1e-9,
        "{}",
        a2["area_share"]
    );
    assert_eq!(f(a2, "population_share"), 1.0);
    assert_eq!(a2["providers_within"], "1");
}

#[test]
fn latin1_dbf_without_cpg_is_read_as_windows_1252_and_said() {
    use shapefile::dbase::{encoding::EncodingRs, FieldValue, Record, TableWriterBuilder};
    use shapefile::{Point, Polygon, PolygonRing};
    let w = Workdir::new();
    setup(&w);
    let table = TableWriterBuilder::with_encoding(EncodingRs::from(encoding_rs::WINDOWS_1252))
        .add_character_field("CODE".try_into().unwrap(), 10)
        .add_character_field("NAME".try_into().unwrap(), 30);
    let mut writer = shapefile::Writer::from_path(w.path("areas.shp"), table).unwrap();
    let ring = vec![
        Point::new(400000.0, 400000.0),
        Point::new(400000.0, 401000.0),
        Point::new(401000.0, 401000.0),
        Point::new(401000.0, 400000.0),
        Point::new(400000.0, 400000.0),
    ];
    let mut rec = Record::default();
    rec.insert("CODE".into(), FieldValue::Character(Some("W1".into())));
    rec.insert(
        "NAME".into(),
        FieldValue::Character(Some("Ystradgynlais Café".into())),
    );
    writer
        .write_shape_and_record(&Polygon::new(PolygonRing::Outer(ring)), &rec)
        .unwrap();
    drop(writer);
    // Clear the language-driver byte, as many exports leave it: the encoding is then unknown.
    let mut dbf = std::fs::read(w.path("areas.dbf")).unwrap();
    dbf[29] = 0;
    std::fs::write(w.path("areas.dbf"), dbf).unwrap();
    let log = w.ok(&[
        "coverage",
        "--areas",
        "areas.shp",
        "--id",
        "CODE",
        "--name",
        "NAME",
        "--providers",
        "gp=providers.csv",
        "--radius-m",
        "100",
        "--crs",
        "EPSG:27700",
        "--out",
        "out",
    ]);
    assert!(log.contains("Windows-1252"), "{log}");
    let rows = read_csv(&w.path("out/coverage.csv"));
    assert_eq!(row(&rows, "W1", "gp")["area_name"], "Ystradgynlais Café");
}

#[test]
fn a_point_assigned_by_code_outside_its_area_is_still_tested_against_every_catchment() {
    // A3's only point lies 1 km east of it, inside a library disc that touches no area: the point
    // is covered even though no catchment near the area's own box holds it.
    let w = Workdir::new();
    setup(&w);
    w.write(
        "providers.csv",
        &format!("{PROVIDERS}l3,library,405000,400500,100\n"),
    );
    w.write(
        "points.csv",
        &format!("{POINTS}A3,405000,400500,70\nA3,403100,400100,30\n"),
    );
    w.ok(ARGS);
    let rows = read_csv(&w.path("out/coverage.csv"));
    let a3 = row(&rows, "A3", "library");
    assert_eq!(f(a3, "population"), 100.0);
    assert_eq!(
        f(a3, "covered_population"),
        70.0,
        "the outside point is covered"
    );
    assert_eq!(a3["providers_within"], "2", "l3 does not touch A3");
}

/// A study file over the fixture's areas and providers, with `rest` (points, need) after them.
fn write_study(w: &Workdir, rest: &str) {
    let head = r#"name = "Fixture"
crs = "EPSG:27700"
[areas]
path = "areas.geojson"
id = "code"
group = "council"
[[providers]]
path = "providers.csv"
type_column = "service_type"
radius_column = "radius_m"
id_column = "provider_id"
"#;
    w.write("study.toml", &format!("{head}{rest}"));
}

#[test]
fn gap_polygons_are_dissolved_across_areas_and_split_into_pockets() {
    let w = Workdir::new();
    w.write("areas.geojson", AREAS);
    w.write(
        "providers.csv",
        &format!("{PROVIDERS}a1,advice,403500,400500,600\n"),
    );
    w.write("points.csv", &format!("{POINTS}A3,403050,400050,70\n"));
    write_study(
        &w,
        r#"[points]
path = "points.csv"
population = "population"
"#,
    );
    w.ok(&["unserved", "study.toml", "--out", "out", "--quiet"]);
    let gaps: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("out/gaps.geojson")).unwrap()).unwrap();
    let of = |t: &str| -> Vec<serde_json::Value> {
        gaps["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["properties"]["service_type"] == t)
            .cloned()
            .collect()
    };
    let rings = |g: &serde_json::Value| -> usize {
        let geom = &g["geometry"];
        assert_eq!(geom["type"], "MultiPolygon");
        let parts = geom["coordinates"].as_array().unwrap();
        assert_eq!(parts.len(), 1, "each gap is one polygon");
        parts[0].as_array().unwrap().len()
    };
    // A 256-gon of radius r, as the gap polygons draw discs.
    let gon = |r: f64| 128.0 * r * r * (std::f64::consts::TAU / 256.0).sin();
    let prop = |g: &serde_json::Value, k: &str| g["properties"][k].as_f64().unwrap();

    // GP: A1 and A2 share an edge; g2's disc straddles it, so dissolved they are one polygon
    // with the whole disc as its hole (grouped pieces would be two notched squares).
    let gp = of("gp");
    assert_eq!(gp.len(), 2);
    assert_eq!(gp[0]["properties"]["areas"], "A1;A2");
    assert_eq!(rings(&gp[0]), 2);
    assert_relative_eq!(
        prop(&gp[0], "area_m2"),
        2e6 - gon(500.0) / 4.0 - gon(300.0),
        max_relative = 1e-6
    );
    // People at uncovered points: 300 in A1's far corner, 50 in A2.
    assert_relative_eq!(prop(&gp[0], "population"), 350.0);
    assert_eq!(gp[1]["properties"]["areas"], "A3");
    assert_relative_eq!(prop(&gp[1], "area_m2"), 960_000.0, max_relative = 1e-9);
    assert_relative_eq!(prop(&gp[1], "population"), 70.0);

    // Library: A1 + A2 dissolve into one 2 km x 1 km rectangle, no hole.
    let lib = of("library");
    assert_eq!(lib.len(), 2);
    assert_eq!(rings(&lib[0]), 1);
    assert_relative_eq!(prop(&lib[0], "area_m2"), 2e6, max_relative = 1e-9);

    // Advice: the disc spans A3's height but not its corners, leaving four separate pockets
    // (plus the A1 + A2 rectangle). Each pocket is a quarter of the square minus the disc:
    // disc area less four segments beyond the sides, r^2 acos(d/r) - d sqrt(r^2 - d^2).
    let adv = of("advice");
    assert_eq!(adv.len(), 5);
    let (r, d) = (600.0_f64, 500.0_f64);
    let segment = r * r * (d / r).acos() - d * (r * r - d * d).sqrt();
    let pocket = (1e6 - (PI * r * r - 4.0 * segment)) / 4.0;
    let pockets: Vec<_> = adv
        .iter()
        .filter(|g| g["properties"]["areas"] == "A3")
        .collect();
    assert_eq!(pockets.len(), 4);
    for g in &pockets {
        assert_eq!(rings(g), 1);
        // The 256-gon leaves up to 1e-4 of the disc (113 m²) outside: 0.25% of 4 pockets.
        assert_relative_eq!(prop(g, "area_m2"), pocket, max_relative = 5e-3);
    }
    // The one point in A3 is in its south-west pocket: that pocket alone has its 70 people.
    let pops: Vec<f64> = pockets.iter().map(|g| prop(g, "population")).collect();
    assert_eq!(pops, [70.0, 0.0, 0.0, 0.0]);
}

/// A strip of eight areas of different widths at awkward coordinates, each with a catchment
/// punching a hole in its middle: the uncovered part is the whole strip less the holes, one gap.
/// Each area is cut on its own; before the cuts shared one rounding grid, the two sides of a
/// shared boundary could land up to 5e-7 m apart, and the strip came out as several gaps.
#[test]
fn gaps_stay_whole_across_boundaries_at_awkward_coordinates() {
    let (y0, y1) = (300_000.123_456_7, 300_987.654_321_1);
    let mut xs = vec![400_000.314_159_265_f64];
    for k in 0..8 {
        let last = xs[k];
        xs.push(last + 700.0 + 173.205_080_757 * k as f64 + 0.001_234_5 * (k * k) as f64);
    }
    let features: Vec<String> = (0..8)
        .map(|k| {
            let (a, b) = (xs[k], xs[k + 1]);
            format!(
                r#"{{"type":"Feature","properties":{{"code":"S{k}","council":"G{}"}},"geometry":{{"type":"Polygon","coordinates":[[[{a},{y0}],[{b},{y0}],[{b},{y1}],[{a},{y1}],[{a},{y0}]]]}}}}"#,
                k % 2
            )
        })
        .collect();
    let w = Workdir::new();
    w.write(
        "areas.geojson",
        &format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::27700"}}}},"features":[{}]}}"#,
            features.join(",\n")
        ),
    );
    let mut providers = String::from("provider_id,service_type,easting,northing,radius_m\n");
    let r = 150.0;
    let mut holes = 0.0;
    for k in 0..xs.len() - 1 {
        let (x, y) = ((xs[k] + xs[k + 1]) / 2.0, (y0 + y1) / 2.0);
        providers.push_str(&format!("p{k},gp,{x},{y},{r}\n"));
        holes += 128.0 * r * r * (std::f64::consts::TAU / 256.0).sin();
    }
    w.write("providers.csv", &providers);
    write_study(&w, "");
    w.ok(&["unserved", "study.toml", "--out", "out", "--quiet"]);
    let gaps: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("out/gaps.geojson")).unwrap()).unwrap();
    let gaps = gaps["features"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "one gap, not {}", gaps.len());
    let p = &gaps[0]["properties"];
    assert_eq!(p["areas"], "S0;S1;S2;S3;S4;S5;S6;S7");
    let geom = &gaps[0]["geometry"]["coordinates"];
    assert_eq!(geom.as_array().unwrap().len(), 1, "one polygon");
    assert_eq!(
        geom[0].as_array().unwrap().len(),
        9,
        "the outline and eight holes"
    );
    let strip = (xs[xs.len() - 1] - xs[0]) * (y1 - y0);
    assert_relative_eq!(
        p["area_m2"].as_f64().unwrap(),
        strip - holes,
        max_relative = 1e-7
    );
}

#[test]
fn reach_without_points_spreads_need_population_over_each_area() {
    let w = Workdir::new();
    w.write("areas.geojson", AREAS);
    w.write("providers.csv", PROVIDERS);
    w.write("need.csv", "code,population\nA1,1000\nA2,500\nA3,960\n");
    write_study(
        &w,
        r#"[need]
path = "need.csv"
id = "code"
population = "population"
"#,
    );
    let out = w.ok(&["reach", "study.toml", "--out", "out"]);
    assert!(
        out.contains("spreads each area's need-file population"),
        "the run says how reach counted people"
    );
    let rows = read_csv(&w.path("out/reach.csv"));
    let get = |t: &str, p: &str| {
        rows.iter()
            .find(|r| r["service_type"] == t && r["provider"] == p)
            .unwrap_or_else(|| panic!("{t} {p}"))
    };
    // Written to 3 decimals: relative 1e-5 of these sums.
    // g1: a quarter disc of r 500 in A1 (1,000 people per km²), apart from g2.
    let g1 = 1000.0 * PI * 500.0 * 500.0 / 4.0 / 1e6;
    // g2: half discs of r 300 in A1 and A2 (500 people per km²).
    let g2 = (1000.0 + 500.0) * PI * 300.0 * 300.0 / 2.0 / 1e6;
    for (p, v) in [("g1", g1), ("g2", g2), ("", g1 + g2)] {
        let r = get("gp", p);
        assert_relative_eq!(f(r, "population"), v, max_relative = 1e-5);
        assert_relative_eq!(f(r, "exclusive_population"), v, max_relative = 1e-5);
        assert!(f(r, "overlap_population").abs() < 1e-3);
    }
    // l1 and l2 are the same disc around A3's hole: all overlap, none exclusive.
    let lib = 960.0 * (PI * 200.0 * 200.0 - 200.0 * 200.0) / 960_000.0;
    for p in ["l1", "l2", ""] {
        let r = get("library", p);
        assert_relative_eq!(f(r, "population"), lib, max_relative = 1e-5);
        assert!(f(r, "exclusive_population").abs() < 1e-3);
        assert_relative_eq!(f(r, "overlap_population"), lib, max_relative = 1e-5);
    }
    assert_relative_eq!(
        f(get("gp", ""), "share_of_target_reached"),
        (g1 + g2) / 2460.0,
        max_relative = 1e-5
    );
}

/// Two food-bank networks in their own files (`network =`), beside the gp and library
/// providers: North's n1 (r 2 km, centred on A1) covers A1 and A2 whole and n2 (r 500 m, the
/// disc inscribed in A1) lies inside it; South's s1 (r 1 km, centred on A3) covers A3 whole.
fn write_network_study(w: &Workdir, rest: &str) {
    w.write("areas.geojson", AREAS);
    w.write("providers.csv", PROVIDERS);
    w.write(
        "north.csv",
        "provider_id,easting,northing,radius_m\nn1,400500,400500,2000\nn2,400500,400500,500\n",
    );
    w.write(
        "south.csv",
        "provider_id,easting,northing,radius_m\ns1,403500,400500,1000\n",
    );
    let networks = r#"[[providers]]
path = "north.csv"
service_type = "food_bank"
network = "North"
radius_column = "radius_m"
id_column = "provider_id"
[[providers]]
path = "south.csv"
service_type = "food_bank"
network = "South"
radius_column = "radius_m"
id_column = "provider_id"
"#;
    write_study(w, &format!("{networks}{rest}"));
}

#[test]
fn named_networks_get_their_own_reach_and_are_compared() {
    let w = Workdir::new();
    // A1: 100 and 300 people covered by n1 alone, 20 at (400500, 400600) by n1 and n2; A2: 50
    // by n1; A3: 70 by s1.
    w.write(
        "points.csv",
        &format!("{POINTS}A1,400500,400600,20\nA3,403050,400050,70\n"),
    );
    write_network_study(
        &w,
        r#"[points]
path = "points.csv"
population = "population"
"#,
    );
    w.ok(&["reach", "study.toml", "--out", "out"]);
    let rows = read_csv(&w.path("out/reach.csv"));
    let get = |level: &str, network: &str, provider: &str| {
        rows.iter()
            .find(|r| {
                r["level"] == level
                    && r["service_type"] == "food_bank"
                    && r["network"] == network
                    && r["provider"] == provider
            })
            .unwrap_or_else(|| panic!("{level} {network} {provider}"))
    };
    // (population, exclusive, overlap): a network counts duplication among its own providers,
    // a provider and the service type among all the type's.
    for (r, pop, excl, over) in [
        (get("service_type", "", ""), 540.0, 520.0, 20.0),
        (get("network", "North", ""), 470.0, 450.0, 20.0),
        (get("network", "South", ""), 70.0, 70.0, 0.0),
        (get("provider", "North", "n1"), 470.0, 450.0, 20.0),
        (get("provider", "North", "n2"), 20.0, 0.0, 20.0),
        (get("provider", "South", "s1"), 70.0, 70.0, 0.0),
    ] {
        assert_eq!(f(r, "population"), pop);
        assert_eq!(f(r, "exclusive_population"), excl);
        assert_eq!(f(r, "overlap_population"), over);
    }
    assert_relative_eq!(
        f(get("network", "North", ""), "share_of_target_reached"),
        470.0 / 540.0,
        max_relative = 1e-9
    );
    // North leaves A3 unserved and South serves it; South misses A1 and A2, which North serves.
    let gaps = read_csv(&w.path("out/network_gaps.csv"));
    let missed = |missing: &str, covering: &str| -> Vec<(String, f64)> {
        gaps.iter()
            .filter(|r| r["missing_network"] == missing && r["covering_network"] == covering)
            .map(|r| (r["area_code"].clone(), f(r, "population")))
            .collect()
    };
    assert_eq!(missed("North", "South"), [("A3".to_string(), 70.0)]);
    assert_eq!(
        missed("South", "North"),
        [("A1".to_string(), 420.0), ("A2".to_string(), 50.0)]
    );
    // What North misses the food banks as a whole serve; they miss nothing.
    assert_eq!(missed("North", "food_bank"), [("A3".to_string(), 70.0)]);
    assert!(gaps.iter().all(|r| r["missing_network"] != "food_bank"));
}

#[test]
fn named_networks_without_points_are_exact_overlays() {
    let w = Workdir::new();
    w.write("need.csv", "code,population\nA1,1000\nA2,500\nA3,960\n");
    write_network_study(
        &w,
        r#"[need]
path = "need.csv"
id = "code"
population = "population"
"#,
    );
    w.ok(&["reach", "study.toml", "--out", "out"]);
    let rows = read_csv(&w.path("out/reach.csv"));
    let north = rows
        .iter()
        .find(|r| r["level"] == "network" && r["network"] == "North")
        .expect("North's row");
    // n2's disc (pi 500², in A1) is covered twice; the rest of A1 and all of A2 once.
    let twice = 1000.0 * PI * 0.25;
    assert_relative_eq!(f(north, "population"), 1500.0, max_relative = 1e-6);
    assert_relative_eq!(f(north, "overlap_population"), twice, max_relative = 1e-6);
    assert_relative_eq!(
        f(north, "exclusive_population"),
        1500.0 - twice,
        max_relative = 1e-6
    );
    let gaps = read_csv(&w.path("out/network_gaps.csv"));
    let south_misses: Vec<&str> = gaps
        .iter()
        .filter(|r| r["missing_network"] == "South" && r["covering_network"] == "North")
        .map(|r| r["area_code"].as_str())
        .collect();
    assert_eq!(south_misses, ["A1", "A2"]);
}

#[test]
fn a_network_named_like_a_service_type_is_refused() {
    let w = Workdir::new();
    write_network_study(&w, "");
    let study = std::fs::read_to_string(w.path("study.toml")).unwrap();
    w.write("study.toml", &study.replace("\"North\"", "\"gp\""));
    let err = w.fails(&["reach", "study.toml", "--out", "out"]);
    assert!(
        err.contains("north.csv") && err.contains("network \"gp\" has the name of a service type"),
        "{err}"
    );
}

#[test]
fn a_missing_file_is_named_and_its_cause_given_once() {
    let w = Workdir::new();
    let err = w.fails(&["run", "nowhere.toml", "--out", "out"]);
    assert!(err.contains("nowhere.toml"), "{err}");
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn a_network_across_service_types_is_named_with_each_type() {
    let w = Workdir::new();
    setup(&w);
    // Someone in A3 within the libraries' reach and no gp's.
    w.write("points.csv", &format!("{POINTS}A3,403500,400350,40\n"));
    write_study(
        &w,
        r#"network = "Council"
[points]
path = "points.csv"
population = "population"
"#,
    );
    w.ok(&["reach", "study.toml", "--out", "out"]);
    let rows = read_csv(&w.path("out/reach.csv"));
    let networks: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r["level"] == "network")
        .map(|r| (r["service_type"].as_str(), r["network"].as_str()))
        .collect();
    assert_eq!(networks, [("gp", "Council"), ("library", "Council")]);
    // The gp network is every gp: the same figures as the service type's row.
    let gp = |level: &str| {
        rows.iter()
            .find(|r| r["level"] == level && r["service_type"] == "gp")
            .unwrap()
    };
    for col in ["population", "exclusive_population", "overlap_population"] {
        assert_eq!(f(gp("network"), col), f(gp("service_type"), col), "{col}");
    }
    let gaps = read_csv(&w.path("out/network_gaps.csv"));
    let names: std::collections::BTreeSet<&str> =
        gaps.iter().map(|r| r["missing_network"].as_str()).collect();
    assert!(names.contains("Council (gp)"), "{names:?}");
    assert!(!names.contains("Council"), "{names:?}");
}
