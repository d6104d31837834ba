//! Population points: their population, and the area each belongs to (by an area-code column,
//! else by point-in-polygon).

use std::collections::HashMap;

use geo::Coord;

use super::{list, strict_check, FileReport, POP_CANDIDATES};
use crate::config::{PointInput, StudySpec};
use crate::error::Result;
use crate::io::Layer;
use crate::model::{Area, PopPoint};

pub(super) fn build_points(
    input: &PointInput,
    layer: &mut Layer,
    areas: &[Area],
    area_id_column: &str,
    spec: &StudySpec,
    files: &mut Vec<FileReport>,
    warnings: &mut Vec<String>,
) -> Result<Vec<PopPoint>> {
    let pop_col = layer.choose_column(
        input.population.as_deref(),
        POP_CANDIDATES,
        "point population",
        "--point-population",
    )?;
    if pop_col.is_none() {
        layer.notes.push(
            "no population column: every point counts as 1 person (set --point-population)".into(),
        );
    }
    let area_col = match input.area_column.as_deref() {
        Some(c) => layer.choose_column(Some(c), &[], "area code", "--point-area")?,
        None => layer.column_index(area_id_column).inspect(|&i| {
            layer.notes.push(format!(
                "points assigned to areas by their code column {:?} (named like the areas' id \
                 column)",
                layer.columns[i]
            ))
        }),
    };
    if area_col.is_none() {
        layer
            .notes
            .push("points assigned to areas by point-in-polygon (no area code column)".into());
    }
    let mut report = FileReport::new("points", layer, &input.source);
    let by_code: HashMap<&str, usize> = areas
        .iter()
        .enumerate()
        .map(|(i, a)| (a.code.as_str(), i))
        .collect();
    // Points assigned by code never need the areas' R-tree.
    let tree = area_col.is_none().then(|| area_tree(areas));
    let mut points = Vec::with_capacity(layer.features.len());
    let mut unassigned = Vec::new();
    for f in &layer.features {
        let pos = || layer.describe(f.position);
        let Some(geo::Geometry::Point(p)) = &f.geometry else {
            report.drop(pos(), None, "is not a point".into());
            continue;
        };
        let population = match pop_col.map(|i| f.values[i].as_number()) {
            None => 1.0,
            Some(Ok(Some(x))) if x >= 0.0 => x,
            Some(Ok(Some(x))) => {
                report.drop(pos(), None, format!("negative population {x}"));
                continue;
            }
            Some(Ok(None)) => {
                report.drop(pos(), None, "population is blank".into());
                continue;
            }
            Some(Err(t)) => {
                report.drop(pos(), None, format!("population {t:?} is not a number"));
                continue;
            }
        };
        let area = match (area_col, &tree) {
            (Some(i), _) => f.values[i]
                .text()
                .and_then(|c| by_code.get(c.as_ref()).copied()),
            (None, Some(tree)) => locate(tree, areas, p.0),
            (None, None) => None,
        };
        if area.is_none() {
            unassigned.push(pos());
        }
        report.kept += 1;
        points.push(PopPoint {
            at: p.0,
            population,
            area,
        });
    }
    if !unassigned.is_empty() {
        let how = if area_col.is_some() {
            "whose area code matches no area"
        } else {
            "outside every area"
        };
        warnings.push(format!(
            "{}: {} of {} points {how} are not counted in any area (first: {})",
            layer.path.display(),
            unassigned.len(),
            points.len(),
            list(&unassigned, 3)
        ));
    }
    strict_check(spec, &report)?;
    files.push(report);
    Ok(points)
}

struct AreaEntry(usize, rstar::AABB<[f64; 2]>);

impl rstar::RTreeObject for AreaEntry {
    type Envelope = rstar::AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.1
    }
}

fn area_tree(areas: &[Area]) -> rstar::RTree<AreaEntry> {
    rstar::RTree::bulk_load(
        areas
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let r = a.local.bounding_rect();
                AreaEntry(
                    i,
                    rstar::AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                )
            })
            .collect(),
    )
}

fn locate(tree: &rstar::RTree<AreaEntry>, areas: &[Area], p: Coord) -> Option<usize> {
    tree.locate_in_envelope_intersecting(&rstar::AABB::from_point([p.x, p.y]))
        .map(|e| e.0)
        .filter(|&i| areas[i].local.contains(p))
        .min()
}
