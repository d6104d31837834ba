//! `lacuna batch` on the demo: partitions by column and by file give the whole-study rows, a
//! failed partition is reported and the rest go on, and `--resume` redoes only what is missing.

use crate::util::{demo_copy, demo_dir, read_csv, Workdir};

/// The CSV's header and its sorted rows.
fn sorted_lines(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[1..].sort();
    lines
}

/// A combined batch CSV's sorted lines without its first (partition) column, which a run's
/// coverage.csv does not have.
fn sorted_lines_without_partition(path: &std::path::Path) -> Vec<String> {
    let lines = sorted_lines(path);
    assert!(lines[0].starts_with("partition,"), "{}", lines[0]);
    let mut out: Vec<String> = lines
        .iter()
        .map(|l| l.split_once(',').unwrap().1.to_string())
        .collect();
    out[1..].sort();
    out
}

fn study() -> String {
    demo_dir().join("study.toml").display().to_string()
}

#[test]
fn partitions_by_column_equal_the_whole_study() {
    let w = Workdir::new();
    w.ok(&["run", &study(), "--out", "whole", "--quiet"]);
    let log = w.ok(&[
        "batch",
        "--study",
        &study(),
        "--partition-by",
        "council_code",
        "--out",
        "batch",
    ]);
    assert!(
        log.contains("3 partitions (3 computed, 0 resumed, 0 failed), 60 areas"),
        "{log}"
    );
    assert_eq!(
        sorted_lines_without_partition(&w.path("batch/coverage.csv")),
        sorted_lines(&w.path("whole/coverage.csv"))
    );
    // One folder per council, each with its own rows only.
    for c in ["DEMO-C1", "DEMO-C2", "DEMO-C3"] {
        let rows = read_csv(&w.path(&format!("batch/partitions/{c}/coverage.csv")));
        assert!(
            !rows.is_empty() && rows.iter().all(|r| r["group"] == c),
            "{c}"
        );
        assert!(w
            .path(&format!("batch/partitions/{c}/manifest.json"))
            .exists());
    }
    // The summary adds up: areas, and population as in the whole study.
    let summary = read_csv(&w.path("batch/batch_summary.csv"));
    assert_eq!(summary.len(), 3);
    let areas: usize = summary
        .iter()
        .map(|r| r["areas"].parse::<usize>().unwrap())
        .sum();
    assert_eq!(areas, 60);
    let pop: f64 = summary
        .iter()
        .map(|r| r["population"].parse::<f64>().unwrap())
        .sum();
    let whole = read_csv(&w.path("whole/coverage.csv"));
    let whole_pop: f64 = whole
        .iter()
        .filter(|r| r["service_type"] == "gp")
        .map(|r| r["population"].parse::<f64>().unwrap())
        .sum();
    assert!((pop - whole_pop).abs() < 0.01, "{pop} vs {whole_pop}");
    // Partition gp coverage = covered / population of its rows.
    for s in &summary {
        let rows: Vec<_> = whole
            .iter()
            .filter(|r| r["group"] == s["partition"] && r["service_type"] == "gp")
            .collect();
        let p: f64 = rows
            .iter()
            .map(|r| r["population"].parse::<f64>().unwrap())
            .sum();
        let c: f64 = rows
            .iter()
            .map(|r| r["covered_population"].parse::<f64>().unwrap())
            .sum();
        let got: f64 = s["gp_coverage"].parse().unwrap();
        assert!(
            (got - c / p).abs() < 1e-8,
            "{}: {got} vs {}",
            s["partition"],
            c / p
        );
    }
}

#[test]
fn partitions_by_file_equal_the_whole_study() {
    let w = Workdir::new();
    w.ok(&["run", &study(), "--out", "whole", "--quiet"]);
    // Split the demo's wards into one file per council.
    let wards: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo_dir().join("wards.geojson")).unwrap()).unwrap();
    std::fs::create_dir(w.path("councils")).unwrap();
    for c in ["DEMO-C1", "DEMO-C2", "DEMO-C3"] {
        let features: Vec<_> = wards["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["properties"]["council_code"] == c)
            .cloned()
            .collect();
        let fc = serde_json::json!({"type": "FeatureCollection", "features": features});
        std::fs::write(w.path(&format!("councils/{c}.geojson")), fc.to_string()).unwrap();
    }
    let log = w.ok(&[
        "batch",
        "--study",
        &study(),
        "--areas",
        "councils",
        "--out",
        "batch",
    ]);
    assert!(log.contains("3 partitions (3 computed"), "{log}");
    assert_eq!(
        sorted_lines_without_partition(&w.path("batch/coverage.csv")),
        sorted_lines(&w.path("whole/coverage.csv"))
    );
}

