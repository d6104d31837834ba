//! Service types: every `[services.X]` standard must name a service type of the providers, and
//! (when the study sets standards) every provider's type must have one. A standard that matches
//! nothing, by case (`GP` for `gp`) or spelling (`pharmacyy`), would otherwise make its service
//! vanish from every output without a word.

use super::providers::SeenTypes;
use super::FileReport;
use crate::config::StudySpec;
use crate::error::{Error, Result};

/// Checks the standards against the service types found in the provider files.
///
/// # Errors
/// Naming both sides and the near match, when a standard matches no provider or (with
/// standards set) providers have a type without one.
pub(super) fn check_standards(spec: &StudySpec, seen: &SeenTypes) -> Result<()> {
    if spec.services.is_empty() {
        return Ok(());
    }
    let types: Vec<&String> = seen.keys().collect();
    let standards: Vec<&String> = spec.services.keys().collect();
    let mut problems = Vec::new();
    for s in &standards {
        if seen.contains_key(*s) {
            continue;
        }
        let found = if types.is_empty() {
            "the provider files have no service type at all".to_string()
        } else {
            format!(
                "the providers' service types are {}",
                types
                    .iter()
                    .map(|t| format!("{t:?} ({})", files(seen, t)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        problems.push(format!(
            "[services.{s}] matches no provider: {found}{}",
            suggest(s, &types, |t| format!("{t:?}"))
        ));
    }
    for t in &types {
        if spec.services.contains_key(*t) {
            continue;
        }
        problems.push(format!(
            "providers of service type {t:?} ({}) have no standard: the study's standards are {}{}",
            files(seen, t),
            standards
                .iter()
                .map(|s| format!("[services.{s}]"))
                .collect::<Vec<_>>()
                .join(", "),
            suggest(t, &standards, |s| format!("[services.{s}]"))
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::Config(format!(
        "the study's service standards and the providers' service types do not match (they must \
         be spelt the same, case included): {}; rename the standard or the type (service_type \
         in [[providers]], or the type column's values), or add the missing standard",
        problems.join("; ")
    )))
}

fn files(seen: &SeenTypes, t: &str) -> String {
    seen.get(t)
        .map(|f| f.iter().cloned().collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

/// "; did you mean X?" for the closest of `among`: equal but for case, or a few letters apart.
fn suggest(name: &str, among: &[&String], show: impl Fn(&str) -> String) -> String {
    let lower = name.to_lowercase();
    among
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 4).max(1))
        .min()
        .map(|(_, c)| format!("; did you mean {}?", show(c)))
        .unwrap_or_default()
}

/// Levenshtein distance between two short names.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The error when no provider was kept: why, per file (no rows, or every row dropped with the
/// first reasons), rather than a pointer to messages that may not exist.
pub(super) fn none_kept(files: &[FileReport]) -> Error {
    let why: Vec<String> = files
        .iter()
        .filter(|f| f.role == "providers")
        .map(|f| {
            if f.read == 0 {
                return format!("{}: no rows or features", f.path);
            }
            let first: Vec<String> = f
                .problems
                .iter()
                .take(3)
                .map(|p| format!("{}: {}", p.position, p.reason))
                .collect();
            format!(
                "{}: {} read, {} dropped (first: {})",
                f.path,
                f.read,
                f.dropped,
                first.join("; ")
            )
        })
        .collect();
    Error::Config(format!(
        "no provider was kept from the provider files: {}",
        why.join(". ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_matches_are_suggested() {
        assert_eq!(edit_distance("pharmacyy", "pharmacy"), 1);
        assert_eq!(edit_distance("gp", "gp"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        let gp = "gp".to_string();
        let pharmacy = "pharmacy".to_string();
        let among = [&gp, &pharmacy];
        let show = |t: &str| format!("{t:?}");
        assert_eq!(suggest("GP", &among, show), "; did you mean \"gp\"?");
        assert_eq!(
            suggest("pharmacyy", &among, show),
            "; did you mean \"pharmacy\"?"
        );
        assert_eq!(suggest("library", &among, show), "");
    }
}
