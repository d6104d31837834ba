//! Access per area for one service type, as the findings use it: the covered share a_i and the
//! weight of the area (its population, or its area in square metres when no population is
//! known, which `run.json` and the reports then say).

use crate::metrics::coverage::{Coverage, PopulationMethod};
use crate::study::Study;

/// Access of every area to one service type.
#[derive(Debug, Clone)]
pub struct Access {
    /// Covered share per area: the population share, or the area share without population.
    pub share: Vec<f64>,
    /// Weight per area: population, or area in m² without population.
    pub weight: Vec<f64>,
    /// True when weights are populations.
    pub by_population: bool,
}

impl Access {
    /// Covered weight (population) of area i.
    pub fn covered(&self, i: usize) -> f64 {
        self.weight[i] * self.share[i]
    }
}

/// Access to service type `t` (index into `study.service_types`).
pub fn access(study: &Study, coverage: &Coverage, t: usize) -> Access {
    let types = study.service_types.len();
    let by_population = coverage.method != PopulationMethod::None;
    let (share, weight) = (0..study.areas.len())
        .map(|i| {
            let r = &coverage.rows[i * types + t];
            let (s, w) = if by_population {
                let w = r.population.unwrap_or(0.0);
                (r.population_share.unwrap_or(r.area_share), w)
            } else {
                (r.area_share, r.area_m2)
            };
            // A failed overlay has no share: leave the area out rather than guess.
            if s.is_finite() {
                (s, w)
            } else {
                (0.0, 0.0)
            }
        })
        .unzip();
    Access {
        share,
        weight,
        by_population,
    }
}
