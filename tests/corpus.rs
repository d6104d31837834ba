//! The committed corpus of broken files in `tests/fixtures/bad/` (see its README): each file
//! gets the exact kind of message, the position, the counts and the exit code it should.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{read_csv, row, Workdir};

fn bad_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad")
}

/// `lacuna validate --json FILE...` run inside the corpus folder: exit code and the report.
fn validate(files: &[&str], extra: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_lacuna"))
        .arg("validate")
        .arg("--json")
        .args(files)
        .args(extra)
        .current_dir(bad_dir())
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{files:?}: no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), v)
}

/// The problems of one checked file as (position, id, kind, detail).
fn problems(check: &serde_json::Value) -> Vec<(String, String, String, String)> {
    check["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or("").to_string();
            (s("position"), s("id"), s("kind"), s("detail"))
        })
        .collect()
}

#[test]
fn every_broken_geometry_is_named_with_its_reason() {
    // (file, features, expected problems as (position, id, kind, words in the detail))
    type Expected<'a> = &'a [(&'a str, &'a str, &'a str, &'a str)];
    let cases: &[(&str, usize, Expected)] = &[
        ("areas_ok.geojson", 1, &[]),
        (
            "bowtie.geojson",
            2,
            &[(
                "feature 1",
                "BOWTIE",
                "invalid_geometry",
                "self-intersection); repaired, area 0.0000e0 m² -> 500000.0 m² (the lobes",
            )],
        ),
        (
            "unclosed_ring.geojson",
            2,
            &[("feature 1", "UNCLOSED", "read_fix", "was not closed")],
        ),
        (
            "empty_geometry.geojson",
            3,
            &[
                ("feature 1", "NULLGEOM", "empty_geometry", "no geometry"),
                ("feature 2", "EMPTYGEOM", "invalid_geometry", "is empty"),
            ],
        ),
        (
            "hole_outside_shell.geojson",
            2,
            &[(
                "feature 1",
                "HOLE",
                "invalid_geometry",
                "not contained within the polygon's exterior); repaired, area 875000.0 m² -> 1125000.0 m²",
            )],
        ),
        (
            "duplicate_codes.geojson",
            2,
            &[(
                "feature 1",
                "A1",
                "duplicate_id",
                "already used by feature 0",
            )],
        ),
        (
            "nan_coordinates.csv",
            2,
            &[("row 3", "", "unreadable", "easting is not a number (\"NaN\")")],
        ),
        (
            "negative_population.csv",
            2,
            &[("row 3", "", "negative_value", "counts people but is -5")],
        ),
        ("need_bom_thousands.csv", 2, &[]),
    ];
    for (file, features, expected) in cases {
        let (code, v) = validate(&[file], &["--crs", "EPSG:27700"]);
        assert_eq!(code, i32::from(!expected.is_empty()), "{file}: {v:#}");
        assert_eq!(v[0]["features"], *features, "{file}");
        let got = problems(&v[0]);
        assert_eq!(got.len(), expected.len(), "{file}: {got:#?}");
        for ((pos, id, kind, detail), (epos, eid, ekind, words)) in got.iter().zip(*expected) {
            assert_eq!(
                (pos.as_str(), id.as_str(), kind.as_str()),
                (*epos, *eid, *ekind)
            );
            assert!(detail.contains(words), "{file}: {detail:?} lacks {words:?}");
        }
    }
}

#[test]
fn unreadable_files_exit_2_naming_the_file_and_the_fix() {
    let cases: &[(&str, &[&str])] = &[
        (
            "zero_byte.geojson",
            &["zero_byte.geojson", "the file is empty"],
        ),
        (
            "truncated.geojson",
            &["truncated.geojson", "line 1 column 416", "truncated"],
        ),
        (
            "infinite_coordinate.geojson",
            &[
                "infinite_coordinate.geojson",
                "number out of range",
                "column 447",
            ],
        ),
        (
            "huge_coordinate.geojson",
            &[
                "feature 1",
                "(1000000000000, 400000)",
                "outside the range of EPSG:27700",
                "--crs",
            ],
        ),
        (
            "latlon_swapped.csv",
            &["latlon_swapped.csv", "wrong order", "Swap the columns"],
        ),
        (
            "nul_bytes.csv",
            &["nul_bytes.csv", "line 1 holds a NUL byte", "not a CSV"],
        ),
        ("no_prj.shp", &["no_prj", ".prj", "--crs"]),
        (
            "unsupported_prj.shp",
            &["unsupported_prj", "does not recognise", "Irish", "--crs"],
        ),
    ];
    for (file, words) in cases {
        let (code, v) = validate(&[file], &[]);
        assert_eq!(code, 2, "{file}: {v:#}");
        assert_eq!(v[0]["readable"], false, "{file}");
        let err = v[0]["error"].as_str().unwrap();
        for w in *words {
            assert!(err.contains(w), "{file}: {err:?} lacks {w:?}");
        }
    }
}

