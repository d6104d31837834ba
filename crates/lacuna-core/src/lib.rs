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
//! The library never prints and never exits: it returns values. Reading files (GeoJSON,
//! Shapefile, CSV, a study's TOML) into a [`Study`] is `lacuna-io`'s business; maps and the
//! report are `lacuna-render`'s.
//!
//! # Examples
//! A study of two square wards and two providers, built in memory, and its coverage:
//! ```
//! use geo::{coord, Rect};
//! use lacuna_core::{coverage, Area, Provider, Study};
//!
//! let ward = |code: &str, x: f64| {
//!     Area::new(code, Rect::new(coord! { x: x, y: 0.0 }, coord! { x: x + 1000.0, y: 1000.0 }))
//! };
//! let study = Study::new(
//!     vec![ward("W1", 0.0), ward("W2", 1000.0)],
//!     vec![Provider::disc("gp", coord! { x: 500.0, y: 500.0 }, 1200.0)],
//! );
//! let cov = coverage(&study);
//! // One row per area and service type: W1 lies wholly inside the catchment, W2 partly.
//! assert_eq!(cov.rows[0].area_share, 1.0);
//! assert!(cov.rows[1].area_share > 0.0 && cov.rows[1].area_share < 1.0);
//! ```
//!
//! # What is here
//!
//! ## Domain
//! - **[`Study`]**: a study in memory; [`Study::new`] from areas and providers,
//!   [`Study::with_points`], [`Study::with_params`].
//! - **[`Area`]**: a neighbourhood polygon with its code, name and group ([`Area::new`]).
//! - **[`Provider`]**: a service provider and its [`Catchment`] ([`Provider::disc`],
//!   [`Provider::polygon`]).
//! - **[`PopPoint`]**: a population-weighted point ([`PopPoint::new`]).
//! - **[`NeedJoin`]**: need indicators (population, deprivation) joined to the areas.
//! - **[`Params`]**, **[`Standard`]**, **[`FindingsSpec`]**: the standard per service type
//!   (radius, threshold, universality) and the findings' settings.
//! - **[`model::Groups`]**: the groups (councils) of a set of areas.
//!
//! ## Geometry
//! - **[`covered_area`]**: the area of a polygon inside a union of discs, exact for circles.
//! - **[`spatial::overlay::LocalPolygon`]**: a polygon prepared for repeated overlays:
//!   [`covered_area`](spatial::overlay::LocalPolygon::covered_area),
//!   [`overlay_discs`](spatial::overlay::LocalPolygon::overlay_discs) (also counts the discs
//!   touching it), [`disc_shares`](spatial::overlay::LocalPolygon::disc_shares) (each disc's part
//!   and the part it alone covers).
//! - **[`spatial::catchment::uncovered`]**: the part of a polygon outside polygon or disc
//!   catchments (boolean operations, optionally on one [`spatial::catchment::Grid`] per study);
//!   [`spatial::catchment::disc_polygon`]: a disc as an inscribed regular polygon.
//! - **[`spatial::adjacency::neighbours`]**: which areas share a boundary (or touch).
//! - **[`spatial::index::ProviderIndex`]**: the R-tree of catchments and the k-d tree of provider
//!   sites, per service type.
//! - **[`normalise::polygonal`]**: any geometry to a valid, oriented multipolygon (or why not).
//!
//! ## Coverage
//! - **[`coverage`]**: every area's covered share of area and of population, per service type
//!   ([`Coverage`], [`CoverageRow`]).
//! - **[`metrics::coverage::CoverageEngine`]**: coverage of any subset of a study's areas, with
//!   the same rows as for the whole study.
//! - **[`metrics::access::access`]**: the covered share and weight of every area for one
//!   service type, as the findings read them.
//!
//! ## Findings
//! - **[`metrics::findings::compute`]**: every finding of a study at once.
//! - **[`metrics::gaps::unserved`]**: areas below the standard's threshold, ranked by unmet need.
//! - **[`metrics::equity::equity`]**: inequality of access overall and per council.
//! - **[`metrics::lottery::pairs`]**, **[`metrics::lottery::league`]**: the postcode lottery:
//!   neighbouring areas of similar need across a council boundary with very different access,
//!   and the councils' league table.
//! - **[`metrics::reach::reach`]**: the people each provider and each network reaches.
//! - **[`metrics::lacunae::gaps`]**: gap polygons, the connected parts of the region outside every
//!   catchment, with the people inside them.
//! - **[`metrics::need::area_need`]**: need deciles, weights and the deprivation order.
//!
//! ## Statistics
//! Inequality indices, population-weighted, in [`metrics::inequality`]:
//! - **[`gini`](metrics::inequality::gini)**: the Gini coefficient.
//! - **[`theil`](metrics::inequality::theil)**,
//!   **[`theil_decomposition`](metrics::inequality::theil_decomposition)**: Theil T and its
//!   split between and within groups.
//! - **[`concentration_index`](metrics::inequality::concentration_index)**,
//!   **[`erreygers`](metrics::inequality::erreygers)**: the concentration index against
//!   deprivation, and Erreygers' correction for a bounded outcome.
//!
//! Resampling, seeded and reproducible:
//! - **[`concentration_bootstrap`](metrics::inequality::concentration_bootstrap)**: a percentile
//!   bootstrap interval of the concentration index.
//! - **[`between_share_p_value`](metrics::inequality::between_share_p_value)**: a permutation
//!   test of the between-group share of Theil T.
//! - **[`rng::SplitMix64`]**: the seeded generator behind them.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod metrics;
pub mod model;
pub mod network;
pub mod normalise;
pub mod params;
pub mod progress;
pub mod rng;
pub mod spatial;
pub mod study;
pub mod value;

pub use metrics::coverage::{compute as coverage, Coverage, CoverageRow};
pub use model::{Area, Catchment, PopPoint, Provider};
pub use params::{FindingsSpec, Params, Standard};
pub use spatial::overlay::covered_area;
pub use study::{NeedJoin, Study};
pub use value::Value;
