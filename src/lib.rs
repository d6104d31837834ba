//! # lacuna: find the gaps in service coverage
//!
//! The `lacuna` command line over three libraries, which follow the data one way:
//! **read and load** ([`lacuna_io`]: readers, CRS, `load` → a study, writers of tables and
//! layers) → **compute** ([`lacuna_core`]: the exact overlay, coverage and the findings) →
//! **render** ([`lacuna_render`]: maps, charts and the report).
//!
//! This crate holds what ties them into runs: [`pipeline::run`] (load, compute, write the
//! outputs into one whole output folder) and [`batch`] (many boundary files, resumable).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod batch;
pub mod pipeline;

pub use lacuna_core as core;
pub use lacuna_io as io;
pub use lacuna_render as render;
