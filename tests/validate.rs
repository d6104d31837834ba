//! `lacuna validate` on a corpus of broken files made here: the exact kind of message, the
//! counts, and the exit code (0 clean, 1 findings, 2 unreadable).

use crate::util::Workdir;

const HEAD: &str = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:27700"}},"features":["#;

fn feature(code: &str, geometry: &str) -> String {
    format!(r#"{{"type":"Feature","properties":{{"code":"{code}"}},"geometry":{geometry}}}"#)
}

fn json(w: &Workdir, args: &[&str]) -> (i32, serde_json::Value) {
    let mut a = vec!["validate", "--json"];
    a.extend_from_slice(args);
    let out = w.run(&a);
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap(), v)
}

#[test]
fn broken_polygons_are_named_with_their_reason_and_repairability() {
    let w = Workdir::new();
    let features = [
        feature(
            "OK",
            r#"{"type":"Polygon","coordinates":[[[400000,400000],[401000,400000],[401000,401000],[400000,401000],[400000,400000]]]}"#,
        ),
        feature(
            "BOWTIE",
            r#"{"type":"Polygon","coordinates":[[[400000,400000],[400000,401000],[401000,400000],[401000,401000],[400000,400000]]]}"#,
        ),
        feature(
            "UNCLOSED",
            r#"{"type":"Polygon","coordinates":[[[402000,400000],[403000,400000],[403000,401000],[402000,401000]]]}"#,
        ),
        feature("EMPTY", "null"),
        feature(
            "FLAT",
            r#"{"type":"Polygon","coordinates":[[[404000,400000],[405000,400000],[406000,400000],[404000,400000]]]}"#,
        ),
        feature(
            "OK",
            r#"{"type":"Polygon","coordinates":[[[407000,400000],[408000,400000],[408000,401000],[407000,400000]]]}"#,
        ),
        feature(
            "HOLE_OUTSIDE",
            r#"{"type":"Polygon","coordinates":[[[409000,400000],[410000,400000],[410000,401000],[409000,401000],[409000,400000]],[[411000,400000],[411500,400000],[411500,400500],[411000,400000]]]}"#,
        ),
    ];
    w.write("areas.geojson", &format!("{HEAD}{}]}}", features.join(",")));
    let (code, v) = json(&w, &["areas.geojson"]);
    assert_eq!(code, 1);
    let f = &v[0];
    assert_eq!(f["features"], 7);
    assert_eq!(f["crs"], "EPSG:27700");
    let problems = f["problems"].as_array().unwrap();
    let find = |id: &str, kind: &str| {
        problems
            .iter()
            .find(|p| p["id"] == id && p["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} for {id}: {problems:#?}"))
    };
    let bowtie = find("BOWTIE", "invalid_geometry");
    assert!(bowtie["detail"]
        .as_str()
        .unwrap()
        .contains("self-intersection"));
    assert_eq!(bowtie["repairable"], true);
    assert!(find("UNCLOSED", "read_fix")["detail"]
        .as_str()
        .unwrap()
        .contains("not closed"));
    assert_eq!(find("EMPTY", "empty_geometry")["repairable"], false);
    assert!(find("FLAT", "invalid_geometry")["detail"]
        .as_str()
        .unwrap()
        .contains("empty"));
    assert_eq!(find("OK", "duplicate_id")["position"], "feature 5");
    let hole = find("HOLE_OUTSIDE", "invalid_geometry");
    assert!(
        hole["detail"].as_str().unwrap().contains("interior"),
        "{hole}"
    );
}