#[test]
fn a_failed_partition_is_reported_and_resume_redoes_only_it() {
    let w = Workdir::new();
    let args = |extra: &[&str]| {
        let mut a = vec![
            "batch".to_string(),
            "--study".into(),
            study(),
            "--partition-by".into(),
            "council_code".into(),
            "--out".into(),
            "batch".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        w.run(&a)
    };
    let out = run(&["--fail-partition", "DEMO-C2"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("partition DEMO-C2 failed") && err.contains("--resume"),
        "{err}"
    );
    assert!(err.contains("(2 computed, 0 resumed, 1 failed)"), "{err}");
    let summary = read_csv(&w.path("batch/batch_summary.csv"));
    let c2 = summary
        .iter()
        .find(|r| r["partition"] == "DEMO-C2")
        .unwrap();
    assert_eq!(c2["status"], "failed");
    assert!(c2["error"].contains("on purpose"));
    let partial = read_csv(&w.path("batch/coverage.csv"));
    assert!(!partial.is_empty() && partial.iter().all(|r| r["group"] != "DEMO-C2"));
    assert!(partial.iter().all(|r| r["partition"] == r["group"]));

    // A partition cut short (its CSV truncated after the manifest was written) is redone too.
    let c1 = w.path("batch/partitions/DEMO-C1/coverage.csv");
    let text = std::fs::read_to_string(&c1).unwrap();
    std::fs::write(&c1, &text[..text.len() / 2]).unwrap();

    let out = run(&["--resume"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("3 partitions (2 computed, 1 resumed, 0 failed)"),
        "{err}"
    );

    let clean = Workdir::new();
    let a = args(&[]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    clean.ok(&a);
    for f in ["coverage.csv", "partitions/DEMO-C1/coverage.csv"] {
        assert_eq!(
            std::fs::read(w.path(&format!("batch/{f}"))).unwrap(),
            std::fs::read(clean.path(&format!("batch/{f}"))).unwrap(),
            "{f}: resumed run differs from a clean run"
        );
    }
}

#[test]
fn resume_recomputes_partitions_whose_inputs_changed() {
    let w = Workdir::new();
    let study = demo_copy(&w);
    let args = [
        "batch",
        "--study",
        &study,
        "--partition-by",
        "council_code",
        "--out",
        "batch",
    ];
    w.ok(&args);
    let mut resume = args.to_vec();
    resume.push("--resume");
    let log = w.ok(&resume);
    assert!(log.contains("(0 computed, 3 resumed, 0 failed)"), "{log}");
    // One digit of a provider's coordinate changed: same size, same modification time.
    let health = w.path("demo/health.csv");
    let mtime = std::fs::metadata(&health).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(&health).unwrap();
    let at = bytes.iter().rposition(|b| b.is_ascii_digit()).unwrap();
    bytes[at] = if bytes[at] == b'9' {
        b'8'
    } else {
        bytes[at] + 1
    };
    std::fs::write(&health, &bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&health)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let log = w.ok(&resume);
    assert!(log.contains("(3 computed, 0 resumed, 0 failed)"), "{log}");
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(w.path("batch/partitions/DEMO-C1/manifest.json")).unwrap(),
    )
    .unwrap();
    let inputs = manifest["inputs"].to_string();
    assert!(
        inputs.contains("health.csv") && inputs.contains("fnv64"),
        "{inputs}"
    );
}

#[test]
fn overlapping_partitions_are_told_apart_and_warned() {
    let w = Workdir::new();
    let wards: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo_dir().join("wards.geojson")).unwrap()).unwrap();
    let of = |councils: &[&str]| -> Vec<serde_json::Value> {
        wards["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                councils
                    .iter()
                    .any(|c| f["properties"]["council_code"] == *c)
            })
            .cloned()
            .collect()
    };
    std::fs::create_dir(w.path("parts")).unwrap();
    // "b" repeats every ward of "a".
    for (name, councils) in [("a", &["DEMO-C1"][..]), ("b", &["DEMO-C1", "DEMO-C2"][..])] {
        let fc = serde_json::json!({"type": "FeatureCollection", "features": of(councils)});
        std::fs::write(w.path(&format!("parts/{name}.geojson")), fc.to_string()).unwrap();
    }
    let shared = of(&["DEMO-C1"]).len();
    let log = w.ok(&[
        "batch",
        "--study",
        &study(),
        "--areas",
        "parts",
        "--out",
        "batch",
    ]);
    assert!(
        log.contains(&format!(
            "warning: {shared} area codes are in more than one partition"
        )),
        "{log}"
    );
    let code = of(&["DEMO-C1"])[0]["properties"]["ward_code"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(log.contains(&format!("{code} in a and b")), "{log}");
    let rows = read_csv(&w.path("batch/coverage.csv"));
    let mut parts: Vec<&str> = rows
        .iter()
        .filter(|r| r["area_code"] == code && r["service_type"] == "gp")
        .map(|r| r["partition"].as_str())
        .collect();
    parts.sort();
    assert_eq!(parts, ["a", "b"]);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("batch/batch.json")).unwrap()).unwrap();
    assert_eq!(json["duplicate_codes"]["count"], shared);
    assert!(json["warnings"][0]
        .as_str()
        .unwrap()
        .contains("more than one partition"));
}

#[test]
fn a_batch_keeps_to_a_folder_of_its_own_and_leaves_no_stale_combined_files() {
    let w = Workdir::new();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    let study = demo.join("study.toml");
    w.ok(&[
        "run",
        study.to_str().unwrap(),
        "--out",
        "run_out",
        "--quiet",
    ]);
    let areas = demo.join("wards.geojson");
    let health = demo.join("health.csv");
    let batch = |out: &str| {
        w.run(&[
            "batch",
            "--areas",
            areas.to_str().unwrap(),
            "--id",
            "ward_code",
            "--group",
            "council_code",
            "--providers",
            health.to_str().unwrap(),
            "--type-column",
            "service_type",
            "--radius-m",
            "1600",
            "--crs",
            "EPSG:27700",
            "--out",
            out,
            "--quiet",
        ])
    };
    // Into a run's folder: refused, the run's files untouched.
    let out = batch("run_out");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("output of a lacuna run"));
    assert!(w.path("run_out/report.html").exists());
    // A batch killed before its combined files leaves none of the previous batch's.
    assert!(batch("b").status.success());
    assert!(w.path("b/coverage.csv").exists());
    std::fs::write(w.path("b/.lacuna-stale"), "half").unwrap();
    let lock = w.path(".b.lacuna-lock");
    let held = std::fs::File::create(&lock).unwrap();
    held.lock().unwrap();
    let refused = batch("b");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("another lacuna run"));
    drop(held);
    assert!(batch("b").status.success());
    assert!(!w.path("b/.lacuna-stale").exists());
    assert!(!lock.exists());
}
