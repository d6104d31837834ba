//! Loading a study that a new user would write (issue #26, items A2, A3, A4, A6, A8): the
//! deprivation column under its common spellings, population points whose code column is named
//! unlike the areas', provider rows far from the study, values that cannot be people, and
//! service standards that match no provider. Every fixture is three 1 km squares in British
//! National Grid metres, so each count below can be checked by hand.

use lacuna_io::config::{DeprivationKind, StudySpec};
use lacuna_io::load::{load, LoadedStudy as Study};

use crate::util::Workdir;

/// Areas A1, A2, A3: 1 km squares side by side from (400000, 400000), code column `LSOA11C`
/// (a shapefile's truncated `lsoa11cd`).
const AREAS: &str = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::27700"}},"features":[
{"type":"Feature","properties":{"LSOA11C":"A1"},"geometry":{"type":"Polygon","coordinates":[[[400000,400000],[401000,400000],[401000,401000],[400000,401000],[400000,400000]]]}},
{"type":"Feature","properties":{"LSOA11C":"A2"},"geometry":{"type":"Polygon","coordinates":[[[401000,400000],[402000,400000],[402000,401000],[401000,401000],[401000,400000]]]}},
{"type":"Feature","properties":{"LSOA11C":"A3"},"geometry":{"type":"Polygon","coordinates":[[[402000,400000],[403000,400000],[403000,401000],[402000,401000],[402000,400000]]]}}]}"#;

/// One provider in the middle of each area.
const PROVIDERS: &str =
    "id,easting,northing\np1,400500,400500\np2,401500,400500\np3,402500,400500\n";

/// A study over `AREAS` and `PROVIDERS` (service type gp, radius 300 m) plus `extra` TOML.
fn study(w: &Workdir, extra: &str) -> StudySpec {
    w.write("areas.geojson", AREAS);
    if !w.path("providers.csv").exists() {
        w.write("providers.csv", PROVIDERS);
    }
    let toml = format!(
        "name = \"t\"\ncrs = \"EPSG:27700\"\n[areas]\npath = \"areas.geojson\"\nid = \"LSOA11C\"\n\
         [[providers]]\npath = \"providers.csv\"\nservice_type = \"gp\"\nradius_m = 300\n{extra}"
    );
    let path = w.write("study.toml", &toml);
    StudySpec::from_toml_file(&path).unwrap()
}

fn need(w: &Workdir, header: &str, rows: &[&str]) -> StudySpec {
    w.write("need.csv", &format!("{header}\n{}\n", rows.join("\n")));
    study(w, "[need]\npath = \"need.csv\"\n")
}

fn warned(s: &Study, words: &[&str]) -> bool {
    s.warnings
        .iter()
        .any(|w| words.iter().all(|x| w.contains(x)))
}

#[test]
fn deprivation_columns_are_found_under_their_common_spellings() {
    // (header of the deprivation column, kind, deciles within the study)
    let cases = [
        ("Decile", DeprivationKind::Decile, false),
        ("IMD_Decile", DeprivationKind::Decile, false),
        ("imd decile", DeprivationKind::Decile, false),
        ("IMD Rank", DeprivationKind::Rank, true),
        ("IMD Score", DeprivationKind::Score, true),
        (
            "Index of Multiple Deprivation (IMD) Score",
            DeprivationKind::Score,
            true,
        ),
    ];
    for (col, kind, within) in cases {
        let w = Workdir::new();
        let s = load(&need(
            &w,
            &format!("code,{col}"),
            &["A1,1", "A2,5", "A3,10"],
        ))
        .unwrap();
        let j = s.need.as_ref().unwrap();
        assert_eq!(j.deprivation_column.as_deref(), Some(col), "{col}");
        assert_eq!(j.deprivation_kind, Some(kind), "{col}");
        assert_eq!(j.deciles_within_study, within, "{col}");
        assert_eq!(j.deprivation, vec![Some(1.0), Some(5.0), Some(10.0)]);
        assert_eq!(
            warned(&s, &["study deciles", col]),
            within,
            "{col}: {:?}",
            s.warnings
        );
    }
}

#[test]
fn a_national_decile_column_is_preferred_to_the_rank_before_it() {
    // The IoD2019 files give the rank first, then the decile: the decile keeps national deciles.
    let w = Workdir::new();
    let rank = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)";
    let decile =
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)";
    let s = load(&need(
        &w,
        &format!("LSOA code (2011),Income Rank (where 1 is most deprived),\"{rank}\",\"{decile}\",Income Decile (where 1 is most deprived 10% of LSOAs)"),
        &["A1,5,100,1,3", "A2,6,200,1,3", "A3,7,30000,10,3"],
    ))
    .unwrap();
    let j = s.need.as_ref().unwrap();
    assert_eq!(j.deprivation_column.as_deref(), Some(decile));
    assert_eq!(j.deprivation_kind, Some(DeprivationKind::Decile));
    assert!(!j.deciles_within_study);
    assert_eq!(j.deprivation, vec![Some(1.0), Some(1.0), Some(10.0)]);
    assert!(!warned(&s, &["study deciles"]), "{:?}", s.warnings);
}

