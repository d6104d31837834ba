//! # lacuna-io: reading studies and writing their tables and layers
//!
//! Readers (GeoJSON, Shapefile with its `.prj`, CSV, GeoParquet behind a feature), the CRS of
//! each input, and [`load`](load::load), which turns a [`StudySpec`] into a
//! [`LoadedStudy`](load::LoadedStudy): a [`lacuna_core::Study`] in the working CRS with the
//! per-file accounting of what was kept, repaired and dropped. Writers of the tables (CSV) and
//! layers (GeoJSON, GeoParquet), `run.json`, and the output folder that holds one whole run.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod atomic;
pub mod config;
pub mod crs;
pub mod csv;
pub mod demo;
pub mod error;
pub mod geojson;
mod geojson_fast;
#[cfg(feature = "geoparquet")]
pub mod geoparquet;
mod layer;
pub mod load;
pub mod outdir;
pub mod prj;
pub mod provenance;
pub mod shapefile;
pub mod validate;
pub mod write;

pub use config::StudySpec;
pub use error::{Error, Result};
pub use layer::*;
pub use load::{load, LoadedStudy};
