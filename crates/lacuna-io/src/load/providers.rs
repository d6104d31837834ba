//! Providers: the service type, radius, id and capacity columns, and each provider's site and
//! catchment (a disc around a point, or a polygon, possibly grown by a radius).

use std::collections::{BTreeMap, BTreeSet};

use geo::{Coord, InteriorPoint};

use super::columns::{provider_columns, ProviderColumns};
use super::{strict_check, FileReport};
use crate::config::{ProviderInput, StudySpec};
use crate::crs::{Crs, Transformer};
use crate::error::{Error, Result};
use crate::Layer;
use lacuna_core::model::{Area, Catchment, Provider};
use lacuna_core::normalise::{self, Fixed};
use lacuna_core::spatial::overlay::{Disc, LocalPolygon};

/// Builds the providers of one file: each row's service type, radius, capacity, site and
/// catchment, dropping (with the reason) rows that cannot be a provider and rows far outside
/// the study region.
pub(super) fn build_providers(
    spec: &StudySpec,
    input: &ProviderInput,
    layer: &mut Layer,
    region: &Region,
    seen: &mut SeenTypes,
    files: &mut Vec<FileReport>,
) -> Result<Vec<Provider>> {
    let columns = provider_columns(input, layer)?;
    require_radius_for_points(spec, input, &columns, layer)?;
    let mut report = FileReport::new("providers", layer, &input.source);
    let mut far = Far::new(region, layer.crs)?;
    if let Some(n) = &input.network {
        report.notes.push(format!(
            "network {n:?}: reach.csv and network_gaps.csv count these providers as one network"
        ));
    }
    let file_label = layer
        .path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = Vec::new();
    for f in &layer.features {
        let pos = || layer.describe(f.position);
        let id = columns
            .id
            .and_then(|i| f.values[i].as_text())
            .unwrap_or_else(|| format!("{file_label}#{}", f.position));
        let service_type = match (&input.service_type, columns.service_type) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(i)) => f.values[i].as_text(),
            _ => None,
        };
        let Some(service_type) = service_type else {
            report.drop(pos(), Some(id), "no service type in the type column".into());
            continue;
        };
        seen.entry(service_type.clone())
            .or_default()
            .insert(layer.path.display().to_string());
        let radius = match catchment_radius(spec, input, columns.radius, f, &service_type) {
            Ok(r) => r,
            Err(why) => {
                report.drop(pos(), Some(id), why);
                continue;
            }
        };
        let capacity = capacity(layer, columns.capacity, f, &id)?;
        match site_and_catchment(f.geometry.as_ref(), radius, &service_type) {
            Err(reason) => report.drop(pos(), Some(id), reason),
            Ok((site, catchment, _)) if far.is_far(site, &catchment) => {
                let why = far.reason(site);
                far.rows.push(format!("{} ({id})", pos()));
                report.drop(pos(), Some(id), why);
            }
            Ok((site, catchment, repaired)) => {
                let repair = f
                    .fixed
                    .clone()
                    .or_else(|| repaired.then(|| "invalid catchment polygon repaired".to_string()));
                match repair {
                    Some(why) => report.repair(pos(), Some(id.clone()), why),
                    None => report.kept += 1,
                }
                out.push(Provider {
                    id,
                    service_type,
                    site,
                    catchment,
                    capacity,
                    network: input.network.clone(),
                });
            }
        }
    }
    if !far.rows.is_empty() {
        report.notes.push(format!(
            "rows far outside the study region, whose catchments reach no area: {} dropped \
             (first: {})",
            far.rows.len(),
            super::list(&far.rows, 5)
        ));
    }
    strict_check(spec, &report)?;
    files.push(report);
    Ok(out)
}

/// A row's capacity, when the file has a capacity column and the row a number there (a blank or
/// text capacity counts as none); an error when it cannot count people, since every finding by
/// capacity would be wrong.
fn capacity(
    layer: &Layer,
    column: Option<usize>,
    f: &crate::RawFeature,
    id: &str,
) -> Result<Option<f64>> {
    let capacity = column.and_then(|i| f.values[i].as_number().ok().flatten());
    if let Some(why) = capacity.and_then(super::not_people) {
        return Err(Error::value(
            &layer.path,
            format!(
                "{} ({id}): capacity {why}, so it cannot count people; fix the row",
                layer.describe(f.position)
            ),
        ));
    }
    Ok(capacity)
}

