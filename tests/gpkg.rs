//! GeoPackage and FlatGeobuf in and out: `lacuna.gpkg` is a valid GeoPackage (its `gpkg_*` tables, R-tree
//! indexes and triggers), reading its `areas` layer back as a study's areas gives the same
//! coverage.csv byte for byte, a file of several layers needs one named, and broken files
//! (truncated, not a GeoPackage, an unknown srs_id, a geometry blob with a wrong header) get
//! clear messages naming the file and layer. (GDAL's reading of `lacuna.gpkg` and GDAL-written
//! GeoPackages are checked on the shared data in `.ci/run`.)

use rusqlite::Connection;

use crate::util::{demo_copy, Workdir};

/// The demo run with `--gpkg` into `w/out`; the path of its `lacuna.gpkg`.
fn demo_gpkg(w: &Workdir) -> String {
    let study = demo_copy(w);
    w.ok(&["run", &study, "--out", "out", "--quiet", "--gpkg"]);
    w.path("out/lacuna.gpkg").display().to_string()
}

/// The demo study with its areas read from `gpkg` (`layer` when given).
fn study_on(w: &Workdir, gpkg: &str, layer: Option<&str>) -> String {
    let path = w.path("demo/study.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let layer = layer.map_or(String::new(), |l| format!("layer = \"{l}\"\n"));
    let text = text.replace(
        "path = \"wards.geojson\"\nid = \"ward_code\"\nname = \"ward_name\"\ngroup = \"council_code\"\ngroup_name = \"council_name\"\n",
        &format!("path = \"{gpkg}\"\n{layer}id = \"area_code\"\nname = \"area_name\"\ngroup = \"group\"\n"),
    );
    assert!(
        text.contains(gpkg),
        "the demo's [areas] changed: update this test"
    );
    let out = w.path("demo/gpkg_study.toml");
    std::fs::write(&out, text).unwrap();
    out.display().to_string()
}

