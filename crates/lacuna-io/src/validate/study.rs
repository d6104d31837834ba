//! `lacuna validate STUDY.toml`: every input of a study checked in its role (areas, providers,
//! points, need), then loaded as a run loads it (nothing computed beyond that) so the joins
//! between them are checked too: the need file's and the points' area codes, the CRS of each
//! file against the working CRS, catchment radii against the areas' size, and the service types
//! of the providers against the standards of `[services]`.
//!
//! The loader's own report is used for what a run would repair or drop, so the words and figures
//! are the run's.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{check_in_working, label_units, read, working_crs_for, FileCheck, Problem};
use super::{Accounting, Role, ValidateOptions};
use crate::config::StudySpec;
use crate::crs::Crs;
use crate::load::{edit_distance, load, LoadedStudy as Study};
use crate::Layer;

/// What was found in a study.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StudyCheck {
    /// The study file.
    pub study: String,
    /// The study's name.
    pub name: Option<String>,
    /// False when the study file itself cannot be read.
    pub readable: bool,
    /// Why not.
    pub error: Option<String>,
    /// The CRS geometry is checked in, as a run would choose it.
    pub working_crs: Option<String>,
    /// How it was chosen.
    pub working_crs_source: String,
    /// Service types found among the providers (when the study loads).
    pub service_types: Vec<String>,
    /// One entry per input file, in study order: areas, providers, points, need.
    pub files: Vec<FileCheck>,
    /// Problems of the study as a whole: joins, standards, radii, what stops loading.
    pub problems: Vec<Problem>,
    /// Information.
    pub notes: Vec<String>,
}

impl StudyCheck {
    /// 2 when the study or one of its files cannot be read, 1 when any problem was found, else 0.
    pub fn exit_code(&self) -> u8 {
        if !self.readable {
            return 2;
        }
        match super::exit_code(&self.files) {
            0 if !self.problems.is_empty() => 1,
            code => code,
        }
    }
}

/// One input of a study: its role, path, the id column the study names for it, and its own
/// `crs =` if it has one.
struct Input {
    role: &'static str,
    path: PathBuf,
    id: Option<String>,
    crs: Option<Crs>,
    layer: Option<String>,
}

/// The study's input files; hexagon areas and inputs taken from OpenStreetMap have none of
/// their own (loading the study checks them).
fn inputs(spec: &StudySpec) -> Vec<Input> {
    let mut v = Vec::new();
    if spec.areas.hex_m.is_none() {
        v.push(Input {
            role: "areas",
            path: spec.areas.path.clone(),
            id: spec.areas.id.clone(),
            crs: spec.areas.crs,
            layer: spec.areas.layer.clone(),
        });
    }
    v.extend(
        spec.providers
            .iter()
            .filter(|p| p.osm.is_none())
            .map(|p| Input {
                role: "providers",
                path: p.path.clone(),
                id: p.id_column.clone(),
                crs: p.crs,
                layer: p.layer.clone(),
            }),
    );
    v.extend(
        spec.points
            .iter()
            .filter(|p| p.osm.is_none())
            .map(|p| Input {
                role: "points",
                path: p.path.clone(),
                id: None,
                crs: p.crs,
                layer: p.layer.clone(),
            }),
    );
    v.extend(spec.need.iter().map(|n| Input {
        role: "need",
        path: n.path.clone(),
        id: n.id.clone(),
        crs: None,
        layer: None,
    }));
    v
}

