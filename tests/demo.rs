//! The demo: `lacuna run` works with no arguments, and the committed demo is exactly what its
//! generator writes.

use crate::util::{demo_dir, f, read_csv, read_png, Workdir};

#[test]
fn demo_is_what_the_generator_writes() {
    let w = Workdir::new();
    w.ok(&["demo", "--out", "gen"]);
    for entry in std::fs::read_dir(w.path("gen")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let committed = std::fs::read(demo_dir().join(&name)).unwrap();
        assert!(
            committed == std::fs::read(entry.path()).unwrap(),
            "data/demo/{} differs from the generator's output: run `cargo run -- demo`",
            name.to_string_lossy()
        );
    }
}

#[test]
fn run_on_the_demo_finds_the_designed_gaps() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    let log = w.ok(&["run", study.to_str().unwrap(), "--out", "out"]);
    assert!(
        log.contains("60 read, 60 kept, 0 repaired, 0 dropped"),
        "{log}"
    );
    let rows = read_csv(&w.path("out/coverage.csv"));
    assert_eq!(rows.len(), 60 * 4);
    for r in &rows {
        for col in ["area_share", "population_share"] {
            let x = f(r, col);
            assert!((0.0..=1.0).contains(&x), "{col} {x} out of range");
        }
        assert!(f(r, "covered_population") <= f(r, "population"));
    }
    // The rural west (first two columns of wards: A1, A2, B1, B2, ...) has no GP catchment.
    for code in ["DW001", "DW011", "DW021", "DW031"] {
        let r = rows
            .iter()
            .find(|r| r["area_code"] == code && r["service_type"] == "gp")
            .unwrap();
        assert_eq!(f(r, "population_share"), 0.0, "{code}");
        assert!(f(r, "nearest_m") > 1600.0);
    }
    // Population totals agree with the need file.
    let need = read_csv(&demo_dir().join("need.csv"));
    let total: f64 = need.iter().map(|r| f(r, "population")).sum();
    let gp_total: f64 = rows
        .iter()
        .filter(|r| r["service_type"] == "gp")
        .map(|r| f(r, "population"))
        .sum();
    assert_eq!(total, gp_total);
}

fn total(rows: &[crate::util::Row], col: &str) -> f64 {
    rows.iter().map(|r| f(r, col)).sum()
}

