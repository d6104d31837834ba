//! The areas: normalise each polygon (in parallel), account for each feature and refuse
//! repeated codes. Which columns hold the code, name and group is chosen in `columns`.

use rayon::prelude::*;

use super::columns::{area_columns, AreaColumns};
use super::{list, strict_check, FileReport};
use crate::config::StudySpec;
use crate::error::{Error, Result};
use crate::Layer;
use lacuna_core::model::Area;
use lacuna_core::normalise::{self, Fixed};
use lacuna_core::spatial::overlay::LocalPolygon;

/// Builds the areas from their layer (consumed, so raw geometry is freed as it is normalised);
/// returns them sorted by code, with the name of the id column used.
pub(super) fn build_areas(
    spec: &StudySpec,
    mut layer: Layer,
    files: &mut Vec<FileReport>,
) -> Result<(
    Vec<Area>,
    String,
    std::collections::BTreeMap<String, String>,
)> {
    let layer = &mut layer;
    let a = &spec.areas;
    let columns = area_columns(spec, layer)?;
    let group_names = group_names(layer, columns.group, a.group_name.as_deref());
    let mut report = FileReport::new("areas", layer, &a.source);
    let unit = layer.unit;
    let id_name = layer.columns[columns.id].clone();
    let results = normalise_areas(layer, &columns);
    let mut areas: Vec<Area> = Vec::with_capacity(results.len());
    for (position, code, shape) in results {
        let pos = || format!("{unit} {position}");
        match shape {
            Err(reason) => report.drop(pos(), code, reason),
            Ok((area, why)) => {
                if why.is_empty() {
                    report.kept += 1;
                } else {
                    report.repair(pos(), code, why.join("; "));
                }
                areas.push(area);
            }
        }
    }
    lacuna_core::study::sort_areas(&mut areas);
    let dups: Vec<String> = areas
        .windows(2)
        .filter(|w| w[0].code == w[1].code)
        .map(|w| {
            format!(
                "{} ({unit}s {} and {})",
                w[0].code, w[0].position, w[1].position
            )
        })
        .collect();
    if !dups.is_empty() {
        return Err(Error::value(
            &layer.path,
            format!(
                "area codes must be unique but {} repeat: {}; fix the file or choose another \
                 --id column",
                dups.len(),
                list(&dups, 5)
            ),
        ));
    }
    if areas.is_empty() {
        return Err(Error::value(
            &layer.path,
            "no usable area: every feature was dropped",
        ));
    }
    strict_check(spec, &report)?;
    files.push(report);
    Ok((areas, id_name, group_names))
}

/// The name of each group (council) code, from the areas' `group_name` column, for tables and
/// maps that show councils by name; empty when the areas have no group or no name column (the
/// need file may give them later).
fn group_names(
    layer: &Layer,
    group: Option<usize>,
    group_name: Option<&str>,
) -> std::collections::BTreeMap<String, String> {
    let mut names = std::collections::BTreeMap::new();
    if let (Some(g), Some(n)) = (group, group_name.and_then(|c| layer.column_index(c))) {
        for f in &layer.features {
            if let (Some(code), Some(name)) = (f.values[g].as_text(), f.values[n].as_text()) {
                names.entry(code).or_insert(name);
            }
        }
    }
    names
}

/// One feature of the areas layer once normalised: its position, its code (if it has one) and
/// its area with the repairs made, or why it cannot be an area.
type Normalised = (
    usize,
    Option<String>,
    std::result::Result<(Area, Vec<String>), String>,
);

/// Turns each feature into its area (or the reason it cannot be one) in parallel, freeing its
/// raw geometry and attribute values there too, since normalising polygons is most of the
/// cost of loading a national study; only the counting that follows is serial.
fn normalise_areas(layer: &mut Layer, columns: &AreaColumns) -> Vec<Normalised> {
    let AreaColumns { id, name, group } = *columns;
    let id_name = &layer.columns[id];
    std::mem::take(&mut layer.features)
        .into_par_iter()
        .map(|mut f| {
            let code = f.values[id].as_text();
            let text = |i: Option<usize>| i.and_then(|i| f.values[i].as_text());
            let shape = match (&code, f.geometry.take()) {
                (None, _) => Err(format!("no value in the area-code column {id_name:?}")),
                (_, None) => Err("has no geometry".to_string()),
                (Some(code), Some(g)) => normalise::polygonal(g).map(|(shape, fixed)| {
                    // A fix made while reading (an unclosed ring closed) is a repair too.
                    let why: Vec<String> = f
                        .fixed
                        .take()
                        .into_iter()
                        .chain(match fixed {
                            Fixed::Repaired(why) => Some(why),
                            Fixed::Unchanged => None,
                        })
                        .collect();
                    let area = Area {
                        name: text(name).unwrap_or_else(|| code.clone()),
                        group: text(group).unwrap_or_default(),
                        local: LocalPolygon::new(&shape),
                        code: code.clone(),
                        position: f.position,
                    };
                    (area, why)
                }),
            };
            (f.position, code, shape)
        })
        .collect()
}
