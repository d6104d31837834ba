//! `lacuna run [STUDY.toml] [--out DIR]`: a whole study from a configuration file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use lacuna_io::StudySpec;

/// Arguments of `lacuna run` (and of the single-finding subcommands).
#[derive(clap::Args)]
pub struct Args {
    /// The study file (default: data/demo/study.toml, the synthetic demo).
    study: Option<PathBuf>,
    /// Output folder.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Make any repaired or dropped feature an error.
    #[arg(long)]
    strict: bool,
    /// Also write areas.parquet (GeoParquet); needs the `geoparquet` build feature.
    #[arg(long)]
    geoparquet: bool,
    /// Also write lacuna.gpkg: the areas, unserved areas, gaps and lottery pairs as
    /// GeoPackage layers (for QGIS).
    #[arg(long)]
    gpkg: bool,
    /// Also write areas.fgb: the areas and their coverage as FlatGeobuf.
    #[arg(long)]
    fgb: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Write the static report: every map inlined, no interactive map (no scripts).
    #[arg(long)]
    no_interactive: bool,
}

fn default_study() -> anyhow::Result<PathBuf> {
    let local = PathBuf::from("data/demo/study.toml");
    if local.exists() {
        return Ok(local);
    }
    let built_in = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo/study.toml"));
    if built_in.exists() {
        return Ok(built_in);
    }
    anyhow::bail!(
        "no study file given and the demo (data/demo/study.toml) is not here: pass STUDY.toml"
    )
}

/// Runs a study writing coverage and the findings in `which`.
pub fn run_with(args: Args, which: lacuna::pipeline::FindingsOutput) -> anyhow::Result<ExitCode> {
    run_edited(args, which, |_| Ok(()))
}

/// [`run_with`] on the study as `edit` changes it (a scenario's flags).
pub fn run_edited(
    args: Args,
    which: lacuna::pipeline::FindingsOutput,
    edit: impl FnOnce(&mut StudySpec) -> anyhow::Result<()>,
) -> anyhow::Result<ExitCode> {
    let path = match args.study {
        Some(p) => p,
        None => default_study()?,
    };
    let mut spec = StudySpec::from_toml_file(&path)
        .with_context(|| format!("loading the study {}", path.display()))?;
    edit(&mut spec)?;
    spec.strict |= args.strict;
    spec.geoparquet |= args.geoparquet;
    spec.gpkg |= args.gpkg;
    spec.fgb |= args.fgb;
    spec.maps.interactive &= !args.no_interactive;
    spec.check()?;
    if !args.quiet {
        eprintln!("study {} ({})", path.display(), spec.name);
    }
    super::clean_up_on_signal(&args.out);
    let outcome = super::with_progress(args.quiet, || {
        lacuna::pipeline::run(&spec, &args.out, which)
    })?;
    super::print_outcome(&outcome, args.quiet);
    // The process ends here: skip freeing a national study piece by piece (tens of ms).
    std::mem::forget(outcome);
    Ok(ExitCode::SUCCESS)
}
