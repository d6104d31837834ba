//! GeoParquet (with `--features geoparquet`): `areas.parquet` holds the same values as
//! `coverage.csv`, and reads back as an input that gives the same coverage.

use crate::util::{demo_dir, f, read_csv, row, Workdir};

#[test]
fn areas_parquet_round_trips_as_an_input() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    w.ok(&[
        "run",
        study.to_str().unwrap(),
        "--out",
        "out",
        "--quiet",
        "--geoparquet",
    ]);
    let out = w.run(&["validate", "--json", "out/areas.parquet"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert_eq!(
        (v[0]["features"].as_u64(), v[0]["crs"].as_str()),
        (Some(60), Some("EPSG:4326"))
    );
    // The written layer as the areas of a new run, with the demo's providers and need file.
    let d = demo_dir();
    let log = w.ok(&[
        "coverage",
        "--areas",
        "out/areas.parquet",
        "--id",
        "area_code",
        "--group",
        "group",
        "--providers",
        &format!("library={}", d.join("libraries.geojson").display()),
        "--radius-m",
        "2000",
        "--crs",
        "EPSG:27700",
        "--out",
        "again",
    ]);
    assert!(
        log.contains("60 read, 60 kept, 0 repaired, 0 dropped")
            && log.contains("OGC:CRS84 (WGS84 longitude/latitude)"),
        "{log}"
    );
    let a = read_csv(&w.path("out/coverage.csv"));
    let b = read_csv(&w.path("again/coverage.csv"));
    assert_eq!(b.len(), 60);
    for r in b.iter() {
        let o = row(&a, &r["area_code"], "library");
        assert_eq!(r["group"], o["group"]);
        // Geometry went BNG -> WGS84 (full precision) -> BNG; proj4rs's datum shift round trip
        // moves vertices by about a millimetre: areas agree within 0.01 m², and shares (whose
        // circle crossings move with the edges) within 1e-5.
        assert!((f(r, "area_m2") - f(o, "area_m2")).abs() < 0.01, "{r:?}");
        assert!((f(r, "area_share") - f(o, "area_share")).abs() < 1e-5);
    }
}