/// Checks a study without computing anything: each file in its role, then the study as a run
/// would load it.
pub fn validate_study(path: &Path, opts: &ValidateOptions) -> StudyCheck {
    let mut out = StudyCheck {
        study: path.display().to_string(),
        readable: true,
        ..StudyCheck::default()
    };
    let mut spec = match StudySpec::from_toml_file(path) {
        Ok(s) => s,
        // A readable study whose settings are wrong (a negative radius, a bad threshold) is a
        // problem to fix; a missing or malformed file is unreadable.
        Err(crate::Error::Config(m)) => {
            out.problems.push(Problem::new("settings", "study", m));
            return out;
        }
        Err(e) => {
            out.readable = false;
            out.error = Some(e.to_string());
            return out;
        }
    };
    out.name = Some(spec.name.clone());
    if opts.crs.is_some() {
        spec.crs = opts.crs;
    }
    if opts.working_crs.is_some() {
        spec.working_crs = opts.working_crs;
    }
    let mut layers: Vec<(Input, Result<Layer, String>)> = inputs(&spec)
        .into_iter()
        .map(|i| {
            let layer = read(
                &i.path,
                i.crs.or(spec.crs),
                i.layer.as_deref(),
                i.role == "need",
            );
            (i, layer)
        })
        .collect();
    let working = match spec.working_crs {
        Some(w) => Some((w, "set in the study (working_crs)".to_string())),
        // From the areas' file; hexagon areas have none (the load chooses it from the network).
        None => layers
            .first()
            .filter(|(i, _)| i.role == "areas")
            .and_then(|(_, l)| l.as_ref().ok())
            .and_then(working_crs_for),
    };
    if let Some((w, why)) = &working {
        out.working_crs = Some(w.to_string());
        out.working_crs_source = why.clone();
    }
    out.files = check_files(&mut layers, &spec, working.as_ref().map(|w| w.0));
    drop(layers);
    if out.files.iter().any(|f| !f.readable) {
        // The readable files are still checked on their own, but not loaded together.
        return out;
    }
    // Loaded as a run loads it, without --strict so that every repair and drop is listed.
    let mut lenient = spec.clone();
    lenient.strict = false;
    let loaded = load(&lenient).or_else(|e| {
        let why = format!("a run would stop here: {e}");
        out.problems.push(Problem::new("load", "study", why));
        // Standards that match no provider stop a run, but say nothing about the other
        // inputs: check those too, so one fix does not uncover the next problem.
        lenient.lenient_standards = true;
        load(&lenient)
    });
    if let Ok(study) = loaded {
        merge_load(&mut out, &study, working.map(|w| w.0));
    }
    out
}

/// Each readable file checked in its role, in the working CRS; unreadable ones as they failed.
fn check_files(
    layers: &mut [(Input, Result<Layer, String>)],
    spec: &StudySpec,
    working: Option<Crs>,
) -> Vec<FileCheck> {
    let area_codes: Option<HashSet<String>> = layers
        .first()
        .filter(|(i, _)| i.role == "areas")
        .and_then(|(_, l)| l.as_ref().ok())
        .and_then(|l| super::area_codes(l, spec.areas.id.as_deref()));
    let mut out = Vec::new();
    for (input, layer) in layers.iter_mut() {
        let layer = match layer {
            Ok(l) => l,
            Err(e) => {
                out.push(FileCheck::unreadable(
                    &input.path,
                    Some(input.role),
                    e.clone(),
                ));
                continue;
            }
        };
        let role = match input.role {
            "areas" => Role::Areas,
            "need" => Role::Table,
            // Providers may be polygons (catchments); points are points.
            _ => Role::of(layer),
        };
        let mut check = check_in_working(
            layer,
            role,
            input.id.as_deref(),
            area_codes.as_ref(),
            working,
        );
        check.role = Some(input.role.to_string());
        out.push(check);
    }
    out
}

/// Kinds the loader's own report covers, in a run's words: replaced by it when the study loads.
const LOADER_KINDS: &[&str] = &[
    "invalid_geometry",
    "empty_geometry",
    "read_fix",
    "unreadable",
    "blank_id",
    "negative_value",
];

