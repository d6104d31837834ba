//! A study in memory: the areas, the providers with their catchments, the population points
//! and the need, all in one projected CRS in metres, with the parameters the findings read.
//! Built by a reader (`lacuna_io::load`) or directly with [`Study::new`].

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::{Area, PopPoint, Provider};
use crate::params::Params;
use crate::value::Value;

/// Need indicators joined to the areas.
#[derive(Debug, Clone, Default, Serialize)]
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
    /// Providers to close and sites to open, when the study weighs a change (`lacuna scenario`,
    /// or `[scenario]` in the study file).
    pub scenario: Option<crate::metrics::scenario::Change>,
    /// New sites to choose, when the study asks where to open next (`lacuna sites`).
    pub sites: Option<crate::metrics::sites::SitesInput>,
    /// The service types measured along a street network, with their network and standard
    /// ([`Study::set_network`]).
    pub network: BTreeMap<String, crate::network::NetworkService>,
}

impl Study {
    /// A study of `areas` and `providers` (working CRS, metres), put in the order every
    /// computation relies on: areas sorted by code, providers by service type then location
    /// (then id), and the distinct service types sorted. Parameters are the defaults
    /// ([`with_params`](Study::with_params) sets them), and there are no population points
    /// ([`with_points`](Study::with_points)) and no need indicators.
    ///
    /// Area codes should be unique (the file loader refuses repeats); areas with equal codes
    /// keep their given order.
    ///
    /// # Examples
    /// ```
    /// use geo::{coord, Rect};
    /// use lacuna_core::{Area, Provider, Study};
    ///
    /// let square = |x: f64| Rect::new(coord! { x: x, y: 0.0 }, coord! { x: x + 1e3, y: 1e3 });
    /// let study = Study::new(
    ///     vec![Area::new("W2", square(1000.0)), Area::new("W1", square(0.0))],
    ///     vec![
    ///         Provider::disc("pharmacy", coord! { x: 1500.0, y: 500.0 }, 800.0),
    ///         Provider::disc("gp", coord! { x: 500.0, y: 500.0 }, 1200.0),
    ///     ],
    /// );
    /// assert_eq!(study.areas[0].code, "W1");
    /// assert_eq!(study.service_types, ["gp", "pharmacy"]);
    /// assert_eq!(study.providers[0].service_type, "gp");
    /// ```
    pub fn new(mut areas: Vec<Area>, mut providers: Vec<Provider>) -> Study {
        sort_areas(&mut areas);
        sort_providers(&mut providers);
        let service_types = service_types(&providers);
        Study {
            areas,
            providers,
            service_types,
            ..Study::default()
        }
    }

    /// The study with population points: each point without an area gets the area that holds
    /// it (the first in code order when areas overlap; none when it lies in no area), and a
    /// point that names its area (an index into [`Study::areas`]) keeps it. Coverage then
    /// counts people from the points.
    ///
    /// # Panics
    /// When a point names an area index beyond the study's areas.
    pub fn with_points(mut self, mut points: Vec<PopPoint>) -> Study {
        use rstar::primitives::GeomWithData;
        let tree = rstar::RTree::bulk_load(
            self.areas
                .iter()
                .enumerate()
                .map(|(i, a)| GeomWithData::new(a.local.bounding_rect(), i))
                .collect(),
        );
        for p in &mut points {
            match p.area {
                Some(i) => assert!(
                    i < self.areas.len(),
                    "a point names area {i} of {}",
                    self.areas.len()
                ),
                None => {
                    p.area = tree
                        .locate_in_envelope_intersecting(&rstar::AABB::from_point(p.at.into()))
                        .map(|e| e.data)
                        .filter(|&i| self.areas[i].local.contains(p.at))
                        .min()
                }
            }
        }
        self.points = Some(points);
        self
    }

    /// The study with parameters `params` (standards per service type, the findings'
    /// settings).
    pub fn with_params(mut self, params: Params) -> Study {
        self.params = params;
        self
    }

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

/// Areas in the order every output lists them: by code, then by position in their file (so
/// duplicated codes keep the file's order until they are reported).
pub fn sort_areas(areas: &mut [Area]) {
    areas.sort_by(|a, b| a.code.cmp(&b.code).then(a.position.cmp(&b.position)));
}

/// Providers in their canonical order (service type, then location, then id): the order the
/// overlay sums in, so the same inputs give the same bytes whatever order the files list them.
pub fn sort_providers(providers: &mut [Provider]) {
    providers.sort_by(|a, b| {
        a.service_type
            .cmp(&b.service_type)
            .then(a.site.x.total_cmp(&b.site.x))
            .then(a.site.y.total_cmp(&b.site.y))
            .then(a.id.cmp(&b.id))
    });
}

/// The distinct service types of `providers`, sorted.
pub fn service_types(providers: &[Provider]) -> Vec<String> {
    providers
        .iter()
        .map(|p| p.service_type.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use geo::{coord, Rect};

    use super::*;

    fn square(code: &str, x: f64) -> Area {
        Area::new(
            code,
            Rect::new(coord! { x: x, y: 0.0 }, coord! { x: x + 10.0, y: 10.0 }),
        )
    }

    #[test]
    fn a_study_in_memory_is_in_the_loaders_order() {
        let study = Study::new(
            vec![square("c", 20.0), square("a", 0.0), square("b", 10.0)],
            vec![
                Provider::disc("pharmacy", coord! { x: 1.0, y: 1.0 }, 5.0),
                Provider::disc("gp", coord! { x: 9.0, y: 1.0 }, 5.0).with_id("g2"),
                Provider::disc("gp", coord! { x: 1.0, y: 1.0 }, 5.0),
                Provider::disc("gp", coord! { x: 9.0, y: 1.0 }, 5.0).with_id("g1"),
            ],
        );
        let codes: Vec<&str> = study.areas.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes, ["a", "b", "c"]);
        assert_eq!(study.service_types, ["gp", "pharmacy"]);
        let order: Vec<(&str, f64, &str)> = study
            .providers
            .iter()
            .map(|p| (p.service_type.as_str(), p.site.x, p.id.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("gp", 1.0, ""),
                ("gp", 9.0, "g1"),
                ("gp", 9.0, "g2"),
                ("pharmacy", 1.0, "")
            ]
        );
        assert!(study.points.is_none() && study.need.is_none() && study.run_id.is_empty());
    }

    #[test]
    fn points_are_placed_in_the_area_that_holds_them_unless_they_name_one() {
        let study =
            Study::new(vec![square("b", 10.0), square("a", 0.0)], vec![]).with_points(vec![
                PopPoint::new(coord! { x: 15.0, y: 5.0 }, 3.0),
                PopPoint::new(coord! { x: 5.0, y: 5.0 }, 2.0),
                PopPoint::new(coord! { x: 50.0, y: 5.0 }, 1.0),
                PopPoint {
                    area: Some(0),
                    ..PopPoint::new(coord! { x: 50.0, y: 5.0 }, 1.0)
                },
            ]);
        let areas: Vec<Option<usize>> = study.points.unwrap().iter().map(|p| p.area).collect();
        // "a" is area 0 once sorted; the third point lies in no area.
        assert_eq!(areas, [Some(1), Some(0), None, Some(0)]);
    }
}