#[test]
fn findings_on_the_demo_hold_their_invariants() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    w.ok(&["run", study.to_str().unwrap(), "--out", "out"]);
    let coverage = read_csv(&w.path("out/coverage.csv"));

    // Unserved: every listed area is below the 0.5 threshold, ranks are 1..n per service.
    let unserved = read_csv(&w.path("out/unserved.csv"));
    for t in ["gp", "pharmacy", "library", "food_bank"] {
        let rows: Vec<_> = unserved.iter().filter(|r| r["service_type"] == t).collect();
        for (k, r) in rows.iter().enumerate() {
            assert_eq!(r["rank"], (k + 1).to_string());
            assert!(f(r, "covered_share") < 0.5);
            let weight = f(r, "need_weight");
            assert!((f(r, "unmet_need") - f(r, "uncovered_target") * weight).abs() < 0.01);
        }
        let below = coverage
            .iter()
            .filter(|r| r["service_type"] == t && f(r, "population_share") < 0.5)
            .count();
        assert_eq!(rows.len(), below, "{t}");
    }

    // League: covered + uncovered = population, per council; all three councils ranked.
    let groups = read_csv(&w.path("out/groups.csv"));
    assert_eq!(groups.len(), 3 * 4);
    for r in &groups {
        let sum = f(r, "covered_population") + f(r, "uncovered_population");
        assert!((sum - f(r, "population")).abs() < 0.01);
    }
    let pop: f64 = total(&read_csv(&demo_dir().join("need.csv")), "population");
    let gp: Vec<_> = groups
        .iter()
        .filter(|r| r["service_type"] == "gp")
        .cloned()
        .collect();
    assert!((total(&gp, "population") - pop).abs() < 0.01);
    // The designed-in library gap: Midmarsh (DEMO-C2) ranks last.
    let lib_last = groups
        .iter()
        .filter(|r| r["service_type"] == "library")
        .max_by_key(|r| r["rank"].parse::<usize>().unwrap())
        .unwrap();
    assert_eq!(lib_last["group"], "DEMO-C2");

    // Equity: between + within = total Theil; food banks are not universal in the demo.
    let equity = read_csv(&w.path("out/access_equity.csv"));
    assert!(equity.iter().all(|r| r["service_type"] != "food_bank"));
    for r in equity.iter().filter(|r| r["group"] == "ALL") {
        let sum = f(r, "theil_between") + f(r, "theil_within");
        assert!((sum - f(r, "theil")).abs() < 1e-8, "{r:?}");
        assert!(f(r, "ci_low") <= f(r, "concentration_index") + 1e-9);
        let p = f(r, "between_share_p_value");
        assert!(p > 0.0 && p <= 1.0);
    }
    // Every demo area has a decile: each equity row's population and covered population are
    // the sums of its decile rows (the equity chart's points).
    let deciles = read_csv(&w.path("out/equity_deciles.csv"));
    for r in &equity {
        let rows: Vec<_> = deciles
            .iter()
            .filter(|d| d["service_type"] == r["service_type"] && d["group"] == r["group"])
            .collect();
        assert!(!rows.is_empty() && rows.len() <= 10, "{r:?}");
        let sum = |c: &str| rows.iter().map(|d| f(d, c)).sum::<f64>();
        assert!(
            (sum("population") - f(r, "population")).abs() < 0.01,
            "{r:?}"
        );
        let covered = f(r, "population_meeting_standard");
        assert!((sum("covered_population") - covered).abs() < 0.01, "{r:?}");
        for d in rows {
            let share = f(d, "covered_population") / f(d, "population");
            assert!((f(d, "covered_share") - share).abs() < 1e-6, "{d:?}");
        }
    }

    // Lottery pairs: different councils, similar need, big difference, a shared boundary.
    let pairs = read_csv(&w.path("out/lottery_pairs.csv"));
    assert!(!pairs.is_empty());
    for r in &pairs {
        assert_ne!(r["group_a"], r["group_b"]);
        assert!((f(r, "need_a") - f(r, "need_b")).abs() <= 1.0);
        assert!(f(r, "difference") >= 0.3);
        assert!(f(r, "shared_boundary_m") > 1.0);
        assert!((f(r, "share_a") - f(r, "share_b") - f(r, "difference")).abs() < 1e-8);
    }
    assert!(pairs
        .iter()
        .any(|r| r["service_type"] == "library" && r["group_b"] == "DEMO-C2"));
    let md = std::fs::read_to_string(w.path("out/findings.md")).unwrap();
    assert!(md.contains("## Service: library") && md.contains("Postcode lottery"));
    // Councils by name, as in the report (one Markdown writer for both).
    assert!(!md.contains("| DEMO-C"), "{md}");
    assert!(!md.contains("-0.0%"));
}

#[test]
fn single_finding_subcommands_write_only_their_files() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    w.ok(&[
        "lottery",
        study.to_str().unwrap(),
        "--out",
        "out",
        "--quiet",
    ]);
    assert!(w.path("out/lottery_pairs.csv").exists());
    assert!(w.path("out/groups.csv").exists());
    assert!(!w.path("out/unserved.csv").exists());
    assert!(!w.path("out/access_equity.csv").exists());
}

