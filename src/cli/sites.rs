//! `lacuna sites [STUDY.toml] --service TYPE --k K [--candidates FILE | --grid-m M] [--exact]`:
//! where k new sites would bring the most need-weighted people within reach.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `lacuna sites`.
#[derive(clap::Args)]
pub struct SitesArgs {
    #[command(flatten)]
    run: super::run::Args,
    /// The service type of the new sites (else the study's [sites]).
    #[arg(long)]
    service: Option<String>,
    /// How many sites to choose.
    #[arg(long)]
    k: Option<usize>,
    /// A file of candidate sites (points); default: a grid over the areas.
    #[arg(long)]
    candidates: Option<PathBuf>,
    /// Spacing of the grid of candidate sites in metres (default 500).
    #[arg(long, conflicts_with = "candidates")]
    grid_m: Option<f64>,
    /// Catchment radius of a new site in metres (default: the service's radius_m).
    #[arg(long)]
    radius_m: Option<f64>,
    /// Solve the integer programme to optimality (small instances: hundreds of candidates).
    #[arg(long)]
    exact: bool,
}

pub fn run(a: SitesArgs) -> anyhow::Result<ExitCode> {
    let only =
        lacuna::pipeline::FindingsOutput::Only(lacuna_core::metrics::findings::Finding::Sites);
    super::run::run_edited(a.run, only, |spec| {
        let mut sites = spec.sites.clone().unwrap_or_default();
        if let Some(s) = a.service {
            sites.service = s;
        }
        if let Some(k) = a.k {
            sites.k = k;
        }
        if a.candidates.is_some() {
            sites.candidates = a.candidates;
            sites.grid_m = None;
        }
        if a.grid_m.is_some() {
            sites.grid_m = a.grid_m;
            sites.candidates = None;
        }
        sites.radius_m = a.radius_m.or(sites.radius_m);
        sites.exact |= a.exact;
        if sites.service.is_empty() || sites.k == 0 {
            anyhow::bail!(
                "say which service and how many sites: --service TYPE --k K (or [sites] in the study)"
            );
        }
        spec.sites = Some(sites);
        Ok(())
    })
}
