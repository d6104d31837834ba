//! The need file: join its rows to the areas by code, and read population and deprivation.

use std::collections::HashMap;

use super::{list, strict_check, FileReport, NeedJoin, POP_CANDIDATES};
use crate::config::StudySpec;
use crate::error::{Error, Result};
use crate::io::{Layer, Value};
use crate::model::Area;

pub(super) fn join_need(
    spec: &StudySpec,
    input: &crate::config::NeedInput,
    mut table: Layer,
    areas: &[Area],
    files: &mut Vec<FileReport>,
    warnings: &mut Vec<String>,
) -> Result<NeedJoin> {
    let codes: HashMap<&str, usize> = areas
        .iter()
        .enumerate()
        .map(|(i, a)| (a.code.as_str(), i))
        .collect();
    let id = match input.id.as_deref() {
        Some(c) => table
            .choose_column(Some(c), &[], "area code", "--need-id")?
            .unwrap_or(0),
        None => {
            // The column whose values match the most area codes: robust to names like
            // "LSOA code (2011)" that no list of candidates would foresee.
            let best = (0..table.columns.len())
                .map(|c| {
                    let n = table
                        .features
                        .iter()
                        .filter(|f| {
                            f.values[c]
                                .as_text()
                                .is_some_and(|t| codes.contains_key(t.as_str()))
                        })
                        .count();
                    (n, std::cmp::Reverse(c))
                })
                .max();
            match best {
                Some((n, std::cmp::Reverse(c))) if n > 0 => {
                    table.notes.push(format!(
                        "area code: column {:?}, whose values match {n} area codes (set --need-id \
                         to change)",
                        table.columns[c]
                    ));
                    c
                }
                _ => {
                    return Err(Error::column(
                        &input.path,
                        format!(
                            "no column matches the area codes (e.g. {:?}); the need file may use \
                             another boundary vintage. Set --need-id; columns are: {}",
                            areas.first().map(|a| a.code.as_str()).unwrap_or(""),
                            table.columns.join(", ")
                        ),
                    ))
                }
            }
        }
    };
    let mut pop = table.choose_column(
        input.population.as_deref(),
        POP_CANDIDATES,
        "need population",
        "--need-population",
    )?;
    if pop.is_none() {
        pop = table.columns.iter().position(|c| {
            let l = c.to_lowercase();
            l.starts_with("pop_total") || l.starts_with("total population")
        });
        if let Some(i) = pop {
            table.notes.push(format!(
                "need population: column {:?} (chosen automatically; set --need-population to change)",
                table.columns[i]
            ));
        }
    }
    let dep = table.choose_column(
        input.deprivation.as_deref(),
        &[
            "imd_decile",
            "deprivation_decile",
            "imd_score",
            "deprivation_score",
            "deprivation",
            "imd_rank",
        ],
        "deprivation measure",
        "deprivation = ... in [need]",
    )?;
    let dep = dep.or_else(|| {
        table
            .columns
            .iter()
            .position(|c| c.to_lowercase().contains("index of multiple deprivation"))
    });
    let (dep_kind, dep_dir) = match dep {
        None => (None, None),
        Some(i) => {
            use crate::config::{DeprivationKind as K, Direction as D};
            let name = table.columns[i].to_lowercase();
            let kind = input
                .deprivation_kind
                .unwrap_or(if name.contains("decile") {
                    K::Decile
                } else if name.contains("rank") {
                    K::Rank
                } else {
                    K::Score
                });
            let dir = input.more_deprived.unwrap_or(match kind {
                K::Score => D::Higher,
                K::Rank | K::Decile => D::Lower,
            });
            table.notes.push(format!(
                "deprivation: column {:?} read as a {kind:?} where {dir:?} values are more deprived \
                 (set deprivation_kind / more_deprived in [need] to change)",
                table.columns[i]
            ));
            (Some(kind), Some(dir))
        }
    };
    let mut deprivation = vec![None; areas.len()];
    let mut report = FileReport::new("need", &table, &input.source);
    let mut rows: Vec<Option<Vec<Value>>> = vec![None; areas.len()];
    let mut population = vec![None; areas.len()];
    let mut unmatched_rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in &table.features {
        let Some(code) = f.values[id].as_text() else {
            report.drop(table.describe(f.position), None, "no area code".into());
            continue;
        };
        if let Some(first) = seen.insert(code.clone(), f.position) {
            return Err(Error::value(
                &input.path,
                format!(
                    "area code {code} appears in rows {first} and {}: each area needs one row",
                    f.position
                ),
            ));
        }
        let Some(&ai) = codes.get(code.as_str()) else {
            unmatched_rows.push(code);
            report.kept += 1;
            continue;
        };
        if let Some(pc) = pop {
            match f.values[pc].as_number() {
                Ok(Some(x)) if x >= 0.0 => population[ai] = Some(x),
                Ok(Some(x)) => {
                    return Err(Error::value(
                        &input.path,
                        format!("row {} ({code}): population {x} is negative", f.position),
                    ))
                }
                Ok(None) => {}
                Err(t) => {
                    return Err(Error::value(
                        &input.path,
                        format!(
                            "row {} ({code}): population {t:?} in column {:?} is not a number",
                            f.position, table.columns[pc]
                        ),
                    ))
                }
            }
        }
        if let Some(dc) = dep {
            match f.values[dc].as_number() {
                Ok(v) => deprivation[ai] = v,
                Err(t) => {
                    return Err(Error::value(
                        &input.path,
                        format!(
                            "row {} ({code}): deprivation {t:?} in column {:?} is not a number",
                            f.position, table.columns[dc]
                        ),
                    ))
                }
            }
        }
        rows[ai] = Some(f.values.clone());
        report.kept += 1;
    }
    let unmatched_areas: Vec<String> = areas
        .iter()
        .zip(&rows)
        .filter(|(_, r)| r.is_none())
        .map(|(a, _)| a.code.clone())
        .collect();
    let matched = areas.len() - unmatched_areas.len();
    report.notes.push(format!(
        "join on {:?}: {matched} of {} areas matched; {} areas without a need row; {} need rows \
         without an area",
        table.columns[id],
        areas.len(),
        unmatched_areas.len(),
        unmatched_rows.len()
    ));
    if !unmatched_areas.is_empty() {
        warnings.push(format!(
            "{}: {} areas have no need row (first: {}); check the boundary vintage",
            input.path.display(),
            unmatched_areas.len(),
            list(&unmatched_areas, 5)
        ));
    }
    if !unmatched_rows.is_empty() {
        report.notes.push(format!(
            "need rows without an area (first: {})",
            list(&unmatched_rows, 5)
        ));
    }
    let join = NeedJoin {
        path: input.path.display().to_string(),
        id_column: table.columns[id].clone(),
        population_column: pop.map(|i| table.columns[i].clone()),
        matched,
        unmatched_areas,
        unmatched_rows,
        columns: table.columns.clone(),
        rows,
        population,
        deprivation_column: dep.map(|i| table.columns[i].clone()),
        deprivation_kind: dep_kind,
        more_deprived: dep_dir,
        deprivation,
    };
    strict_check(spec, &report)?;
    files.push(report);
    Ok(join)
}
