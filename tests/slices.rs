//! Each finding alone (`lacuna unserved`, `equity`, `lottery`, `reach`) writes exactly its own
//! files, byte for byte what `lacuna run` writes for them, and says in `findings.md` which figures were not computed rather than showing them as zero.

use crate::util::{demo_dir, Workdir};

fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn each_finding_alone_writes_its_files_as_the_whole_run_does() {
    let w = Workdir::new();
    let study = demo_dir().join("study.toml");
    let study = study.to_str().unwrap();
    w.ok(&["run", study, "--out", "all", "-q"]);
    let common = ["areas.geojson", "coverage.csv", "run.json"];
    let cases: [(&str, &[&str]); 7] = [
        (
            "unserved",
            &[
                "gaps.geojson",
                "unserved.csv",
                "unserved.geojson",
                "findings.md",
            ],
        ),
        (
            "equity",
            &["access_equity.csv", "equity_deciles.csv", "findings.md"],
        ),
        (
            "lottery",
            &[
                "groups.csv",
                "lottery.geojson",
                "lottery_pairs.csv",
                "findings.md",
            ],
        ),
        (
            "reach",
            &["critical_providers.csv", "network_gaps.csv", "reach.csv"],
        ),
        (
            "access",
            &["access.csv", "access_summary.csv", "findings.md"],
        ),
        (
            "hotspots",
            &["hotspots.csv", "hotspots_weights.gal", "findings.md"],
        ),
        (
            "bundles",
            &["bundles.csv", "bundles_summary.csv", "findings.md"],
        ),
    ];
    for (finding, files) in cases {
        w.ok(&[finding, study, "--out", finding, "-q"]);
        let mut expected: Vec<String> = common
            .iter()
            .chain(files.iter())
            .map(|s| s.to_string())
            .collect();
        expected.sort();
        assert_eq!(listing(&w.path(finding)), expected, "lacuna {finding}");
        for name in files.iter().chain(&["coverage.csv", "areas.geojson"]) {
            if *name == "findings.md" {
                continue;
            }
            assert!(
                std::fs::read(w.path(finding).join(name)).unwrap()
                    == std::fs::read(w.path("all").join(name)).unwrap(),
                "lacuna {finding}: {name} differs from lacuna run's"
            );
        }
    }
    let md = std::fs::read_to_string(w.path("lottery").join("findings.md")).unwrap();
    assert!(md.contains("not computed"), "{md}");
    assert!(!md.contains("Unserved neighbourhoods"), "{md}");
    assert!(md.contains("Postcode lottery"), "{md}");
    let all = std::fs::read_to_string(w.path("all").join("findings.md")).unwrap();
    assert!(!all.contains("not computed"), "{all}");
}
