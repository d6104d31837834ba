//! `lacuna scenario [STUDY.toml] --close ID,... | --close-file FILE [--open FILE]`: what closing
//! some providers (and opening new sites) would do to coverage, computed only for the areas
//! the change can reach.

use std::path::PathBuf;
use std::process::ExitCode;

use lacuna_io::config::{ProviderInput, ScenarioSpec};

/// Arguments of `lacuna scenario`.
#[derive(clap::Args)]
pub struct ScenarioArgs {
    #[command(flatten)]
    run: super::run::Args,
    /// Ids of providers to close, comma-separated (the ids of critical_providers.csv).
    #[arg(long, value_delimiter = ',')]
    close: Vec<String>,
    /// A CSV of provider ids to close (its provider, provider_id or id column, else the first).
    #[arg(long)]
    close_file: Option<PathBuf>,
    /// A file of new sites to open (points, or catchment polygons), read like a providers file.
    #[arg(long)]
    open: Option<PathBuf>,
    /// The service type of every new site (else the file's type column).
    #[arg(long, requires = "open")]
    open_type: Option<String>,
    /// The catchment radius of every new site in metres (else its column, or the standard's).
    #[arg(long, requires = "open")]
    open_radius_m: Option<f64>,
}

pub fn run(a: ScenarioArgs) -> anyhow::Result<ExitCode> {
    let flags = !a.close.is_empty() || a.close_file.is_some() || a.open.is_some();
    let only =
        lacuna::pipeline::FindingsOutput::Only(lacuna_core::metrics::findings::Finding::Scenario);
    super::run::run_edited(a.run, only, |spec| {
        if flags {
            // The flags replace the study's [scenario]: one change is weighed at a time.
            spec.scenario = Some(ScenarioSpec {
                close: a.close,
                close_file: a.close_file,
                open: a
                    .open
                    .map(|path| ProviderInput {
                        path,
                        service_type: a.open_type,
                        radius_m: a.open_radius_m,
                        ..Default::default()
                    })
                    .into_iter()
                    .collect(),
            });
        }
        if spec.scenario.as_ref().is_none_or(ScenarioSpec::is_empty) {
            anyhow::bail!(
                "nothing to weigh: give providers to close (--close ID,... or --close-file FILE) \
                 or sites to open (--open FILE), or a [scenario] section in the study"
            );
        }
        Ok(())
    })
}
