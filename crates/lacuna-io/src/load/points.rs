//! Population points: their population, and the area each belongs to (by an area-code column,
//! else by point-in-polygon).

use std::collections::HashMap;

use geo::Coord;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use super::columns::point_area_column;
use super::{list, not_people, strict_check, FileReport, NeedJoin, POP_CANDIDATES};
use crate::config::{PointInput, StudySpec};
use crate::error::{Error, Result};
use crate::Layer;
use lacuna_core::model::{Area, PopPoint};
use lacuna_core::spatial::overlay::LocalPolygon;

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
        warnings.push(format!(
            "{}: {}",
            layer.path.display(),
            super::POINTS_COUNTED
        ));
    }
    let by_code: HashMap<&str, usize> = areas
        .iter()
        .enumerate()
        .map(|(i, a)| (a.code.as_str(), i))
        .collect();
    let area_col = point_area_column(input, layer, &by_code, area_id_column)?;
    let mut report = FileReport::new("points", layer, &input.source);
    let tree = polygon_tree(areas.iter().map(|a| &a.local));
    let mut points = Vec::with_capacity(layer.features.len());
    let mut joined = Joined::default();
    for f in &layer.features {
        let pos = || layer.describe(f.position);
        let Some(geo::Geometry::Point(p)) = &f.geometry else {
            report.drop(pos(), None, "is not a point".into());
            continue;
        };
        let population = match pop_col.map(|i| f.values[i].as_number()) {
            None => 1.0,
            Some(Ok(Some(x))) if x < 0.0 => {
                report.drop(pos(), None, format!("negative population {x}"));
                continue;
            }
            Some(Ok(Some(x))) => match not_people(x) {
                None => x,
                // Not a data slip to skip: a value that would overflow every sum it enters.
                Some(why) => {
                    return Err(Error::value(
                        &layer.path,
                        format!(
                            "{}: population {why}, so it cannot be a number of people; fix the \
                             row",
                            pos()
                        ),
                    ))
                }
            },
            Some(Ok(None)) => {
                report.drop(pos(), None, "population is blank".into());
                continue;
            }
            Some(Err(t)) => {
                report.drop(pos(), None, format!("population {t:?} is not a number"));
                continue;
            }
        };
        let code = area_col.and_then(|i| f.values[i].text());
        let area = joined.assign(code.as_deref(), p.0, &by_code, &tree, areas, pos);
        report.kept += 1;
        points.push(PopPoint {
            at: p.0,
            population,
            area,
        });
    }
    joined.report(layer, area_col, points.len(), &mut report, warnings);
    strict_check(spec, &report)?;
    files.push(report);
    Ok(points)
}

/// How the points were joined to the areas, for the file's notes and the study's warnings.
#[derive(Default)]
struct Joined {
    by_code: usize,
    by_location: usize,
    /// Points whose code names no area (not placed: the file says they belong elsewhere).
    unknown_code: Vec<String>,
    /// Points without a code that lie in no area.
    outside: Vec<String>,
    /// Points placed by their code that lie outside every area.
    coded_outside: Vec<String>,
}

impl Joined {
    /// The area of one point: by its code when it has one, else by point-in-polygon.
    fn assign(
        &mut self,
        code: Option<&str>,
        at: Coord,
        by_code: &HashMap<&str, usize>,
        tree: &PolygonTree,
        areas: &[Area],
        pos: impl Fn() -> String,
    ) -> Option<usize> {
        match code {
            Some(code) => match by_code.get(code) {
                Some(&i) => {
                    self.by_code += 1;
                    if !areas[i].local.contains(at)
                        && locate(tree, |i| &areas[i].local, at).is_none()
                    {
                        self.coded_outside.push(format!("{} ({code})", pos()));
                    }
                    Some(i)
                }
                None => {
                    self.unknown_code.push(format!("{} ({code})", pos()));
                    None
                }
            },
            None => {
                let found = locate(tree, |i| &areas[i].local, at);
                match found {
                    Some(_) => self.by_location += 1,
                    None => self.outside.push(pos()),
                }
                found
            }
        }
    }

    fn report(
        &self,
        layer: &Layer,
        area_col: Option<usize>,
        n: usize,
        report: &mut FileReport,
        warnings: &mut Vec<String>,
    ) {
        let column = area_col.map_or(String::new(), |i| {
            format!(" (column {:?})", layer.columns[i])
        });
        let unplaced = self.unknown_code.len() + self.outside.len();
        report.notes.push(format!(
            "points joined to areas: {} by area code{column}, {} by point-in-polygon, {unplaced} \
             in no area",
            self.by_code, self.by_location
        ));
        let path = layer.path.display();
        if !self.unknown_code.is_empty() {
            warnings.push(format!(
                "{path}: {} of {n} points whose area code matches no area are not counted in any \
                 area (first: {})",
                self.unknown_code.len(),
                list(&self.unknown_code, 3)
            ));
        }
        if !self.outside.is_empty() {
            warnings.push(format!(
                "{path}: {} of {n} points outside every area are not counted in any area (first: \
                 {})",
                self.outside.len(),
                list(&self.outside, 3)
            ));
        }
        if !self.coded_outside.is_empty() {
            warnings.push(format!(
                "{path}: {} of {n} points counted in an area by their code lie outside every \
                 area (first: {}); their coverage is measured where they lie, so check the \
                 points' CRS and the boundaries' vintage",
                self.coded_outside.len(),
                list(&self.coded_outside, 3)
            ));
        }
    }
}

/// Warns about every area with a need-file population but no people from the points: its
/// population-weighted figures would count nobody although the need file says people live there.
pub(super) fn warn_empty_areas(
    areas: &[Area],
    points: &[PopPoint],
    need: &NeedJoin,
    warnings: &mut Vec<String>,
) {
    let mut people = vec![0.0; areas.len()];
    for p in points {
        if let Some(a) = p.area {
            people[a] += p.population;
        }
    }
    let empty: Vec<String> = areas
        .iter()
        .zip(&people)
        .zip(&need.population)
        .filter(|((_, &got), want)| got == 0.0 && want.is_some_and(|w| w > 0.0))
        .map(|((a, _), want)| {
            format!(
                "{} ({} people in the need file)",
                a.code,
                want.unwrap_or(0.0)
            )
        })
        .collect();
    if !empty.is_empty() {
        warnings.push(format!(
            "{} areas have population 0 from the points although the need file {} gives them \
             people (first: {}): their population-weighted coverage counts nobody; check how the \
             points are joined to the areas (area_column in [points])",
            empty.len(),
            need.path,
            list(&empty, 5)
        ));
    }
}

/// The polygons' bounding boxes, each with its polygon's index, for point-in-polygon.
pub(crate) type PolygonTree = RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>;

pub(crate) fn polygon_tree<'a>(polygons: impl Iterator<Item = &'a LocalPolygon>) -> PolygonTree {
    let boxes = polygons.enumerate().map(|(i, p)| {
        let r = p.bounding_rect();
        let corners = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        GeomWithData::new(corners, i)
    });
    RTree::bulk_load(boxes.collect())
}

/// The first polygon (by index) that contains `p`; `polygon(i)` is polygon `i`.
pub(crate) fn locate<'a>(
    tree: &PolygonTree,
    polygon: impl Fn(usize) -> &'a LocalPolygon,
    p: Coord,
) -> Option<usize> {
    tree.locate_in_envelope_intersecting(&AABB::from_point([p.x, p.y]))
        .map(|e| e.data)
        .filter(|&i| polygon(i).contains(p))
        .min()
}
