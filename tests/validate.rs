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
