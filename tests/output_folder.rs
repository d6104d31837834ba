//! An output folder is one whole run: runs killed at random moments over a previous complete
//! set leave exactly one run's files (every file listed in `run.json` with its hash, every layer
//! and the report naming the same run), two runs into one folder are refused, and nothing
//! hidden is left beside the folder.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::Workdir;

fn demo_study() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo/study.toml").to_string()
}

fn files_under(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(root, &p, out);
        } else {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy();
            out.insert(rel.replace('\\', "/"));
        }
    }
}

/// Checks that `out` holds one complete run and returns its id.
fn one_whole_run(out: &Path) -> String {
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let id = record["run_id"].as_str().unwrap().to_string();
    let listed: BTreeSet<String> = record["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let bytes = std::fs::read(out.join(path))
                .unwrap_or_else(|e| panic!("{path} is listed in run.json but unreadable: {e}"));
            assert_eq!(f["bytes"].as_u64(), Some(bytes.len() as u64), "{path}");
            let hash = format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes));
            assert_eq!(
                f["xxh3"].as_str(),
                Some(hash.as_str()),
                "{path} is from another run"
            );
            if path.ends_with(".geojson") {
                let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
                assert!(
                    head.contains(&format!("\"run_id\":\"{id}\"")),
                    "{path}: {head}"
                );
            }
            path.to_string()
        })
        .collect();
    let mut present = BTreeSet::new();
    files_under(out, out, &mut present);
    present.remove("run.json");
    assert_eq!(present, listed, "files on disk and in run.json differ");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains(&format!("(run {id})")));
    id
}

fn hidden_beside(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn runs_killed_at_random_moments_leave_one_whole_run() {
    let w = Workdir::new();
    let study = demo_study();
    w.ok(&["run", &study, "--out", "out", "--quiet"]);
    let first = one_whole_run(&w.path("out"));
    // The second run differs in its settings, so its files carry another run id.
    let t = Instant::now();
    w.ok(&["run", &study, "--out", "probe", "--strict", "--quiet"]);
    let span = t.elapsed().as_secs_f64().max(0.2);
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut seen = BTreeSet::new();
    for round in 0..10 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let delay = span * 1.1 * ((seed >> 11) as f64 / (1u64 << 53) as f64);
        let mut child = Command::new(env!("CARGO_BIN_EXE_lacuna"))
            .args(["run", &study, "--out", "out", "--strict", "--quiet"])
            .current_dir(w.path(""))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_secs_f64(delay));
        if round % 3 == 2 {
            // SIGTERM: the run removes its staging folder itself.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
        } else {
            let _ = child.kill();
        }
        child.wait().unwrap();
        seen.insert(one_whole_run(&w.path("out")));
    }
    w.ok(&["run", &study, "--out", "out", "--strict", "--quiet"]);
    let second = one_whole_run(&w.path("out"));
    assert_ne!(first, second);
    assert!(seen.is_subset(&[first, second].into()), "{seen:?}");
    assert!(
        hidden_beside(&w.path("")).is_empty(),
        "{:?}",
        hidden_beside(&w.path(""))
    );
}

#[test]
fn a_failed_run_keeps_the_previous_set_and_a_dropped_service_leaves_no_maps() {
    let w = Workdir::new();
    let study = demo_study();
    w.ok(&["run", &study, "--out", "out", "--quiet"]);
    let first = one_whole_run(&w.path("out"));
    assert!(w.path("out/maps/coverage_gp.svg").exists());
    // A study that fails after the lock is taken (its areas do not exist).
    let broken = w.write(
        "broken.toml",
        "[areas]\npath = \"missing.geojson\"\n[[providers]]\npath = \"p.csv\"\n",
    );
    w.fails(&["run", broken.to_str().unwrap(), "--out", "out"]);
    assert_eq!(one_whole_run(&w.path("out")), first);
    // The demo without its libraries: no library map may stay behind.
    let text = std::fs::read_to_string(&study).unwrap();
    let dir = Path::new(&study).parent().unwrap();
    let without = text
        .replace(
            "[[providers]]\npath = \"libraries.geojson\"\nservice_type = \"library\"\n",
            "",
        )
        .replace("[services.library]\nradius_m = 2000\n", "")
        .replace("path = \"", &format!("path = \"{}/", dir.display()));
    assert!(
        !without.contains("library"),
        "the demo study changed: update this test"
    );
    let without = w.write("no_library.toml", &without);
    w.ok(&["run", without.to_str().unwrap(), "--out", "out", "--quiet"]);
    assert_ne!(one_whole_run(&w.path("out")), first);
    assert!(w.path("out/maps/coverage_gp.svg").exists());
    assert!(!w.path("out/maps/coverage_library.svg").exists());
}

