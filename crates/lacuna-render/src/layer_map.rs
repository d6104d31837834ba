//! `lacuna map`: one map from any polygon layer (an output such as `areas.geojson`,
//! `unserved.geojson` or `gaps.geojson`, or any boundary file), shaded by one numeric column.
//!
//! The layer is read like any input (its CRS found or given), projected to a metric working CRS
//! (British National Grid in Great Britain, else a UTM zone) and drawn with the same frame,
//! legend, scale bar, north arrow and attribution as the study maps.

use std::path::PathBuf;

use super::canvas::{Canvas, Rgb};
use super::maps::{class_of, quantile_breaks, spread, Basemap, MapArea, Swatch, NO_DATA, VIRIDIS};
use lacuna_core::normalise;
use lacuna_io::config::{Classing, MapSpec};
use lacuna_io::crs::Crs;
use lacuna_io::error::{Error, Result};
use lacuna_io::ReadOptions;

/// What to map and how.
#[derive(Debug, Clone)]
pub struct LayerMap {
    /// The polygon layer.
    pub path: PathBuf,
    /// The numeric column to shade by; `None` draws the outlines only.
    pub column: Option<String>,
    /// The id column (default: `area_code` when present, else the first column).
    pub id: Option<String>,
    /// The group (council) column whose boundaries are drawn (default: `group` when present).
    pub group: Option<String>,
    /// CRS of a layer that does not declare one.
    pub crs: Option<Crs>,
    /// Working CRS (default: chosen from where the layer lies).
    pub working_crs: Option<Crs>,
    /// Classes (default: fixed breaks for values within [0, 1], quantiles otherwise).
    pub classes: Option<Classing>,
    /// Title (default: the file name and column).
    pub title: Option<String>,
    /// Size, breaks and label settings.
    pub spec: MapSpec,
    /// Attribution line.
    pub attribution: String,
}

/// What drawing the layer did, for the user.
#[derive(Debug, Clone, Default)]
pub struct LayerMapReport {
    /// Polygons drawn.
    pub drawn: usize,
    /// Features skipped, with the reason.
    pub skipped: Vec<String>,
    /// Notes: CRS, columns chosen, classes.
    pub notes: Vec<String>,
}

/// A column of text (names, codes) would give a map of nothing but "no data": refuse it, naming
/// the columns that do hold numbers.
fn check_numeric(layer: &lacuna_io::Layer, c: usize, path: &std::path::Path) -> Result<()> {
    let numeric = |i: usize| {
        layer
            .features
            .iter()
            .any(|f| matches!(f.values[i].as_number(), Ok(Some(_))))
    };
    if numeric(c) {
        return Ok(());
    }
    let first = layer
        .features
        .iter()
        .find_map(|f| f.values[c].as_text())
        .unwrap_or_default();
    let numbers: Vec<&str> = (0..layer.columns.len())
        .filter(|&i| numeric(i))
        .map(|i| layer.columns[i].as_str())
        .collect();
    Err(Error::column(
        path,
        format!(
            "column {:?} holds no numbers (e.g. {:?}), so every area would be drawn as no data; \
             columns with numbers: {}",
            layer.columns[c],
            lacuna_io::brief(&first),
            if numbers.is_empty() {
                "none".to_string()
            } else {
                numbers.join(", ")
            }
        ),
    ))
}

fn column(columns: &[String], name: &str, path: &std::path::Path) -> Result<usize> {
    columns.iter().position(|c| c == name).ok_or_else(|| {
        Error::format(
            path,
            format!(
                "no column {name:?}; the columns are: {}",
                columns.join(", ")
            ),
        )
    })
}

