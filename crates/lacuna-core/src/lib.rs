//! # lacuna-core: the computation of service coverage gaps
//!
//! The domain and the algorithms of lacuna, with no files, no pixels and no command line: a
//! [`Study`] in memory (areas, providers with their catchments, population points, need), the
//! exact overlay of catchments on areas, coverage, and the findings built on it.
//!
//! Everything is computed in one projected CRS in metres (British National Grid for data in
//! Great Britain). Circular catchments are treated as exact circles: the covered area is computed
//! in closed form rather than on polygonised discs (see [`spatial::overlay`]).
//!
//! The library never prints and never exits: it returns values.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod metrics;
pub mod model;
pub mod normalise;
pub mod params;
pub mod progress;
pub mod rng;
pub mod spatial;
pub mod study;
pub mod value;

pub use metrics::coverage::{compute as compute_coverage, Coverage, CoverageRow};
pub use model::{Area, Catchment, PopPoint, Provider};
pub use params::{FindingsSpec, Params, Standard};
pub use study::{NeedJoin, Study};
pub use value::Value;