#[test]
fn latin1_names_are_decoded_and_providers_outside_areas_are_listed() {
    let (code, v) = validate(&["latin1_names.shp"], &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v[0]["crs"], "EPSG:27700");
    assert!(
        v[0]["notes"].to_string().contains("Windows-1252"),
        "{:#}",
        v[0]["notes"]
    );

    let (code, v) = validate(
        &["areas_ok.geojson", "providers_outside_areas.csv"],
        &["--crs", "EPSG:27700"],
    );
    assert_eq!(code, 1);
    let p = problems(&v[1]);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(
        (p[0].0.as_str(), p[0].2.as_str()),
        ("row 3", "outside_areas")
    );
}

#[test]
fn a_run_over_the_corpus_keeps_repairs_and_drops_with_counts() {
    let w = Workdir::new();
    let bad = bad_dir();
    let path = |f: &str| bad.join(f).display().to_string();
    let out = w.path("out").display().to_string();
    let log = w.ok(&[
        "coverage",
        "--areas",
        &path("latin1_names.shp"),
        "--id",
        "CODE",
        "--name",
        "NAME",
        "--providers",
        &format!("gp={}", path("providers_outside_areas.csv")),
        "--radius-m",
        "100",
        "--need",
        &path("need_bom_thousands.csv"),
        "--need-id",
        "code",
        "--crs",
        "EPSG:27700",
        "--out",
        &out,
    ]);
    assert!(log.contains("Windows-1252"), "{log}");
    let rows = read_csv(&w.path("out/coverage.csv"));
    let a1 = row(&rows, "A1", "gp");
    assert_eq!(a1["area_name"], "Ynys Môn");
    // "29,199" in the need file is the number 29199, with the BOM stripped from the header.
    assert_eq!(a1["population"], "29199");
    assert_eq!(
        row(&rows, "A2", "gp")["area_name"],
        "Llanfair Caereinion Café"
    );
    assert_eq!(row(&rows, "A2", "gp")["population"], "1024");
}

#[test]
fn feet_are_read_as_feet_and_a_gzip_of_zeros_is_refused() {
    let (code, v) = validate(&["bng_feet.shp"], &[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v[0]["crs"], "EPSG:27700");
    assert!(v.to_string().contains("Foot"), "{v:#}");
    let w = Workdir::new();
    let bad = bad_dir();
    w.ok(&[
        "coverage",
        "--areas",
        &bad.join("bng_feet.shp").display().to_string(),
        "--providers",
        &format!("gp={}", bad.join("providers_outside_areas.csv").display()),
        "--radius-m",
        "100",
        "--crs",
        "EPSG:27700",
        "--out",
        "out",
    ]);
    let rows = read_csv(&w.path("out/coverage.csv"));
    for code in ["A1", "A2"] {
        let area: f64 = row(&rows, code, "gp")["area_m2"].parse().unwrap();
        assert!((area / 1e6 - 1.0).abs() < 1e-6, "{code}: {area} m²");
    }

    // 16 MB of zeros, 16 kB compressed: an error naming the file and line, not "0 features".
    let gz = w.path("zeros.csv.gz");
    let mut z = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::best(),
    );
    std::io::Write::write_all(&mut z, &vec![b'0'; 16 << 20]).unwrap();
    z.finish().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lacuna"))
        .args(["validate", "--json"])
        .arg(&gz)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let err = v[0]["error"].as_str().unwrap();
    assert!(
        err.contains("zeros.csv.gz") && err.contains("longer than 1 MiB"),
        "{err}"
    );
    assert!(out.stdout.len() + out.stderr.len() < 10_000);
}

