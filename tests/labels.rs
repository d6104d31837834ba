//! Figures that must say what they are: deciles derived within the study are called study
//! deciles, and indices that only restate coverage (one population point per area) carry their
//! caveat.

use std::path::Path;

use crate::util::{read_csv, Workdir};

fn demo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo")
}

/// The demo study with absolute paths and `edit` applied.
fn demo_study(w: &Workdir, edit: impl Fn(String) -> String) -> std::path::PathBuf {
    let dir = demo();
    let text = std::fs::read_to_string(dir.join("study.toml"))
        .unwrap()
        .replace("path = \"", &format!("path = \"{}/", dir.display()));
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the demo study changed: update this test");
    w.write("study.toml", &edited)
}

#[test]
fn deciles_derived_within_the_study_are_called_study_deciles() {
    let w = Workdir::new();
    let study = demo_study(&w, |t| {
        t.replace(
            "deprivation = \"deprivation_decile\"\ndeprivation_kind = \"decile\"\nmore_deprived = \"lower\"",
            "deprivation = \"deprivation_score\"\ndeprivation_kind = \"score\"\nmore_deprived = \"higher\"",
        )
    });
    let said = w.ok(&["run", study.to_str().unwrap(), "--out", "out"]);
    assert!(said.contains("study deciles"), "{said}");
    let header = std::fs::read_to_string(w.path("out/unserved.csv")).unwrap();
    assert!(header.starts_with("service_type,") && header.contains(",study_decile,"));
    for f in ["report.md", "findings.md"] {
        let md = std::fs::read_to_string(w.path("out").join(f)).unwrap();
        assert!(md.contains("| study decile |"), "{f}");
        assert!(!md.contains("| need decile"), "{f}");
    }
    let report = std::fs::read_to_string(w.path("out/report.md")).unwrap();
    assert!(report.contains("deciles were derived within this study"));
    let record = std::fs::read_to_string(w.path("out/run.json")).unwrap();
    assert!(
        record.contains("\"deciles_within_study\": true"),
        "{record}"
    );
    // The file's own deciles keep their name.
    let w = Workdir::new();
    w.ok(&[
        "run",
        demo().join("study.toml").to_str().unwrap(),
        "--out",
        "out",
    ]);
    let md = std::fs::read_to_string(w.path("out/report.md")).unwrap();
    assert!(md.contains("| need decile |") && !md.contains("study decile"));
}

#[test]
fn indices_from_one_point_per_area_carry_their_caveat() {
    let w = Workdir::new();
    // The first population point of each ward only.
    let points = std::fs::read_to_string(demo().join("population_points.csv")).unwrap();
    let mut lines = points.lines();
    let header = lines.next().unwrap();
    let code = header.split(',').position(|c| c == "ward_code").unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut one = vec![header.to_string()];
    for l in lines {
        if seen.insert(l.split(',').nth(code).unwrap().to_string()) {
            one.push(l.to_string());
        }
    }
    w.write("one_point.csv", &(one.join("\n") + "\n"));
    let one_point = w.path("one_point.csv");
    let study = demo_study(&w, |t| {
        t.replace(
            &format!("{}/population_points.csv", demo().display()),
            one_point.to_str().unwrap(),
        )
    });
    w.ok(&["run", study.to_str().unwrap(), "--out", "out", "--quiet"]);
    let report = std::fs::read_to_string(w.path("out/report.md")).unwrap();
    let caveats = report.matches("covered wholly or not at all").count();
    assert_eq!(caveats, 3, "one per universal service");
    // The caveat's figures are the index's: Gini = 1 - coverage exactly.
    for r in read_csv(&w.path("out/access_equity.csv")) {
        if r["group"] != "ALL" {
            continue;
        }
        let share: f64 = r["share_meeting_standard"].parse().unwrap();
        let gini: f64 = r["gini"].parse().unwrap();
        assert!((gini - (1.0 - share)).abs() < 1e-8, "{r:?}");
        assert!(report.contains(&format!("exactly 1 − coverage ({:.3})", 1.0 - share)));
    }
    // With several points per area there is no such caveat.
    let w = Workdir::new();
    w.ok(&[
        "run",
        demo().join("study.toml").to_str().unwrap(),
        "--out",
        "out",
        "--quiet",
    ]);
    let report = std::fs::read_to_string(w.path("out/report.md")).unwrap();
    assert!(!report.contains("covered wholly or not at all"));
}

