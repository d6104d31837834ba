//! The study's change to weigh (`[scenario]`, `lacuna scenario`): the ids to close resolved to
//! providers, and the new sites read like provider files.

use std::collections::BTreeMap;

use super::providers::{build_providers, Region, SeenTypes};
use super::{read, transform_layer, FileReport};
use crate::config::{ScenarioSpec, StudySpec};
use crate::crs::Crs;
use crate::error::{Error, Result};
use geo::Coord;
use lacuna_core::metrics::scenario::Change;
use lacuna_core::model::Provider;

/// Resolves `scenario` against the loaded `providers` (in canonical order): every id to close
/// must name at least one provider, and every new site must be of a service type the study has.
/// Notes (an id shared by several providers) go to `warnings`.
pub(super) fn change(
    spec: &StudySpec,
    scenario: &ScenarioSpec,
    providers: &[Provider],
    service_types: &[String],
    (region, working_crs): (&Region, Crs),
    files: &mut Vec<FileReport>,
    warnings: &mut Vec<String>,
) -> Result<Change> {
    let mut ids: Vec<(String, Option<Coord>)> =
        scenario.close.iter().map(|id| (id.clone(), None)).collect();
    if let Some(path) = &scenario.close_file {
        ids.extend(ids_in(path, working_crs)?);
    }
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in providers.iter().enumerate() {
        by_id.entry(p.id.as_str()).or_default().push(i);
    }
    let mut close = Vec::new();
    let mut unknown = Vec::new();
    for (id, at) in ids
        .iter()
        .map(|(s, at)| (s.trim(), at))
        .filter(|(s, _)| !s.is_empty())
    {
        match (by_id.get(id), at) {
            (None, _) => unknown.push(id.to_string()),
            // Where the close file says where (as critical_providers.csv does), the provider
            // of that id at that site: several sites may share a name ("Trussell Trust").
            (Some(found), Some(at)) if found.len() > 1 => {
                let d = |i: usize| {
                    let s = providers[i].site;
                    (s.x - at.x).hypot(s.y - at.y)
                };
                let near: Vec<usize> = found
                    .iter()
                    .copied()
                    .filter(|&i| d(i) <= SAME_SITE_M)
                    .collect();
                if near.is_empty() {
                    return Err(Error::Config(format!(
                        "scenario: provider id {id:?} names {} providers, none within {SAME_SITE_M} m \
                         of the close file's lon/lat for it (the nearest is {:.0} m away); check \
                         the coordinates, or drop them to close every provider of that id",
                        found.len(),
                        found.iter().map(|&i| d(i)).fold(f64::INFINITY, f64::min)
                    )));
                }
                close.extend(near);
            }
            (Some(found), _) => {
                if found.len() > 1 {
                    warnings.push(format!(
                        "scenario: provider id {id:?} names {} providers; all of them are closed",
                        found.len()
                    ));
                }
                close.extend(found);
            }
        }
    }
    if !unknown.is_empty() {
        return Err(Error::Config(format!(
            "scenario: {} provider ids to close name no provider: {}. Ids come from the \
             providers files' id column (id = ...); critical_providers.csv lists them",
            unknown.len(),
            super::list(&unknown, 5)
        )));
    }
    close.sort_unstable();
    close.dedup();
    let mut open = Vec::new();
    for input in &scenario.open {
        let mut layer = read(&input.path, input.crs, input.layer.as_deref(), spec)?;
        transform_layer(&mut layer, working_crs)?;
        let mut seen = SeenTypes::new();
        let sites = build_providers(spec, input, &mut layer, region, &mut seen, files)?;
        if let Some(p) = sites
            .iter()
            .find(|p| !service_types.contains(&p.service_type))
        {
            return Err(Error::Config(format!(
                "{}: new site {:?} is of service type {:?}, which no provider of the study has \
                 (types: {})",
                input.path.display(),
                p.id,
                p.service_type,
                service_types.join(", ")
            )));
        }
        open.extend(sites);
    }
    Ok(Change { close, open })
}

/// How far (m) a close file's lon/lat may be from the provider it means: its coordinates have
/// 6 decimals (about 0.1 m), and two sites of one name are further apart than this.
const SAME_SITE_M: f64 = 5.0;

/// The ids listed in a CSV (its `provider`, `provider_id` or `id` column, else its first), each
/// with its site in `working_crs` when the CSV has `lon` and `lat` columns (as
/// critical_providers.csv has).
fn ids_in(path: &std::path::Path, working_crs: Crs) -> Result<Vec<(String, Option<Coord>)>> {
    let table = crate::csv::read_table(path)?;
    let col = |names: &[&str]| {
        names
            .iter()
            .find_map(|c| table.columns.iter().position(|x| x.eq_ignore_ascii_case(c)))
    };
    let column = col(&["provider", "provider_id", "id"]).unwrap_or(0);
    let lonlat = col(&["lon", "longitude"]).zip(col(&["lat", "latitude"]));
    let to_working = crate::crs::Transformer::new(crate::crs::WGS84, working_crs)
        .map_err(|e| Error::crs(path, e))?;
    let mut out = Vec::new();
    for f in &table.features {
        let Some(id) = f.values.get(column).and_then(|v| v.as_text()) else {
            continue;
        };
        let number = |k: usize| f.values.get(k).and_then(|v| v.as_number().ok().flatten());
        let at = match lonlat.map(|(x, y)| (number(x), number(y))) {
            Some((Some(lon), Some(lat))) => Some(
                to_working
                    .point(Coord { x: lon, y: lat })
                    .map_err(|e| Error::crs(path, e))?,
            ),
            _ => None,
        };
        out.push((id, at));
    }
    Ok(out)
}
