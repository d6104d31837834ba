//! `lacuna map LAYER`: draw one map from any polygon layer (an output such as `areas.geojson`,
//! or any boundary file), shaded by a numeric column, as PNG or SVG.

use std::path::PathBuf;
use std::process::ExitCode;

use lacuna_io::config::{Classing, MapSpec};
use lacuna_io::crs::Crs;
use lacuna_render::layer_map::{draw, LayerMap};

fn parse_breaks(s: &str) -> Result<Vec<f64>, String> {
    s.split(',')
        .map(|x| {
            x.trim()
                .parse::<f64>()
                .map_err(|_| format!("{x:?} in --breaks is not a number"))
        })
        .collect()
}

/// Arguments of `lacuna map`.
#[derive(clap::Args)]
pub struct Args {
    /// The polygon layer: GeoJSON or shapefile (e.g. out/areas.geojson).
    layer: PathBuf,
    /// Numeric column to shade by (e.g. gp_population_share); without it, outlines only.
    #[arg(long)]
    column: Option<String>,
    /// Output file: .png or .svg (default: <layer>_<column>.png beside the layer).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Colour classes: fixed (breaks, for shares in [0, 1]) or quantile (default: fixed for
    /// shares, quantile otherwise).
    #[arg(long, value_parser = ["fixed", "quantile"])]
    classes: Option<String>,
    /// Class breaks for fixed classes, e.g. 0,0.25,0.5,0.75,1.
    #[arg(long, value_parser = parse_breaks)]
    breaks: Option<Vec<f64>>,
    /// Map title (default: the file name and the column).
    #[arg(long)]
    title: Option<String>,
    /// Id column (default: area_code, else the first column).
    #[arg(long)]
    id: Option<String>,
    /// Group (council) column whose outer boundaries are drawn (default: group).
    #[arg(long)]
    group: Option<String>,
    /// CRS of a layer that declares none.
    #[arg(long)]
    crs: Option<Crs>,
    /// Projected CRS to draw in (default: British National Grid in Great Britain, else UTM).
    #[arg(long)]
    working_crs: Option<Crs>,
    /// Attribution line.
    #[arg(
        long,
        default_value = "Contains OS data © Crown copyright and database right; ONS data licensed under the Open Government Licence v3.0"
    )]
    attribution: String,
    /// Width and height in pixels.
    #[arg(long, default_value_t = 1600)]
    width: u32,
    /// Height in pixels.
    #[arg(long, default_value_t = 1200)]
    height: u32,
    /// Print nothing but errors.
    #[arg(long)]
    quiet: bool,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let mut spec = MapSpec {
        width: a.width,
        height: a.height,
        ..MapSpec::default()
    };
    if let Some(b) = a.breaks {
        spec.breaks = b;
    }
    // The same checks as a study's [maps] section.
    lacuna_io::StudySpec {
        providers: vec![Default::default()],
        maps: spec.clone(),
        ..Default::default()
    }
    .check_maps()?;
    let out = a.out.unwrap_or_else(|| {
        let stem = a
            .layer
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "map".into());
        let name = match &a.column {
            Some(c) => format!("{stem}_{c}.png"),
            None => format!("{stem}.png"),
        };
        a.layer.with_file_name(name)
    });
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext != "png" && ext != "svg" {
        anyhow::bail!("{}: the output must end in .png or .svg", out.display());
    }
    let (canvas, report) = draw(&LayerMap {
        path: a.layer.clone(),
        column: a.column,
        id: a.id,
        group: a.group,
        crs: a.crs,
        working_crs: a.working_crs,
        classes: a.classes.map(|c| {
            if c == "fixed" {
                Classing::Fixed
            } else {
                Classing::Quantile
            }
        }),
        title: a.title,
        spec,
        attribution: a.attribution,
    })?;
    if ext == "png" {
        canvas.write_png(&out)?;
    } else {
        canvas.write_svg(&out)?;
    }
    if !a.quiet {
        eprintln!("{}: {} polygons drawn", a.layer.display(), report.drawn);
        for n in &report.notes {
            eprintln!("  {n}");
        }
        for s in report.skipped.iter().take(10) {
            eprintln!("  skipped {s}");
        }
        if report.skipped.len() > 10 {
            eprintln!("  ... and {} more skipped", report.skipped.len() - 10);
        }
        eprintln!("wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}