/// Reads, projects and draws the layer.
///
/// # Errors
/// When the layer cannot be read or projected, a named column does not exist, or the column to
/// shade by holds no number.
pub fn draw(opts: &LayerMap) -> Result<(Canvas, LayerMapReport)> {
    let mut report = LayerMapReport::default();
    let layer = read_projected(opts, &mut report)?;
    let value_col = opts
        .column
        .as_deref()
        .map(|c| column(&layer.columns, c, &opts.path))
        .transpose()?;
    if let Some(c) = value_col {
        check_numeric(&layer, c, &opts.path)?;
    }
    let (areas, values) = polygons(layer, opts, value_col, &mut report)?;
    report.drawn = areas.len();
    let base = Basemap::new(&areas, &opts.spec, &opts.attribution);
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let unit_interval = present.iter().all(|v| (0.0..=1.0).contains(v));
    let classes = opts.classes.unwrap_or(if unit_interval {
        Classing::Fixed
    } else {
        Classing::Quantile
    });
    let breaks = match classes {
        Classing::Fixed if unit_interval => opts.spec.breaks.clone(),
        _ => quantile_breaks(&present, &vec![1.0; present.len()], 5),
    };
    let palette: Vec<Rgb> = spread(&VIRIDIS, breaks.len() - 1);
    let as_share = unit_interval && !present.is_empty();
    let label = |v: f64| {
        if as_share {
            format!("{:.0}%", 100.0 * v)
        } else if v.abs() >= 10.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.2}")
        }
    };
    let shading = match (&opts.column, classes) {
        (None, _) => "outlines",
        (Some(_), Classing::Fixed) if unit_interval => "fixed classes",
        (Some(_), _) => "quantile classes (equal numbers of areas)",
    };
    let subtitle = format!("{} polygons; {shading}", areas.len());
    let mut p = base.page(&title(opts), &subtitle);
    p.areas(
        |i| match values[i] {
            Some(v) => palette[class_of(v, &breaks)],
            None if value_col.is_none() => Rgb(235, 235, 235),
            None => NO_DATA,
        },
        |i| match values[i] {
            Some(v) => format!("{}: {}", areas[i].0, label(v)),
            None => areas[i].0.clone(),
        },
    );
    p.councils(2.5);
    if let Some(c) = &opts.column {
        p.legend_title(c);
        if !present.is_empty() {
            p.class_legend(&palette, |k| {
                format!("{} – {}", label(breaks[k]), label(breaks[k + 1]))
            });
        }
        if values.iter().any(Option::is_none) {
            p.legend_entry(Swatch::Class(NO_DATA), "no value");
        }
    }
    let labels: Vec<String> = breaks.iter().map(|b| label(*b)).collect();
    report.notes.push(format!("classes: {}", labels.join(", ")));
    Ok((p.finish(), report))
}

/// The map's title: as given, or the file name and column.
fn title(opts: &LayerMap) -> String {
    let file = opts
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    opts.title.clone().unwrap_or_else(|| match &opts.column {
        Some(c) => format!("{file}: {c}"),
        None => file,
    })
}

/// The layer, read and projected to the working CRS (as given, or chosen from where it lies).
fn read_projected(opts: &LayerMap, report: &mut LayerMapReport) -> Result<lacuna_io::Layer> {
    let read = ReadOptions {
        crs: opts.crs,
        xy_columns: None,
        layer: None,
    };
    let mut layer = lacuna_io::read_layer(&opts.path, &read)?;
    report.notes.extend(layer.notes.iter().cloned());
    let working = match opts.working_crs {
        Some(w) => w,
        None => lacuna_io::load::wgs84_bbox(&layer)?
            .map(Crs::working_for)
            .ok_or_else(|| {
                Error::format(&opts.path, "no feature has a geometry: nothing to map")
            })?,
    };
    report.notes.push(format!("drawn in {working}"));
    lacuna_io::load::transform_layer(&mut layer, working)?;
    Ok(layer)
}

/// The layer's polygons to map (id, group and shape) and their values in column `value_col`;
/// features without a polygon are skipped and a value that is not a number is no data, each
/// reported.
fn polygons(
    mut layer: lacuna_io::Layer,
    opts: &LayerMap,
    value_col: Option<usize>,
    report: &mut LayerMapReport,
) -> Result<(Vec<MapArea>, Vec<Option<f64>>)> {
    let id_col = match &opts.id {
        Some(c) => Some(column(&layer.columns, c, &opts.path)?),
        None => layer
            .columns
            .iter()
            .position(|c| c == "area_code")
            .or((!layer.columns.is_empty()).then_some(0)),
    };
    let group_col = match &opts.group {
        Some(c) => Some(column(&layer.columns, c, &opts.path)?),
        None => layer.columns.iter().position(|c| c == "group"),
    };
    let mut areas: Vec<MapArea> = Vec::new();
    let mut values: Vec<Option<f64>> = Vec::new();
    for f in std::mem::take(&mut layer.features) {
        let pos = layer.describe(f.position);
        let shape = match f.geometry {
            None => Err("no geometry".to_string()),
            Some(geo::Geometry::Point(_) | geo::Geometry::MultiPoint(_)) => {
                Err("a point, not a polygon".to_string())
            }
            Some(g) => normalise::polygonal(g).map(|(shape, _)| shape),
        };
        let shape = match shape {
            Ok(shape) => shape,
            Err(why) => {
                report.skipped.push(format!("{pos}: {why}"));
                continue;
            }
        };
        let text = |c: Option<usize>| c.and_then(|i| f.values[i].as_text()).unwrap_or_default();
        let value = match value_col.map(|i| f.values[i].as_number()) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(v))) => Some(v),
            Some(Err(t)) => {
                report
                    .skipped
                    .push(format!("{pos}: {t:?} is not a number (drawn as no data)"));
                None
            }
        };
        areas.push((text(id_col), text(group_col), shape));
        values.push(value);
    }
    Ok((areas, values))
}