#[test]
fn lacuna_gpkg_is_a_geopackage_and_reads_back_to_the_same_coverage() {
    let w = Workdir::new();
    let gpkg = demo_gpkg(&w);
    let db = Connection::open(&gpkg).unwrap();
    let one = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(one("PRAGMA application_id"), 0x4750_4B47);
    assert_eq!(one("PRAGMA user_version"), 10300);
    assert_eq!(
        one("SELECT count(*) FROM gpkg_contents WHERE data_type = 'features' AND srs_id = 27700"),
        4
    );
    assert_eq!(
        one("SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id = 27700 AND organization = 'EPSG' AND definition LIKE 'PROJCS[\"OSGB36 / British National Grid\"%'"),
        1
    );
    for layer in ["areas", "unserved", "gaps", "lottery"] {
        let n = one(&format!(
            "SELECT count(*) FROM \"{layer}\" WHERE geom IS NOT NULL"
        ));
        assert!(n > 0, "{layer}");
        assert_eq!(
            one(&format!("SELECT count(*) FROM \"rtree_{layer}_geom\"")),
            n,
            "{layer}"
        );
        assert_eq!(
            one(&format!("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '{layer}'")),
            6,
            "{layer}: the R-tree's triggers"
        );
    }
    assert_eq!(one("SELECT count(*) FROM areas"), 60);
    // The unserved layer has one row per unserved area and service, as unserved.csv.
    let unserved = std::fs::read_to_string(w.path("out/unserved.csv")).unwrap();
    assert_eq!(
        one("SELECT count(*) FROM unserved") as usize,
        unserved.lines().count() - 1
    );
    // A layer's extent in gpkg_contents is its features' envelope (the R-tree keeps 32-bit
    // floats rounded outwards).
    let min_x: f64 = db
        .query_row(
            "SELECT min_x FROM gpkg_contents WHERE table_name = 'areas'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let rtree_min: f64 = db
        .query_row("SELECT min(minx) FROM rtree_areas_geom", [], |r| r.get(0))
        .unwrap();
    assert!(
        rtree_min <= min_x && min_x - rtree_min < 0.1,
        "{min_x} {rtree_min}"
    );

    // Its areas layer as a study's areas: the same coverage.csv, byte for byte.
    let several = w.fails(&["run", &study_on(&w, &gpkg, None), "--out", "x", "--quiet"]);
    for part in [
        "has 4 layers",
        "layer = \"NAME\"",
        "\"areas\" (multipolygon)",
        "\"lottery\" (linestring)",
    ] {
        assert!(several.contains(part), "{part}: {several}");
    }
    let unknown = w.fails(&[
        "run",
        &study_on(&w, &gpkg, Some("wards")),
        "--out",
        "x",
        "--quiet",
    ]);
    assert!(unknown.contains("no layer \"wards\""), "{unknown}");
    w.ok(&[
        "run",
        &study_on(&w, &gpkg, Some("areas")),
        "--out",
        "again",
        "--quiet",
    ]);
    let a = std::fs::read(w.path("out/coverage.csv")).unwrap();
    let b = std::fs::read(w.path("again/coverage.csv")).unwrap();
    assert!(a == b, "coverage.csv from the GeoPackage differs");
}

/// `lacuna validate --json FILE`: the report of the file.
fn validate(w: &Workdir, file: &str) -> serde_json::Value {
    let out = w.run(&["validate", "--json", file, "--layer", "areas"]);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn broken_geopackages_get_clear_errors() {
    let w = Workdir::new();
    let gpkg = demo_gpkg(&w);
    let copy = |name: &str| {
        let p = w.path(name);
        std::fs::copy(&gpkg, &p).unwrap();
        p.display().to_string()
    };
    let error = |file: &str| validate(&w, file).to_string();

    // Truncated, as a failed download leaves it.
    let truncated = copy("truncated.gpkg");
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let e = error(&truncated);
    assert!(
        e.contains("truncated") && e.contains("truncated.gpkg"),
        "{e}"
    );

    // An SQLite database that is not a GeoPackage; a file that is not SQLite at all.
    let plain = w.path("plain.gpkg");
    Connection::open(&plain)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
        .unwrap();
    let e = error(&plain.display().to_string());
    assert!(
        e.contains("not a GeoPackage") && e.contains("gpkg_geometry_columns"),
        "{e}"
    );
    std::fs::write(w.path("text.gpkg"), "area_code,x\nA,1\n").unwrap();
    let e = error(&w.path("text.gpkg").display().to_string());
    assert!(e.contains("not an SQLite database"), "{e}");

    // A layer whose srs_id is in no gpkg_spatial_ref_sys row.
    let srs = copy("srs.gpkg");
    Connection::open(&srs)
        .unwrap()
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             UPDATE gpkg_geometry_columns SET srs_id = 999 WHERE table_name = 'areas';",
        )
        .unwrap();
    let e = error(&srs);
    assert!(
        e.contains("layer \\\"areas\\\": srs_id 999") && e.contains("--crs"),
        "{e}"
    );

    // A geometry blob with a wrong header: that feature is reported, the others read.
    let blob = copy("blob.gpkg");
    Connection::open(&blob)
        .unwrap()
        // (Without the R-tree's update triggers, which call functions GDAL provides.)
        .execute_batch(
            "DROP TRIGGER rtree_areas_geom_update1; DROP TRIGGER rtree_areas_geom_update2;
             DROP TRIGGER rtree_areas_geom_update3; DROP TRIGGER rtree_areas_geom_update4;
             UPDATE areas SET geom = X'0102030405060708090A' WHERE fid = 7;",
        )
        .unwrap();
    let report = validate(&w, &blob);
    let text = report.to_string();
    assert!(text.contains("not GeoPackage binary"), "{text}");
    assert!(text.contains("layer \\\"areas\\\" feature 6"), "{text}");
}

#[test]
fn areas_fgb_reads_back_to_the_same_coverage_and_a_truncated_one_is_refused() {
    let w = Workdir::new();
    let study = demo_copy(&w);
    w.ok(&["run", &study, "--out", "out", "--quiet", "--fgb"]);
    let fgb = w.path("out/areas.fgb").display().to_string();
    w.ok(&[
        "run",
        &study_on(&w, &fgb, None),
        "--out",
        "again",
        "--quiet",
    ]);
    let a = std::fs::read(w.path("out/coverage.csv")).unwrap();
    let b = std::fs::read(w.path("again/coverage.csv")).unwrap();
    assert!(a == b, "coverage.csv from areas.fgb differs");
    let bytes = std::fs::read(&fgb).unwrap();
    let cut = w.path("cut.fgb");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = validate(&w, &cut.display().to_string()).to_string();
    assert!(
        e.contains("cannot read the FlatGeobuf file") && e.contains("cut.fgb"),
        "{e}"
    );
}
