//! # lacuna: find the gaps in service coverage
//!
//! lacuna overlays service catchments on neighbourhood areas, population and need, and reports
//! how much of each area and of its population each service type reaches.
//!
//! The data flows one way:
//! **read** ([`io`]) → **normalise** ([`normalise`], CRS in [`io::crs`]) → **load** ([`load`])
//! → **index and overlay** ([`spatial`]) → **metrics** ([`metrics`]) → **report** ([`report`]).
//!
//! Everything is computed in one projected CRS in metres (British National Grid for data in
//! Great Britain). Circular catchments are treated as exact circles: the covered area is computed
//! in closed form rather than on polygonised discs (see [`spatial::overlay`]).
//!
//! The library never prints and never exits: it returns values and [`Error`]s; the `lacuna`
//! binary is a thin command-line layer over [`pipeline::run`].
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod batch;
pub mod config;
pub mod demo;
pub mod error;
pub mod io;
pub mod load;
pub mod metrics;
pub mod model;
pub mod normalise;
pub mod outdir;
pub mod pipeline;
pub mod progress;
pub mod provenance;
pub mod report;
pub mod rng;
pub mod spatial;
pub mod validate;

pub use config::StudySpec;
pub use error::{Error, Result};
pub use load::{load, Study};
pub use metrics::coverage::{compute as compute_coverage, Coverage, CoverageRow};
