//! GeoPackage (OGC GeoPackage 1.2/1.3), in and out: the format ONS and Ordnance Survey publish
//! boundaries in and QGIS saves to by default.
//!
//! - [`read`]: one feature layer (the only one, or the one named with `layer =` / `--layer`) as
//!   a [`Layer`](crate::layer::Layer): Polygon, MultiPolygon, Point and MultiPoint features (Z
//!   and M dropped, with a note), attribute columns, the CRS from the layer's `srs_id` (an EPSG
//!   code, or its WKT definition recognised the way `.prj` files are).
//! - [`write`]: layers into a new GeoPackage with its `gpkg_*` tables, a valid spatial reference
//!   entry for the CRS, and an R-tree index per layer with the standard's triggers.
//!
//! SQLite is compiled in (rusqlite's bundled build); geometry blobs are GeoPackage binary:
//! a small header, then WKB ([`binary`]).

mod binary;
mod read;
mod write;

pub use read::read;
pub use write::{write, ColumnType, OutLayer};