#[test]
fn unreadable_files_exit_2_with_the_reason() {
    let w = Workdir::new();
    w.write("empty.geojson", "");
    w.write(
        "cut.geojson",
        &format!(
            "{HEAD}{}",
            feature("A", r#"{"type":"Point","coordinates":[1"#)
        ),
    );
    w.write("swapped.csv", "name,x,y\na,53.48,-2.24\n");
    w.write(
        "lonlat_swapped.csv",
        "name,lon,lat\na,53.48,-2.24\nb,53.5,-2.2\n",
    );
    for (file, words) in [
        ("empty.geojson", "empty"),
        ("cut.geojson", "truncated"),
        ("lonlat_swapped.csv", "wrong order"),
    ] {
        let (code, v) = json(&w, &[file]);
        assert_eq!(code, 2, "{file}");
        let err = v[0]["error"].as_str().unwrap();
        assert!(err.contains(file) && err.contains(words), "{file}: {err}");
    }
    let (code, v) = json(&w, &["swapped.csv"]);
    assert_eq!(code, 2);
    assert!(v[0]["error"].as_str().unwrap().contains("--crs"));
}

#[test]
fn need_tables_and_points_outside_areas() {
    let w = Workdir::new();
    w.write(
        "areas.geojson",
        &format!(
            "{HEAD}{}]}}",
            feature("A1", r#"{"type":"Polygon","coordinates":[[[400000,400000],[401000,400000],[401000,401000],[400000,401000],[400000,400000]]]}"#)
        ),
    );
    w.write(
        "gp.csv",
        "provider_id,easting,northing\np1,400500,400500\np2,405000,405000\n",
    );
    w.write(
        "need.csv",
        "\u{feff}code,population,imd\nA1,\"1,200\",3\nA2,n/a,4\nA3,900,\nA4,800,2\nA5,700,1\nA1,5,5\n",
    );
    let (code, v) = json(
        &w,
        &["areas.geojson", "gp.csv", "need.csv", "--crs", "EPSG:27700"],
    );
    assert_eq!(code, 1);
    let gp = v[1]["problems"].as_array().unwrap();
    assert_eq!(gp.len(), 1);
    assert_eq!(gp[0]["kind"], "outside_areas");
    assert_eq!(gp[0]["position"], "row 3");
    let need = v[2]["problems"].as_array().unwrap();
    let kinds: Vec<&str> = need.iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"duplicate_id"), "{kinds:?}");
    let nan = need.iter().find(|p| p["kind"] == "not_a_number").unwrap();
    assert_eq!(nan["position"], "row 3");
    assert!(nan["detail"].as_str().unwrap().contains("n/a"));
    assert!(need
        .iter()
        .any(|p| p["kind"] == "blank_values" && p["position"] == "column \"imd\""));
    // A clean file exits 0.
    let (code, _) = json(&w, &["areas.geojson"]);
    assert_eq!(code, 0);
}

