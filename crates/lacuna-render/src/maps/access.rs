//! The capacity-aware access map: areas shaded by their access ratio (supply per person within
//! reach over the study's mean) in a diverging palette around 1, so the areas with less than
//! their share of capacity stand out from those with more.

use super::classes::{class_fill, Shading};
use super::{title, Basemap};
use crate::canvas::{Canvas, Rgb};
use lacuna_core::metrics::capacity::ServiceAccess;
use lacuna_io::LoadedStudy as Study;

/// Class breaks of the ratio, symmetric about 1 on a log scale (half and double, four fifths
/// and five quarters): an area at 0.5 has as much less as one at 2 has more.
const BREAKS: [f64; 6] = [0.0, 0.5, 0.8, 1.25, 2.0, f64::INFINITY];

/// ColorBrewer PuOr (5 classes, colour-blind safe): orange below the mean, purple above.
const PUOR: [Rgb; 5] = [
    Rgb(0xe6, 0x61, 0x01),
    Rgb(0xfd, 0xb8, 0x63),
    Rgb(0xf7, 0xf7, 0xf7),
    Rgb(0xb2, 0xab, 0xd2),
    Rgb(0x5e, 0x3c, 0x99),
];

const LABELS: [&str; 5] = [
    "under 0.5 (half the mean or less)",
    "0.5–0.8",
    "0.8–1.25 (about the mean)",
    "1.25–2",
    "2 or more",
];

/// The access map of `access`'s service type.
pub(super) fn access_map(study: &Study, base: &Basemap, access: &ServiceAccess) -> Canvas {
    let t = access.service;
    let mut p = base.page(
        &title(study, "capacity per person within reach of a", t),
        &format!(
            "Capacity per person within reach ({}) over the study's mean of {:.3}; {}",
            access.rule.method_name().to_uppercase(),
            access.mean,
            match access.rule.max_m {
                Some(m) => format!("{m:.0} m straight-line catchment"),
                None => "each provider's own catchment".into(),
            }
        ),
    );
    let shading = access_shading(access);
    p.areas(
        |i| shading.fill[i],
        |i| match access.ratio(i) {
            Some(r) => base.tip(i, &format!("access ratio {r:.2}")),
            None => base.tip(i, "no population"),
        },
    );
    p.councils(2.5);
    p.providers(study, t, 3.0);
    p.shading_legend(&shading);
    p.providers_entry(study, t, 4.0);
    p.finish()
}

/// The access map's shading: the access ratio in the diverging classes around 1.
pub(crate) fn access_shading(access: &ServiceAccess) -> Shading {
    let n = access.access.len();
    Shading::classes(
        "Access ratio (1 = mean)",
        (0..n)
            .map(|i| class_fill(access.ratio(i).unwrap_or(f64::NAN), &BREAKS, &PUOR))
            .collect(),
        &PUOR,
        |k| LABELS[k].to_string(),
        "no population",
    )
}
