//! # lacuna-io: reading studies and writing their tables and layers
//!
//! Readers (GeoJSON, Shapefile with its `.prj`, CSV, GeoParquet behind a feature), the CRS of
//! each input, and [`load`](load::load), which turns a [`StudySpec`] into a
//! [`LoadedStudy`]: a [`lacuna_core::Study`] in the working CRS with the
//! per-file accounting of what was kept, repaired and dropped. Writers of the tables (CSV) and
//! layers (GeoJSON, GeoParquet), `run.json`, and the output folder that holds one whole run.
//!
//! # What is here
//!
//! ## Studies
//! - **[`StudySpec`]**: a study's inputs and settings ([`StudySpec::from_toml_file`]).
//! - **[`load()`]**: every input read, put in the working CRS, normalised and joined: a
//!   [`LoadedStudy`] (dereferences to [`lacuna_core::Study`]).
//! - **[`validate::validate`]**: checks of input files and studies, without computing.
//!
//! ## Readers
//! Each returns a [`Layer`]: features or rows as read, geometry in the file's own CRS.
//! - **[`read_layer`]**: any file with geometry, by its extension.
//! - **[`geojson::read`]**, **[`shapefile::read`]**, **[`csv::read_points`]**: one format each;
//!   **[`csv::read_table`]**: a table without geometry (the need file).
//!
//! ## CRS
//! - **[`crs::Crs`]**, **[`crs::Transformer`]**: EPSG codes and transforms between them (pure
//!   Rust, proj4rs); **[`load::transform_layer`]**: a whole layer into the working CRS.
//!
//! ## Writers
//! - **[`write::tables::write_coverage`]**: `coverage.csv`.
//! - **[`write::layers::write_areas`]**: `areas.geojson`, the areas with their coverage (WGS84).
//! - **[`write::findings`]**: the findings' tables and layers.
//! - **[`write::run_record::write_run_record`]**: `run.json`; **[`provenance`]**: the run id and
//!   the manifest of output files; **[`outdir`]**: the output folder of one run, written whole
//!   or not at all.
//!
//! # Examples
//! The demo study, loaded and covered:
//! ```
//! use std::path::Path;
//!
//! let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/study.toml");
//! let study = lacuna_io::load(&lacuna_io::StudySpec::from_toml_file(&path)?)?;
//! let coverage = lacuna_core::coverage(&study);
//! assert_eq!(coverage.rows.len(), study.areas.len() * study.service_types.len());
//! # Ok::<(), lacuna_io::Error>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod atomic;
pub mod config;
pub mod crs;
pub mod csv;
pub mod demo;
pub mod error;
pub mod fgb;
pub mod geojson;
mod geojson_fast;
#[cfg(feature = "geoparquet")]
pub mod geoparquet;
pub mod gpkg;
mod layer;
pub mod load;
pub mod network;
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
