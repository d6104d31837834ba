//! Any bytes as a GeoJSON file: the reader returns a layer or an error, never panics; a layer's
//! polygons go through normalisation and the overlay without panicking either.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut f = tempfile::Builder::new().suffix(".geojson").tempfile().unwrap();
    std::io::Write::write_all(&mut f, data).unwrap();
    if let Ok(layer) = lacuna::io::read_layer(f.path(), &Default::default()) {
        for feat in layer.features {
            if let Some(g) = feat.geometry {
                if let Ok((mp, _)) = lacuna::normalise::polygonal(g) {
                    let lp = lacuna::spatial::overlay::LocalPolygon::new(&mp);
                    let r = lp.bounding_rect();
                    let d = lacuna::spatial::overlay::Disc { x: r.min().x, y: r.min().y, r: 1.0 + r.width() };
                    let a = lp.covered_area(&[d]);
                    assert!(a >= 0.0 && a <= lp.area() * (1.0 + 1e-9) + 1e-9);
                }
            }
        }
    }
});