#[test]
fn the_unique_ons_code_column_and_its_names_are_chosen() {
    // LSOAs whose file carries the council's code first (it repeats) and its own code cut short.
    let w = Workdir::new();
    let square = |x: u32| {
        format!(
            "[[[{x},400000],[{},400000],[{},401000],[{x},401000],[{x},400000]]]",
            x + 1000,
            x + 1000
        )
    };
    let feature = |lsoa: &str, name: &str, x: u32| {
        format!(
            r#"{{"type":"Feature","properties":{{"LAD17CD":"E08000001","LAD17NM":"Bolton","LSOA11C":"{lsoa}","LSOA11N":"{name}"}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#,
            square(x)
        )
    };
    w.write(
        "areas.geojson",
        &format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"EPSG:27700"}}}},"features":[{},{}]}}"#,
            feature("E01000001", "Bolton 001A", 400000),
            feature("E01000002", "Bolton 001B", 401000)
        ),
    );
    w.write("gps.csv", "id,easting,northing\ng1,400500,400500\n");
    let said = w.ok(&[
        "coverage",
        "--areas",
        "areas.geojson",
        "--providers",
        "gp=gps.csv",
        "--radius-m",
        "600",
        "--crs",
        "EPSG:27700",
        "--out",
        "out",
    ]);
    assert!(said.contains("area code: column \"LSOA11C\""), "{said}");
    assert!(said.contains("area name: column \"LSOA11N\""), "{said}");
    let rows = read_csv(&w.path("out/coverage.csv"));
    let names: Vec<&str> = rows.iter().map(|r| r["area_name"].as_str()).collect();
    assert_eq!(names, ["Bolton 001A", "Bolton 001B"]);
}

#[test]
fn points_without_a_population_column_are_counted_as_points_not_people() {
    let w = Workdir::new();
    // The demo's points without their population column.
    let points = std::fs::read_to_string(demo().join("population_points.csv")).unwrap();
    let stripped: Vec<String> = points
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect();
    assert_eq!(stripped[0], "ward_code,easting,northing");
    w.write("points.csv", &(stripped.join("\n") + "\n"));
    let pts = w.path("points.csv");
    let study = demo_study(&w, |t| {
        t.replace(
            &format!("{}/population_points.csv", demo().display()),
            pts.to_str().unwrap(),
        )
        .replace("population = \"population\"\narea_column", "area_column")
    });
    let said = w.ok(&["run", study.to_str().unwrap(), "--out", "out"]);
    assert!(said.contains("counts of points, not people"), "{said}");
    assert!(said.contains("% of points"), "{said}");
    for f in ["findings.md", "report.md"] {
        let md = std::fs::read_to_string(w.path("out").join(f)).unwrap();
        assert!(md.contains("| points within reach |"), "{f}");
        assert!(
            !md.contains("people live in") && !md.contains("uncovered people"),
            "{f}"
        );
    }
}

#[test]
fn a_decile_like_column_named_as_neither_must_be_said_which() {
    let w = Workdir::new();
    let need = std::fs::read_to_string(demo().join("need.csv")).unwrap();
    let mut out = Vec::new();
    for (i, l) in need.lines().enumerate() {
        let f: Vec<&str> = l.split(',').collect();
        // ward_code,population,deprivation_score,deprivation_decile -> the decile as "Deprivation"
        out.push(if i == 0 {
            "ward_code,population,Deprivation".to_string()
        } else {
            format!("{},{},{}", f[0], f[1], f[3])
        });
    }
    w.write("need.csv", &(out.join("\n") + "\n"));
    let need = w.path("need.csv").to_str().unwrap().to_string();
    let edit = |kind: &'static str| {
        let need = need.clone();
        move |t: String| {
            t.replace(&format!("{}/need.csv", demo().display()), &need)
                .replace(
                    "deprivation = \"deprivation_decile\"\ndeprivation_kind = \"decile\"\nmore_deprived = \"lower\"",
                    kind,
                )
        }
    };
    let study = demo_study(&w, edit(""));
    let err = w.fails(&["run", study.to_str().unwrap(), "--out", "out"]);
    assert!(
        err.contains("\"Deprivation\" holds only whole numbers from 1 to 10"),
        "{err}"
    );
    let study = demo_study(&w, edit("deprivation_kind = \"decile\""));
    w.ok(&["run", study.to_str().unwrap(), "--out", "out", "--quiet"]);
    // The same deciles as the demo's own column: the same concentration indices.
    let w0 = Workdir::new();
    w0.ok(&[
        "run",
        demo().join("study.toml").to_str().unwrap(),
        "--out",
        "out",
        "--quiet",
    ]);
    let a = std::fs::read_to_string(w.path("out/access_equity.csv")).unwrap();
    let b = std::fs::read_to_string(w0.path("out/access_equity.csv")).unwrap();
    assert_eq!(a, b);
}
