//! Spatial core: exact overlay of areas with catchments, and the R-tree index of catchments
//! and provider sites per service type.

pub mod adjacency;
pub mod catchment;
pub mod index;
pub mod overlay;
