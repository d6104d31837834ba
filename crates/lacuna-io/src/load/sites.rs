//! The study's question of where to open next (`[sites]`, `lacuna sites`): the service, the
//! radius of a new site, and the candidates, from a file or a grid over the areas.

use geo::{Coord, InteriorPoint};

use super::{read, transform_layer};
use crate::config::{SitesSpec, StudySpec};
use crate::crs::Crs;
use crate::error::{Error, Result};
use lacuna_core::metrics::sites::{grid_candidates, SitesInput};
use lacuna_core::Study;

/// Default grid spacing of candidate sites, metres.
pub const DEFAULT_GRID_M: f64 = 500.0;

/// Resolves `sites` against the loaded `study`.
pub(super) fn input(
    spec: &StudySpec,
    sites: &SitesSpec,
    study: &Study,
    working_crs: Crs,
) -> Result<SitesInput> {
    let Some(service) = study.service_types.iter().position(|t| *t == sites.service) else {
        return Err(Error::Config(format!(
            "sites: service {:?} is not a service type of the study (types: {})",
            sites.service,
            study.service_types.join(", ")
        )));
    };
    if sites.k == 0 {
        return Err(Error::Config(
            "sites: k is 0: ask for at least one site".into(),
        ));
    }
    let radius_m = sites
        .radius_m
        .or_else(|| spec.services.get(&sites.service).and_then(|s| s.radius_m))
        .filter(|r| *r > 0.0 && *r <= crate::config::MAX_RADIUS_M)
        .ok_or_else(|| {
            Error::Config(format!(
                "sites: no catchment radius for a new {} site: give --radius-m (or radius_m in \
                 [services.{}])",
                sites.service, sites.service
            ))
        })?;
    let candidates = match &sites.candidates {
        Some(path) => from_file(spec, path, working_crs)?,
        None => {
            let step = sites.grid_m.unwrap_or(DEFAULT_GRID_M);
            if step.is_nan() || step <= 0.0 {
                return Err(Error::Config(format!(
                    "sites: grid_m {step} is not positive"
                )));
            }
            grid_candidates(study, step)
        }
    };
    if candidates.is_empty() {
        return Err(Error::Config(
            "sites: no candidate site (the file has none, or no grid cell centre lies in an area)"
                .into(),
        ));
    }
    Ok(SitesInput {
        service,
        k: sites.k,
        radius_m,
        candidates,
        exact: sites.exact,
    })
}

/// Candidate sites from a file: each feature's point (a polygon's interior point), named by its
/// `id`, `site_id` or `name` column, else by its position.
fn from_file(
    spec: &StudySpec,
    path: &std::path::Path,
    working_crs: Crs,
) -> Result<Vec<(String, Coord)>> {
    let mut layer = read(path, None, None, spec)?;
    transform_layer(&mut layer, working_crs)?;
    let column = ["id", "site_id", "name"]
        .iter()
        .find_map(|c| layer.columns.iter().position(|x| x.eq_ignore_ascii_case(c)));
    let mut out = Vec::new();
    for f in &layer.features {
        let at = match &f.geometry {
            Some(geo::Geometry::Point(p)) => Some(p.0),
            Some(g) => g.interior_point().map(|p| p.0),
            None => None,
        };
        let Some(at) = at else {
            return Err(Error::value(
                path,
                format!(
                    "{}: a candidate site without a location",
                    layer.describe(f.position)
                ),
            ));
        };
        let id = column
            .and_then(|c| f.values[c].as_text())
            .unwrap_or_else(|| format!("candidate {}", f.position));
        out.push((id, at));
    }
    Ok(out)
}