#[test]
fn network_reach_adds_up_and_matches_coverage() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    let said = w.ok(&["reach", study.to_str().unwrap(), "--out", "out"]);
    assert!(
        said.contains("network \"Community Pantries\": reach.csv"),
        "{said}"
    );
    let reach = read_csv(&w.path("out/reach.csv"));
    let coverage = read_csv(&w.path("out/coverage.csv"));
    for t in ["gp", "pharmacy", "library", "food_bank"] {
        let net = reach
            .iter()
            .find(|r| r["level"] == "service_type" && r["service_type"] == t)
            .unwrap();
        let providers: Vec<_> = reach
            .iter()
            .filter(|r| r["level"] == "provider" && r["service_type"] == t)
            .cloned()
            .collect();
        // Covered once or more than once: the network's population splits exactly in two.
        let split = f(net, "exclusive_population") + f(net, "overlap_population");
        assert!((split - f(net, "population")).abs() < 1e-6);
        // Each person covered by exactly one provider is that provider's exclusive population.
        assert!(
            (total(&providers, "exclusive_population") - f(net, "exclusive_population")).abs()
                < 1e-6
        );
        // An independent route to the same number: covered population summed over areas.
        let covered: f64 = coverage
            .iter()
            .filter(|r| r["service_type"] == t)
            .map(|r| f(r, "covered_population"))
            .sum();
        assert!((covered - f(net, "population")).abs() < 1e-6, "{t}");
    }
    // The food banks' two named networks. Neither has two banks reaching the same person, so
    // nobody is reached by all three banks and what the networks' rows count twice is exactly
    // the type's overlap.
    let food = |level: &str| -> Vec<_> {
        reach
            .iter()
            .filter(|r| r["level"] == level && r["service_type"] == "food_bank")
            .cloned()
            .collect()
    };
    let (networks, all) = (food("network"), food("service_type"));
    let names: Vec<&str> = networks.iter().map(|r| r["network"].as_str()).collect();
    assert_eq!(names, ["Community Pantries", "Isle Food Bank Network"]);
    assert_eq!(total(&networks, "overlap_population"), 0.0);
    let twice = total(&networks, "population") - f(&all[0], "population");
    assert!(twice > 0.0);
    assert!((twice - f(&all[0], "overlap_population")).abs() < 1e-6);
    // A network's row sums its own providers' rows when they never overlap.
    for n in &networks {
        let own: Vec<_> = food("provider")
            .into_iter()
            .filter(|p| p["network"] == n["network"])
            .collect();
        assert!(!own.is_empty());
        assert!((total(&own, "population") - f(n, "population")).abs() < 1e-6);
    }
    let gaps = read_csv(&w.path("out/network_gaps.csv"));
    assert!(gaps
        .iter()
        .all(|r| f(r, "share_missing") < 0.5 && f(r, "share_covering") >= 0.5));
    // Each network misses neighbourhoods the other serves.
    for (a, b) in [
        ("Community Pantries", "Isle Food Bank Network"),
        ("Isle Food Bank Network", "Community Pantries"),
    ] {
        assert!(gaps
            .iter()
            .any(|r| r["missing_network"] == a && r["covering_network"] == b));
    }
}

#[test]
fn gap_polygons_match_the_exact_uncovered_area() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    w.ok(&[
        "unserved",
        study.to_str().unwrap(),
        "--out",
        "out",
        "--quiet",
    ]);
    let coverage = read_csv(&w.path("out/coverage.csv"));
    let gaps: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("out/gaps.geojson")).unwrap()).unwrap();
    let feats = gaps["features"].as_array().unwrap();
    for t in ["gp", "pharmacy", "library", "food_bank"] {
        let mine: Vec<_> = feats
            .iter()
            .filter(|g| g["properties"]["service_type"] == t)
            .collect();
        assert!(!mine.is_empty(), "{t}");
        let gap_area: f64 = mine
            .iter()
            .map(|g| g["properties"]["area_m2"].as_f64().unwrap())
            .sum();
        let gap_pop: f64 = mine
            .iter()
            .map(|g| g["properties"]["population"].as_f64().unwrap())
            .sum();
        let rows: Vec<_> = coverage.iter().filter(|r| r["service_type"] == t).collect();
        // Exact circles vs boolean operations on 256-gons: the gaps are slightly larger.
        let exact: f64 = rows
            .iter()
            .map(|r| f(r, "area_m2") * (1.0 - f(r, "area_share")))
            .sum();
        assert!(
            gap_area >= exact * (1.0 - 1e-9),
            "{t}: {gap_area} < {exact}"
        );
        assert!(
            (gap_area - exact) / exact < 2e-3,
            "{t}: {gap_area} vs {exact}"
        );
        let uncovered: f64 = rows
            .iter()
            .map(|r| f(r, "population") - f(r, "covered_population"))
            .sum();
        assert!(
            (gap_pop - uncovered).abs() < 1.0,
            "{t}: {gap_pop} vs {uncovered}"
        );
        // Dissolved: every gap is one polygon, and the areas it touches are listed.
        for g in &mine {
            assert_eq!(g["geometry"]["type"], "MultiPolygon");
            assert_eq!(g["geometry"]["coordinates"].as_array().unwrap().len(), 1);
            assert!(!g["properties"]["areas"].as_str().unwrap().is_empty());
        }
    }
    assert!(w.path("out/unserved.geojson").exists());
}

#[test]
fn findings_are_byte_identical_for_1_and_2_threads() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    let s = study.to_str().unwrap();
    for (dir, threads) in [("one", "1"), ("two", "2")] {
        let out = w.run_env(
            &["run", s, "--out", dir, "--quiet"],
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert!(out.status.success());
    }
    for file in [
        "coverage.csv",
        "areas.geojson",
        "unserved.csv",
        "gaps.geojson",
        "access_equity.csv",
        "equity_deciles.csv",
        "lottery_pairs.csv",
        "groups.csv",
        "lottery.geojson",
        "reach.csv",
        "findings.md",
    ] {
        let a = std::fs::read(w.path(&format!("one/{file}"))).unwrap();
        let b = std::fs::read(w.path(&format!("two/{file}"))).unwrap();
        assert!(a == b, "{file} differs between 1 and 2 threads");
    }
}

