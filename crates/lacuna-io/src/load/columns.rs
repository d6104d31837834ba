//! Which column holds what: the study's own choice when it names one, else a guess from common
//! names, ONS conventions (`LSOA11CD`, `LAD17CD`, cut short to `LSOA11C` by a shapefile) or the
//! values themselves (the column whose values match the most area codes). Every guess is noted
//! on the layer, so the file's report says which column was read and how to choose another.

use std::collections::HashMap;

use super::{GROUP_CANDIDATES, ID_CANDIDATES, NAME_CANDIDATES, POP_CANDIDATES};
use crate::config::{NeedInput, PointInput, ProviderInput, StudySpec};
use crate::error::{Error, Result};
use crate::Layer;
use lacuna_core::model::Area;

/// The columns of the areas file: the code, and the name and group (council) when found.
pub(super) struct AreaColumns {
    pub(super) id: usize,
    pub(super) name: Option<usize>,
    pub(super) group: Option<usize>,
}

/// Chooses the areas' code, name and group columns, noting on `layer` every column chosen
/// automatically and where the group comes from.
pub(super) fn area_columns(spec: &StudySpec, layer: &mut Layer) -> Result<AreaColumns> {
    let a = &spec.areas;
    let id = match layer.choose_column(a.id.as_deref(), ID_CANDIDATES, "area code", "--id")? {
        Some(i) => i,
        None => match ons_code_column(layer) {
            Some(i) => {
                layer.note_chosen(i, "area code", "--id");
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
            None => ons_name_column(&layer.columns, &layer.columns[id])
                .inspect(|&i| layer.note_chosen(i, "area name", "--name")),
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
        None => ons_column(layer, "CD", Some("LAD"))
            .inspect(|&i| layer.note_chosen(i, "group (council)", "--group")),
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
    Ok(AreaColumns { id, name, group })
}

/// A column ending in the ONS suffix ("CD" for codes, "NM" for names), e.g. `WD17CD`.
fn ons_column(layer: &Layer, suffix: &str, prefix: Option<&str>) -> Option<usize> {
    layer.columns.iter().position(|c| {
        let u = c.to_ascii_uppercase();
        u.len() > suffix.len()
            && u.ends_with(suffix)
            && u.chars().next().is_some_and(|ch| ch.is_ascii_alphabetic())
            && prefix.is_none_or(|p| u.starts_with(p))
    })
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

/// The column whose values match the most area codes (`is_code`), with how many it matches (None
/// when no column matches any): robust to names like "LSOA code (2011)" or a shapefile's
/// truncated `LSOA11C` that no list of candidates would foresee. Ties go to the leftmost column.
pub(crate) fn column_matching_codes(
    layer: &Layer,
    is_code: impl Fn(&str) -> bool,
) -> Option<(usize, usize)> {
    let (n, std::cmp::Reverse(c)) = (0..layer.columns.len())
        .map(|c| {
            let n = layer
                .features
                .iter()
                .filter(|f| f.values[c].text().is_some_and(|t| is_code(&t)))
                .count();
            (n, std::cmp::Reverse(c))
        })
        .max()?;
    (n > 0).then_some((c, n))
}

/// The columns of a provider file: service type (None when the study gives one type for the
/// whole file), radius, id and capacity.
pub(super) struct ProviderColumns {
    pub(super) service_type: Option<usize>,
    pub(super) radius: Option<usize>,
    pub(super) id: Option<usize>,
    pub(super) capacity: Option<usize>,
}

/// Chooses a provider file's columns; without a service type for the file, a service-type
/// column is required, since a provider of no type belongs to no coverage.
pub(super) fn provider_columns(
    input: &ProviderInput,
    layer: &mut Layer,
) -> Result<ProviderColumns> {
    let service_type = if input.service_type.is_some() {
        None
    } else {
        match layer.choose_column(
            input.type_column.as_deref(),
            &["service_type", "service", "type"],
            "service type",
            "--type-column",
        )? {
            Some(i) => Some(i),
            None => {
                return Err(Error::column(
                    &layer.path,
                    format!(
                        "no service type: set --service-type (or TYPE=FILE) for the whole file, or \
                         --type-column; columns are: {}",
                        layer.columns.join(", ")
                    ),
                ))
            }
        }
    };
    let radius = layer.choose_column(
        input.radius_column.as_deref(),
        &[],
        "radius",
        "--radius-column",
    )?;
    let id = layer.choose_column(
        input.id_column.as_deref(),
        &[
            "provider_id",
            "id",
            "name",
            "pharmacy_name",
            "organisation_code",
        ],
        "provider id",
        "--provider-id",
    )?;
    let capacity = layer.choose_column(
        input.capacity_column.as_deref(),
        &["capacity"],
        "capacity",
        "capacity_column",
    )?;
    Ok(ProviderColumns {
        service_type,
        radius,
        id,
        capacity,
    })
}

/// The points' area-code column: the one the study names, else one named like the areas' id
/// column, else the column whose values match the most area codes (names differ between files:
/// `lsoa11cd` beside a shapefile's truncated `LSOA11C`). None: points are placed by
/// point-in-polygon.
pub(super) fn point_area_column(
    input: &PointInput,
    layer: &mut Layer,
    by_code: &HashMap<&str, usize>,
    area_id_column: &str,
) -> Result<Option<usize>> {
    if let Some(c) = input.area_column.as_deref() {
        return layer.choose_column(Some(c), &[], "area code", "--point-area");
    }
    if let Some(i) = layer.column_index(area_id_column) {
        layer.notes.push(format!(
            "points assigned to areas by their code column {:?} (named like the areas' id column)",
            layer.columns[i]
        ));
        return Ok(Some(i));
    }
    match column_matching_codes(layer, |t| by_code.contains_key(t)) {
        Some((c, n)) => {
            layer.notes.push(format!(
                "points assigned to areas by their code column {:?}, whose values match {n} area \
                 codes (set area_column in [points] / --point-area to change)",
                layer.columns[c]
            ));
            Ok(Some(c))
        }
        None => {
            layer.notes.push(
                "points assigned to areas by point-in-polygon (no column holds the areas' codes)"
                    .into(),
            );
            Ok(None)
        }
    }
}

/// The need file's area-code column: the one the study names, else the column whose values
/// match the most area codes. A need file that matches no code cannot be joined: an error
/// naming an area code to look for.
pub(super) fn need_code_column(
    input: &NeedInput,
    table: &mut Layer,
    codes: &HashMap<&str, usize>,
    areas: &[Area],
) -> Result<usize> {
    if let Some(c) = input.id.as_deref() {
        return Ok(table
            .choose_column(Some(c), &[], "area code", "--need-id")?
            .unwrap_or(0));
    }
    match column_matching_codes(table, |t| codes.contains_key(t)) {
        Some((c, n)) => {
            table.notes.push(format!(
                "area code: column {:?}, whose values match {n} area codes (set --need-id \
                 to change)",
                table.columns[c]
            ));
            Ok(c)
        }
        None => Err(Error::column(
            &input.path,
            format!(
                "no column matches the area codes (e.g. {:?}); the need file may use \
                 another boundary vintage. Set --need-id; columns are: {}",
                areas.first().map(|a| a.code.as_str()).unwrap_or(""),
                table.columns.join(", ")
            ),
        )),
    }
}

/// The need file's population column: the one the study names, a common name, else one whose
/// name starts like a census total ("pop_total_2015", "Total population (mid-2019)").
pub(super) fn need_population_column(
    input: &NeedInput,
    table: &mut Layer,
) -> Result<Option<usize>> {
    let pop = table.choose_column(
        input.population.as_deref(),
        POP_CANDIDATES,
        "need population",
        "--need-population",
    )?;
    if pop.is_some() {
        return Ok(pop);
    }
    let pop = table.columns.iter().position(|c| {
        let l = c.to_lowercase();
        l.starts_with("pop_total") || l.starts_with("total population")
    });
    if let Some(i) = pop {
        table.note_chosen(i, "need population", "--need-population");
    }
    Ok(pop)
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
    fn the_column_matching_most_codes_is_chosen_leftmost_on_ties() {
        let feature = |position: usize, values: &[&str]| crate::RawFeature {
            position,
            geometry: None,
            values: values
                .iter()
                .map(|v| crate::Value::Text(v.to_string()))
                .collect(),
            fixed: None,
        };
        let mut layer = Layer {
            path: "need.csv".into(),
            crs: None,
            crs_source: String::new(),
            columns: names(&["name", "code", "copy", "old"]),
            features: vec![
                feature(1, &["A", "E1", "E1", "E1"]),
                feature(2, &["B", "E2", "E2", "X9"]),
            ],
            skipped: Vec::new(),
            notes: Vec::new(),
            unit: "row",
        };
        let codes: HashMap<&str, usize> = [("E1", 0), ("E2", 1)].into_iter().collect();
        assert_eq!(
            column_matching_codes(&layer, |t| codes.contains_key(t)),
            Some((1, 2))
        );
        layer.columns.truncate(1);
        for f in &mut layer.features {
            f.values.truncate(1);
        }
        assert_eq!(
            column_matching_codes(&layer, |t| codes.contains_key(t)),
            None
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
