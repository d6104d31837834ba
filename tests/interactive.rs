//! The interactive map's data in report.html, checked against the run's other outputs: the
//! layers' fills against the static SVG maps, the figures against coverage.csv, and the areas
//! rebuilt from the embedded arcs against the areas' own size. (The page itself, in a browser,
//! is checked by scripts/check_interactive.cjs in `.ci/run`.)

use std::collections::HashMap;

use crate::util::{demo_dir, f, read_csv, row, Workdir};

/// The JSON the report's map is drawn from.
fn map_data(html: &str) -> serde_json::Value {
    let data = html
        .split("<script type=\"application/json\" id=\"lacuna-data\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("report.html has the map's data");
    serde_json::from_str(data).unwrap()
}

/// The fill of each area of a static SVG map, by area code.
fn svg_fills(svg: &str) -> HashMap<String, String> {
    svg.split("<path data-id=\"")
        .skip(1)
        .map(|p| {
            let code = &p[..p.find('"').unwrap()];
            let fill = p.split("fill=\"").nth(1).unwrap();
            (code.to_string(), fill[..7].to_string())
        })
        .collect()
}

/// A ring rebuilt from arc references the way the page's script does it, in metres.
fn ring(arcs: &[Vec<[f64; 2]>], refs: &[serde_json::Value]) -> Vec<[f64; 2]> {
    let mut out: Vec<[f64; 2]> = Vec::new();
    for r in refs {
        let r = r.as_i64().unwrap();
        let mut arc = arcs[if r < 0 { !r } else { r } as usize].clone();
        if r < 0 {
            arc.reverse();
        }
        let skip = usize::from(!out.is_empty());
        out.extend(arc.into_iter().skip(skip));
    }
    out
}

fn shoelace(r: &[[f64; 2]]) -> f64 {
    r.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum::<f64>()
        / 2.0
}

#[test]
fn the_maps_layers_are_the_static_maps_and_figures_are_coverage_csv() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    w.ok(&["run", study.to_str().unwrap(), "--out", "out", "--quiet"]);
    let d = map_data(&std::fs::read_to_string(w.path("out/report.html")).unwrap());
    let codes: Vec<&str> = d["areas"]["code"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let rows = read_csv(&w.path("out/coverage.csv"));
    let mut compared = 0;
    for s in d["services"].as_array().unwrap() {
        let t = s["key"].as_str().unwrap();
        for layer in s["layers"].as_array().unwrap() {
            let id = layer["id"].as_str().unwrap();
            let svg = std::fs::read_to_string(w.path(&format!("out/maps/{id}_{t}.svg"))).unwrap();
            let fills = svg_fills(&svg);
            let palette = layer["palette"].as_array().unwrap();
            for (i, code) in codes.iter().enumerate() {
                let k = layer["fill"][i].as_u64().unwrap() as usize;
                assert_eq!(
                    palette[k].as_str().unwrap(),
                    fills[*code],
                    "{id}_{t} {code}"
                );
                compared += 1;
            }
            // The legend is the static map's too, by its labels.
            for label in layer["legend_labels"].as_array().unwrap() {
                let label = label.as_str().unwrap().replace('&', "&amp;");
                assert!(svg.contains(&label), "{id}_{t}: {label}");
            }
        }
        for (i, code) in codes.iter().enumerate() {
            let r = row(&rows, code, t);
            let share = s["share"][i].as_f64().unwrap();
            assert!(
                (share - f(r, "population_share")).abs() < 1e-4,
                "{t} {code}"
            );
            let nearest = s["nearest_m"][i].as_f64().unwrap();
            assert!((nearest - f(r, "nearest_m")).abs() <= 0.5, "{t} {code}");
        }
    }
    // 4 services x (coverage, unmet need, hot spots) + the GPs' access layer, 60 areas each.
    assert_eq!(compared, 13 * 60);

    // The areas rebuilt from the shared arcs: every ring closed, and each area's size within
    // 3% of its size in coverage.csv (the arcs are thinned to the screen and rounded to 1 m).
    let arcs: Vec<Vec<[f64; 2]>> = d["arcs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let a = a.as_array().unwrap();
            let (mut x, mut y) = (0.0, 0.0);
            a.chunks(2)
                .map(|c| {
                    x += c[0].as_f64().unwrap();
                    y += c[1].as_f64().unwrap();
                    [x, y]
                })
                .collect()
        })
        .collect();
    for (i, code) in codes.iter().enumerate() {
        let mut area = 0.0;
        for polygon in d["areas"]["shape"][i].as_array().unwrap() {
            for (k, refs) in polygon.as_array().unwrap().iter().enumerate() {
                let r = ring(&arcs, refs.as_array().unwrap());
                assert_eq!(r.first(), r.last(), "{code}: ring closes");
                let a = shoelace(&r).abs();
                area += if k == 0 { a } else { -a };
            }
        }
        let want = f(row(&rows, code, "gp"), "area_m2");
        assert!(
            (area - want).abs() / want < 0.03,
            "{code}: {area} vs {want}"
        );
    }
}
