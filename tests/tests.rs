//! Integration tests: the real binary on hand-computable fixtures, the demo, and (ignored by
//! default, run by `.ci/run`) the real UK data in `../shared/data`.

mod util;

mod access;
mod batch;
mod bundles;
mod corpus;
mod coverage;
mod demo;
mod flags;
#[cfg(feature = "geoparquet")]
mod geoparquet;
mod gpkg;
mod interactive;
mod labels;
mod library;
mod loading;
mod maps;
mod network;
mod output_folder;
mod real_data;
mod real_network;
mod scenario;
mod sites;
mod slices;
mod validate;