#[test]
fn coverage_maps_shade_each_area_by_its_class() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    w.ok(&["run", study.to_str().unwrap(), "--out", "out", "--quiet"]);
    let coverage = read_csv(&w.path("out/coverage.csv"));
    let svg = std::fs::read_to_string(w.path("out/maps/coverage_library.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(
        svg.matches("<path data-id=").count(),
        60,
        "one path per area"
    );
    // Each council named once, on top of the map (after the providers).
    let names = &svg[svg
        .find(r#"<g id="council_names">"#)
        .expect("council names")..];
    assert!(
        svg.find(r#"<g id="providers">"#).unwrap() < svg.find(r#"<g id="council_names">"#).unwrap()
    );
    for council in [
        "Eastcliff (synthetic)",
        "Midmarsh (synthetic)",
        "Westhaven (synthetic)",
    ] {
        assert_eq!(
            names.matches(&format!(">{council}</text>")).count(),
            1,
            "{council}"
        );
    }
    let palette = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];
    let png = read_png(&w.path("out/maps/coverage_library.png"));
    assert_eq!((png.width, png.height), (1600, 1200), "the default size");
    let mut same_in_png = 0;
    for r in coverage.iter().filter(|r| r["service_type"] == "library") {
        let share = f(r, "population_share");
        let class = [0.2, 0.4, 0.6, 0.8].iter().filter(|&&b| share >= b).count();
        let needle = format!("data-id=\"{}\" fill=\"{}\"", r["area_code"], palette[class]);
        let at = svg.find(&needle).unwrap_or_else(|| panic!("{needle}"));
        // The PNG has the same colour at the middle of the area's first ring (the demo's cells
        // are convex), unless a marker or an outline happens to lie there.
        let d = &svg[at..];
        let d = &d[d.find(" d=\"M").unwrap() + 4..];
        let ring: Vec<(f64, f64)> = d[..d.find('Z').unwrap()]
            .split(['M', 'L'])
            .filter(|s| !s.is_empty())
            .map(|p| {
                let (x, y) = p.split_once(' ').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        let n = ring.len() as f64;
        let (x, y) = ring
            .iter()
            .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
        let hex = palette[class].trim_start_matches('#');
        let want: Vec<u8> = (0..3)
            .map(|k| u8::from_str_radix(&hex[2 * k..2 * k + 2], 16).unwrap())
            .collect();
        if png.pixel(x as usize, y as usize) == want[..] {
            same_in_png += 1;
        }
    }
    assert!(
        same_in_png >= 54,
        "{same_in_png} of 60 areas have their colour in the PNG"
    );
    for part in [
        "People within reach",
        "km</text>",
        ">N</text>",
        "Synthetic data made by lacuna demo",
        "<g id=\"councils\">",
    ] {
        assert!(svg.contains(part), "{part}");
    }
    let again = Workdir::new();
    again.ok(&["run", study.to_str().unwrap(), "--out", "out", "--quiet"]);
    let svg2 = std::fs::read_to_string(again.path("out/maps/coverage_library.svg")).unwrap();
    assert_eq!(svg, svg2, "deterministic");
    let png2 = std::fs::read(again.path("out/maps/coverage_library.png")).unwrap();
    assert!(
        std::fs::read(w.path("out/maps/coverage_library.png")).unwrap() == png2,
        "PNG deterministic"
    );
}

#[test]
fn the_report_is_self_contained_and_has_every_finding() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    w.ok(&["run", study.to_str().unwrap(), "--out", "out", "--quiet"]);
    let html = std::fs::read_to_string(w.path("out/report.html")).unwrap();
    let md = std::fs::read_to_string(w.path("out/report.md")).unwrap();
    // Nothing to fetch: the page forbids every request, links only to its own map files, and
    // has no stylesheet, image or frame to load.
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none';"));
    for bad in ["<link", "<img", "<iframe", "@import"] {
        assert!(!html.contains(bad), "report.html contains {bad}");
    }
    for link in html.split("href=\"").skip(1) {
        let target = &link[..link.find('"').unwrap()];
        assert!(
            target.starts_with("maps/")
                || target.starts_with('#')
                || target == "https://leafletjs.com",
            "report.html links to {target}"
        );
    }
    // The interactive map with its data; the maps linked, not inlined (4 services x 3 maps +
    // the GP access map), the 3 equity charts (food banks are not universal) still inline.
    assert!(html.contains("<div id=\"lacuna-map\""));
    let data = html
        .split("<script type=\"application/json\" id=\"lacuna-data\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .unwrap();
    let data: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(data["areas"]["code"].as_array().unwrap().len(), 60);
    assert_eq!(data["services"].as_array().unwrap().len(), 4);
    let inline = html
        .split("<figure")
        .skip(1)
        .filter(|f| f[..f.find("</figure>").unwrap()].contains("<svg"))
        .count();
    assert_eq!(inline, 3);
    assert_eq!(html.matches("class=\"lacuna-maps\"").count(), 18);
    assert_eq!(md.matches("](maps/").count(), 21);
    // --no-interactive: the report as it was, every map inlined and no script.
    w.ok(&[
        "run",
        study.to_str().unwrap(),
        "--out",
        "static",
        "--quiet",
        "--no-interactive",
    ]);
    let page = std::fs::read_to_string(w.path("static/report.html")).unwrap();
    for bad in [
        "<script", "src=", "href=", "url(", "@import", "<link", "<img",
    ] {
        assert!(!page.contains(bad), "the static report.html contains {bad}");
    }
    assert_eq!(page.matches("<svg").count(), 21);
    let md_static = std::fs::read_to_string(w.path("static/report.md")).unwrap();
    // (but for the run id, which hashes the study's settings, the interactive flag among them)
    let body = |md: &str| md.lines().skip(3).collect::<Vec<_>>().join("\n");
    assert!(
        body(&md) == body(&md_static),
        "report.md does not depend on the interactive map"
    );
    for stem in [
        "coverage_gp",
        "access_gp",
        "unmet_need_pharmacy",
        "lottery_library",
        "equity_gp",
    ] {
        assert!(html.contains(&format!("<figure id=\"{stem}\"")), "{stem}");
        assert!(page.contains(&format!("<figure id=\"{stem}\">")), "{stem}");
        assert!(
            w.path(&format!("out/maps/{stem}.png")).exists(),
            "{stem}.png linked from report.md"
        );
    }
    // The headline table agrees with coverage.csv: share of people within reach of a GP.
    let rows = read_csv(&w.path("out/coverage.csv"));
    let (pop, cov) = rows
        .iter()
        .filter(|r| r["service_type"] == "gp")
        .fold((0.0, 0.0), |a, r| {
            (a.0 + f(r, "population"), a.1 + f(r, "covered_population"))
        });
    let share = format!("| gp | 1600 m | {:.1}% |", 100.0 * cov / pop);
    assert!(md.contains(&share), "{share} not in report.md");
    assert!(html.contains(&format!("<td>{:.1}%</td>", 100.0 * cov / pop)));
    // The per-council equity rows are access_equity.csv's, rounded.
    let eq = read_csv(&w.path("out/access_equity.csv"));
    for r in eq.iter().filter(|r| r["service_type"] == "gp") {
        let cells = format!(
            "| {:.3} | {:.3} | {:.3} |",
            f(r, "gini"),
            f(r, "theil"),
            f(r, "concentration_index")
        );
        assert!(
            md.contains(&cells),
            "{cells} ({}) not in report.md",
            r["group"]
        );
    }
    // Inputs with their counts, method and caveats.
    for part in [
        "Inputs and what happened to them",
        "data/demo/wards.geojson | EPSG:4326",
        // Each input's source as the study states it (none given for the others: a dash).
        "| 0 | synthetic: made by lacuna demo |",
        "Caveats",
        "straight-line distances",
        "Erreygers",
        // Councils by name ([areas] group_name), not by code.
        "| Westhaven (synthetic) |",
        // Services by their label, with the type code beside it.
        "## Service: GP practice (gp)",
        "## Service: food bank",
        "Share of people within reach of a GP practice, by area.",
        // Per-council equity, the gap polygons in words, and network reach.
        "| council | people | meeting the standard | with no access | Gini |",
        "| All councils |",
        "separate gaps outside every catchment",
        "one gap outside every catchment",
        "## Network reach",
        "| unserved by | served by | areas | people in them |",
    ] {
        assert!(md.contains(part), "{part}");
    }
}
