//! `lacuna coverage`: coverage per area and service type from files given as flags.

use std::path::PathBuf;
use std::process::ExitCode;

use lacuna_io::config::{AreaInput, NeedInput, PointInput, ProviderInput, StudySpec};
use lacuna_io::crs::Crs;

/// The input flags shared by `lacuna coverage` and `lacuna batch`.
#[derive(clap::Args)]
pub struct Inputs {
    /// Area boundaries (GeoJSON, Shapefile); `lacuna batch` takes several files or a folder.
    #[arg(long, num_args = 1..)]
    pub areas: Vec<PathBuf>,
    /// Column with the area code (default: detected, e.g. a `*CD` column).
    #[arg(long)]
    id: Option<String>,
    /// Column with the area name.
    #[arg(long)]
    name: Option<String>,
    /// Column with the group, e.g. the council code.
    #[arg(long)]
    group: Option<String>,
    /// Column with the group's name, shown on maps and in the report (areas or need file).
    #[arg(long)]
    group_name: Option<String>,
    /// Provider files (points or catchment polygons); `TYPE=FILE` sets the service type of a file.
    // OS strings: a file name need not be UTF-8.
    #[arg(long, num_args = 1..)]
    providers: Vec<std::ffi::OsString>,
    /// Column with each provider's service type.
    #[arg(long)]
    type_column: Option<String>,
    /// Service type for every provider file without `TYPE=`.
    #[arg(long)]
    service_type: Option<String>,
    /// Catchment radius in metres.
    // Negative numbers are taken as values, so `--radius-m -5` reaches the radius check.
    #[arg(long, allow_negative_numbers = true)]
    radius_m: Option<f64>,
    /// Column with each provider's catchment radius in metres.
    #[arg(long)]
    radius_column: Option<String>,
    /// Column with a provider identifier.
    #[arg(long)]
    provider_id: Option<String>,
    /// Population-weighted points (CSV, GeoJSON, Shapefile).
    #[arg(long)]
    points: Option<PathBuf>,
    /// Column with each point's population.
    #[arg(long)]
    point_population: Option<String>,
    /// Column with each point's area code (default: the column named like --id).
    #[arg(long)]
    point_area: Option<String>,
    /// Need indicators per area (CSV).
    #[arg(long)]
    need: Option<PathBuf>,
    /// Column of the need file with the area code.
    #[arg(long)]
    need_id: Option<String>,
    /// Column of the need file with the population.
    #[arg(long)]
    need_population: Option<String>,
    /// CRS of inputs that declare none (CSV coordinates, shapefiles without .prj).
    #[arg(long)]
    crs: Option<Crs>,
    /// Projected CRS to compute in (default: EPSG:27700 in Great Britain, else UTM).
    #[arg(long)]
    working_crs: Option<Crs>,
    /// Also write areas.parquet (GeoParquet 1.1, WKB with a bbox covering column); needs the
    /// `geoparquet` build feature.
    #[arg(long)]
    geoparquet: bool,
}

/// Arguments of `lacuna coverage`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// Output folder.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Make any repaired or dropped feature an error.
    #[arg(long)]
    strict: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

impl Inputs {
    /// The study these flags describe, with `areas` as the boundary file.
    pub fn spec(&self, areas: PathBuf, strict: bool) -> anyhow::Result<StudySpec> {
        if self.providers.is_empty() {
            anyhow::bail!(
                "no provider file: give at least one with --providers FILE (or TYPE=FILE)"
            );
        }
        let providers = self
            .providers
            .iter()
            .map(|p| {
                let typed = p.to_str().and_then(|s| s.split_once('='));
                let (service_type, path) = match typed {
                    Some((t, f)) if !PathBuf::from(p).exists() => {
                        (Some(t.to_string()), PathBuf::from(f))
                    }
                    _ => (self.service_type.clone(), PathBuf::from(p)),
                };
                ProviderInput {
                    path,
                    service_type,
                    type_column: self.type_column.clone(),
                    radius_m: self.radius_m,
                    radius_column: self.radius_column.clone(),
                    id_column: self.provider_id.clone(),
                    ..Default::default()
                }
            })
            .collect();
        let spec = StudySpec {
            name: "coverage".into(),
            crs: self.crs,
            working_crs: self.working_crs,
            strict,
            areas: AreaInput {
                path: areas,
                id: self.id.clone(),
                name: self.name.clone(),
                group: self.group.clone(),
                group_name: self.group_name.clone(),
                ..Default::default()
            },
            providers,
            points: self.points.clone().map(|path| PointInput {
                path,
                population: self.point_population.clone(),
                area_column: self.point_area.clone(),
                ..Default::default()
            }),
            need: self.need.clone().map(|path| NeedInput {
                path,
                id: self.need_id.clone(),
                population: self.need_population.clone(),
                ..Default::default()
            }),
            geoparquet: self.geoparquet,
            ..Default::default()
        };
        spec.check()?;
        Ok(spec)
    }
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let areas = match &a.inputs.areas[..] {
        [one] => one.clone(),
        [] => anyhow::bail!("no boundary file: give one with --areas FILE"),
        _ => anyhow::bail!(
            "--areas takes one file here; for many boundary files use `lacuna batch --areas FILE...`"
        ),
    };
    let spec = a.inputs.spec(areas, a.strict)?;
    super::clean_up_on_signal(&a.out);
    let outcome = lacuna::pipeline::run(&spec, &a.out, lacuna::pipeline::FindingsOutput::None)?;
    super::print_outcome(&outcome, a.quiet);
    // The process ends here: skip freeing a national study piece by piece (tens of ms).
    std::mem::forget(outcome);
    Ok(ExitCode::SUCCESS)
}
