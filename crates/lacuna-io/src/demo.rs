//! The synthetic demo region, "Lacuna Isle": a made-up island in the Irish Sea with three
//! councils, 60 wards, population points, a deprivation score and four service types with
//! deliberate gaps (a rural west without GPs, a deprived south-west without a food bank) and one
//! cross-council difference (libraries stop at a council boundary). Nothing here is real data.
//!
//! The generator is deterministic (SplitMix64 with a fixed seed), so `lacuna demo` rewrites the
//! committed `data/demo` byte for byte; a test checks that.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use geo::Coord;

use crate::atomic::write_atomic;
use crate::crs::{Transformer, BNG, WGS84};
use crate::error::{Error, Result};

/// Columns and rows of the ward grid.
const COLS: usize = 10;
const ROWS: usize = 6;
/// Ward size in metres.
const CELL: f64 = 1600.0;
/// South-west corner of the region in British National Grid (open sea west of Cumbria).
const ORIGIN: Coord = Coord {
    x: 262_000.0,
    y: 502_000.0,
};

use lacuna_core::rng::{seeded, Draws, SplitMix64 as Rng};

/// The council of the ward in column `c`, row `r`: the boundaries step, so they are not straight.
fn council(c: usize, r: usize) -> usize {
    let first = if r < 3 { 4 } else { 3 };
    let second = if r < 2 { 7 } else { 7 + usize::from(r >= 4) };
    if c < first {
        0
    } else if c < second {
        1
    } else {
        2
    }
}

const COUNCILS: [(&str, &str); 3] = [
    ("DEMO-C1", "Westhaven (synthetic)"),
    ("DEMO-C2", "Midmarsh (synthetic)"),
    ("DEMO-C3", "Eastcliff (synthetic)"),
];

struct Region {
    /// Ward rings (closed), British National Grid.
    wards: Vec<Vec<Coord>>,
    /// Deprivation score per ward (higher = more deprived).
    score: Vec<f64>,
    /// Population points: (x, y, population, ward index).
    points: Vec<(f64, f64, f64, usize)>,
}

fn region() -> Region {
    let mut rng = seeded(20_261_122);
    let grid: Vec<Vec<Coord>> = (0..=ROWS)
        .map(|r| {
            (0..=COLS)
                .map(|c| {
                    let edge = r == 0 || r == ROWS || c == 0 || c == COLS;
                    let j = if edge { 0.12 } else { 0.28 };
                    Coord {
                        x: ORIGIN.x + CELL * (c as f64 + rng.range(-j, j)),
                        y: ORIGIN.y + CELL * (r as f64 + rng.range(-j, j)),
                    }
                })
                .collect()
        })
        .collect();
    // One jittered midpoint per shared edge, so neighbouring wards share every vertex.
    let mid = |a: Coord, b: Coord, rng: &mut Rng| {
        let m = (a + b) * 0.5;
        let n = Coord {
            x: -(b.y - a.y),
            y: b.x - a.x,
        } * rng.range(-0.12, 0.12);
        m + n
    };
    let h: Vec<Vec<Coord>> = (0..=ROWS)
        .map(|r| {
            (0..COLS)
                .map(|c| mid(grid[r][c], grid[r][c + 1], &mut rng))
                .collect()
        })
        .collect();
    let v: Vec<Vec<Coord>> = (0..ROWS)
        .map(|r| {
            (0..=COLS)
                .map(|c| mid(grid[r][c], grid[r + 1][c], &mut rng))
                .collect()
        })
        .collect();
    let mut wards = Vec::new();
    let mut score = Vec::new();
    let mut points = Vec::new();
    // Deprivation peaks in the south-west of Midmarsh and in Westhaven's harbour.
    let hot = [
        (ORIGIN.x + CELL * 4.5, ORIGIN.y + CELL * 1.0, 38.0),
        (ORIGIN.x + CELL * 1.0, ORIGIN.y + CELL * 4.5, 22.0),
    ];
    for r in 0..ROWS {
        for c in 0..COLS {
            let ring = vec![
                grid[r][c],
                h[r][c],
                grid[r][c + 1],
                v[r][c + 1],
                grid[r + 1][c + 1],
                h[r + 1][c],
                grid[r + 1][c],
                v[r][c],
                grid[r][c],
            ];
            let w = wards.len();
            let centre = (grid[r][c] + grid[r + 1][c + 1]) * 0.5;
            let s: f64 = 8.0
                + hot
                    .iter()
                    .map(|&(x, y, amp)| {
                        let d2 = (centre.x - x).powi(2) + (centre.y - y).powi(2);
                        amp * (-d2 / (2.0 * (CELL * 1.6).powi(2))).exp()
                    })
                    .sum::<f64>()
                + rng.range(0.0, 6.0);
            score.push((s * 10.0).round() / 10.0);
            // Towns in the middle and east are denser; the far west is rural.
            let urban = if c <= 1 { 0.3 } else { 1.0 };
            let n = 3 + (rng.next_f64() * 4.0) as usize;
            for _ in 0..n {
                let (u, t) = (rng.range(0.2, 0.8), rng.range(0.2, 0.8));
                let p = grid[r][c] * ((1.0 - u) * (1.0 - t))
                    + grid[r][c + 1] * (u * (1.0 - t))
                    + grid[r + 1][c + 1] * (u * t)
                    + grid[r + 1][c] * ((1.0 - u) * t);
                let pop = (rng.range(400.0, 2200.0) * urban).round();
                points.push((
                    (p.x * 10.0).round() / 10.0,
                    (p.y * 10.0).round() / 10.0,
                    pop,
                    w,
                ));
            }
            wards.push(ring);
        }
    }
    Region {
        wards,
        score,
        points,
    }
}

