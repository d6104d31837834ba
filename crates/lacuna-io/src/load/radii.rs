//! Radii that cannot be what was meant: a catchment far smaller than the areas it should reach
//! is almost always kilometres typed as metres (`--radius-m 1.6`), and gives 0% coverage that
//! looks like a finding.

use std::collections::BTreeSet;

use lacuna_core::model::{Area, Catchment, Provider};

/// How many times smaller than the areas' typical width a radius may be before it is flagged.
pub const TINY_RADIUS_FACTOR: f64 = 100.0;

/// A radius flagged as far too small for the areas.
#[derive(Debug, Clone, PartialEq)]
pub struct TinyRadius {
    /// The service type.
    pub service_type: String,
    /// The radius, metres.
    pub radius_m: f64,
    /// The areas' typical width: the median of the square roots of their areas, metres.
    pub typical_width_m: f64,
}

impl std::fmt::Display for TinyRadius {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "service type {:?}: a catchment radius of {} m is more than {TINY_RADIUS_FACTOR} times \
             smaller than the areas' typical width ({:.0} m): was it given in kilometres? Radii \
             are in metres",
            self.service_type, self.radius_m, self.typical_width_m
        )
    }
}

/// Each distinct (service type, radius) of a disc catchment that is far smaller than the areas.
pub fn tiny_radii(areas: &[Area], providers: &[Provider]) -> Vec<TinyRadius> {
    let mut widths: Vec<f64> = areas.iter().map(|a| a.local.area().sqrt()).collect();
    if widths.is_empty() {
        return Vec::new();
    }
    widths.sort_by(f64::total_cmp);
    let typical = widths[widths.len() / 2];
    let mut seen: BTreeSet<(String, u64)> = BTreeSet::new();
    let mut out = Vec::new();
    for p in providers {
        let Catchment::Disc(d) = &p.catchment else {
            continue;
        };
        if d.r * TINY_RADIUS_FACTOR < typical
            && seen.insert((p.service_type.clone(), d.r.to_bits()))
        {
            out.push(TinyRadius {
                service_type: p.service_type.clone(),
                radius_m: d.r,
                typical_width_m: typical,
            });
        }
    }
    out
}
