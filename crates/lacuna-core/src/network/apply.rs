//! Giving a study's providers of one service type their network catchments.

use std::sync::Arc;

use geo::Coord;
use rayon::prelude::*;
use serde::Serialize;

use super::{catchments, Metric, NetworkService, PointReach};
use crate::model::Catchment;
use crate::spatial::overlay::LocalPolygon;
use crate::study::Study;

/// What joining one service type to its network found: the run reports it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NetworkSummary {
    /// The service type.
    pub service_type: String,
    /// `distance` or `time`.
    pub metric: Option<Metric>,
    /// The standard: metres, or minutes.
    pub budget: f64,
    /// Providers of the type.
    pub providers: usize,
    /// Providers farther than `snap_max_m` from every street: they reach no one.
    pub providers_off_network: Vec<String>,
    /// Population points farther than `snap_max_m` from every street: unreachable, counted
    /// as not covered.
    pub points_off_network: usize,
    /// The people they stand for.
    pub population_off_network: f64,
    /// The mean distance from a provider or point to where it joins the network, metres.
    pub mean_snap_m: f64,
}

impl Study {
    /// Measures service type `service` along a street network: each of its providers gets its
    /// network catchment (the service area for the overlay, and the population points it
    /// reaches along the network), replacing the catchment it had; distances to the nearest
    /// provider of the type become network distances. Set the population points first
    /// ([`Study::with_points`]): they are joined to the network here.
    pub fn set_network(&mut self, service: &str, svc: NetworkService) -> NetworkSummary {
        let (net, std) = (&*svc.network, &svc.standard);
        let points = self.points.as_deref().unwrap_or(&[]);
        let joins: Vec<_> = points.par_iter().map(|p| net.join(p.at, std)).collect();
        let of_type: Vec<usize> = (0..self.providers.len())
            .filter(|&k| self.providers[k].service_type == service)
            .collect();
        let sites: Vec<Coord> = of_type.iter().map(|&k| self.providers[k].site).collect();
        let cat = catchments(net, std, &sites, &joins);
        let mut known: Vec<[u64; 2]> = points.iter().map(|p| PointReach::key(p.at)).collect();
        known.sort_unstable();
        known.dedup();
        let known = Arc::new(known);
        let mut summary = NetworkSummary {
            service_type: service.to_string(),
            metric: Some(std.metric),
            budget: match std.metric {
                Metric::Distance => std.budget,
                Metric::Time => std.budget / 60.0,
            },
            providers: of_type.len(),
            ..NetworkSummary::default()
        };
        for (n, shape) in cat.areas.into_iter().enumerate() {
            let mut reached: Vec<[u64; 2]> = cat.points[n]
                .iter()
                .map(|&i| PointReach::key(points[i as usize].at))
                .collect();
            reached.sort_unstable();
            reached.dedup();
            let p = &mut self.providers[of_type[n]];
            if cat.joins[n].is_none() {
                summary.providers_off_network.push(p.id.clone());
            }
            let reach = PointReach {
                known: known.clone(),
                reached,
            };
            p.catchment = Catchment::Polygon(
                Box::new(LocalPolygon::new(&shape)),
                shape,
                Some(Arc::new(reach)),
            );
        }
        let off: Vec<usize> = (0..joins.len()).filter(|&i| joins[i].is_none()).collect();
        summary.points_off_network = off.len();
        summary.population_off_network =
            off.iter().map(|&i| points[i].population).sum::<f64>() + 0.0;
        let snaps: Vec<f64> = joins
            .iter()
            .chain(&cat.joins)
            .flatten()
            .map(|j| j.snap.offset_m)
            .collect();
        summary.mean_snap_m = snaps.iter().sum::<f64>() / snaps.len().max(1) as f64;
        self.network.insert(service.to_string(), svc);
        summary
    }
}