#[test]
fn huge_coordinates_and_unknown_prj_are_refused_with_the_fix() {
    let w = Workdir::new();
    w.write(
        "huge.geojson",
        &format!(
            "{HEAD}{}]}}",
            feature("A", r#"{"type":"Point","coordinates":[1e12,400000]}"#)
        ),
    );
    let (code, v) = json(&w, &["huge.geojson"]);
    assert_eq!(code, 2);
    let err = v[0]["error"].as_str().unwrap();
    assert!(
        err.contains("outside the range of EPSG:27700") && err.contains("feature 0"),
        "{err}"
    );

    // A shapefile whose .prj is the Irish Grid (TM with other parameters): not guessed.
    use shapefile::dbase::{FieldValue, Record, TableWriterBuilder};
    let table = TableWriterBuilder::new().add_character_field("CODE".try_into().unwrap(), 10);
    let mut writer = shapefile::Writer::from_path(w.path("irish.shp"), table).unwrap();
    let mut rec = Record::default();
    rec.insert("CODE".into(), FieldValue::Character(Some("X".into())));
    writer
        .write_shape_and_record(&shapefile::Point::new(200000.0, 250000.0), &rec)
        .unwrap();
    drop(writer);
    w.write(
        "irish.prj",
        r#"PROJCS["TM75_Irish_Grid",GEOGCS["GCS_TM65",DATUM["D_TM65",SPHEROID["Airy_Modified",6377340.189,299.3249646]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",200000.0],PARAMETER["False_Northing",250000.0],PARAMETER["Central_Meridian",-8.0],PARAMETER["Scale_Factor",1.000035],PARAMETER["Latitude_Of_Origin",53.5],UNIT["Meter",1.0]]"#,
    );
    let (code, v) = json(&w, &["irish.shp"]);
    assert_eq!(code, 2);
    let err = v[0]["error"].as_str().unwrap();
    assert!(
        err.contains("does not recognise") && err.contains("--crs"),
        "{err}"
    );
}

#[test]
fn negative_population_points_are_dropped_and_listed() {
    let w = Workdir::new();
    w.write(
        "areas.geojson",
        &format!(
            "{HEAD}{}]}}",
            feature("A1", r#"{"type":"Polygon","coordinates":[[[400000,400000],[401000,400000],[401000,401000],[400000,401000],[400000,400000]]]}"#)
        ),
    );
    w.write("gp.csv", "easting,northing\n400500,400500\n");
    w.write(
        "pts.csv",
        "code,easting,northing,population\nA1,400100,400100,10\nA1,400200,400200,-5\n",
    );
    let log = w.ok(&[
        "coverage",
        "--areas",
        "areas.geojson",
        "--id",
        "code",
        "--providers",
        "gp=gp.csv",
        "--radius-m",
        "100",
        "--points",
        "pts.csv",
        "--crs",
        "EPSG:27700",
        "--out",
        "out",
    ]);
    assert!(
        log.contains("2 read, 1 kept, 0 repaired, 1 dropped"),
        "{log}"
    );
    assert!(
        log.contains("row 3") && log.contains("negative population -5"),
        "{log}"
    );
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("out/run.json")).unwrap()).unwrap();
    let points = run["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["role"] == "points")
        .unwrap();
    assert_eq!(points["dropped"], 1);
    // --strict turns the drop into an error.
    let out = w.run(&[
        "coverage",
        "--areas",
        "areas.geojson",
        "--id",
        "code",
        "--providers",
        "gp=gp.csv",
        "--radius-m",
        "100",
        "--points",
        "pts.csv",
        "--crs",
        "EPSG:27700",
        "--out",
        "out2",
        "--strict",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--strict"));
    assert!(
        !w.path("out2/coverage.csv").exists(),
        "no partial output on failure"
    );
}

/// Two 1 km squares in British National Grid, codes A1 and A2.
fn two_squares() -> String {
    format!(
        "{HEAD}{},{}]}}",
        feature(
            "A1",
            r#"{"type":"Polygon","coordinates":[[[400000,400000],[401000,400000],[401000,401000],[400000,401000],[400000,400000]]]}"#
        ),
        feature(
            "A2",
            r#"{"type":"Polygon","coordinates":[[[401000,400000],[402000,400000],[402000,401000],[401000,401000],[401000,400000]]]}"#
        )
    )
}

#[test]
fn every_reported_problem_exits_1() {
    let w = Workdir::new();
    // All ids blank: a run drops both areas.
    w.write(
        "blank_ids.geojson",
        &two_squares()
            .replace(r#""code":"A1""#, r#""code":"""#)
            .replace(r#""code":"A2""#, r#""code":" ""#),
    );
    let (code, v) = json(&w, &["blank_ids.geojson"]);
    assert_eq!(code, 1, "{v:#}");
    let kinds: Vec<&str> = v[0]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["blank_id", "blank_id"], "{v:#}");
    // An empty FeatureCollection.
    w.write("empty.geojson", &format!("{HEAD}]}}"));
    let (code, v) = json(&w, &["empty.geojson"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v[0]["problems"][0]["kind"], "no_features");
    // NaN and infinity in a numeric column, even when the whole column is NaN.
    w.write("nan.csv", "code,population,score\nA1,NaN,nan\nA2,5,inf\n");
    let (code, v) = json(&w, &["nan.csv"]);
    assert_eq!(code, 1, "{v:#}");
    let nan: Vec<(&str, &str)> = v[0]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "not_a_number")
        .map(|p| {
            (
                p["position"].as_str().unwrap(),
                p["detail"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(nan.len(), 3, "{nan:?}");
    assert!(nan[0].0 == "row 2" && nan[0].1.contains("NaN"), "{nan:?}");
    // A CSV with neither coordinates nor an area code.
    w.write("nothing.csv", "colour,size\nred,3\nblue,4\n");
    let (code, v) = json(&w, &["nothing.csv"]);
    assert_eq!(code, 1, "{v:#}");
    let p = &v[0]["problems"][0];
    assert_eq!(p["kind"], "no_code_column");
    assert!(
        p["detail"].as_str().unwrap().contains("colour, size"),
        "{p}"
    );
    // Blank values in an optional text column are a note, not a problem: still clean.
    w.write("named.csv", "code,name,population\nA1,,5\nA2,b,6\n");
    let (code, v) = json(&w, &["named.csv"]);
    assert_eq!(code, 0, "{v:#}");
    assert!(
        v[0]["notes"]
            .to_string()
            .contains("1 of 2 values are blank"),
        "{v:#}"
    );
    // The text report agrees with the exit code.
    let out = w.run(&["validate", "blank_ids.geojson"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 problems"));
}

#[test]
fn validate_and_run_report_one_repair_in_square_metres() {
    let w = Workdir::new();
    // A self-intersecting ring in WGS84 (no crs member) in London: both lobes keep their area.
    w.write(
        "areas.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"X1"},"geometry":{"type":"Polygon","coordinates":[[[-0.10,51.50],[-0.09,51.51],[-0.09,51.50],[-0.10,51.505],[-0.10,51.50]]]}}]}"#,
    );
    w.write("gp.csv", "provider_id,lon,lat\np1,-0.095,51.503\n");
    let (code, v) = json(&w, &["areas.geojson"]);
    assert_eq!(code, 1, "{v:#}");
    let p = &v[0]["problems"][0];
    assert_eq!(
        (p["kind"].as_str(), p["repairable"].as_bool()),
        (Some("invalid_geometry"), Some(true))
    );
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains(" m² -> "), "{detail}");
    w.ok(&[
        "coverage",
        "--areas",
        "areas.geojson",
        "--id",
        "code",
        "--providers",
        "gp=gp.csv",
        "--radius-m",
        "500",
        "--out",
        "out",
        "--quiet",
    ]);
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("out/run.json")).unwrap()).unwrap();
    let areas = run["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["role"] == "areas")
        .unwrap();
    let reason = areas["problems"][0]["reason"].as_str().unwrap();
    // The same words and figures: areas of hundreds of thousands of m², not 1e-5 degrees².
    assert_eq!(
        reason.strip_prefix("repaired: ").unwrap(),
        detail,
        "one repair, one report"
    );
    let before: f64 = detail
        .split("area ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(before > 1000.0, "{detail}");
}

/// A study over two squares, written into `w`, with `extra` TOML appended.
fn study(w: &Workdir, providers: &str, extra: &str) -> String {
    w.write("areas.geojson", &two_squares());
    w.write(
        "gp.csv",
        "provider_id,easting,northing\np1,400500,400500\np2,401500,400500\n",
    );
    w.write(
        "need.csv",
        "code,population,imd_decile\nA1,100,3\nA9,50,2\n",
    );
    w.write(
        "study.toml",
        &format!(
            "name = \"two squares\"\ncrs = \"EPSG:27700\"\n[areas]\npath = \"areas.geojson\"\nid = \"code\"\n\
             [[providers]]\npath = \"gp.csv\"\n{providers}\n[need]\npath = \"need.csv\"\nid = \"code\"\n{extra}"
        ),
    );
    "study.toml".into()
}

#[test]
fn a_study_is_checked_in_its_roles_without_computing() {
    let w = Workdir::new();
    // A radius typed in km, and a need file missing area A2.
    let s = study(
        &w,
        "service_type = \"gp\"\nradius_m = 1.6",
        "[services.gp]\nlabel = \"GP\"\n",
    );
    let (code, v) = json(&w, &[&s]);
    assert_eq!(code, 1, "{v:#}");
    let roles: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["areas", "providers", "need"]);
    assert_eq!(v["working_crs"], "EPSG:27700");
    assert_eq!(v["files"][0]["run_would"]["kept"], 2);
    let need = v["files"][2]["problems"].to_string();
    assert!(need.contains("join") && need.contains("A2"), "{need}");
    let study_problems = v["problems"].to_string();
    assert!(
        study_problems.contains("\"radius\"") && study_problems.contains("1.6 m"),
        "{study_problems}"
    );
    assert!(
        !w.path("out").exists() && !w.path("coverage.csv").exists(),
        "nothing computed"
    );

    // A standard that matches no provider (case) names both sides and the near match.
    let s = study(
        &w,
        "service_type = \"gp\"\nradius_m = 800",
        "[services.GP]\nradius_m = 800\n",
    );
    let (code, v) = json(&w, &[&s]);
    assert_eq!(code, 1, "{v:#}");
    let text = v["problems"].to_string();
    assert!(text.contains("GP") && text.contains("gp"), "{text}");

    // A clean study exits 0; the text report names each role.
    w.write(
        "need.csv",
        "code,population,imd_decile\nA1,100,3\nA2,50,2\n",
    );
    w.write(
        "study.toml",
        "crs = \"EPSG:27700\"\n[areas]\npath = \"areas.geojson\"\nid = \"code\"\n[[providers]]\npath = \"gp.csv\"\n\
         service_type = \"gp\"\nradius_m = 800\n[need]\npath = \"need.csv\"\n[services.gp]\nradius_m = 800\n",
    );
    let out = w.run(&["validate", "study.toml"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("areas areas.geojson") && text.contains("need need.csv"),
        "{text}"
    );

    // A missing input is unreadable: exit 2.
    std::fs::remove_file(w.path("need.csv")).unwrap();
    let (code, v) = json(&w, &["study.toml"]);
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(v["files"][2]["readable"], false);
}

#[test]
fn the_demo_study_validates_clean() {
    let w = Workdir::new();
    let study = crate::util::demo_dir().join("study.toml");
    let (code, v) = json(&w, &[study.to_str().unwrap()]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["service_types"].as_array().unwrap().len(), 4);
}

#[test]
fn a_study_check_goes_on_past_a_standard_that_matches_no_provider() {
    // A misspelt standard stops a run; validate still checks the rest (the tiny GP radius).
    let w = Workdir::new();
    let d = crate::util::demo_dir();
    let study = w.write(
        "multi.toml",
        &format!(
            "crs = \"EPSG:27700\"\n[areas]\npath = \"{d}/wards.geojson\"\nid = \"ward_code\"\n\
             [[providers]]\npath = \"{d}/health.csv\"\ntype_column = \"service_type\"\n\
             [services.gp]\nradius_m = 1.6\n[services.pharmacyy]\nradius_m = 1000\n",
            d = d.display()
        ),
    );
    let out = w.run(&["validate", study.to_str().unwrap()]);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("did you mean \"pharmacy\""), "{text}");
    assert!(
        text.contains("1.6 m is more than 100 times smaller"),
        "{text}"
    );
}
