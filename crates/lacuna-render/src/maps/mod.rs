//! The maps and the chart of a study, each as SVG and as the PNG rendered from that SVG: maps
//! are drawn on a [`Canvas`](crate::canvas::Canvas), the chart with plotters:
//!
//! - `coverage_<type>`: areas shaded by the share of people within reach, in classes of a
//!   colour-blind-safe sequential palette (viridis; fixed breaks or population quantiles, see
//!   `[maps]`), council boundaries over them, gap polygons outlined, providers as dots;
//! - `unmet_need_<type>`: unserved areas shaded by unmet need (uncovered people x need weight,
//!   ColorBrewer YlOrRd in population quantiles), the top ones numbered and listed;
//! - `lottery_<type>`: council boundaries emphasised, the flagged cross-boundary pairs as bold
//!   links coloured by the difference in coverage;
//! - `access_<type>` (services with capacities): areas shaded by capacity-aware access over
//!   the study's mean, in a diverging palette around 1 (ColorBrewer PuOr);
//! - `equity_<type>` (universal services with a deprivation measure): coverage by deprivation
//!   decile per council (the equity finding's `equity_deciles`), and the concentration curve
//!   against the line of equality.
//!
//! Every map has a title, legend, scale bar, north arrow and the study's attribution line. Maps
//! are drawn in the working CRS (British National Grid in Great Britain, whose grid north is
//! within a few degrees of true north across Britain). Output is deterministic.
//!
//! The parts: [`basemap`] (what every map of a study shares), [`page`] (frame and layout),
//! [`topology`] (thinning, outlines, chains), [`classes`] (breaks and palettes), one file per
//! map kind and [`equity`] for the chart.

mod access;
mod basemap;
mod bundles;
mod classes;
mod coverage;
mod equity;
mod hotspots;
mod lottery;
mod page;
mod scenario;
mod sites;
mod topology;
mod unmet_need;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub(crate) use access::access_shading;
pub(crate) use basemap::{Basemap, MapArea};
pub(crate) use classes::{class_of, quantile_breaks, spread, Shading, NO_DATA, VIRIDIS};
pub(crate) use coverage::coverage_shading;
pub(crate) use hotspots::hotspot_shading;
pub(crate) use hotspots::variable_name;
pub(crate) use page::Swatch;
pub(crate) use scenario::{changed_providers, scenario_shading};
pub(crate) use unmet_need::unmet_need_shading;

use crate::canvas::write_png;
use lacuna_core::metrics::coverage::Coverage;
use lacuna_core::metrics::findings::{Finding, Findings};
use lacuna_io::atomic::write_atomic;
use lacuna_io::error::Result;
use lacuna_io::LoadedStudy as Study;

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// `s` with its first letter in upper case.
pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The study's name, or `fallback` when it has none.
pub(crate) fn study_name<'a>(study: &'a Study, fallback: &'a str) -> &'a str {
    if study.spec.name.is_empty() {
        fallback
    } else {
        &study.spec.name
    }
}

/// A map's title: the study's name, `what` and the service (`"{name}: {what} {service}"`).
fn title(study: &Study, what: &str, t: usize) -> String {
    let name = study_name(study, "Study");
    format!("{name}: {what} {}", study.service_label(t))
}

/// Draws every map and chart of a study into `dir` (PNG and SVG; PNG per `[maps] png`), in
/// parallel; returns the files written, in a fixed order.
///
/// # Errors
/// When a file cannot be written.
pub fn write_all(
    dir: &Path,
    study: &Study,
    coverage: &Coverage,
    findings: &Findings,
) -> Result<Vec<PathBuf>> {
    let base = Basemap::for_study(study);
    // Each kind of map belongs to a finding, and is drawn when that finding was computed.
    let kinds = [
        ("coverage", Finding::Unserved),
        ("unmet_need", Finding::Unserved),
        ("lottery", Finding::Lottery),
        ("equity", Finding::Equity),
        ("access", Finding::Access),
        ("scenario", Finding::Scenario),
        ("hotspots", Finding::Hotspots),
    ];
    // (Bundle maps are per bundle, below.)
    let kinds: Vec<&str> = kinds
        .into_iter()
        .filter(|(_, f)| findings.has(*f))
        .map(|(k, _)| k)
        .collect();
    // One map per service type and kind, then one per bundle: (file stem, kind, index).
    let mut jobs: Vec<(String, &str, usize)> = (0..study.service_types.len())
        .flat_map(|t| {
            kinds
                .iter()
                .map(move |k| (format!("{k}_{}", study.service_types[t]), *k, t))
        })
        .collect();
    if let Some(s) = &findings.sites {
        let name = &study.service_types[s.input.service];
        jobs.push((format!("sites_{name}"), "sites", s.input.service));
    }
    if let Some(b) = &findings.bundles {
        jobs.extend((0..b.names.len()).map(|i| (format!("bundle_{}", b.names[i]), "bundle", i)));
    }
    let draw = |t: usize, kind: &str| match kind {
        "coverage" => Some(coverage::coverage_map(study, &base, coverage, findings, t).to_svg()),
        "unmet_need" => Some(unmet_need::unmet_need_map(study, &base, findings, t).to_svg()),
        "lottery" => Some(lottery::lottery_map(study, &base, findings, t).to_svg()),
        "access" => findings
            .capacity
            .services
            .iter()
            .find(|a| a.service == t)
            .map(|a| access::access_map(study, &base, a).to_svg()),
        "scenario" => findings
            .scenario
            .as_ref()
            .and_then(|s| scenario::scenario_map(study, &base, s, t))
            .map(|c| c.to_svg()),
        "hotspots" => findings
            .hotspots
            .as_ref()
            .map(|h| hotspots::hotspot_map(study, &base, h, t).to_svg()),
        "sites" => findings
            .sites
            .as_ref()
            .map(|s| sites::sites_map(study, &base, coverage, s).to_svg()),
        "bundle" => findings
            .bundles
            .as_ref()
            .map(|b| bundles::bundle_map(study, &base, b, t).to_svg()),
        _ => equity::equity_chart(study, &base, findings, t),
    };
    let written: Vec<Vec<PathBuf>> = jobs
        .par_iter()
        .map(|(stem, kind, t)| -> Result<Vec<PathBuf>> {
            let Some(svg) = draw(*t, kind) else {
                return Ok(Vec::new());
            };
            let svg_path = dir.join(format!("{stem}.svg"));
            write_atomic(&svg_path, |w| w.write_all(svg.as_bytes()))?;
            let mut out = vec![svg_path];
            if study.spec.maps.png {
                let p = dir.join(format!("{stem}.png"));
                write_png(&svg, &p)?;
                out.push(p);
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    Ok(written.into_iter().flatten().collect())
}
