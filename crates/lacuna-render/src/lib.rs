//! # lacuna-render: maps, charts and the report
//!
//! The study maps (coverage, unmet need, postcode lottery) and the equity chart as one drawing
//! each, written as SVG and PNG; `lacuna map` for any layer; `report.html`, `report.md` and
//! `findings.md`. It reads a [`lacuna_core::Study`] with its coverage and findings, and
//! computes nothing of its own.
//!
//! # What is here
//! - **[`maps`]**: the study's maps and the equity chart, one function per kind, and all of
//!   them for a run.
//! - **[`layer_map`]**: one map of any polygon layer shaded by a numeric column (`lacuna map`).
//! - **[`canvas`]**: the drawing every map is made of, rendered to SVG and PNG.
//! - **[`document`]**: the report as blocks (headings, paragraphs, tables, figures), written as
//!   Markdown and as one self-contained HTML file.
//! - **`interactive`**: the report's interactive map (Leaflet, embedded): the areas as a
//!   simplified topology, the figures as columns, one layer per map kind and service.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod canvas;
pub mod document;
mod interactive;
pub mod layer_map;
pub mod maps;
