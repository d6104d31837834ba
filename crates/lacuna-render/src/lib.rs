//! # lacuna-render: maps, charts and the report
//!
//! The study maps (coverage, unmet need, postcode lottery) and the equity chart as one drawing
//! each, written as SVG and PNG; `lacuna map` for any layer; `report.html`, `report.md` and
//! `findings.md`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod canvas;
pub mod document;
pub mod layer_map;
pub mod maps;
pub(crate) mod raster;