/// The binary shapefile fixtures are made by `write_shapefiles`: this checks the committed ones
/// are what it makes (apart from the `.dbf`'s date stamp). After changing it, rewrite them with
/// `LACUNA_WRITE_FIXTURES=1 cargo test --test integration corpus::shapefile`.
#[test]
fn shapefile_fixtures_are_current() {
    let fresh = Workdir::new();
    let target = if std::env::var_os("LACUNA_WRITE_FIXTURES").is_some() {
        bad_dir()
    } else {
        fresh.path("")
    };
    write_shapefiles(&target);
    for name in [
        "no_prj",
        "unsupported_prj",
        "latin1_names",
        "ccw_outer",
        "bng_feet",
    ] {
        for ext in ["shp", "shx", "dbf"] {
            let f = format!("{name}.{ext}");
            let mut a = std::fs::read(target.join(&f)).unwrap();
            let mut b = std::fs::read(bad_dir().join(&f)).unwrap();
            if ext == "dbf" {
                a[1..4].fill(0);
                b[1..4].fill(0);
            }
            assert!(a == b, "{f} differs from what write_shapefiles makes");
        }
    }
}

fn write_shapefiles(dir: &Path) {
    use shapefile::dbase::{encoding::EncodingRs, FieldValue, Record, TableWriterBuilder};
    use shapefile::{Point, Polygon, PolygonRing};
    let corners = |x0: f64, y0: f64, side: f64| {
        vec![
            Point::new(x0, y0),
            Point::new(x0, y0 + side),
            Point::new(x0 + side, y0 + side),
            Point::new(x0 + side, y0),
            Point::new(x0, y0),
        ]
    };
    // ESRI order: outer ring clockwise.
    let square = |x0: f64| Polygon::new(PolygonRing::Outer(corners(x0, 400000.0, 1000.0)));
    let write_with = |name: &str, names: &[(&str, &str)], shape: &dyn Fn(usize) -> Polygon| {
        let table = TableWriterBuilder::with_encoding(EncodingRs::from(encoding_rs::WINDOWS_1252))
            .add_character_field("CODE".try_into().unwrap(), 10)
            .add_character_field("NAME".try_into().unwrap(), 30);
        let mut writer =
            shapefile::Writer::from_path(dir.join(format!("{name}.shp")), table).unwrap();
        for (i, (code, n)) in names.iter().enumerate() {
            let mut rec = Record::default();
            rec.insert("CODE".into(), FieldValue::Character(Some(code.to_string())));
            rec.insert("NAME".into(), FieldValue::Character(Some(n.to_string())));
            writer.write_shape_and_record(&shape(i), &rec).unwrap();
        }
        drop(writer);
        // Clear the language-driver byte, as many exports leave it: the encoding is then unknown.
        let dbf = dir.join(format!("{name}.dbf"));
        let mut bytes = std::fs::read(&dbf).unwrap();
        bytes[29] = 0;
        std::fs::write(dbf, bytes).unwrap();
    };
    let write = |name: &str, names: &[(&str, &str)]| {
        write_with(name, names, &|i| square(400000.0 + 1000.0 * i as f64))
    };
    let names = [("A1", "Ynys Môn"), ("A2", "Llanfair Caereinion Café")];
    write("no_prj", &names);
    write("unsupported_prj", &names);
    std::fs::write(dir.join("unsupported_prj.prj"), IRISH_GRID).unwrap();
    write("latin1_names", &names);
    std::fs::write(dir.join("latin1_names.prj"), BNG).unwrap();
    // The second square written counter-clockwise with no outer ring: an Inner ring alone.
    write_with("ccw_outer", &names, &|i| {
        let ring = corners(400000.0 + 1000.0 * i as f64, 400000.0, 1000.0);
        Polygon::new(if i == 0 {
            PolygonRing::Outer(ring)
        } else {
            PolygonRing::Inner(ring)
        })
    });
    std::fs::write(dir.join("ccw_outer.prj"), BNG).unwrap();
    // 1 km squares in international feet (3280.8399 ft), on a British National Grid in feet.
    let ft = |m: f64| m / 0.3048;
    write_with("bng_feet", &names, &|i| {
        let ring = corners(ft(400000.0 + 1000.0 * i as f64), ft(400000.0), 3280.8399);
        Polygon::new(PolygonRing::Outer(ring))
    });
    std::fs::write(dir.join("bng_feet.prj"), BNG_FEET).unwrap();
}

