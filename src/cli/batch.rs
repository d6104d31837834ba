//! `lacuna batch`: one study over many partitions (a national file split by a column, or many
//! boundary files), in parallel, with progress, resumable; see [`lacuna::batch`].

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::ProgressBar;
use lacuna::batch::{run, BatchOptions, PartitionSummary, Partitioning};
use lacuna_io::StudySpec;

/// Arguments of `lacuna batch`.
#[derive(clap::Args)]
pub struct Args {
    /// A study file giving the inputs (instead of the input flags); with --areas, its boundary
    /// file is replaced by those.
    #[arg(long)]
    study: Option<PathBuf>,
    #[command(flatten)]
    inputs: super::coverage::Inputs,
    /// Split one boundary file by this column (e.g. lad19cd: one partition per council); it is
    /// also the group (council) column. Without it, each boundary file (or each file of a
    /// folder given to --areas) is a partition.
    #[arg(long)]
    partition_by: Option<String>,
    /// Output folder: combined coverage.csv (with a partition column), batch_summary.csv,
    /// batch.json (summaries and warnings), partitions/<name>/.
    #[arg(long, default_value = "out-batch")]
    out: PathBuf,
    /// Skip partitions whose outputs are complete and were made by the same study from the same
    /// input files (size, modification time and content).
    #[arg(long)]
    resume: bool,
    /// Make any repaired or dropped feature an error.
    #[arg(long)]
    strict: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Fail this partition on purpose (for testing failure handling and --resume).
    #[arg(long, hide = true)]
    fail_partition: Option<String>,
}

/// The boundary files named by --areas: files as given, folders as their GeoJSON and shapefiles.
fn boundary_files(areas: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for a in areas {
        if a.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(a)
                .with_context(|| format!("reading the folder {}", a.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension().is_some_and(|e| {
                        let e = e.to_string_lossy().to_ascii_lowercase();
                        e == "geojson" || e == "json" || e == "shp"
                    })
                })
                .collect();
            found.sort();
            if found.is_empty() {
                anyhow::bail!(
                    "{}: no .geojson, .json or .shp files in this folder",
                    a.display()
                );
            }
            files.extend(found);
        } else {
            files.push(a.clone());
        }
    }
    Ok(files)
}

/// Runs `lacuna batch`: exit 0 when every partition was computed (or resumed), 1 when one
/// failed (the others' outputs are written, and `--resume` retries only the failed ones).
pub fn run_batch(a: Args) -> anyhow::Result<ExitCode> {
    let files = boundary_files(&a.inputs.areas)?;
    let mut spec = batch_spec(&a, &files)?;
    let partitioning = partitioning(&a, files, &mut spec)?;
    // On a terminal, a bar: partitions done, areas per second, time left.
    let bar = (!a.quiet && std::io::stderr().is_terminal()).then(|| {
        super::progress_bar("{bar:40} {pos}/{len} partitions, {msg} [{elapsed_precise}, ETA {eta}]")
    });
    let started = std::time::Instant::now();
    let areas_done = std::sync::atomic::AtomicUsize::new(0);
    let progress = |s: &PartitionSummary, done: usize, total: usize| {
        let n = areas_done.fetch_add(s.areas, std::sync::atomic::Ordering::Relaxed) + s.areas;
        let rate = n as f64 / started.elapsed().as_secs_f64().max(1e-9);
        show_partition(bar.as_ref(), a.quiet, s, (done, total), rate);
    };
    let outcome = run(
        &spec,
        &partitioning,
        &a.out,
        &BatchOptions {
            resume: a.resume,
            progress: &progress,
            fail_partition: a.fail_partition.clone(),
        },
    )?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let failed: Vec<&PartitionSummary> = outcome.failed().collect();
    if !a.quiet {
        let resumed = outcome
            .partitions
            .iter()
            .filter(|p| p.status == "resumed")
            .count();
        let areas: usize = outcome.partitions.iter().map(|p| p.areas).sum();
        eprintln!(
            "{} partitions ({} computed, {resumed} resumed, {} failed), {areas} areas in {:.2} s",
            outcome.partitions.len(),
            outcome.partitions.len() - resumed - failed.len(),
            failed.len(),
            started.elapsed().as_secs_f64()
        );
        for p in &outcome.written {
            eprintln!("wrote {}", p.display());
        }
    }
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for f in &failed {
            eprintln!(
                "lacuna: partition {} failed: {} (rerun with --resume to retry only the failed ones)",
                f.partition,
                f.error.as_deref().unwrap_or("")
            );
        }
        Ok(ExitCode::from(1))
    }
}

/// The study of the batch: the study file with its boundary file replaced by the first of
/// `files` (when given), or one made from the input flags.
fn batch_spec(a: &Args, files: &[PathBuf]) -> anyhow::Result<StudySpec> {
    match &a.study {
        Some(p) => {
            let mut s = StudySpec::from_toml_file(p)
                .with_context(|| format!("loading the study {}", p.display()))?;
            if let Some(f) = files.first() {
                s.areas.path = f.clone();
            }
            s.strict |= a.strict;
            Ok(s)
        }
        None => {
            let first = files
                .first()
                .cloned()
                .context("no boundary file: give --areas FILE... (or --study STUDY.toml)")?;
            a.inputs.spec(first, a.strict)
        }
    }
}

/// How to split the study: by `--partition-by` (which is then the group column), else one
/// partition per boundary file when there are several (or a folder), else by the study's group
/// column; refuses combinations that say two different things.
fn partitioning(
    a: &Args,
    files: Vec<PathBuf>,
    spec: &mut StudySpec,
) -> anyhow::Result<Partitioning> {
    match &a.partition_by {
        Some(col) => {
            if files.len() > 1 {
                anyhow::bail!(
                    "--partition-by splits one boundary file; {} were given",
                    files.len()
                );
            }
            if let Some(g) = spec.areas.group.as_ref().filter(|g| *g != col) {
                anyhow::bail!(
                    "--partition-by {col} and --group {g} differ: partitions are groups here, so \
                     give one of them (or the same column to both)"
                );
            }
            spec.areas.group = Some(col.clone());
            Ok(Partitioning::Column)
        }
        None if files.len() > 1 || a.inputs.areas.iter().any(|p| p.is_dir()) => {
            Ok(Partitioning::Files(files))
        }
        None => {
            if spec.areas.group.is_none() {
                anyhow::bail!(
                    "one boundary file and no --partition-by: name the column to split it by \
                     (e.g. --partition-by lad19cd), or give several files or a folder"
                );
            }
            Ok(Partitioning::Column)
        }
    }
}

/// Shows one finished partition: on the bar (a failure printed above it), or as a line when
/// stderr is not a terminal, so a log still tells which partitions ran and how.
fn show_partition(
    bar: Option<&ProgressBar>,
    quiet: bool,
    s: &PartitionSummary,
    (done, total): (usize, usize),
    rate: f64,
) {
    match bar {
        Some(b) => {
            b.set_length(total as u64);
            b.set_position(done as u64);
            b.set_message(format!("{rate:.0} areas/s"));
            if s.status == "failed" {
                b.println(format!(
                    "partition {} failed: {}",
                    s.partition,
                    s.error.as_deref().unwrap_or("")
                ));
            }
        }
        None if !quiet => eprintln!(
            "[{done}/{total}] {} {}: {} areas{}",
            s.partition,
            s.status,
            s.areas,
            s.error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ),
        None => {}
    }
}
