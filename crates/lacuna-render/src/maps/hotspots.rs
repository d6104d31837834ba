//! The hot spot map: areas that are significant Getis-Ord Gi* hot spots (clusters of little
//! access) or cold spots at the study's false discovery rate, the others plain; the local Moran
//! quadrant and p-values in each area's tooltip.

use super::classes::Shading;
use super::classes::NO_DATA;
use super::{title, Basemap};
use crate::canvas::{Canvas, Rgb};
use lacuna_core::metrics::hotspots::Hotspots;
use lacuna_io::LoadedStudy as Study;

const HOT: Rgb = Rgb(0xd7, 0x30, 0x27);
const COLD: Rgb = Rgb(0x45, 0x75, 0xb4);
const PLAIN: Rgb = Rgb(0xf4, 0xf4, 0xf4);

/// The hot spot map of service type `t`.
pub(super) fn hotspot_map(study: &Study, base: &Basemap, h: &Hotspots, t: usize) -> Canvas {
    let n = study.areas.len();
    let mut tip = vec![String::from("no population"); n];
    let (mut hot, mut cold) = (0, 0);
    for r in h.rows.iter().filter(|r| r.service == t) {
        match r.spot() {
            "hot" => hot += 1,
            "cold" => cold += 1,
            _ => {}
        }
        tip[r.area] = format!(
            "Gi* z {:.2} (p {:.3}); local Moran {} (p {})",
            r.gi_z,
            r.gi_p,
            r.quadrant.name(),
            if r.moran_p.is_finite() {
                format!("{:.3}", r.moran_p)
            } else {
                "–".into()
            }
        );
    }
    let fdr = study.params.findings.hotspot_fdr;
    let mut p = base.page(
        &title(study, "hot spots of poor access to a", t),
        &format!(
            "Getis-Ord Gi* of the {}, significant at a false discovery rate of {:.0}%: {hot} hot, \
             {cold} cold",
            variable_name(study),
            100.0 * fdr
        ),
    );
    let shading = hotspot_shading(study, h, t);
    p.areas(|i| shading.fill[i], |i| base.tip(i, &tip[i]));
    p.councils(2.5);
    p.shading_legend(&shading);
    p.finish()
}

/// The hot spot map's shading of service type `t`: hot and cold spots, the rest plain.
pub(crate) fn hotspot_shading(study: &Study, h: &Hotspots, t: usize) -> Shading {
    let mut fill = vec![NO_DATA; study.areas.len()];
    for r in h.rows.iter().filter(|r| r.service == t) {
        fill[r.area] = match r.spot() {
            "hot" => HOT,
            "cold" => COLD,
            _ => PLAIN,
        };
    }
    let legend = [
        (HOT, "hot spot: poor access clusters"),
        (COLD, "cold spot: good access clusters"),
        (PLAIN, "not significant"),
        (NO_DATA, "no population"),
    ];
    Shading {
        title: "Gi* clusters".into(),
        fill,
        legend: legend.map(|(c, l)| (c, l.to_string())).into(),
    }
}

/// What the hot spots are of, in words.
pub(crate) fn variable_name(study: &Study) -> &'static str {
    match study.params.findings.hotspot_variable {
        lacuna_core::params::HotspotVariable::UncoveredShare => "uncovered share",
        lacuna_core::params::HotspotVariable::UnmetNeedPerPerson => "unmet need per person",
    }
}
