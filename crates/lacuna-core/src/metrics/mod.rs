//! Metrics computed from the overlay, one concept per file.

pub mod access;
pub mod bundles;
pub mod capacity;
pub mod coverage;
pub mod critical;
pub mod equity;
pub mod findings;
pub mod gaps;
pub mod hotspots;
pub mod inequality;
pub mod lacunae;
pub mod lottery;
pub mod need;
pub mod reach;
pub mod scenario;
pub mod sites;