#[test]
fn a_second_run_into_the_same_folder_is_refused_and_other_folders_are_not_replaced() {
    let w = Workdir::new();
    let study = demo_study();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lacuna"))
        .args(["run", &study, "--out", "out", "--quiet"])
        .current_dir(w.path(""))
        .spawn()
        .unwrap();
    // Wait until the first run holds the lock.
    let lock = w.path(".out.lacuna-lock");
    let t = Instant::now();
    while !lock.exists() && t.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = w.run(&["run", &study, "--out", "out", "--quiet"]);
    let first_still_running = child.try_wait().unwrap().is_none();
    assert!(child.wait().unwrap().success());
    let err = String::from_utf8_lossy(&second.stderr);
    if first_still_running {
        assert_eq!(second.status.code(), Some(2), "{err}");
    }
    if !second.status.success() {
        assert!(err.contains("another lacuna run"), "{err}");
    }
    one_whole_run(&w.path("out"));
    std::fs::create_dir(w.path("mine")).unwrap();
    w.write("mine/notes.txt", "mine");
    let err = w.fails(&["run", &study, "--out", "mine", "--quiet"]);
    assert!(err.contains("not a lacuna output folder"), "{err}");
    assert!(w.path("mine/notes.txt").exists());
}

/// The demo study with its points and every population column removed, in `w`.
fn demo_without_population(w: &Workdir) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    let need = std::fs::read_to_string(dir.join("need.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(need.as_bytes());
    let header = rows.headers().unwrap().clone();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| !header[i].contains("population"))
        .collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(keep.iter().map(|&i| &header[i])).unwrap();
    for r in rows.records() {
        let r = r.unwrap();
        out.write_record(keep.iter().map(|&i| &r[i])).unwrap();
    }
    w.write(
        "need.csv",
        &String::from_utf8(out.into_inner().unwrap()).unwrap(),
    );
    let text = std::fs::read_to_string(dir.join("study.toml")).unwrap();
    let text = text
        .replace(
            "[points]\npath = \"population_points.csv\"\npopulation = \"population\"\narea_column = \"ward_code\"\n",
            "",
        )
        .replace("population = \"population\"\n", "")
        .replace("path = \"", &format!("path = \"{}/", dir.display()))
        .replace(&format!("{}/need.csv", dir.display()), "need.csv");
    assert!(
        !text.contains("population"),
        "the demo study changed: update this test"
    );
    w.write("no_population.toml", &text)
}

#[test]
fn without_population_nothing_calls_area_people() {
    let w = Workdir::new();
    let study = demo_without_population(&w);
    let said = w.ok(&["run", study.to_str().unwrap(), "--out", "out"]);
    // Said once, before any other figure (the first line names the study).
    let up_front = said.lines().nth(1).unwrap_or_default();
    assert!(up_front.contains("weighted by area, not people"), "{said}");
    assert_eq!(said.matches("weighted by area, not people").count(), 1);
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let people = |text: &str| {
        words(text)
            .replace(&words(lacuna_render::document::AREA_BASED), "")
            .to_lowercase()
            .contains("people")
    };
    assert!(!people(&said), "{said}");
    for f in ["findings.md", "report.md", "report.html"] {
        let text = std::fs::read_to_string(w.path("out").join(f)).unwrap();
        assert!(text.contains("weighted by area, not people"), "{f}");
        assert!(!people(&text), "{f} calls area people");
    }
    for t in ["gp", "library"] {
        for m in ["coverage", "unmet_need", "equity"] {
            let svg = std::fs::read_to_string(w.path(&format!("out/maps/{m}_{t}.svg"))).unwrap();
            assert!(!people(&svg), "{m}_{t}.svg calls area people");
        }
    }
    let unserved = std::fs::read_to_string(w.path("out/unserved.csv")).unwrap();
    let header = unserved.lines().next().unwrap();
    assert!(
        header.contains(",area_m2,") && !header.contains("population"),
        "{header}"
    );
    // The tables hold m², the text km²: the first unserved area's size agrees.
    let rows = crate::util::read_csv(&w.path("out/unserved.csv"));
    let m2: f64 = rows[0]["uncovered_area_m2"].parse().unwrap();
    let md = std::fs::read_to_string(w.path("out/findings.md")).unwrap();
    assert!(md.contains(&format!("{:.2}", m2 / 1e6)), "{md}");
    // Unmet need too is shown in km² (the table holds m² x weight).
    let unmet: f64 = rows[0]["unmet_need"].parse().unwrap();
    assert!(md.contains(&format!("| {:.2} |", unmet / 1e6)), "{md}");
}
