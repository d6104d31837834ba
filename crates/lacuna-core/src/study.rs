//! A study in memory: the areas, the providers with their catchments, the population points
//! and the need, all in one projected CRS in metres, with the parameters the findings read.
//! Built by a reader (`lacuna_io::load`) or directly with [`Study::new`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Area, PopPoint, Provider};
use crate::params::Params;
use crate::value::Value;

/// Need indicators joined to the areas.
#[derive(Debug, Clone, Serialize)]
pub struct NeedJoin {
    /// The need file.
    pub path: String,
    /// Its area-code column.
    pub id_column: String,
    /// Its population column, if any.
    pub population_column: Option<String>,
    /// Areas with a need row.
    pub matched: usize,
    /// Area codes with no need row.
    pub unmatched_areas: Vec<String>,
    /// Need-file codes with no area.
    pub unmatched_rows: Vec<String>,
    /// Column names of the need file.
    #[serde(skip)]
    pub columns: Vec<String>,
    /// The need row of each area (same order as `Study::areas`).
    #[serde(skip)]
    pub rows: Vec<Option<Vec<Value>>>,
    /// Population of each area from the need file.
    #[serde(skip)]
    pub population: Vec<Option<f64>>,
    /// The deprivation column, if any.
    pub deprivation_column: Option<String>,
    /// What it holds.
    pub deprivation_kind: Option<crate::params::DeprivationKind>,
    /// Which values are more deprived.
    pub more_deprived: Option<crate::params::Direction>,
    /// The deprivation value of each area.
    #[serde(skip)]
    pub deprivation: Vec<Option<f64>>,
    /// True when the need deciles are computed within the study (the deprivation column is a
    /// score or a rank, ranked over the study's areas), false when the file gives deciles (or
    /// there is no deprivation column). Study deciles are not national deciles: decile 1 is the
    /// study's most deprived tenth. Reports should then say "study decile", not "IMD decile".
    pub deciles_within_study: bool,
}

/// A study: its inputs in the working CRS (metres) and its parameters.
#[derive(Debug, Clone, Default)]
pub struct Study {
    /// The standards and the findings' parameters.
    pub params: Params,
    /// Areas, sorted by code.
    pub areas: Vec<Area>,
    /// Providers, sorted by service type then location.
    pub providers: Vec<Provider>,
    /// Distinct service types, sorted.
    pub service_types: Vec<String>,
    /// Population points, if given.
    pub points: Option<Vec<PopPoint>>,
    /// Need indicators, if given.
    pub need: Option<NeedJoin>,
    /// Group (council) names by group code, when known.
    pub group_names: BTreeMap<String, String>,
    /// The run's id (a hash of the version, the settings and the inputs), carried into every
    /// output; empty for a study built in memory.
    pub run_id: String,
    /// True when the population points have no population column: each counts as 1, so the
    /// "population" figures are counts of points, and the reports say points, not people.
    pub points_counted: bool,
}

impl Study {
    /// How maps and the report name service type `t`: its `label`, else the type with
    /// underscores as spaces.
    pub fn service_label(&self, t: usize) -> String {
        let name = &self.service_types[t];
        self.params
            .services
            .get(name)
            .and_then(|s| s.label.clone())
            .unwrap_or_else(|| name.replace('_', " "))
    }

    /// A group as people read it: its name when known, else its code ("(none)" when empty).
    pub fn group_label<'a>(&'a self, group: &'a str) -> &'a str {
        match self.group_names.get(group) {
            Some(name) => name,
            None if group.is_empty() => "(none)",
            None => group,
        }
    }
}