/// Refuses point providers with no radius from anywhere (column, file or service standard):
/// every row would be dropped one by one for the same missing setting, so it is said once.
fn require_radius_for_points(
    spec: &StudySpec,
    input: &ProviderInput,
    columns: &ProviderColumns,
    layer: &Layer,
) -> Result<()> {
    if columns.radius.is_some()
        || input.radius_m.is_some()
        || spec
            .services
            .values()
            .any(|s| s.radius_m.is_some() || s.network.is_some())
    {
        return Ok(());
    }
    let points = layer
        .features
        .iter()
        .any(|f| matches!(f.geometry, Some(geo::Geometry::Point(_))));
    if points {
        return Err(Error::Config(format!(
            "{}: providers are points but no catchment radius is set: pass --radius-m \
             METRES or --radius-column COLUMN (or radius_m in the study)",
            layer.path.display()
        )));
    }
    Ok(())
}

/// A row's catchment radius in metres: its radius column, else the file's radius, else its
/// service's standard (None: no radius, which only a polygon site can do without). `Err` says
/// why the row is dropped: a radius that is not a number, not positive, or too large to be a
/// catchment.
fn catchment_radius(
    spec: &StudySpec,
    input: &ProviderInput,
    radius_col: Option<usize>,
    f: &crate::RawFeature,
    service_type: &str,
) -> std::result::Result<Option<f64>, String> {
    let radius = match radius_col.map(|i| f.values[i].as_number()) {
        Some(Err(t)) => return Err(format!("radius {t:?} is not a number")),
        Some(Ok(Some(r))) => Some(r),
        _ => input
            .radius_m
            .or_else(|| spec.services.get(service_type).and_then(|s| s.radius_m))
            .or_else(|| {
                spec.services
                    .get(service_type)
                    .and_then(|s| super::network::reach_bound(spec, s))
            }),
    };
    if let Some(r) = radius {
        if r.is_nan() || r <= 0.0 {
            return Err(format!("radius {r} m is not positive"));
        }
        if r > crate::config::MAX_RADIUS_M {
            return Err(format!(
                "radius {r} m is over {} km: not a catchment (kilometres or feet given \
                 as metres?)",
                crate::config::MAX_RADIUS_M / 1000.0
            ));
        }
    }
    Ok(radius)
}

/// A provider's site and catchment from its geometry: a disc of `radius` around a point, or a
/// polygon (grown by `radius`, if any); and whether the polygon had to be repaired. `Err` says
/// why the row is dropped.
fn site_and_catchment(
    geometry: Option<&geo::Geometry>,
    radius: Option<f64>,
    service_type: &str,
) -> std::result::Result<(Coord, Catchment, bool), String> {
    match geometry {
        None => Err("has no geometry".to_string()),
        Some(geo::Geometry::Point(p)) => match radius {
            Some(r) => Ok((
                p.0,
                Catchment::Disc(Disc {
                    x: p.x(),
                    y: p.y(),
                    r,
                }),
                false,
            )),
            None => Err(format!(
                "no catchment radius for service type {service_type:?}: set --radius-m or a \
                 standard for it"
            )),
        },
        Some(g) => polygon_catchment(g, radius),
    }
}

/// A polygon site's catchment: the polygon itself, or grown by `radius` metres.
fn polygon_catchment(
    g: &geo::Geometry,
    radius: Option<f64>,
) -> std::result::Result<(Coord, Catchment, bool), String> {
    let (mut shape, fixed) = normalise::polygonal(g.clone())?;
    let site = shape
        .interior_point()
        .map(|p| p.0)
        .ok_or("has no interior point")?;
    if let Some(r) = radius {
        use geo::Buffer;
        // Buffering can panic on degenerate rings (georust/geo#1597); keep one bad site local.
        shape = std::panic::catch_unwind(|| shape.buffer(r))
            .map_err(|_| format!("growing the polygon by {r} m failed"))?;
    }
    Ok((
        site,
        Catchment::Polygon(Box::new(LocalPolygon::new(&shape)), shape),
        fixed != Fixed::Unchanged,
    ))
}

/// The service types found in the provider files, each with the files it appears in.
pub(super) type SeenTypes = BTreeMap<String, BTreeSet<String>>;