fn cell_centre(c: f64, r: f64) -> Coord {
    Coord {
        x: ORIGIN.x + CELL * c,
        y: ORIGIN.y + CELL * r,
    }
}

/// Registered patients of the demo's GP practices, in the order of [`providers`]: one large
/// practice in Eastcliff and small ones in the west, so capacity-aware access (`access.csv`)
/// differs from plain coverage.
const LIST_SIZES: [u32; 12] = [
    6200, 11800, 4300, 9100, 3100, 14500, 7600, 5200, 8800, 12400, 2900, 6900,
];

/// The GPs' cells (column, row, column, row, ...), in the towns and none in the two western
/// columns: a rural gap.
const GPS: [f64; 24] = [
    2.6, 1.4, 3.5, 4.2, 4.4, 2.2, 5.1, 4.6, 5.8, 1.3, 6.6, 3.1, 7.4, 0.8, 7.8, 4.4, 8.6, 2.6, 9.3,
    5.2, 3.2, 2.9, 6.1, 5.3,
];
/// The pharmacies' cells.
const PHARMACIES: [f64; 28] = [
    1.4, 4.6, 2.4, 2.4, 3.3, 0.7, 3.9, 3.6, 4.6, 1.4, 5.3, 2.9, 5.6, 5.0, 6.4, 0.9, 6.9, 4.1, 7.6,
    2.1, 8.3, 3.8, 8.9, 1.1, 9.4, 4.5, 4.8, 4.4,
];
/// Libraries: Westhaven and Eastcliff keep theirs; Midmarsh closed all but one, far north.
const LIBRARIES: [f64; 14] = [
    1.5, 1.5, 1.8, 4.4, 3.1, 3.0, 5.5, 5.4, 8.2, 1.6, 8.5, 4.2, 7.6, 3.0,
];
/// Food banks: none near the deprived south-west of Midmarsh.
const FOOD_BANKS: [f64; 6] = [1.6, 4.0, 6.4, 4.6, 8.8, 2.0];

/// Providers: (service type, name, location).
fn providers() -> Vec<(&'static str, String, Coord)> {
    let kinds: [(&str, &str, &[f64]); 4] = [
        ("gp", "Demo Surgery", &GPS),
        ("pharmacy", "Demo Pharmacy", &PHARMACIES),
        ("library", "Demo Library", &LIBRARIES),
        ("food_bank", "Demo Food Bank", &FOOD_BANKS),
    ];
    let mut out = Vec::new();
    for (kind, name, at) in kinds {
        for (i, cr) in at.chunks(2).enumerate() {
            out.push((kind, format!("{name} {}", i + 1), cell_centre(cr[0], cr[1])));
        }
    }
    out
}

