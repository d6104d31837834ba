//! The areas: choose the code, name and group columns, normalise each polygon (in parallel),
//! and refuse repeated codes.

use rayon::prelude::*;

use super::{list, ons_column, strict_check, FileReport};
use super::{GROUP_CANDIDATES, ID_CANDIDATES, NAME_CANDIDATES};
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
    let id = match layer.choose_column(a.id.as_deref(), ID_CANDIDATES, "area code", "--id")? {
        Some(i) => i,
        None => match ons_code_column(layer) {
            Some(i) => {
                layer.notes.push(format!(
                    "area code: column {:?} (chosen automatically; set --id to change)",
                    layer.columns[i]
                ));
                i
            }
            None => {
                return Err(Error::column(
                    &layer.path,
                    format!(
                        "cannot tell which column holds the area code: set --id (id = ... in the \
                         study); columns are: {}",
                        layer.columns.join(", ")
                    ),
                ))
            }
        },
    };
    let name =
        match layer.choose_column(a.name.as_deref(), NAME_CANDIDATES, "area name", "--name")? {
            Some(i) => Some(i),
            None => ons_name_column(&layer.columns, &layer.columns[id]).inspect(|&i| {
                layer.notes.push(format!(
                    "area name: column {:?} (chosen automatically; set --name to change)",
                    layer.columns[i]
                ))
            }),
        };
    // A group column missing from the areas may come from the need file (joined later).
    let group_from_need = a
        .group
        .as_deref()
        .filter(|g| spec.need.is_some() && layer.column_index(g).is_none());
    let group = match layer.choose_column(
        a.group.as_deref().filter(|_| group_from_need.is_none()),
        GROUP_CANDIDATES,
        "group (council)",
        "--group",
    )? {
        Some(i) => Some(i),
        None => ons_column(layer, "CD", Some("LAD")).inspect(|&i| {
            layer.notes.push(format!(
                "group (council): column {:?} (chosen automatically; set --group to change)",
                layer.columns[i]
            ))
        }),
    };
    if let Some(g) = group_from_need {
        layer.notes.push(format!(
            "group (council): column {g:?} is not in this file; taken from the need file"
        ));
    } else if group.is_none() {
        layer
            .notes
            .push("no group (council) column: set --group to compare councils".into());
    }
    let mut group_names = std::collections::BTreeMap::new();
    if let (Some(g), Some(n)) = (
        group,
        a.group_name.as_deref().and_then(|c| layer.column_index(c)),
    ) {
        for f in &layer.features {
            if let (Some(code), Some(name)) = (f.values[g].as_text(), f.values[n].as_text()) {
                group_names.entry(code).or_insert(name);
            }
        }
    }
    let mut report = FileReport::new("areas", layer, &a.source);
    let unit = layer.unit;
    let id_name = layer.columns[id].clone();
    // Each feature becomes its area (or the reason it cannot) in parallel, its attribute values
    // freed there too; only the counting is serial.
    let results: Vec<_> = std::mem::take(&mut layer.features)
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
        .collect();
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
    areas.sort_by(|a, b| a.code.cmp(&b.code).then(a.position.cmp(&b.position)));
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

/// The ONS code column of the areas: of the `*CD` columns (or ones cut short, `LSOA11C`), the
/// first whose values are all different, since a file of LSOAs also carries its council's
/// `LAD17CD`, which repeats; the first of them when none is unique (the duplicate check then
/// says so).
fn ons_code_column(layer: &Layer) -> Option<usize> {
    let is_code = |c: &str| {
        let u = c.to_ascii_uppercase();
        (u.len() > 2 && u.ends_with("CD") && u.starts_with(|ch: char| ch.is_ascii_alphabetic()))
            || truncated_ons(&[c.to_string()], 'C').is_some()
    };
    let candidates: Vec<usize> = (0..layer.columns.len())
        .filter(|&i| is_code(&layer.columns[i]))
        .collect();
    let unique = |i: usize| {
        let mut seen = std::collections::HashSet::new();
        layer
            .features
            .iter()
            .all(|f| f.values[i].as_text().is_some_and(|v| seen.insert(v)))
    };
    candidates
        .iter()
        .copied()
        .find(|&i| unique(i))
        .or(candidates.first().copied())
}

/// The name column that goes with the code column `code` (`LSOA11NM` with `LSOA11CD`, `LSOA11N`
/// with `LSOA11C`), else the first `*NM` column.
fn ons_name_column(columns: &[String], code: &str) -> Option<usize> {
    let u = code.to_ascii_uppercase();
    let stem = u.strip_suffix("CD").or_else(|| u.strip_suffix('C'))?;
    columns
        .iter()
        .position(|c| {
            let c = c.to_ascii_uppercase();
            c == format!("{stem}NM") || c == format!("{stem}N")
        })
        .or_else(|| {
            columns.iter().position(|c| {
                let c = c.to_ascii_uppercase();
                c.len() > 2 && c.ends_with("NM")
            })
        })
        .or_else(|| truncated_ons(columns, 'N'))
}

/// An ONS code (`last` = 'C') or name ('N') column whose name a tool cut short (`LSOA11C` for
/// `LSOA11CD`, as a conversion to a shapefile's ten-character names may leave it): letters, a
/// two-digit vintage, then the letter.
fn truncated_ons(columns: &[String], last: char) -> Option<usize> {
    columns.iter().position(|c| {
        let u = c.to_ascii_uppercase();
        let Some(stem) = u.strip_suffix(last) else {
            return false;
        };
        let letters = stem.trim_end_matches(|ch: char| ch.is_ascii_digit());
        stem.len() - letters.len() == 2
            && !letters.is_empty()
            && letters.chars().all(|ch| ch.is_ascii_alphabetic())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(columns: &[&str]) -> Vec<String> {
        columns.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn the_name_goes_with_the_code() {
        let cols = names(&["LAD17CD", "LAD17NM", "LSOA11CD", "LSOA11NM"]);
        assert_eq!(ons_name_column(&cols, "LSOA11CD"), Some(3));
        let cut = names(&["LSOA11C", "LSOA11N", "LAD17CD", "LAD17NM"]);
        assert_eq!(ons_name_column(&cut, "LSOA11C"), Some(1));
        assert_eq!(
            ons_name_column(&names(&["WD17CD", "LAD17NM"]), "WD17CD"),
            Some(1)
        );
    }

    #[test]
    fn ons_columns_cut_short_are_recognised() {
        let lsoa = names(&["FID", "LSOA11C", "LSOA11N"]);
        assert_eq!(truncated_ons(&lsoa, 'C'), Some(1));
        assert_eq!(truncated_ons(&lsoa, 'N'), Some(2));
        assert_eq!(truncated_ons(&names(&["wd17c"]), 'C'), Some(0));
        assert_eq!(
            truncated_ons(&names(&["ABC", "DOC", "X1C", "A123C"]), 'C'),
            None
        );
    }
}
