//! One provider's catchment along the network: the streets it reaches (for areal coverage),
//! the population points it reaches (for point coverage), and its service-area polygon, built
//! only when something asks for this one provider's polygon (a layer for QGIS, a place that is
//! not a study point).

use std::sync::{Arc, OnceLock};

use geo::{Contains, Coord, MultiPolygon, Rect};

use super::area::{buffered, reaches, Streets};
use super::{Joined, Network, NetworkStandard, PointReach};
use crate::spatial::grow;

/// A provider's network catchment.
pub struct NetworkCatchment {
    /// The network it was measured on.
    pub network: Arc<Network>,
    /// The standard.
    pub standard: NetworkStandard,
    /// The provider's site.
    pub site: Coord,
    /// Where the provider joins the network (None: off it; it reaches nothing).
    pub join: Option<Joined>,
    /// The streets it reaches.
    pub streets: Streets,
    /// The study's population points it reaches.
    pub reach: PointReach,
    /// Its service-area polygon, built on first use (see [`NetworkCatchment::polygon`]).
    pub(crate) polygon: OnceLock<MultiPolygon>,
}

impl NetworkCatchment {
    /// The box of its service area (a point at `site` when it reaches nothing).
    pub fn bbox(&self) -> Rect {
        self.streets
            .bbox
            .map_or(Rect::new(self.site, self.site), |r| {
                grow(r, self.standard.lateral_m)
            })
    }

    /// Its service-area polygon: the streets it reaches buffered by `lateral_m` (built on
    /// first use, then kept).
    pub fn polygon(&self) -> &MultiPolygon {
        self.polygon
            .get_or_init(|| buffered(&self.network, &self.standard, &[&self.streets], None))
    }

    /// Whether it holds `p`: along the network for a study point, else by its polygon.
    pub fn holds(&self, p: Coord) -> bool {
        self.reach
            .holds(p)
            .unwrap_or_else(|| self.polygon().contains(&p))
    }

    /// Whether its service area reaches into `shape` (whose box is `rect`).
    pub fn reaches(&self, shape: &MultiPolygon, rect: Rect) -> bool {
        reaches(&self.network, &self.standard, &self.streets, shape, rect)
    }

    /// Whether `other` was measured on the same network under the same standard (so their
    /// streets can be merged before buffering).
    pub fn alike(&self, other: &NetworkCatchment) -> bool {
        Arc::ptr_eq(&self.network, &other.network) && self.standard == other.standard
    }
}

/// The union of the service areas of `all` (alike catchments) within `rect`: their streets
/// merged and buffered once.
pub fn union_near(all: &[&NetworkCatchment], rect: Rect) -> MultiPolygon {
    let Some(first) = all.first() else {
        return MultiPolygon::new(vec![]);
    };
    let streets: Vec<&Streets> = all.iter().map(|c| &c.streets).collect();
    buffered(&first.network, &first.standard, &streets, Some(rect))
}

impl std::fmt::Debug for NetworkCatchment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkCatchment")
            .field("standard", &self.standard)
            .field("join", &self.join)
            .field("edges", &self.streets.edges.len())
            .field("points", &self.reach.reached.len())
            .finish()
    }
}
