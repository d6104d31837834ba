//! The need file: join its rows to the areas by code, and read population and deprivation.

use std::collections::HashMap;

use super::columns::{need_code_column, need_population_column};
use super::{list, strict_check, FileReport, NeedJoin};
use crate::config::{DeprivationKind, Direction, NeedInput, StudySpec};
use crate::error::{Error, Result};
use crate::{Layer, Value};
use lacuna_core::model::Area;

/// Joins the need file to the areas by code: chooses its columns, reads each matched row's
/// population and deprivation, and accounts for the rows and areas left unmatched.
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
    let id = need_code_column(input, &mut table, &codes, areas)?;
    let pop = need_population_column(input, &mut table)?;
    let dep = match input.deprivation.as_deref() {
        Some(c) => table.choose_column(Some(c), &[], "deprivation measure", DEP_FLAG)?,
        None => detect_deprivation(&mut table),
    };
    let (dep_kind, dep_dir) = read_deprivation_as(input, &mut table, dep, warnings);
    let columns = NeedColumns {
        id,
        population: pop,
        deprivation: dep,
        targets: target_columns(spec, &table),
    };
    let mut report = FileReport::new("need", &table, &input.source);
    let read = read_rows(input, &table, &columns, &codes, areas.len(), &mut report)?;
    if let (Some(dc), None, Some(DeprivationKind::Score)) = (dep, input.deprivation_kind, dep_kind)
    {
        decile_like(input, &table.columns[dc], &read.deprivation)?;
    }
    let unmatched_areas: Vec<String> = areas
        .iter()
        .zip(&read.rows)
        .filter(|(_, r)| r.is_none())
        .map(|(a, _)| a.code.clone())
        .collect();
    let matched = areas.len() - unmatched_areas.len();
    report_join(
        input,
        &table.columns[id],
        areas.len(),
        (&unmatched_areas, &read.unmatched_rows),
        &mut report,
        warnings,
    );
    let join = NeedJoin {
        path: input.path.display().to_string(),
        id_column: table.columns[id].clone(),
        population_column: pop.map(|i| table.columns[i].clone()),
        matched,
        unmatched_areas,
        unmatched_rows: read.unmatched_rows,
        columns: table.columns.clone(),
        rows: read.rows,
        population: read.population,
        deprivation_column: dep.map(|i| table.columns[i].clone()),
        deprivation_kind: dep_kind,
        more_deprived: dep_dir,
        deprivation: read.deprivation,
        deciles_within_study: dep_kind.is_some_and(|k| k != DeprivationKind::Decile),
    };
    strict_check(spec, &report)?;
    files.push(report);
    Ok(join)
}

/// The need-file columns the join reads: the area code, population, deprivation measure, and
/// the target populations of the services.
struct NeedColumns {
    id: usize,
    population: Option<usize>,
    deprivation: Option<usize>,
    targets: Vec<usize>,
}

/// What the need file's rows give, per area (in the areas' order), and the codes of the rows
/// that match no area.
struct NeedRows {
    rows: Vec<Option<Vec<Value>>>,
    population: Vec<Option<f64>>,
    deprivation: Vec<Option<f64>>,
    unmatched_rows: Vec<String>,
}

/// How the deprivation column `dep` is read (its kind and which end is more deprived), noted
/// on the table; warned about when there is none, since every finding by need then has no
/// deprivation, and when it gives study rather than national deciles.
fn read_deprivation_as(
    input: &NeedInput,
    table: &mut Layer,
    dep: Option<usize>,
    warnings: &mut Vec<String>,
) -> (Option<DeprivationKind>, Option<Direction>) {
    let Some(i) = dep else {
        warnings.push(format!(
            "{}: no deprivation column found (looked for an IMD decile, score or rank, e.g. \
             imd_decile, Decile, IMD Rank, IMD Score), so the findings by need (equity by \
             deprivation, need-weighted gaps, similar-need pairs) have no deprivation to use; \
             set {DEP_FLAG}. Columns seen: {}",
            input.path.display(),
            list(&table.columns, 30)
        ));
        return (None, None);
    };
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

/// The need-file columns named as target populations ([services.X] target_population), each
/// once: they are people too, checked row by row with the population, so the findings never
/// sum a value that cannot be people.
fn target_columns(spec: &StudySpec, table: &Layer) -> Vec<usize> {
    spec.services
        .values()
        .filter_map(|s| s.target_population.as_deref())
        .filter_map(|c| table.columns.iter().position(|x| x == c))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Reads every row of the need file against the areas' `codes`: a row without a code is
/// dropped, a code given twice is an error (which row would count?), and a matched row's
/// population, target populations and deprivation must be numbers that can be what they say.
fn read_rows(
    input: &NeedInput,
    table: &Layer,
    columns: &NeedColumns,
    codes: &HashMap<&str, usize>,
    areas: usize,
    report: &mut FileReport,
) -> Result<NeedRows> {
    let mut read = NeedRows {
        rows: vec![None; areas],
        population: vec![None; areas],
        deprivation: vec![None; areas],
        unmatched_rows: Vec::new(),
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in &table.features {
        let Some(code) = f.values[columns.id].as_text() else {
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
            read.unmatched_rows.push(code);
            report.kept += 1;
            continue;
        };
        if let Some(pc) = columns.population {
            read.population[ai] = people(input, table, f, pc, &code)?;
        }
        for &tc in &columns.targets {
            people(input, table, f, tc, &code)?;
        }
        if let Some(dc) = columns.deprivation {
            match f.values[dc].as_number() {
                Ok(v) => read.deprivation[ai] = v,
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
        read.rows[ai] = Some(f.values.clone());
        report.kept += 1;
    }
    Ok(read)
}

/// Says how the join went in the file's notes, and warns when areas have no need row: their
/// findings by need would silently count nothing, most often because the boundaries and the
/// need file are of different vintages.
fn report_join(
    input: &NeedInput,
    id_column: &str,
    areas: usize,
    (unmatched_areas, unmatched_rows): (&[String], &[String]),
    report: &mut FileReport,
    warnings: &mut Vec<String>,
) {
    report.notes.push(format!(
        "join on {id_column:?}: {} of {areas} areas matched; {} areas without a need row; {} \
         need rows without an area",
        areas - unmatched_areas.len(),
        unmatched_areas.len(),
        unmatched_rows.len()
    ));
    if !unmatched_areas.is_empty() {
        warnings.push(format!(
            "{}: {} areas have no need row (first: {}); check the boundary vintage",
            input.path.display(),
            unmatched_areas.len(),
            list(unmatched_areas, 5)
        ));
    }
    if !unmatched_rows.is_empty() {
        report.notes.push(format!(
            "need rows without an area (first: {})",
            list(unmatched_rows, 5)
        ));
    }
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
    let overall = |n: &str| {
        n.starts_with("imd")
            || n.starts_with("indexofmultipledeprivation")
            || n.starts_with("deprivation")
            || n.starts_with("multipledeprivation")
    };
    let kinds = ["decile", "score", "rank"];
    let mut best: Option<(usize, usize)> = None; // (kind rank, column)
    for (c, name) in table.columns.iter().enumerate() {
        let n = crate::layer::letters_lower(name);
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
