//! A finding of your own from a `Study` and its `Coverage`: per service type, the areas whose
//! covered share of people is below the study's median for that service, printed as CSV with
//! the people they would gain at the median, the largest shortfall first. (A service that
//! leaves most areas wholly uncovered has a median of 0 and no area below it.)
//!
//! `cargo run --example custom_finding [STUDY.toml]` (default: the demo study)

use std::path::PathBuf;

use lacuna_core::coverage;
use lacuna_core::metrics::access::access;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/demo/study.toml"),
        PathBuf::from,
    );
    let study = lacuna_io::load(&lacuna_io::StudySpec::from_toml_file(&path)?)?;
    let coverage = coverage(&study);
    println!("service_type,area_code,area_name,weight,share,median_share,short");
    for (t, service) in study.service_types.iter().enumerate() {
        // Each area's covered share of people and its population (its share of area and its
        // area in m² when the study has no population), as the built-in findings read them.
        let a = access(&study, &coverage, t);
        let Some(median) = median(a.share.clone()) else {
            continue;
        };
        let mut below: Vec<(usize, f64)> = (0..study.areas.len())
            .filter(|&i| a.share[i] < median)
            .map(|i| (i, (median - a.share[i]) * a.weight[i]))
            .collect();
        below.sort_by(|x, y| y.1.total_cmp(&x.1));
        for (i, short) in below {
            let area = &study.areas[i];
            println!(
                "{service},{},\"{}\",{:.0},{:.3},{median:.3},{short:.0}",
                area.code,
                area.name.replace('"', "\"\""),
                a.weight[i],
                a.share[i],
            );
        }
    }
    Ok(())
}

/// The median of `v` (the mean of the middle two for an even count); None when empty.
fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}
