//! The coverage map: areas shaded by the share of people (or of the area) within reach, in
//! classes, with council boundaries, gap polygons and providers over them.

use super::classes::{class_fill, quantile_breaks, spread, Shading, VIRIDIS};
use super::page::{Page, Swatch};
use super::topology::thin;
use super::{capitalise, pct, title, Basemap};
use crate::canvas::{Canvas, Item, Rgb, Stroke};
use lacuna_core::metrics::coverage::{Coverage, CoverageRow};
use lacuna_core::metrics::findings::Findings;
use lacuna_core::metrics::lacunae::Gap;
use lacuna_io::config::{Classing, MapSpec};
use lacuna_io::write::{thousands, Units};
use lacuna_io::LoadedStudy as Study;

/// Gap polygons' outline.
const GAP_RED: Rgb = Rgb(0xd7, 0x30, 0x1f);

/// The coverage map of service type `t`.
pub(super) fn coverage_map(
    study: &Study,
    base: &Basemap,
    coverage: &Coverage,
    findings: &Findings,
    t: usize,
) -> Canvas {
    let types = study.service_types.len();
    let rows: Vec<&CoverageRow> = (0..study.areas.len())
        .map(|i| &coverage.rows[i * types + t])
        .collect();
    let share = |i: usize| rows[i].population_share.unwrap_or(rows[i].area_share);
    let by_population = rows.first().is_some_and(|r| r.population_share.is_some());
    let units = Units::new(study, by_population);
    let whole = if by_population {
        units.people
    } else {
        "the area"
    };
    let classes = match base.spec.classes {
        Classing::Fixed => "fixed",
        Classing::Quantile if by_population => "population-quantile",
        Classing::Quantile => "area-quantile",
    };
    let mut p = base.page(
        &title(study, &format!("share of {whole} within reach of a"), t),
        &format!(
            "{} areas; {}; {classes} classes",
            study.areas.len(),
            catchment_note(study, t),
        ),
    );
    let shading = coverage_shading(study, &base.spec, coverage, t);
    p.areas(|i| shading.fill[i], |i| base.tip(i, &pct(share(i))));
    let gaps = &findings.services[t].gaps;
    draw_gaps(&mut p, gaps);
    p.councils(3.0);
    p.providers(study, t, 4.0);
    p.council_names(study);
    p.shading_legend(&shading);
    p.legend_gap(14.0);
    p.providers_entry(study, t, 5.0);
    p.councils_entry(3.0);
    if !gaps.is_empty() {
        let outline = Stroke::solid(GAP_RED, 2.0 * base.u);
        p.legend_entry(
            Swatch::Box(None, Some(outline)),
            "gap: outside every catchment",
        );
    }
    let total: f64 = rows.iter().filter_map(|r| r.population).sum();
    let covered: f64 = rows.iter().filter_map(|r| r.covered_population).sum();
    if total > 0.0 && by_population {
        p.legend_gap(14.0);
        let (covered_n, total_n) = (thousands(covered), thousands(total));
        p.legend_note(&format!("{covered_n} of {total_n} {}", units.people), 17.0);
        p.legend_note(&format!("({}) within reach", pct(covered / total)), 17.0);
    }
    p.finish()
}

/// The coverage map's shading of service type `t`: the share within reach in classes of
/// viridis (fixed breaks or population quantiles, per `[maps]`).
pub(crate) fn coverage_shading(
    study: &Study,
    spec: &MapSpec,
    coverage: &Coverage,
    t: usize,
) -> Shading {
    let types = study.service_types.len();
    let rows: Vec<&CoverageRow> = (0..study.areas.len())
        .map(|i| &coverage.rows[i * types + t])
        .collect();
    let share = |i: usize| rows[i].population_share.unwrap_or(rows[i].area_share);
    let by_population = rows.first().is_some_and(|r| r.population_share.is_some());
    let units = Units::new(study, by_population);
    let breaks = match spec.classes {
        Classing::Fixed => spec.breaks.clone(),
        Classing::Quantile => {
            let v: Vec<f64> = (0..rows.len()).map(share).collect();
            let w: Vec<f64> = rows
                .iter()
                .map(|r| r.population.unwrap_or(r.area_m2))
                .collect();
            quantile_breaks(&v, &w, 5)
        }
    };
    let palette: Vec<Rgb> = spread(&VIRIDIS, breaks.len() - 1);
    let no_data = match (by_population, units.people) {
        (false, _) => "no data",
        (true, "people") => "no people / no data",
        (true, _) => "no points / no data",
    };
    Shading::classes(
        format!("{} within reach", capitalise(units.whole())),
        (0..rows.len())
            .map(|i| class_fill(share(i), &breaks, &palette))
            .collect(),
        &palette,
        |k| format!("{}–{}", pct(breaks[k]), pct(breaks[k + 1])),
        no_data,
    )
}

/// The gap polygons, outlined (they are dissolved polygons: their rings are the outline).
fn draw_gaps(p: &mut Page, gaps: &[Gap]) {
    if gaps.is_empty() {
        return;
    }
    let base = p.base;
    p.c.push(Item::Begin("gaps".into()));
    for g in gaps {
        let rings = g
            .shape
            .0
            .iter()
            .flat_map(|poly| std::iter::once(poly.exterior()).chain(poly.interiors()));
        let paths = rings
            .map(|r| {
                let mut px: Vec<(f64, f64)> = r.0.iter().map(|c| base.frame.px(*c)).collect();
                if px.first() != px.last() {
                    px.push(px[0]);
                }
                thin(px)
            })
            .collect();
        p.c.push(Item::Lines {
            paths,
            stroke: Stroke::solid(GAP_RED, 1.6 * base.u),
        });
    }
    p.c.push(Item::End);
}

/// The catchment of service type `t`, for the subtitle.
fn catchment_note(study: &Study, t: usize) -> String {
    let name = &study.service_types[t];
    match study.spec.services.get(name).and_then(|s| s.radius_m) {
        Some(r) => format!("{r} m straight-line catchment"),
        None => "catchments as given".into(),
    }
}