const STUDY: &str = r#"# Lacuna Isle: a SYNTHETIC demo region (made-up wards, people and services; not real data).
# Regenerate with `lacuna demo --out data/demo`.
name = "Lacuna Isle (synthetic demo)"
# CSV eastings/northings below are British National Grid.
crs = "EPSG:27700"

[areas]
path = "wards.geojson"
id = "ward_code"
name = "ward_name"
group = "council_code"
group_name = "council_name"
source = "synthetic: made by lacuna demo"   # shown in the report's inputs table

# GPs and pharmacies: CSV with longitude/latitude and a service_type column. The GPs' list
# sizes are their capacity: access.csv shares them among the people within reach (2SFCA).
[[providers]]
path = "health.csv"
type_column = "service_type"
capacity = "list_size"

# Libraries: GeoJSON points (WGS84), one service type for the file.
[[providers]]
path = "libraries.geojson"
service_type = "library"

# Food banks: CSV with British National Grid eastings/northings, in two networks whose reach
# is reported and compared side by side (reach.csv, network_gaps.csv).
[[providers]]
path = "food_banks.csv"
service_type = "food_bank"
network = "Isle Food Bank Network"

[[providers]]
path = "community_pantries.csv"
service_type = "food_bank"
network = "Community Pantries"

[points]
path = "population_points.csv"
population = "population"
area_column = "ward_code"

[need]
path = "need.csv"
id = "ward_code"
population = "population"
# Decile 1 = the most deprived tenth of wards, as in the English IMD.
deprivation = "deprivation_decile"
deprivation_kind = "decile"
more_deprived = "lower"

# Catchment standard per service type: straight-line radius in metres.
[services.gp]
radius_m = 1600
label = "GP practice"   # how maps and the report name it
[services.pharmacy]
radius_m = 1000
[services.library]
radius_m = 2000
[services.food_bank]
radius_m = 3000
# Food banks are not expected everywhere: left out of the equity indices.
universal = false

# Services a neighbourhood needs together: bundles.csv lists the wards lacking part of it.
[bundles]
essentials = ["gp", "pharmacy", "food_bank"]

[findings]
lottery_max_need_gap = 1      # need deciles at most this far apart count as similar need
lottery_min_difference = 0.3  # flag pairs whose covered shares differ by at least this
permutations = 999
bootstrap = 999
seed = 20261122
attribution = "Synthetic data made by lacuna demo: no real places or services"
"#;

const README: &str = "# Lacuna Isle: synthetic demo data\n\n\
Everything in this folder is **synthetic**: an imaginary island placed in the Irish Sea so that its \
British National Grid coordinates are valid, with three made-up councils, 60 wards, population \
points, a deprivation score and four service types. It is generated by `lacuna demo` (src/demo.rs) \
with a fixed seed and exists to show the tool working with no other input. Do not read anything \
about real places or services into it.\n\n\
Designed-in findings: no GP in the rural west of Westhaven; Midmarsh closed most of its libraries, \
so wards on its side of the Westhaven and Eastcliff boundaries have much less library access than \
their neighbours; no food bank near the deprived south-west of Midmarsh.\n\n\
| file | what | CRS |\n|---|---|---|\n\
| `study.toml` | the study: inputs, columns, catchment radius per service type | |\n\
| `wards.geojson` | 60 ward polygons with council code and name | WGS84 (RFC 7946) |\n\
| `health.csv` | GP practices (with `list_size`) and pharmacies, `service_type` column | WGS84 lon/lat |\n\
| `libraries.geojson` | libraries | WGS84 |\n\
| `food_banks.csv`, `community_pantries.csv` | food banks of two networks | EPSG:27700 easting/northing |\n\
| `population_points.csv` | population-weighted points with their ward code | EPSG:27700 |\n\
| `need.csv` | population, deprivation score and decile (1 = most deprived) per ward | |\n\
| `streets.geojson` | a street grid every 400 m, cut by a river along the boundary between ward rows C and D, crossed by one bridge (`highway`, `name`) | EPSG:27700 (crs member) |\n\
| `network.toml` | the study with GPs (1.6 km) and pharmacies (12 minutes) measured as walks along the streets | |\n";

