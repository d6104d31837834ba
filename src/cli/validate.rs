//! `lacuna validate FILE...` or `lacuna validate STUDY.toml`: check input files, or every input
//! of a study in its role, without computing anything. Exit 0 when clean, 1 when any problem is
//! reported, 2 when a file cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use lacuna_io::crs::Crs;
use lacuna_io::validate::study::{validate_study, StudyCheck};
use lacuna_io::validate::{exit_code, validate, FileCheck, ValidateOptions};

/// Arguments of `lacuna validate`.
#[derive(clap::Args)]
pub struct Args {
    /// Files to check (boundaries, providers, points, need tables), or one study file
    /// (STUDY.toml) to check every input in its role and the joins between them.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// CRS of files that declare none.
    #[arg(long)]
    crs: Option<Crs>,
    /// The projected CRS to check geometry in (default: chosen from the areas, as a run does).
    #[arg(long)]
    working_crs: Option<Crs>,
    /// Id column for the duplicate check (default: detected).
    #[arg(long)]
    id: Option<String>,
    /// The layer to check in a GeoPackage that holds several.
    #[arg(long)]
    layer: Option<String>,
    /// Print a JSON report on standard output.
    #[arg(long)]
    json: bool,
}

fn is_study(files: &[PathBuf]) -> bool {
    files.len() == 1
        && files[0]
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    if let Some(w) = a.working_crs.filter(Crs::is_geographic) {
        anyhow::bail!(
            "--working-crs {w} is geographic (degrees): choose a projected CRS in metres"
        );
    }
    let opts = ValidateOptions {
        crs: a.crs,
        id: a.id,
        working_crs: a.working_crs,
        layer: a.layer,
    };
    if is_study(&a.files) {
        let check = validate_study(&a.files[0], &opts);
        if a.json {
            println!("{}", serde_json::to_string_pretty(&check)?);
        } else {
            print_study(&check);
        }
        return Ok(ExitCode::from(check.exit_code()));
    }
    let checks = validate(&a.files, &opts);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&checks)?);
    } else {
        for c in &checks {
            print_file(c);
        }
    }
    Ok(ExitCode::from(exit_code(&checks)))
}

fn print_study(s: &StudyCheck) {
    println!(
        "study {}{}",
        s.study,
        s.name
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    );
    if let Some(e) = &s.error {
        println!("  cannot be read: {e}");
        return;
    }
    if let Some(w) = &s.working_crs {
        println!("  working CRS {w}: {}", s.working_crs_source);
    }
    for n in &s.notes {
        println!("  {n}");
    }
    for c in &s.files {
        print_file(c);
    }
    println!("study as a whole: {} problems", s.problems.len());
    for p in &s.problems {
        println!("  {}: {}: {}", p.position, p.kind, p.detail);
    }
    let files: usize = s.files.iter().map(|f| f.problems.len()).sum();
    let total = files + s.problems.len();
    println!(
        "{}",
        match s.exit_code() {
            0 => "clean: a run would use every input as it is".to_string(),
            1 =>
                format!("{total} problems in all: fix them, or know what a run would do with them"),
            _ => "a file cannot be read: a run would stop".to_string(),
        }
    );
}

fn print_file(c: &FileCheck) {
    let role = c.role.as_ref().map(|r| format!("{r} ")).unwrap_or_default();
    if let Some(e) = &c.error {
        println!("{role}{}: cannot be read: {e}", c.path);
        return;
    }
    let kinds: Vec<String> = c
        .geometry_types
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    println!(
        "{role}{}: {} features{}{}",
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
    if let Some(r) = &c.run_would {
        println!(
            "  a run would keep {}, repair {} and drop {} of {}",
            r.kept, r.repaired, r.dropped, r.read
        );
    }
    if let Some(id) = &c.id_column {
        println!("  id column {id:?}");
    }
    let count = |want: Option<bool>| c.problems.iter().filter(|p| p.repairable == want).count();
    println!(
        "  {} problems: {} would be repaired, {} would be dropped or stop a run, {} to check",
        c.problems.len(),
        count(Some(true)),
        count(Some(false)),
        count(None)
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
