//! Coverage from GeoJSON: the demo's wards and libraries read from their GeoJSON files, put in
//! British National Grid, each library serving 2 km around it; prints each ward's covered share
//! as CSV.
//!
//! `cargo run --example coverage_from_geojson`

use std::path::Path;

use lacuna_core::{coverage, normalise, Area, Provider, Study};
use lacuna_io::{crs::BNG, geojson, load::transform_layer, Layer, ReadOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let read = |file: &str| -> lacuna_io::Result<Layer> {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
        let mut layer = geojson::read(&demo.join(file), &ReadOptions::default())?;
        transform_layer(&mut layer, BNG)?; // to metres
        Ok(layer)
    };
    let wards = read("wards.geojson")?;
    let code = wards
        .column_index("ward_code")
        .ok_or("no ward_code column")?;
    let mut areas = Vec::new();
    for f in wards.features {
        let (shape, _repairs) = normalise::polygonal(f.geometry.ok_or("a ward without geometry")?)?;
        areas.push(Area::new(
            f.values[code].as_text().unwrap_or_default(),
            shape,
        ));
    }
    let libraries = read("libraries.geojson")?
        .features
        .into_iter()
        .filter_map(|f| match f.geometry {
            Some(geo::Geometry::Point(p)) => Some(Provider::disc("library", p, 2000.0)),
            _ => None,
        });
    let study = Study::new(areas, libraries.collect());
    println!("ward_code,area_share");
    for row in coverage(&study).rows {
        println!("{},{:.3}", study.areas[row.area].code, row.area_share);
    }
    Ok(())
}
