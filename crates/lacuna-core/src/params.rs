//! The parameters of a study that the computation reads: the standard per service type and the
//! parameters of the findings. Deserialised from the study file's `[services.*]` and
//! `[findings]` tables; no paths (which files to read is the reader's business).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a deprivation column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeprivationKind {
    /// A score (e.g. IMD score).
    Score,
    /// A rank (e.g. IMD rank, 1 = most deprived).
    Rank,
    /// A decile 1..10.
    Decile,
}

/// Which end of a measure means more deprived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Higher values are more deprived.
    Higher,
    /// Lower values are more deprived.
    Lower,
}

/// The standard for one service type.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    /// Catchment radius in metres for providers of this type without their own radius.
    pub radius_m: Option<f64>,
    /// Whether everyone should reach this service (included in the access-equity analysis;
    /// default true).
    pub universal: Option<bool>,
    /// Coverage share below which an area counts as unserved (default 0.5).
    pub threshold: Option<f64>,
    /// Need-file column with the target population for this service (e.g. people aged 60+);
    /// default: everyone.
    pub target_population: Option<String>,
    /// How maps and the report name the service (e.g. "GP practice"); default: the service
    /// type with underscores as spaces ("food_bank" -> "food bank").
    pub label: Option<String>,
    /// Capacity-aware access (`[services.T.access]`): how the providers' capacities are shared
    /// among the people who can reach them. Default: 2SFCA over the standard's catchment when
    /// the type's providers have a capacity.
    pub access: Option<AccessSpec>,
    /// Measure along the street network (`walk` or `drive`) instead of a straight-line radius;
    /// the standard is then `max_m` or `max_minutes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<crate::network::Profile>,
    /// The longest journey along the network, in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_m: Option<f64>,
    /// The longest journey along the network, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_minutes: Option<f64>,
}

/// How capacity-aware access is measured for one service type (`[services.T.access]`); see
/// [`metrics::capacity`](crate::metrics::capacity) for the formulas.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessSpec {
    /// `2sfca` (default), `e2sfca` or `gravity`.
    #[serde(default)]
    pub method: AccessMethod,
    /// Largest distance at which a provider serves a person, in metres; default: the service's
    /// `radius_m`, else each provider's own catchment.
    pub max_m: Option<f64>,
    /// E2SFCA's distance weight: `gaussian` (with `sigma_m`) or `step` (with `zones`); default
    /// the step zones of Luo & Qi (2009) at thirds of the catchment: 1, 0.68, 0.22.
    pub weight: Option<WeightKind>,
    /// Width of the Gaussian weight exp(-d^2 / (2 sigma^2)), in metres.
    pub sigma_m: Option<f64>,
    /// Step zones `[[limit_m, weight], ...]`: a person at distance d gets the weight of the first
    /// zone with d <= limit_m, and 0 beyond the last.
    pub zones: Option<Vec<[f64; 2]>>,
    /// Gravity's distance-decay exponent: weight max(d, min_m)^-beta (default 1).
    pub beta: Option<f64>,
    /// Gravity's minimum distance in metres, so a person at a provider's door does not weigh
    /// infinitely (default 100).
    pub min_m: Option<f64>,
}

/// The method of capacity-aware access.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessMethod {
    /// Two-step floating catchment area (Luo & Wang 2003).
    #[default]
    #[serde(rename = "2sfca")]
    TwoStep,
    /// Enhanced 2SFCA with distance weights in both steps (Luo & Qi 2009).
    #[serde(rename = "e2sfca")]
    Enhanced,
    /// Gravity: both steps weighted by max(d, min_m)^-beta.
    #[serde(rename = "gravity")]
    Gravity,
}

/// E2SFCA's distance weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightKind {
    /// exp(-d^2 / (2 sigma^2)), as PySAL `access` defines it (no normalising constant).
    Gaussian,
    /// Constant within each zone.
    Step,
}

impl Standard {
    /// The unserved threshold (default 0.5).
    pub fn threshold(&self) -> f64 {
        self.threshold.unwrap_or(DEFAULT_THRESHOLD)
    }

    /// Whether access should be universal (default true).
    pub fn universal(&self) -> bool {
        self.universal.unwrap_or(true)
    }
}

