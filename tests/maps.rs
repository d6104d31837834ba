//! `lacuna map` on a hand-made layer: known squares at known places, the pixel colours inside,
//! outside and in a hole, and one SVG path per polygon; the demo's equity chart.

use crate::util::{demo_dir, read_png, Workdir};

const LAYER: &str = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:27700"}},"features":[
{"type":"Feature","properties":{"area_code":"A","share":0.1},"geometry":{"type":"Polygon","coordinates":[[[400000,400000],[401000,400000],[401000,401000],[400000,401000],[400000,400000]]]}},
{"type":"Feature","properties":{"area_code":"B","share":0.9},"geometry":{"type":"Polygon","coordinates":[[[402000,400000],[403000,400000],[403000,401000],[402000,401000],[402000,400000]],[[402300,400300],[402300,400700],[402700,400700],[402700,400300],[402300,400300]]]}}
]}"#;

/// The first point of each ring of the path with `data-id="{id}"`, in pixels.
fn ring_starts(svg: &str, id: &str) -> Vec<(f64, f64)> {
    let at = svg.find(&format!("data-id=\"{id}\"")).unwrap();
    let d = &svg[at..];
    let d = &d[d.find(" d=\"").unwrap() + 4..];
    let d = &d[..d.find('"').unwrap()];
    d.split('Z')
        .filter(|r| !r.is_empty())
        .map(|r| {
            let first = r.trim_start_matches('M').split('L').next().unwrap();
            let (x, y) = first.split_once(' ').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

#[test]
fn a_layer_map_fills_known_squares_and_leaves_the_hole() {
    let w = Workdir::new();
    w.write("layer.geojson", LAYER);
    for out in ["m.png", "m.svg"] {
        w.ok(&["map", "layer.geojson", "--column", "share", "--out", out]);
    }
    let svg = std::fs::read_to_string(w.path("m.svg")).unwrap();
    assert_eq!(
        svg.matches("<path data-id=").count(),
        2,
        "one path per polygon"
    );
    assert!(svg.contains(r#"fill-rule="evenodd""#));
    let png = read_png(&w.path("m.png"));
    assert_eq!((png.width, png.height), (1600, 1200));
    // Rings start at their first vertex: the south-west corners (y grows downwards in pixels).
    let a = ring_starts(&svg, "A");
    let b = ring_starts(&svg, "B");
    assert_eq!((a.len(), b.len()), (1, 2), "B has its hole");
    // 1 km in pixels, from the two squares' corners 2 km apart.
    let km = (b[0].0 - a[0].0) / 2.0;
    assert!(km > 100.0, "{km}");
    let px = |p: (f64, f64)| png.pixel(p.0 as usize, p.1 as usize);
    // Inside A (share 0.1: the lowest viridis class), inside B's ring (0.9: the highest), in B's
    // hole and between the squares: the white page.
    assert_eq!(
        px((a[0].0 + 0.5 * km, a[0].1 - 0.5 * km)),
        [0x44, 0x01, 0x54]
    );
    assert_eq!(
        px((b[0].0 + 0.15 * km, b[0].1 - 0.5 * km)),
        [0xfd, 0xe7, 0x25]
    );
    assert_eq!(
        px((b[0].0 + 0.5 * km, b[0].1 - 0.5 * km)),
        [255, 255, 255],
        "hole"
    );
    assert_eq!(
        px((a[0].0 + 1.5 * km, a[0].1 - 0.5 * km)),
        [255, 255, 255],
        "gap"
    );
    // The hole's own ring starts at its south-west corner, 300 m in.
    assert!((b[1].0 - (b[0].0 + 0.3 * km)).abs() < 0.2);
}

#[test]
fn a_missing_column_names_the_columns_there_are() {
    let w = Workdir::new();
    w.write("layer.geojson", LAYER);
    let err = w.fails(&["map", "layer.geojson", "--column", "gp_share"]);
    assert!(
        err.contains("no column \"gp_share\"") && err.contains("area_code, share"),
        "{err}"
    );
    let err = w.fails(&["map", "layer.geojson", "--out", "m.jpg"]);
    assert!(err.contains(".png or .svg"), "{err}");
}

#[test]
fn the_equity_chart_has_its_axes_series_and_text_in_both_formats() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    w.ok(&["run", study.to_str().unwrap(), "--out", "out", "--quiet"]);
    let svg = std::fs::read_to_string(w.path("out/maps/equity_gp.svg")).unwrap();
    let texts: Vec<&str> = svg
        .split("</text>")
        .filter_map(|t| t.rsplit_once('>').map(|(_, text)| text.trim()))
        .collect();
    // Both panels' y ticks, the deciles, the second panel's x ticks and the legends.
    for want in [
        "0%",
        "100%",
        "1",
        "10",
        "20%",
        "whole study",
        "concentration curve",
    ] {
        assert!(texts.contains(&want), "{want:?} not among {texts:?}");
    }
    assert_eq!(texts.iter().filter(|t| **t == "100%").count(), 3);
    assert!(texts.iter().any(|t| t.starts_with("Concentration index")));
    let png = read_png(&w.path("out/maps/equity_gp.png"));
    assert_eq!((png.width, png.height), (1600, 1200));
    let count = |rgb: [u8; 3]| {
        (0..png.height)
            .flat_map(|y| (0..png.width).map(move |x| (x, y)))
            .filter(|&(x, y)| png.pixel(x, y) == rgb)
            .count()
    };
    // The concentration curve (Okabe-Ito blue, 3 px over a panel hundreds of pixels wide) and
    // the study's line (black, 4 px) are drawn; the page is white; the title is inked.
    assert!(
        count([0x00, 0x72, 0xb2]) > 1000,
        "{}",
        count([0x00, 0x72, 0xb2])
    );
    assert!(count([0, 0, 0]) > 2000);
    assert_eq!(png.pixel(5, 5), [255, 255, 255]);
    let title_ink = (25..50)
        .flat_map(|y| (20..400).map(move |x| (x, y)))
        .filter(|&(x, y)| png.pixel(x, y)[0] < 100)
        .count();
    assert!(title_ink > 500, "{title_ink}");
}
