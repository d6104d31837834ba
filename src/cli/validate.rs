//! `lacuna validate FILE...`: check input files without running a study. Exit 0 when clean, 1
//! with findings, 2 when a file cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use lacuna::io::crs::Crs;
use lacuna::validate::{is_finding, validate, ValidateOptions};

/// Arguments of `lacuna validate`.
#[derive(clap::Args)]
pub struct Args {
    /// Files to check: boundaries, providers, points, need tables.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// CRS of files that declare none.
    #[arg(long, value_parser = |s: &str| Crs::parse(s).ok_or_else(|| format!("unknown CRS {s:?}: write it as EPSG:NNNN")))]
    crs: Option<Crs>,
    /// Id column for the duplicate check (default: detected).
    #[arg(long)]
    id: Option<String>,
    /// Print a JSON report on standard output.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let checks = validate(
        &a.files,
        &ValidateOptions {
            crs: a.crs,
            id: a.id,
        },
    );
    let unreadable = checks.iter().any(|c| !c.readable);
    let findings = checks.iter().flat_map(|c| &c.problems).any(is_finding);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&checks)?);
    } else {
        for c in &checks {
            if let Some(e) = &c.error {
                println!("{}: cannot be read: {e}", c.path);
                continue;
            }
            let kinds: Vec<String> = c
                .geometry_types
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            println!(
                "{}: {} features{}{}",
                c.path,
                c.features,
                if kinds.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", kinds.join(", "))
                },
                c.crs
                    .as_ref()
                    .map(|crs| format!("; CRS {crs}: {}", c.crs_source))
                    .unwrap_or_default()
            );
            if let Some(id) = &c.id_column {
                println!("  id column {id:?}");
            }
            let repairable = c
                .problems
                .iter()
                .filter(|p| p.repairable == Some(true))
                .count();
            let fatal = c
                .problems
                .iter()
                .filter(|p| p.repairable == Some(false))
                .count();
            println!(
                "  {} problems: {repairable} would be repaired, {fatal} would be dropped or stop a run",
                c.problems.len()
            );
            for p in c.problems.iter().take(15) {
                let id =
                    p.id.as_deref()
                        .map(|i| format!(" ({i})"))
                        .unwrap_or_default();
                let what = match p.repairable {
                    Some(true) => " [repairable]",
                    Some(false) => " [not repairable]",
                    None => "",
                };
                println!("  {}{id}: {}: {}{what}", p.position, p.kind, p.detail);
            }
            if c.problems.len() > 15 {
                println!("  ... {} more (use --json for all)", c.problems.len() - 15);
            }
        }
    }
    Ok(ExitCode::from(if unreadable {
        2
    } else if findings {
        1
    } else {
        0
    }))
}