/// The street grid's spacing, metres.
const STREET: f64 = 400.0;
/// The river runs west to east at this northing offset (the boundary between ward rows C and
/// D), and the only bridge is at this easting offset.
const RIVER_Y: f64 = CELL * 3.0;
const BRIDGE_X: f64 = 12_000.0;

/// The demo's street network: every 400 m east-west and north-south over the island, every
/// fifth street a tertiary road, no street along the river and only one across it.
fn streets() -> String {
    let nx = (CELL * COLS as f64 / STREET) as usize;
    let ny = (CELL * ROWS as f64 / STREET) as usize;
    let at = |i: usize, j: usize| (ORIGIN.x + STREET * i as f64, ORIGIN.y + STREET * j as f64);
    // (name, highway class, vertices)
    type Street = (String, &'static str, Vec<(f64, f64)>);
    let mut lines: Vec<Street> = Vec::new();
    let class = |k: usize| {
        if k.is_multiple_of(5) {
            "tertiary"
        } else {
            "residential"
        }
    };
    for j in 0..=ny {
        if STREET * j as f64 == RIVER_Y {
            continue;
        }
        let pts = (0..=nx).map(|i| at(i, j)).collect();
        lines.push((format!("East Street {j}"), class(j), pts));
    }
    let river = (RIVER_Y / STREET) as usize;
    for i in 0..=nx {
        let name = format!("North Road {i}");
        if STREET * i as f64 == BRIDGE_X {
            lines.push((
                format!("{name} (bridge)"),
                class(i),
                (0..=ny).map(|j| at(i, j)).collect(),
            ));
        } else {
            lines.push((
                name.clone(),
                class(i),
                (0..river).map(|j| at(i, j)).collect(),
            ));
            lines.push((name, class(i), (river + 1..=ny).map(|j| at(i, j)).collect()));
        }
    }
    let mut g = String::from(
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::27700\"}},\"features\":[\n",
    );
    for (k, (name, highway, pts)) in lines.iter().enumerate() {
        let coords: Vec<String> = pts
            .iter()
            .map(|(x, y)| format!("[{x:.1},{y:.1}]"))
            .collect();
        let _ = write!(
            g,
            "{}{{\"type\":\"Feature\",\"properties\":{{\"name\":\"{name}\",\"highway\":\"{highway}\"}},\"geometry\":{{\"type\":\"LineString\",\"coordinates\":[{}]}}}}",
            if k > 0 { ",\n" } else { "" },
            coords.join(",")
        );
    }
    g.push_str("\n]}\n");
    g
}

/// The study measured along the streets: GPs within a 1.6 km walk and pharmacies within a
/// 12-minute walk, libraries and food banks in straight lines as before.
fn network_study() -> String {
    STUDY
        .replace(
            "name = \"Lacuna Isle (synthetic demo)\"",
            "name = \"Lacuna Isle along its streets (synthetic demo)\"",
        )
        .replace(
            "# Catchment standard per service type: straight-line radius in metres.\n[services.gp]\nradius_m = 1600",
            "# GPs and pharmacies along the streets (a river with one bridge); libraries and food\n\
             # banks in straight lines.\n[services.gp]\nnetwork = \"walk\"\nmax_m = 1600",
        )
        .replace(
            "[services.pharmacy]\nradius_m = 1000",
            "[services.pharmacy]\nnetwork = \"walk\"\nmax_minutes = 12",
        )
        + "\n[network]\npath = \"streets.geojson\"\nwalk_kmh = 4.8\nsource = \"synthetic: made by lacuna demo\"\n"
}

fn to_wgs84(t: &Transformer, c: Coord) -> Result<Coord> {
    let c = t
        .point(c)
        .map_err(|e| Error::Config(format!("demo: {e}")))?;
    Ok(Coord {
        x: (c.x * 1e7).round() / 1e7,
        y: (c.y * 1e7).round() / 1e7,
    })
}

/// Writes the demo files into `dir` and returns their paths.
///
/// # Errors
/// When a file cannot be written.
pub fn write(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let t = Transformer::new(BNG, WGS84).map_err(Error::Config)?;
    let reg = region();
    let mut files = Vec::new();
    let mut put = |name: &str, text: String| -> Result<()> {
        let p = dir.join(name);
        write_atomic(&p, |w| w.write_all(text.as_bytes()))?;
        files.push(p);
        Ok(())
    };
    put("study.toml", STUDY.to_string())?;
    put("network.toml", network_study())?;
    put("streets.geojson", streets())?;
    put("README.md", README.to_string())?;

    let mut g = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (w, ring) in reg.wards.iter().enumerate() {
        let (c, r) = (w % COLS, w / COLS);
        let k = council(c, r);
        let coords: Vec<String> = ring
            .iter()
            .map(|&p| to_wgs84(&t, p).map(|q| format!("[{},{}]", q.x, q.y)))
            .collect::<Result<_>>()?;
        let _ = write!(
            g,
            "{}{{\"type\":\"Feature\",\"properties\":{{\"ward_code\":\"DW{:03}\",\"ward_name\":\"Ward {}{} (synthetic)\",\"council_code\":\"{}\",\"council_name\":\"{}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}}}",
            if w > 0 { ",\n" } else { "" },
            w + 1,
            (b'A' + r as u8) as char,
            c + 1,
            COUNCILS[k].0,
            COUNCILS[k].1,
            coords.join(",")
        );
    }
    g.push_str("\n]}\n");
    put("wards.geojson", g)?;

    let prov = providers();
    let mut health = String::from("name,service_type,lon,lat,list_size\n");
    let mut gps = LIST_SIZES.iter();
    let mut libs = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    let mut food = String::from("name,easting,northing\n");
    let mut pantries = food.clone();
    let mut first_lib = true;
    for (kind, name, at) in &prov {
        match *kind {
            "gp" | "pharmacy" => {
                let q = to_wgs84(&t, *at)?;
                let size = if *kind == "gp" { gps.next() } else { None };
                let size = size.map(u32::to_string).unwrap_or_default();
                let _ = writeln!(health, "{name},{kind},{},{},{size}", q.x, q.y);
            }
            "library" => {
                let q = to_wgs84(&t, *at)?;
                let _ = write!(
                    libs,
                    "{}{{\"type\":\"Feature\",\"properties\":{{\"name\":\"{name}\"}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{},{}]}}}}",
                    if first_lib { "" } else { ",\n" },
                    q.x,
                    q.y
                );
                first_lib = false;
            }
            _ => {
                // The last food bank runs on its own, as another network.
                let file = if name.ends_with(" 3") {
                    &mut pantries
                } else {
                    &mut food
                };
                let _ = writeln!(file, "{name},{:.1},{:.1}", at.x, at.y);
            }
        }
    }
    libs.push_str("\n]}\n");
    put("health.csv", health)?;
    put("libraries.geojson", libs)?;
    put("food_banks.csv", food)?;
    put("community_pantries.csv", pantries)?;

    let mut pts = String::from("ward_code,easting,northing,population\n");
    let mut ward_pop = vec![0.0; reg.wards.len()];
    for &(x, y, pop, w) in &reg.points {
        ward_pop[w] += pop;
        let _ = writeln!(pts, "DW{:03},{x:.1},{y:.1},{pop}", w + 1);
    }
    put("population_points.csv", pts)?;

    // Decile 1 = the most deprived tenth of wards, as in the English IMD.
    let mut order: Vec<usize> = (0..reg.score.len()).collect();
    order.sort_by(|&a, &b| reg.score[b].total_cmp(&reg.score[a]).then(a.cmp(&b)));
    let mut decile = vec![0usize; reg.score.len()];
    for (rank, &w) in order.iter().enumerate() {
        decile[w] = rank * 10 / reg.score.len() + 1;
    }
    let mut need = String::from("ward_code,population,deprivation_score,deprivation_decile\n");
    for w in 0..reg.wards.len() {
        let _ = writeln!(
            need,
            "DW{:03},{},{},{}",
            w + 1,
            ward_pop[w],
            reg.score[w],
            decile[w]
        );
    }
    put("need.csv", need)?;
    Ok(files)
}