#[test]
fn a_need_file_without_deprivation_is_a_warning_naming_its_columns() {
    let w = Workdir::new();
    let s = load(&need(
        &w,
        "code,population,income_decile",
        &["A1,10,1", "A2,20,2", "A3,30,3"],
    ))
    .unwrap();
    assert_eq!(s.need.as_ref().unwrap().deprivation_column, None);
    assert!(
        warned(
            &s,
            &["no deprivation column", "code, population, income_decile"]
        ),
        "{:?}",
        s.warnings
    );
}

#[test]
fn points_join_by_code_values_when_the_column_names_differ() {
    let w = Workdir::new();
    // Points of A1 and A2 carry their code as `lsoa11cd`; A2's second point lies 50 m outside
    // every area (a generalised boundary), and A3 has no point although the need file gives it
    // 30 people.
    w.write(
        "points.csv",
        "lsoa11cd,easting,northing,population\nA1,400500,400500,10\nA2,401500,400500,5\n\
         A2,401500,399950,15\n",
    );
    w.write(
        "need.csv",
        "code,population,imd_decile\nA1,10,1\nA2,20,2\nA3,30,3\n",
    );
    let spec = study(
        &w,
        "[points]\npath = \"points.csv\"\n[need]\npath = \"need.csv\"\n",
    );
    let s = load(&spec).unwrap();
    let points = s.points.as_ref().unwrap();
    let areas: Vec<Option<usize>> = points.iter().map(|p| p.area).collect();
    assert_eq!(areas, vec![Some(0), Some(1), Some(1)]);
    let file = s.files.iter().find(|f| f.role == "points").unwrap();
    assert!(
        file.notes.iter().any(|n| n
            .contains("3 by area code (column \"lsoa11cd\"), 0 by point-in-polygon, 0 in no area")),
        "{:?}",
        file.notes
    );
    assert!(
        warned(
            &s,
            &[
                "1 of 3 points counted in an area by their code lie outside every area",
                "row 4 (A2)"
            ]
        ),
        "{:?}",
        s.warnings
    );
    assert!(
        warned(&s, &["1 areas have population 0", "A3 (30 people"]),
        "{:?}",
        s.warnings
    );
}

/// Longitude and latitude of a British National Grid point.
fn lon_lat(x: f64, y: f64) -> (f64, f64) {
    use lacuna_io::crs::{Transformer, BNG, WGS84};
    let mut c = [geo::Coord { x, y }];
    Transformer::new(BNG, WGS84).unwrap().apply(&mut c).unwrap();
    (c[0].x, c[0].y)
}

#[test]
fn providers_far_from_the_study_are_dropped_and_swapped_rows_named() {
    let w = Workdir::new();
    let mut csv = String::from("id,lon,lat\n");
    for (id, x) in [("p1", 400500.0), ("p2", 401500.0), ("p3", 402500.0)] {
        let (lon, lat) = lon_lat(x, 400500.0);
        csv.push_str(&format!("{id},{lon:.6},{lat:.6}\n"));
    }
    // p4 has latitude and longitude swapped; p5 is 80 km east (the region is 3 km across);
    // p6 is 4 km east and reaches no area either, but a provider that near is a neighbour
    // (within 50 km it is never far: a small study keeps the providers around it).
    let (lon, lat) = lon_lat(401500.0, 400500.0);
    csv.push_str(&format!("p4,{lat:.6},{lon:.6}\n"));
    let (lon, lat) = lon_lat(483000.0, 400500.0);
    csv.push_str(&format!("p5,{lon:.6},{lat:.6}\n"));
    let (lon, lat) = lon_lat(407000.0, 400500.0);
    csv.push_str(&format!("p6,{lon:.6},{lat:.6}\n"));
    w.write("providers.csv", &csv);
    let mut spec = study(&w, "");
    let s = load(&spec).unwrap();
    let f = s.files.iter().find(|f| f.role == "providers").unwrap();
    assert_eq!((f.read, f.kept, f.dropped), (6, 4, 2), "{f:#?}");
    assert_eq!(s.providers.len(), 4);
    assert!(s.providers.iter().any(|p| p.id == "p6"));
    let reasons: Vec<(&str, &str)> = f
        .problems
        .iter()
        .map(|p| (p.id.as_deref().unwrap(), p.reason.as_str()))
        .collect();
    assert!(
        reasons[0].0 == "p4" && reasons[0].1.contains("look swapped"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].0 == "p5"
            && reasons[1].1.contains("80.0 km outside the study region")
            && !reasons[1].1.contains("swapped"),
        "{reasons:?}"
    );
    assert!(
        f.notes.iter().any(|n| n.starts_with(
            "rows far outside the study region, whose catchments reach no area: 2 dropped"
        )),
        "{:?}",
        f.notes
    );
    spec.strict = true;
    let err = load(&spec).unwrap_err().to_string();
    assert!(
        err.contains("--strict") && err.contains("look swapped"),
        "{err}"
    );
}

