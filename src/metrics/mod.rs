//! Metrics computed from the overlay, one concept per file.

pub mod coverage;
pub mod inequality;