const BNG_FEET: &str = r#"PROJCS["British_National_Grid_Feet",GEOGCS["GCS_OSGB_1936",DATUM["D_OSGB_1936",SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",1312335.958005249],PARAMETER["False_Northing",-328083.9895013123],PARAMETER["Central_Meridian",-2.0],PARAMETER["Scale_Factor",0.9996012717],PARAMETER["Latitude_Of_Origin",49.0],UNIT["Foot",0.3048]]"#;

const IRISH_GRID: &str = r#"PROJCS["TM75_Irish_Grid",GEOGCS["GCS_TM65",DATUM["D_TM65",SPHEROID["Airy_Modified",6377340.189,299.3249646]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",200000.0],PARAMETER["False_Northing",250000.0],PARAMETER["Central_Meridian",-8.0],PARAMETER["Scale_Factor",1.000035],PARAMETER["Latitude_Of_Origin",53.5],UNIT["Meter",1.0]]"#;

const BNG: &str = r#"PROJCS["British_National_Grid",GEOGCS["GCS_OSGB_1936",DATUM["D_OSGB_1936",SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",400000.0],PARAMETER["False_Northing",-100000.0],PARAMETER["Central_Meridian",-2.0],PARAMETER["Scale_Factor",0.9996012717],PARAMETER["Latitude_Of_Origin",49.0],UNIT["Meter",1.0]]"#;

#[test]
fn runs_on_broken_areas_count_kept_repaired_and_dropped() {
    let bad = bad_dir();
    // (file, read, kept, repaired, dropped, ids listed in run.json)
    let cases = [
        ("bowtie.geojson", 2, 1, 1, 0, vec!["BOWTIE"]),
        ("hole_outside_shell.geojson", 2, 1, 1, 0, vec!["HOLE"]),
        ("unclosed_ring.geojson", 2, 1, 1, 0, vec!["UNCLOSED"]),
        ("ccw_outer.shp", 2, 1, 1, 0, vec!["A2"]),
        (
            "empty_geometry.geojson",
            3,
            1,
            0,
            2,
            vec!["NULLGEOM", "EMPTYGEOM"],
        ),
    ];
    for (file, read, kept, repaired, dropped, ids) in cases {
        let w = Workdir::new();
        let log = w.ok(&[
            "coverage",
            "--areas",
            &bad.join(file).display().to_string(),
            "--providers",
            &format!("gp={}", bad.join("providers_outside_areas.csv").display()),
            "--radius-m",
            "100",
            "--crs",
            "EPSG:27700",
            "--out",
            "out",
        ]);
        let line = format!("{read} read, {kept} kept, {repaired} repaired, {dropped} dropped");
        assert!(log.contains(&line), "{file}: {log}");
        // The provider 105 km from every area reaches nobody: dropped with its reason, not
        // counted as kept (issue #26, A4).
        let far = true;
        let providers = format!(
            "providers_outside_areas.csv: 2 read, {} kept, 0 repaired, {} dropped",
            2 - usize::from(far),
            usize::from(far)
        );
        assert!(
            log.contains(&providers)
                && log.contains("row 3 (outside): dropped: lies ") == far
                && log.contains("km outside the study region") == far,
            "{file}: {log}"
        );
        let run: serde_json::Value =
            serde_json::from_slice(&std::fs::read(w.path("out/run.json")).unwrap()).unwrap();
        let areas = &run["files"][0];
        assert_eq!(areas["role"], "areas");
        assert_eq!(
            (&areas["kept"], &areas["repaired"], &areas["dropped"]),
            (&kept.into(), &repaired.into(), &dropped.into()),
            "{file}"
        );
        let listed: Vec<&str> = areas["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(listed, ids, "{file}");
        // What was kept is in the output, and nothing else.
        let rows = read_csv(&w.path("out/coverage.csv"));
        assert_eq!(rows.len(), kept + repaired, "{file}");
    }
}