#[test]
fn a_far_provider_whose_catchment_reaches_the_areas_is_kept() {
    let w = Workdir::new();
    // 5 km east of the region (3 km across), with a 6 km catchment: it serves A3.
    w.write(
        "providers.csv",
        "id,easting,northing,r\nfar,408000,400500,6000\n",
    );
    let toml_extra = "";
    let mut spec = study(&w, toml_extra);
    spec.providers[0].radius_m = None;
    spec.providers[0].radius_column = Some("r".into());
    let s = load(&spec).unwrap();
    assert_eq!(s.providers.len(), 1);
}

#[test]
fn values_that_cannot_be_people_are_refused_with_their_row() {
    let w = Workdir::new();
    w.write(
        "points.csv",
        "code,easting,northing,population\nA1,400500,400500,10\nA2,401500,400500,1e308\n",
    );
    let err = load(&study(&w, "[points]\npath = \"points.csv\"\n"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("points.csv")
            && err.contains("row 3")
            && err.contains("cannot be a number of people"),
        "{err}"
    );

    let w = Workdir::new();
    let err = load(&need(&w, "code,population", &["A1,10", "A2,1e308", "A3,5"]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("need.csv") && err.contains("row 3 (A2)") && err.contains("cannot be"),
        "{err}"
    );

    // A target population (here of people aged 60+) is people too.
    let w = Workdir::new();
    w.write(
        "need.csv",
        "code,population,older\nA1,10,5\nA2,20,2000000000\nA3,5,1\n",
    );
    let err = load(&study(
        &w,
        "[need]\npath = \"need.csv\"\n[services.gp]\ntarget_population = \"older\"\n",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("row 3 (A2)") && err.contains("\"older\""),
        "{err}"
    );
}

#[test]
fn a_huge_population_fails_the_run_instead_of_printing_nan() {
    let w = Workdir::new();
    w.write("areas.geojson", AREAS);
    w.write("providers.csv", PROVIDERS);
    w.write(
        "points.csv",
        "code,easting,northing,population\nA1,400500,400500,1e308\nA2,401500,400500,1e308\n",
    );
    let err = w.fails(&[
        "coverage",
        "--areas",
        "areas.geojson",
        "--id",
        "LSOA11C",
        "--providers",
        "gp=providers.csv",
        "--radius-m",
        "300",
        "--points",
        "points.csv",
        "--crs",
        "EPSG:27700",
        "--out",
        "out",
    ]);
    assert!(err.contains("row 2") && !err.contains("NaN"), "{err}");
}

#[test]
fn standards_and_service_types_must_match_with_the_near_match_named() {
    let w = Workdir::new();
    let err = load(&study(&w, "[services.GP]\nradius_m = 500\n"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[services.GP] matches no provider")
            && err.contains("\"gp\" (")
            && err.contains("did you mean \"gp\"?")
            && err.contains("providers of service type \"gp\"")
            && err.contains("did you mean [services.GP]?"),
        "{err}"
    );

    let w = Workdir::new();
    let err = load(&study(
        &w,
        "[services.gp]\nradius_m = 500\n[services.pharmacyy]\nradius_m = 500\n\
         [[providers]]\npath = \"providers.csv\"\nservice_type = \"pharmacy\"\nradius_m = 300\n",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("[services.pharmacyy] matches no provider")
            && err.contains("did you mean \"pharmacy\"?"),
        "{err}"
    );
    // A study whose standards match runs.
    let w = Workdir::new();
    assert!(load(&study(&w, "[services.gp]\nradius_m = 500\n")).is_ok());
}

#[test]
fn no_provider_kept_says_why_instead_of_pointing_above() {
    let w = Workdir::new();
    w.write("providers.csv", "id,easting,northing\n");
    let err = load(&study(&w, "")).unwrap_err().to_string();
    assert!(
        err.contains("providers.csv: no rows") && !err.contains("above"),
        "{err}"
    );
    let w = Workdir::new();
    w.write("providers.csv", "id,easting,northing\np1,x,400500\n");
    let err = load(&study(&w, "")).unwrap_err().to_string();
    assert!(
        err.contains("1 read, 1 dropped (first: row 2: dropped: easting is not a number")
            && !err.contains("above"),
        "{err}"
    );
}