/// Folds what the loader did into the per-file checks, and checks the study as a whole.
fn merge_load(out: &mut StudyCheck, study: &Study, working: Option<Crs>) {
    out.service_types = study.service_types.clone();
    let mut used = vec![false; study.files.len()];
    for check in &mut out.files {
        let Some(k) = study.files.iter().enumerate().position(|(k, r)| {
            !used[k] && Some(&r.role) == check.role.as_ref() && r.path == check.path
        }) else {
            continue;
        };
        used[k] = true;
        let r = &study.files[k];
        check.run_would = Some(Accounting {
            read: r.read,
            kept: r.kept,
            repaired: r.repaired,
            dropped: r.dropped,
        });
        check
            .problems
            .retain(|p| !LOADER_KINDS.contains(&p.kind.as_str()));
        for p in &r.problems {
            let (kind, reason, repairable) = match p.reason.split_once(": ") {
                Some(("repaired", why)) => ("repaired", why, true),
                Some(("dropped", why)) => ("dropped", why, false),
                _ => ("dropped", p.reason.as_str(), false),
            };
            let why = label_units(reason.to_string(), working);
            let problem = Problem::new(kind, p.position.clone(), why).id(p.id.clone());
            check.problems.push(problem.repairable(Some(repairable)));
        }
        for n in &r.notes {
            if !check.notes.contains(n) {
                check.notes.push(n.clone());
            }
        }
    }
    // A run's warnings: attached to the file they name, else to the study.
    for w in &study.warnings {
        let file = out
            .files
            .iter_mut()
            .find(|c| w.starts_with(&format!("{}:", c.path)));
        let kind = if w.contains("catchment radius") {
            "radius"
        } else {
            "join"
        };
        let (problems, at) = match file {
            Some(c) => (&mut c.problems, "join"),
            None => (&mut out.problems, "study"),
        };
        problems.push(Problem::new(kind, at, w.clone()).repairable(None));
    }
    if study.spec.strict {
        let changed: usize = study.files.iter().map(|f| f.repaired + f.dropped).sum();
        if changed > 0 {
            let why = format!("the study is strict: the {changed} repaired or dropped features listed above would stop a run");
            out.problems.push(Problem::new("strict", "study", why));
        }
    }
    out.problems.extend(standards(study));
    out.notes.extend(capacities(study));
    // Radii far smaller than the areas come as the run's own warnings (load::radii).
    out.notes.push(format!(
        "{} areas, {} providers of {} service types{}{}",
        study.areas.len(),
        study.providers.len(),
        study.service_types.len(),
        study
            .points
            .as_ref()
            .map(|p| format!(", {} population points", p.len()))
            .unwrap_or_default(),
        study
            .need
            .as_ref()
            .map(|n| format!(
                ", need rows for {} of {} areas (joined on {:?})",
                n.matched,
                study.areas.len(),
                n.id_column
            ))
            .unwrap_or_default()
    ));
}

/// Per service type whose providers have a capacity or whose standard asks for capacity-aware
/// access: how many providers have one, so a run's `access.csv` holds no surprise.
fn capacities(study: &Study) -> Vec<String> {
    study
        .service_types
        .iter()
        .filter_map(|t| {
            let of_type = study.providers.iter().filter(|p| &p.service_type == t);
            let (n, with) = of_type.fold((0, 0), |(n, with), p| {
                (n + 1, with + usize::from(p.capacity.is_some()))
            });
            let asked = study
                .params
                .services
                .get(t)
                .is_some_and(|s| s.access.is_some());
            let what = match with {
                0 => format!(
                    "[services.{t}.access] has nothing to share out (give [[providers]] \
                     capacity = COLUMN)"
                ),
                w if w < n => "the others are left out of access.csv".to_string(),
                _ => "access.csv shares it among the people within reach".to_string(),
            };
            (with > 0 || asked)
                .then(|| format!("{t}: {with} of {n} providers have a capacity; {what}"))
        })
        .collect()
}

/// The name among `names` nearest to `name` (same letters ignoring case, or at most two edits).
fn near<'a>(name: &str, names: impl IntoIterator<Item = &'a String>) -> Option<&'a String> {
    let lower = name.to_lowercase();
    names
        .into_iter()
        .map(|n| (edit_distance(&lower, &n.to_lowercase()), n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

/// Standards of `[services]` that match no provider's service type, and service types with no
/// standard while others have one.
fn standards(study: &Study) -> Vec<Problem> {
    let types: BTreeSet<&String> = study.service_types.iter().collect();
    let standards: BTreeSet<&String> = study.spec.services.keys().collect();
    let mut out = Vec::new();
    let hint = |n: Option<&String>| {
        n.map(|n| format!(" Did you mean {n:?}?"))
            .unwrap_or_default()
    };
    for s in standards.iter().filter(|s| !types.contains(*s)) {
        let why = format!(
            "the standard [services.{s}] matches no provider: the providers' service types are \
             {}.{}",
            list(&types),
            hint(near(s, types.iter().copied()))
        );
        out.push(Problem::new("service_type", format!("[services.{s}]"), why));
    }
    if !standards.is_empty() {
        for t in types.iter().filter(|t| !standards.contains(*t)) {
            let why = format!(
                "providers of type {t:?} have no standard [services.{t}]; the standards are {}.{}",
                list(&standards),
                hint(near(t, standards.iter().copied()))
            );
            let at = format!("service type {t:?}");
            out.push(Problem::new("service_type", at, why));
        }
    }
    out
}

fn list(names: &BTreeSet<&String>) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_are_found_ignoring_case_and_small_slips() {
        let names = ["gp".to_string(), "pharmacy".to_string()];
        assert_eq!(near("GP", &names), Some(&names[0]));
        assert_eq!(near("pharmacyy", &names), Some(&names[1]));
        assert_eq!(near("library", &names), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
