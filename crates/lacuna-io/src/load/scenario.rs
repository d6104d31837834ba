//! The study's change to weigh (`[scenario]`, `lacuna scenario`): the ids to close resolved to
//! providers, and the new sites read like provider files.

use std::collections::BTreeMap;

use super::providers::{build_providers, Region, SeenTypes};
use super::{read, transform_layer, FileReport};
use crate::config::{ScenarioSpec, StudySpec};
use crate::crs::Crs;
use crate::error::{Error, Result};
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
    let mut ids = scenario.close.clone();
    if let Some(path) = &scenario.close_file {
        ids.extend(ids_in(path)?);
    }
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in providers.iter().enumerate() {
        by_id.entry(p.id.as_str()).or_default().push(i);
    }
    let mut close = Vec::new();
    let mut unknown = Vec::new();
    for id in ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match by_id.get(id) {
            None => unknown.push(id.to_string()),
            Some(found) => {
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

/// The ids listed in a CSV: its `provider`, `provider_id` or `id` column, else its first.
fn ids_in(path: &std::path::Path) -> Result<Vec<String>> {
    let table = crate::csv::read_table(path)?;
    let column = ["provider", "provider_id", "id"]
        .iter()
        .find_map(|c| table.columns.iter().position(|x| x.eq_ignore_ascii_case(c)))
        .unwrap_or(0);
    Ok(table
        .features
        .iter()
        .filter_map(|f| f.values.get(column).and_then(|v| v.as_text()))
        .collect())
}
