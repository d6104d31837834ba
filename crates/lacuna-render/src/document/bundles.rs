//! The report's "Joined-up bundles" section: per bundle of services a neighbourhood needs
//! together, the people lacking part and all of it, per council and in the areas with the
//! greatest unmet need.

use super::Doc;
use lacuna_core::metrics::bundles::{BundleArea, BundleGroup, Bundles};
use lacuna_io::write::{pct1, Units};
use lacuna_io::LoadedStudy as Study;

/// The section, when the study has bundles.
pub(super) fn bundles_section(d: &mut Doc, study: &Study, bundles: Option<&Bundles>, units: Units) {
    let Some(b) = bundles else {
        return;
    };
    d.heading(2, "Joined-up bundles");
    d.para(
        "Services that are fine one by one can still leave a neighbourhood without the set it \
         needs. Lacking part of a bundle: without at least one of its services within reach; \
         lacking all: without any of them.",
    );
    for (i, name) in b.names.iter().enumerate() {
        let services: Vec<String> = b.services[i]
            .iter()
            .map(|&t| study.service_label(t))
            .collect();
        d.heading(3, format!("Bundle: {name} ({})", services.join(", ")));
        let groups: Vec<&BundleGroup> = b.groups.iter().filter(|g| g.bundle == i).collect();
        if let Some(all) = groups.iter().find(|g| g.group.is_none()) {
            let share = |x: f64| pct1(x / all.population.max(f64::MIN_POSITIVE));
            d.para(format!(
                "{} ({}) lack part of it and {} ({}) all of it. {} areas are unserved for at \
                 least one of its services, {} for every one.",
                units.amount(all.lacking_any),
                share(all.lacking_any),
                units.amount(all.lacking_all),
                share(all.lacking_all),
                all.areas_lacking_any,
                all.areas_lacking_all,
            ));
        }
        d.figure(
            format!("bundle_{name}"),
            format!(
                "Share of {} lacking part of the bundle, by area.",
                units.whole()
            ),
        );
        d.columns(
            groups.into_iter().filter(|g| g.group.is_some()),
            &[
                ("council", &|g: &&BundleGroup| {
                    study
                        .group_label(g.group.as_deref().unwrap_or(""))
                        .to_string()
                }),
                (&units.heading(""), &|g| units.value(g.population)),
                ("lacking part", &|g| units.value(g.lacking_any)),
                ("share", &|g| {
                    pct1(g.lacking_any / g.population.max(f64::MIN_POSITIVE))
                }),
                ("lacking all", &|g| units.value(g.lacking_all)),
            ],
        );
        let top: Vec<&BundleArea> = b
            .areas
            .iter()
            .filter(|r| r.bundle == i)
            .take(study.spec.findings.top_n.min(10))
            .collect();
        if top.is_empty() {
            continue;
        }
        d.para(format!(
            "The areas with the greatest unmet need ({} lacking part x need weight):",
            units.whole()
        ));
        d.columns(
            top.into_iter(),
            &[
                ("area", &|r: &&BundleArea| study.areas[r.area].name.clone()),
                ("council", &|r| {
                    study.group_label(&study.areas[r.area].group).to_string()
                }),
                ("unserved for", &|r| {
                    r.lacking
                        .iter()
                        .map(|&t| study.service_label(t))
                        .collect::<Vec<_>>()
                        .join(", ")
                }),
                ("lacking part", &|r| units.value(r.lacking_any)),
                ("lacking all", &|r| units.value(r.lacking_all)),
            ],
        );
    }
}