/// The study region, as far as the providers are concerned: the areas' bounding box in the
/// working CRS.
pub(super) struct Region {
    min: Coord,
    max: Coord,
    working: Crs,
}

impl Region {
    pub(super) fn of(areas: &[Area], working: Crs) -> Region {
        let rects = areas.iter().map(|a| a.local.bounding_rect());
        let r = lacuna_core::spatial::bounding_union(rects).unwrap_or(geo::Rect::new(
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 0.0, y: 0.0 },
        ));
        Region {
            min: r.min(),
            max: r.max(),
            working,
        }
    }

    /// Its larger side, in metres.
    fn width(&self) -> f64 {
        (self.max.x - self.min.x).max(self.max.y - self.min.y)
    }

    /// How far outside the box a provider may lie and still count as near: the region's own
    /// width, and at least [`NEAR_M`], so that a small study (one estate, one LSOA) keeps the
    /// real providers around it, whose distances `nearest_m` needs.
    fn near(&self) -> f64 {
        self.width().max(NEAR_M)
    }

    /// How far `p` lies outside the box (0 inside).
    fn distance(&self, p: Coord) -> f64 {
        let dx = (self.min.x - p.x).max(p.x - self.max.x).max(0.0);
        let dy = (self.min.y - p.y).max(p.y - self.max.y).max(0.0);
        dx.hypot(dy)
    }
}

/// Providers within 50 km of the study region are never far: a swapped latitude and longitude
/// lands thousands of kilometres away, and a real provider that near is a neighbour.
const NEAR_M: f64 = 50_000.0;

/// Finds providers that land far from the study: more than the region's own width (and 50 km)
/// outside its bounding box, with a catchment that reaches no part of the box. Such a row is a wrong
/// coordinate (latitude and longitude swapped in a few rows, a typo, a provider of another
/// region) far more often than a real provider, and it would count as kept while reaching
/// nobody.
struct Far<'a> {
    region: &'a Region,
    /// Working CRS -> the file's CRS and back, to test whether swapping x and y would bring a
    /// row into the region.
    transforms: Option<(Transformer, Transformer)>,
    /// The far rows: position and id.
    rows: Vec<String>,
}

impl<'a> Far<'a> {
    fn new(region: &'a Region, file_crs: Option<Crs>) -> Result<Self> {
        let transforms = match file_crs {
            Some(c) => Some((
                Transformer::new(region.working, c).map_err(Error::Config)?,
                Transformer::new(c, region.working).map_err(Error::Config)?,
            )),
            None => None,
        };
        Ok(Far {
            region,
            transforms,
            rows: Vec::new(),
        })
    }

    fn is_far(&self, site: Coord, catchment: &Catchment) -> bool {
        let r = self.region;
        if r.distance(site) <= r.near() {
            return false;
        }
        match catchment {
            Catchment::Disc(d) => r.distance(site) > d.r,
            Catchment::Polygon(..) | Catchment::Network(_) => {
                let b = lacuna_core::spatial::index::rect_of(catchment);
                b.max().x < r.min.x
                    || b.min().x > r.max.x
                    || b.max().y < r.min.y
                    || b.min().y > r.max.y
            }
        }
    }

    /// Why a far row is dropped, with a hint when its x and y look swapped.
    fn reason(&self, site: Coord) -> String {
        let r = self.region;
        let mut why = format!(
            "lies {:.1} km outside the study region (the areas' bounding box, {:.1} km across) \
             and its catchment reaches no area",
            r.distance(site) / 1000.0,
            r.width() / 1000.0
        );
        if let Some((x, y)) = self.swapped_inside(site) {
            why.push_str(&format!(
                "; its coordinates ({x}, {y}) look swapped: as ({y}, {x}) it would lie in the \
                 study region, so check the row's latitude/longitude (or x/y) order"
            ));
        }
        why
    }

    /// The row's coordinates in its file's CRS when swapping them brings it into the region.
    fn swapped_inside(&self, site: Coord) -> Option<(f64, f64)> {
        let (back, forth) = self.transforms.as_ref()?;
        let p = back.point(site).ok()?;
        let round = |v: f64| (v * 1e6).round() / 1e6;
        let q = forth.point(Coord { x: p.y, y: p.x }).ok()?;
        (self.region.distance(q) <= self.region.width()).then_some((round(p.x), round(p.y)))
    }
}
