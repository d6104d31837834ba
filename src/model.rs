//! The few domain types, all in the working CRS (metres): areas, providers with their
//! catchments, population points, and the loaded study.

use geo::{Coord, MultiPolygon};

use crate::spatial::overlay::{Disc, LocalPolygon};

/// A neighbourhood polygon (ward, LSOA, parish, ...).
#[derive(Debug, Clone)]
pub struct Area {
    /// Its code (the id column), unique in the study.
    pub code: String,
    /// Its name, or the code when the file has no name column.
    pub name: String,
    /// Its group (council), or empty.
    pub group: String,
    /// Its shape (valid, oriented), stored once in the form prepared for overlays; `shape()`
    /// gives it back as a multipolygon.
    pub local: LocalPolygon,
    /// Feature index in the input file.
    pub position: usize,
}

/// Where a service is delivered and the area it serves.
#[derive(Debug, Clone)]
pub enum Catchment {
    /// A disc of the given radius around the provider's point.
    Disc(Disc),
    /// The provider's own catchment polygon (possibly a site polygon grown by a radius).
    Polygon(Box<LocalPolygon>, MultiPolygon),
}

/// A service provider.
#[derive(Debug, Clone)]
pub struct Provider {
    /// An identifier for messages and reports (id column, or file and position).
    pub id: String,
    /// The service type ("gp", "library", ...).
    pub service_type: String,
    /// Where the service is: the point, or a representative point of a polygon site.
    pub site: Coord,
    /// The area it serves.
    pub catchment: Catchment,
    /// Capacity, when given.
    pub capacity: Option<f64>,
    /// The named network of its provider file (`network =`), if any.
    pub network: Option<String>,
}

/// A population-weighted point (e.g. an ONS population-weighted centroid).
#[derive(Debug, Clone, Copy)]
pub struct PopPoint {
    /// Location.
    pub at: Coord,
    /// Population it stands for.
    pub population: f64,
    /// Index of the area it belongs to, when assigned.
    pub area: Option<usize>,
}
