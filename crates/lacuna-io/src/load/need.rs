//! The need file: join its rows to the areas by code, and read population and deprivation.

use std::collections::HashMap;

use super::{list, strict_check, FileReport, NeedJoin, POP_CANDIDATES};
use crate::config::{DeprivationKind, Direction, NeedInput, StudySpec};
use crate::error::{Error, Result};
use crate::{Layer, Value};
use lacuna_core::model::Area;

pub(super) fn join_need(
    spec: &StudySpec,
    input: &NeedInput,
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
    let dep = match input.deprivation.as_deref() {
        Some(c) => table.choose_column(Some(c), &[], "deprivation measure", DEP_FLAG)?,
        None => detect_deprivation(&mut table),
    };
    let (dep_kind, dep_dir) = match dep {
        None => {
            warnings.push(format!(
                "{}: no deprivation column found (looked for an IMD decile, score or rank, e.g. \
                 imd_decile, Decile, IMD Rank, IMD Score), so the findings by need (equity by \
                 deprivation, need-weighted gaps, similar-need pairs) have no deprivation to use; \
                 set {DEP_FLAG}. Columns seen: {}",
                input.path.display(),
                list(&table.columns, 30)
            ));
            (None, None)
        }
        Some(i) => {
            let (kind, dir) = deprivation_meaning(input, &table.columns[i]);
            table.notes.push(format!(
                "deprivation: column {:?} read as a {kind:?} where {dir:?} values are more deprived \
                 (set deprivation_kind / more_deprived in [need] to change)",
                table.columns[i]
            ));
            if kind != DeprivationKind::Decile {
                warnings.push(format!(
                    "{}: deprivation column {:?} is a {}: need deciles are study deciles, \
                     computed by ranking the study's own areas (decile 1 = the study's most \
                     deprived tenth), not national IMD deciles; give a decile column (set \
                     {DEP_FLAG}) for national deciles",
                    input.path.display(),
                    table.columns[i],
                    format!("{kind:?}").to_lowercase()
                ));
            }
            (Some(kind), Some(dir))
        }
    };
    // Target populations ([services.X] target_population) are people too: checked here, once,
    // so the findings never sum a value that cannot be people.
    let targets: Vec<usize> = spec
        .services
        .values()
        .filter_map(|s| s.target_population.as_deref())
        .filter_map(|c| table.columns.iter().position(|x| x == c))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
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
            population[ai] = people(input, &table, f, pc, &code)?;
        }
        for &tc in &targets {
            people(input, &table, f, tc, &code)?;
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
    if let (Some(dc), None, Some(DeprivationKind::Score)) = (dep, input.deprivation_kind, dep_kind)
    {
        decile_like(input, &table.columns[dc], &deprivation)?;
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
        deciles_within_study: dep_kind.is_some_and(|k| k != DeprivationKind::Decile),
    };
    strict_check(spec, &report)?;
    files.push(report);
    Ok(join)
}

/// How a study sets the deprivation column, for messages.
const DEP_FLAG: &str = "deprivation = \"COLUMN\" in [need]";

/// A column taken as a score by its name whose values are all whole numbers from 1 to 10 is
/// most likely a decile, whose order (1 = most deprived) is the opposite of a score's: read
/// either way it could flip every finding by deprivation, so the study must say which.
fn decile_like(input: &NeedInput, column: &str, values: &[Option<f64>]) -> Result<()> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let whole_1_to_10 = |v: &f64| v.fract() == 0.0 && (1.0..=10.0).contains(v);
    if present.len() < 10 || !present.iter().all(whole_1_to_10) {
        return Ok(());
    }
    Err(Error::column(
        &input.path,
        format!(
            "deprivation column {column:?} holds only whole numbers from 1 to 10, like a decile, \
             but its name does not say decile, score or rank: read as a score, higher values \
             would count as more deprived, the opposite of an IMD decile. Say which it is in \
             [need]: deprivation_kind = \"decile\" (with more_deprived = \"lower\" if 1 is the \
             most deprived) or deprivation_kind = \"score\""
        ),
    ))
}

/// What a deprivation column's name says it holds, and the study's overrides: its kind (from
/// "decile", "rank", else a score) and which end is more deprived (as in the English IMD: a
/// higher score, a lower rank or decile).
fn deprivation_meaning(input: &NeedInput, column: &str) -> (DeprivationKind, Direction) {
    let name = column.to_lowercase();
    let kind = input
        .deprivation_kind
        .unwrap_or(if name.contains("decile") {
            DeprivationKind::Decile
        } else if name.contains("rank") {
            DeprivationKind::Rank
        } else {
            DeprivationKind::Score
        });
    let dir = input.more_deprived.unwrap_or(match kind {
        DeprivationKind::Score => Direction::Higher,
        DeprivationKind::Rank | DeprivationKind::Decile => Direction::Lower,
    });
    (kind, dir)
}

/// The deprivation column of a need file when the study names none: one that names the overall
/// index (IMD, "Index of Multiple Deprivation", "deprivation", or a bare "Decile"/"Score"/"Rank")
/// as a decile, score or rank. A decile is preferred, then a score, then a rank: a decile column
/// keeps the national deciles, while a score or rank can only be turned into deciles of the
/// study's own areas. Domain columns (`income_decile`, "Crime Rank ...") are never chosen.
fn detect_deprivation(table: &mut Layer) -> Option<usize> {
    // Letters and digits only, lower case: "IMD_Decile", "imd decile" and "IMD Decile" agree.
    let norm = |c: &str| -> String {
        c.chars()
            .filter(|ch| ch.is_alphanumeric())
            .collect::<String>()
            .to_lowercase()
    };
    let overall = |n: &str| {
        n.starts_with("imd")
            || n.starts_with("indexofmultipledeprivation")
            || n.starts_with("deprivation")
            || n.starts_with("multipledeprivation")
    };
    let kinds = ["decile", "score", "rank"];
    let mut best: Option<(usize, usize)> = None; // (kind rank, column)
    for (c, name) in table.columns.iter().enumerate() {
        let n = norm(name);
        let Some(k) = kinds
            .iter()
            .position(|kind| n == *kind || (overall(&n) && n.contains(kind)))
            .or_else(|| (n == "deprivation" || n == "imd").then_some(1))
        else {
            continue;
        };
        if best.is_none_or(|(bk, _)| k < bk) {
            best = Some((k, c));
        }
    }
    let (_, c) = best?;
    table.notes.push(format!(
        "deprivation measure: column {:?} (chosen automatically, a decile preferred to a score or \
         rank; set {DEP_FLAG} to change)",
        table.columns[c]
    ));
    Some(c)
}

/// A need-file count of people (population or a target population) of one row: `None` when
/// blank; an error naming the row, the column and the value when it is not a number or cannot
/// be people (negative, above [`super::MAX_PEOPLE`]).
fn people(
    input: &NeedInput,
    table: &Layer,
    f: &crate::RawFeature,
    column: usize,
    code: &str,
) -> Result<Option<f64>> {
    let col = &table.columns[column];
    let why = match f.values[column].as_number() {
        Ok(None) => return Ok(None),
        Ok(Some(x)) => match super::not_people(x) {
            None => return Ok(Some(x)),
            Some(why) => format!("{why}, so it cannot be a number of people"),
        },
        Err(t) => format!("{t:?} is not a number"),
    };
    Err(Error::value(
        &input.path,
        format!(
            "row {} ({code}): column {col:?}: {why}; fix the row (or leave it blank)",
            f.position
        ),
    ))
}
