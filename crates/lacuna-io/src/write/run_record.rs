//! `run.json`: what was run, on what, and what happened to every input: the inputs and their
//! CRS, the working CRS, per-file counts (kept, repaired, dropped, each problem listed),
//! the population method, parameters and the tool's version.

use std::path::Path;

use serde_json::json;

use crate::atomic::write_atomic;
use crate::error::Result;
use crate::load::LoadedStudy as Study;
use lacuna_core::metrics::coverage::{Coverage, PopulationMethod};

/// What the population figures mean under each population method.
pub fn population_note(method: PopulationMethod) -> &'static str {
    match method {
        PopulationMethod::Points => "population from population-weighted points; a point is covered when it lies within a catchment (exact distance for discs); nearest_m is the population-weighted mean distance from the points to the nearest provider site (from the area's interior point when it has no point)",
        PopulationMethod::UniformFromNeed => "population from the need file, spread uniformly over each area: covered_population = population x area_share; nearest_m is measured from each area's interior point",
        PopulationMethod::None => "no population given: population columns are empty; nearest_m is measured from each area's interior point",
    }
}

/// Writes `run.json`; `findings_notes` are what the findings must say besides their numbers
/// ([`Findings::notes`](lacuna_core::metrics::findings::Findings::notes)).
///
/// # Errors
/// When the file cannot be written.
pub fn write_run_record(
    path: &Path,
    study: &Study,
    coverage: &Coverage,
    timings: &[(&str, f64)],
    outputs: &[crate::provenance::OutputFile],
    findings_notes: &[String],
) -> Result<()> {
    let method = coverage.method;
    let failures = &coverage.failures;
    let per_type: Vec<_> = study
        .service_types
        .iter()
        .map(|t| {
            let n = study
                .providers
                .iter()
                .filter(|p| &p.service_type == t)
                .count();
            json!({"service_type": t, "providers": n})
        })
        .collect();
    let population_note = population_note(method);
    let record = json!({
        "tool": "lacuna",
        "version": env!("CARGO_PKG_VERSION"),
        "run_id": study.run_id,
        "study": study.spec.name,
        "spec": study.spec,
        "working_crs": study.working_crs.to_string(),
        "working_crs_source": study.working_crs_source,
        "crs_note": "inputs in other CRSs were transformed with proj4rs; OSGB36<->WGS84 uses the 7-parameter Helmert shift (2-5 m from OSTN15)",
        "catchment_method": "discs are exact circles (area of polygon intersected with a union of circles by Green's theorem; no polygonisation); polygon catchments use geo boolean operations, with discs polygonised as inscribed 1024-gons (area -6.3e-6) only in service types that mix both",
        "population_method": method,
        "population_note": population_note,
        "findings_weighted_by": if method == PopulationMethod::None { "area_m2 (no population was given: population columns of the findings are named area_m2)" } else { "population" },
        "counts": {
            "areas": study.areas.len(),
            "providers": study.providers.len(),
            "providers_per_type": per_type,
            "points": study.points.as_ref().map(|p| p.len()),
            "rows": coverage.rows.len(),
            "overlay_failures": failures.len(),
        },
        "files": study.files,
        "need_join": study.need,
        "network": study.street_network,
        "warnings": study.warnings,
        "findings_notes": findings_notes,
        "overlay_failures": failures,
        "load_timings_s_cumulative": study.timings.iter().map(|(k, v)| (k.clone(), json!((v * 1000.0).round() / 1000.0))).collect::<serde_json::Map<_, _>>(),
        "outputs": outputs,
        "timings_s": timings.iter().map(|(k, v)| ((*k).to_string(), json!((v * 1000.0).round() / 1000.0))).collect::<serde_json::Map<_, _>>(),
    });
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, &record)?;
        w.write_all(b"\n")
    })
}
