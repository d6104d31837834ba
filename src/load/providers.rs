//! Providers: the service type, radius, id and capacity columns, and each provider's site and
//! catchment (a disc around a point, or a polygon, possibly grown by a radius).

use geo::{Coord, InteriorPoint};

use super::{strict_check, FileReport};
use crate::config::{ProviderInput, StudySpec};
use crate::error::{Error, Result};
use crate::io::Layer;
use crate::model::{Catchment, Provider};
use crate::normalise::{self, Fixed};
use crate::spatial::overlay::{Disc, LocalPolygon};

pub(super) fn build_providers(
    spec: &StudySpec,
    input: &ProviderInput,
    layer: &mut Layer,
    files: &mut Vec<FileReport>,
) -> Result<Vec<Provider>> {
    let type_col = if input.service_type.is_some() {
        None
    } else {
        match layer.choose_column(
            input.type_column.as_deref(),
            &["service_type", "service", "type"],
            "service type",
            "--type-column",
        )? {
            Some(i) => Some(i),
            None => {
                return Err(Error::column(
                    &layer.path,
                    format!(
                        "no service type: set --service-type (or TYPE=FILE) for the whole file, or \
                         --type-column; columns are: {}",
                        layer.columns.join(", ")
                    ),
                ))
            }
        }
    };
    let radius_col = layer.choose_column(
        input.radius_column.as_deref(),
        &[],
        "radius",
        "--radius-column",
    )?;
    let id_col = layer.choose_column(
        input.id_column.as_deref(),
        &[
            "provider_id",
            "id",
            "name",
            "pharmacy_name",
            "organisation_code",
        ],
        "provider id",
        "--provider-id",
    )?;
    let cap_col = layer.choose_column(
        input.capacity_column.as_deref(),
        &["capacity"],
        "capacity",
        "capacity_column",
    )?;
    if radius_col.is_none()
        && input.radius_m.is_none()
        && spec.services.values().all(|s| s.radius_m.is_none())
    {
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
    }
    let mut report = FileReport::new("providers", layer, &input.source);
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
        let id = id_col
            .and_then(|i| f.values[i].as_text())
            .unwrap_or_else(|| format!("{file_label}#{}", f.position));
        let service_type = match (&input.service_type, type_col) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(i)) => f.values[i].as_text(),
            _ => None,
        };
        let Some(service_type) = service_type else {
            report.drop(pos(), Some(id), "no service type in the type column".into());
            continue;
        };
        let radius = match radius_col.map(|i| f.values[i].as_number()) {
            Some(Err(t)) => {
                report.drop(pos(), Some(id), format!("radius {t:?} is not a number"));
                continue;
            }
            Some(Ok(Some(r))) => Some(r),
            _ => input
                .radius_m
                .or_else(|| spec.services.get(&service_type).and_then(|s| s.radius_m)),
        };
        if let Some(r) = radius {
            if r <= 0.0 {
                report.drop(pos(), Some(id), format!("radius {r} m is not positive"));
                continue;
            }
        }
        let capacity = cap_col.and_then(|i| f.values[i].as_number().ok().flatten());
        let provider = match &f.geometry {
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
        };
        match provider {
            Err(reason) => report.drop(pos(), Some(id), reason),
            Ok((site, catchment, repaired)) => {
                if let Some(fix) = &f.fixed {
                    report.repair(pos(), Some(id.clone()), fix.clone());
                } else if repaired {
                    report.repair(
                        pos(),
                        Some(id.clone()),
                        "invalid catchment polygon repaired".into(),
                    );
                } else {
                    report.kept += 1;
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
    strict_check(spec, &report)?;
    files.push(report);
    Ok(out)
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
