//! Giving a study's providers of one service type their network catchments.

use std::sync::Arc;

use geo::Coord;
use rayon::prelude::*;
use serde::Serialize;

use super::{catchments, Metric, NetworkCatchment, NetworkService, PointReach};
use crate::model::Catchment;
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
    /// Measures service type `service` along a street network: each of its providers (and each
    /// site a scenario opens) gets its network catchment (the service area for the overlay, and
    /// the population points it reaches along the network), replacing the catchment it had;
    /// distances to the nearest provider of the type become network distances. Set the
    /// population points first ([`Study::with_points`]): they are joined to the network here.
    ///
    /// # Examples
    /// One 2 km street with a surgery at its west end, people at 500 m and 1,500 m along it,
    /// and a 1 km walking standard:
    /// ```
    /// use std::sync::Arc;
    /// use geo::{coord, Rect};
    /// use lacuna_core::network::{Edge, Graph, Metric, Network, NetworkService, NetworkStandard, Profile};
    /// use lacuna_core::{coverage, Area, PopPoint, Provider, Study};
    ///
    /// let street = Graph::new(
    ///     vec![coord! { x: 0.0, y: 0.0 }, coord! { x: 2000.0, y: 0.0 }],
    ///     vec![Edge { a: 0, b: 1, length: 2000.0, speed: 4.8 / 3.6, forward: true, backward: true }],
    /// );
    /// let ward = Area::new("W1", Rect::new(coord! { x: 0.0, y: -100.0 }, coord! { x: 2000.0, y: 100.0 }));
    /// let gp = Provider::disc("gp", coord! { x: 0.0, y: 0.0 }, 1000.0);
    /// let mut study = Study::new(vec![ward], vec![gp]).with_points(vec![
    ///     PopPoint::new(coord! { x: 500.0, y: 0.0 }, 10.0),
    ///     PopPoint::new(coord! { x: 1500.0, y: 0.0 }, 30.0),
    /// ]);
    /// let standard = NetworkStandard {
    ///     metric: Metric::Distance,
    ///     budget: 1000.0,
    ///     snap_max_m: 250.0,
    ///     lateral_m: 50.0,
    ///     walk_ms: 4.8 / 3.6,
    /// };
    /// let network = Arc::new(Network::new(street));
    /// let summary = study.set_network("gp", NetworkService { profile: Profile::Walk, network, standard });
    /// assert_eq!(summary.points_off_network, 0);
    /// let row = &coverage(&study).rows[0];
    /// assert_eq!(row.covered_population, Some(10.0));
    /// assert_eq!(row.nearest_m, Some((10.0 * 500.0 + 30.0 * 1500.0) / 40.0));
    /// ```
    pub fn set_network(&mut self, service: &str, svc: NetworkService) -> NetworkSummary {
        let (net, std) = (&*svc.network, &svc.standard);
        let points = self.points.as_deref().unwrap_or(&[]);
        let joins: Vec<_> = points.par_iter().map(|p| net.join(p.at, std)).collect();
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
            ..NetworkSummary::default()
        };
        let mut snaps: Vec<f64> = joins.iter().flatten().map(|j| j.snap.offset_m).collect();
        let ours = give(&svc, service, &mut self.providers, points, &joins, &known);
        for (id, join) in &ours {
            match join {
                Some(j) => snaps.push(j.snap.offset_m),
                None => summary.providers_off_network.push(id.clone()),
            }
        }
        summary.providers = ours.len();
        if let Some(change) = &mut self.scenario {
            give(&svc, service, &mut change.open, points, &joins, &known);
        }
        let off: Vec<usize> = (0..joins.len()).filter(|&i| joins[i].is_none()).collect();
        summary.points_off_network = off.len();
        summary.population_off_network =
            off.iter().map(|&i| points[i].population).sum::<f64>() + 0.0;
        summary.mean_snap_m = snaps.iter().sum::<f64>() / snaps.len().max(1) as f64;
        self.network.insert(service.to_string(), svc);
        summary
    }
}

/// Gives the providers of type `service` among `providers` their network catchments; returns
/// each one's id and join.
fn give(
    svc: &NetworkService,
    service: &str,
    providers: &mut [crate::model::Provider],
    points: &[crate::model::PopPoint],
    joins: &[Option<super::Joined>],
    known: &Arc<Vec<[u64; 2]>>,
) -> Vec<(String, Option<super::Joined>)> {
    let mut of_type: Vec<&mut crate::model::Provider> = providers
        .iter_mut()
        .filter(|p| p.service_type == service)
        .collect();
    let sites: Vec<Coord> = of_type.iter().map(|p| p.site).collect();
    let cat = catchments(&svc.network, &svc.standard, &sites, joins);
    let mut out = Vec::with_capacity(of_type.len());
    for (n, streets) in cat.streets.into_iter().enumerate() {
        let mut reached: Vec<[u64; 2]> = cat.points[n]
            .iter()
            .map(|&i| PointReach::key(points[i as usize].at))
            .collect();
        reached.sort_unstable();
        reached.dedup();
        let reach = PointReach {
            known: known.clone(),
            reached,
        };
        let p = &mut of_type[n];
        out.push((p.id.clone(), cat.joins[n]));
        p.catchment = Catchment::Network(Arc::new(NetworkCatchment {
            network: svc.network.clone(),
            standard: svc.standard,
            site: p.site,
            join: cat.joins[n],
            streets,
            reach,
            polygon: Default::default(),
        }));
    }
    out
}