/// Which areas are neighbours, for the postcode lottery's pairs (`[findings] adjacency`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjacency {
    /// A shared stretch of boundary longer than the tolerance ("rook" contiguity).
    #[serde(alias = "rook")]
    SharedBoundary,
    /// A shared boundary, or touching at a point within the tolerance ("queen" contiguity).
    #[serde(alias = "queen")]
    Touching,
}

/// The variable whose hot spots are sought (`[findings] hotspot_variable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HotspotVariable {
    /// 1 - the covered share.
    #[default]
    UncoveredShare,
    /// The uncovered share x the target share x the need weight.
    UnmetNeedPerPerson,
}

/// Default coverage share below which an area is unserved.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// Parameters of the findings (unserved areas, access equity, postcode lottery).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FindingsSpec {
    /// Largest difference in need decile for a cross-boundary pair to count as "similar need".
    pub lottery_max_need_gap: f64,
    /// Smallest difference in coverage share for a pair to be flagged.
    pub lottery_min_difference: f64,
    /// Snapping tolerance in metres when finding shared boundaries.
    pub boundary_tolerance_m: f64,
    /// Which areas count as neighbours: a shared boundary of positive length (default), or also
    /// areas that only touch at a point (a corner).
    pub adjacency: Adjacency,
    /// Permutations for the test of the between-council share of inequality.
    pub permutations: usize,
    /// Bootstrap draws for the concentration index interval.
    pub bootstrap: usize,
    /// Seed for permutations and bootstrap.
    pub seed: u64,
    /// Rows per service type in the Markdown tables.
    pub top_n: usize,
    /// Whether to build gap polygons (`gaps.geojson`): geo boolean operations on every area not
    /// fully covered, then one union per connected gap. Default: yes up to
    /// `GAP_POLYGON_AUTO_LIMIT` areas (about 3 s more for the 32,844 LSOAs of England, 0.15 s
    /// for Greater Manchester's 1,673).
    pub gap_polygons: Option<bool>,
    /// Attribution line on maps (e.g. "Contains OS data © Crown copyright and database right").
    pub attribution: String,
    /// Need weight of the most deprived decile (ranks unserved areas by unmet need).
    pub need_weight_most_deprived: f64,
    /// Need weight of the least deprived decile; deciles in between fall linearly.
    pub need_weight_least_deprived: f64,
    /// What the hot spots are hot spots of: `uncovered_share` (default) or
    /// `unmet_need_per_person`.
    pub hotspot_variable: HotspotVariable,
    /// False discovery rate of the hot spots (Benjamini-Hochberg), default 0.05.
    pub hotspot_fdr: f64,
}

/// Studies up to this many areas get gap polygons unless `gap_polygons = false`.
pub const GAP_POLYGON_AUTO_LIMIT: usize = 10_000;

impl Default for FindingsSpec {
    fn default() -> Self {
        FindingsSpec {
            lottery_max_need_gap: 1.0,
            lottery_min_difference: 0.3,
            boundary_tolerance_m: 1.0,
            adjacency: Adjacency::SharedBoundary,
            permutations: 999,
            bootstrap: 999,
            seed: 20_261_122,
            top_n: 20,
            gap_polygons: None,
            attribution: "Contains OS data © Crown copyright and database right; ONS data \
                          licensed under the Open Government Licence v3.0"
                .into(),
            need_weight_most_deprived: 2.0,
            need_weight_least_deprived: 1.0,
            hotspot_variable: HotspotVariable::UncoveredShare,
            hotspot_fdr: 0.05,
        }
    }
}

/// What the computation needs to know of a study besides its geometry.
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// A title for reports.
    pub name: String,
    /// The standard per service type.
    pub services: BTreeMap<String, Standard>,
    /// Parameters of the findings.
    pub findings: FindingsSpec,
    /// Bundles of services a neighbourhood needs together, by name (`[bundles]`).
    pub bundles: BTreeMap<String, Vec<String>>,
}

impl Params {
    /// The coverage share below which an area is unserved for `service` (its standard's
    /// threshold, default 0.5).
    pub fn threshold(&self, service: &str) -> f64 {
        self.services
            .get(service)
            .map_or(DEFAULT_THRESHOLD, Standard::threshold)
    }
}
