//! Flags and settings that cannot be what was meant: kilometres typed as metres, negative and
//! huge radii, resampling counts that would run for days, a map of a text column, and paths
//! that are not UTF-8.

use crate::util::Workdir;

/// Two 1 km squares in British National Grid and one GP in the middle of each.
fn setup(w: &Workdir) {
    w.write(
        "areas.geojson",
        r#"{"type":"FeatureCollection",
"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::27700"}},
"features":[
{"type":"Feature","properties":{"code":"A1","name":"One"},"geometry":{"type":"Polygon","coordinates":[[[400000,400000],[401000,400000],[401000,401000],[400000,401000],[400000,400000]]]}},
{"type":"Feature","properties":{"code":"A2","name":"Two"},"geometry":{"type":"Polygon","coordinates":[[[401000,400000],[402000,400000],[402000,401000],[401000,401000],[401000,400000]]]}}
]}"#,
    );
    w.write(
        "gps.csv",
        "id,easting,northing\ng1,400500,400500\ng2,401500,400500\n",
    );
}

fn coverage(radius: &str) -> Vec<String> {
    [
        "coverage",
        "--areas",
        "areas.geojson",
        "--id",
        "code",
        "--providers",
        "gps.csv",
        "--service-type",
        "gp",
        "--crs",
        "EPSG:27700",
        "--radius-m",
        radius,
        "--out",
        "out",
    ]
    .map(String::from)
    .to_vec()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn kilometres_typed_as_metres_are_warned_about() {
    let w = Workdir::new();
    setup(&w);
    let said = w.ok(&args(&coverage("1.6")));
    assert!(
        said.contains("1.6 m is more than 100 times smaller") && said.contains("kilometres"),
        "{said}"
    );
    let record = std::fs::read_to_string(w.path("out/run.json")).unwrap();
    assert!(record.contains("was it given in kilometres"));
    let said = w.ok(&args(&coverage("1600")));
    assert!(!said.contains("kilometres"), "{said}");
}

#[test]
fn negative_and_huge_radii_get_lacunas_own_message() {
    let w = Workdir::new();
    setup(&w);
    let err = w.fails(&args(&coverage("-5")));
    assert!(
        err.contains("radius -5 m") && err.contains("positive"),
        "{err}"
    );
    let err = w.fails(&args(&coverage("1e11")));
    assert!(err.contains("over 1000 km"), "{err}");
    // A radius column with a huge value drops that provider with its reason.
    w.write(
        "gps.csv",
        "id,easting,northing,r\ng1,400500,400500,1e11\ng2,401500,400500,300\n",
    );
    let mut a = coverage("1");
    a.truncate(a.len() - 4);
    a.extend(["--radius-column", "r", "--out", "out"].map(String::from));
    let said = w.ok(&args(&a));
    assert!(
        said.contains("1 dropped") && said.contains("over 1000 km"),
        "{said}"
    );
}

#[test]
fn resampling_is_capped_with_a_clear_message() {
    let w = Workdir::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    let text = std::fs::read_to_string(dir.join("study.toml"))
        .unwrap()
        .replace("path = \"", &format!("path = \"{}/", dir.display()));
    for (key, n) in [("bootstrap", "1000000000"), ("permutations", "100001")] {
        let study = text.replace(&format!("{key} = 999"), &format!("{key} = {n}"));
        assert_ne!(study, text);
        let p = w.write("study.toml", &study);
        let err = w.fails(&["run", p.to_str().unwrap(), "--out", "out"]);
        assert!(err.contains(key) && err.contains("at most 100000"), "{err}");
    }
}

#[test]
fn a_map_of_a_text_column_is_refused() {
    let w = Workdir::new();
    setup(&w);
    let err = w.fails(&["map", "areas.geojson", "--column", "name", "--out", "m.svg"]);
    assert!(
        err.contains("holds no numbers") && err.contains("\"One\""),
        "{err}"
    );
    assert!(!w.path("m.svg").exists());
}

#[cfg(unix)]
#[test]
fn paths_that_are_not_utf8_do_not_panic() {
    use std::os::unix::ffi::OsStrExt;
    let w = Workdir::new();
    setup(&w);
    let odd = std::ffi::OsStr::from_bytes(b"gps\xff.csv");
    std::fs::rename(w.path("gps.csv"), w.path("").join(odd)).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lacuna"));
    cmd.current_dir(w.path(""));
    for a in coverage("600") {
        if a == "gps.csv" {
            cmd.arg(odd);
        } else {
            cmd.arg(a);
        }
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let record = std::fs::read_to_string(w.path("out/run.json")).unwrap();
    assert!(record.contains("gps\u{fffd}.csv"), "{record}");
}

#[test]
fn no_nan_is_printed_as_a_finding() {
    // One council and no population: indices that cannot be computed show as "–".
    let w = Workdir::new();
    setup(&w);
    let study = w.write(
        "study.toml",
        "crs = \"EPSG:27700\"\n[areas]\npath = \"areas.geojson\"\nid = \"code\"\n\
         [[providers]]\npath = \"gps.csv\"\nservice_type = \"gp\"\nradius_m = 600\n",
    );
    let said = w.ok(&["run", study.to_str().unwrap(), "--out", "out"]);
    assert!(said.contains("between-council share of Theil –"), "{said}");
    for text in [
        said,
        std::fs::read_to_string(w.path("out/report.md")).unwrap(),
        std::fs::read_to_string(w.path("out/findings.md")).unwrap(),
    ] {
        assert!(!text.contains("NaN") && !text.contains("inf%"), "{text}");
    }
}
