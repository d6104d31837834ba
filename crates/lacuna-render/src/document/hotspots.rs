//! The report's "Hot spots" part of a service's section: how many areas are significant
//! Getis-Ord Gi* hot and cold spots and local Moran clusters at the false discovery rate, the
//! map, the councils holding most hot spots and the strongest of them.

use super::{Doc, ServiceCx};
use lacuna_core::metrics::hotspots::{HotspotRow, Quadrant};
use lacuna_io::write::fixed;

/// The hot spots of the service of `cx`, when they were computed.
pub(super) fn hotspots_section(d: &mut Doc, cx: &ServiceCx) {
    let Some(h) = cx.hotspots else {
        return;
    };
    let t = cx.sf.service;
    let rows: Vec<&HotspotRow> = h.rows.iter().filter(|r| r.service == t).collect();
    if rows.is_empty() {
        return;
    }
    let count = |f: &dyn Fn(&HotspotRow) -> bool| rows.iter().filter(|r| f(r)).count();
    let hot = count(&|r| r.spot() == "hot");
    let cold = count(&|r| r.spot() == "cold");
    let cluster = |q: Quadrant| count(&|r| r.moran_significant && r.quadrant == q);
    let fdr = cx.study.params.findings.hotspot_fdr;
    d.heading(3, "Hot spots of poor access");
    d.para(format!(
        "Where poor access clusters: Getis-Ord Gi* of the {} over neighbouring areas finds {hot} \
         hot spots (areas among neighbours with little access) and {cold} cold spots, \
         significant at a false discovery rate of {:.0}% (Benjamini-Hochberg). Local Moran's I \
         ({} conditional permutations) finds {} high-high and {} low-low clusters and {} \
         high-low and {} low-high outliers at the same rate. A hot spot is a place where the \
         gap is shared by a neighbourhood, not one area's.",
        crate::maps::variable_name(cx.study),
        100.0 * fdr,
        cx.study.params.findings.permutations,
        cluster(Quadrant::HH),
        cluster(Quadrant::LL),
        cluster(Quadrant::HL),
        cluster(Quadrant::LH),
    ));
    d.figure(
        format!("hotspots_{}", cx.t),
        "Significant hot and cold spots of poor access (Gi*), by area.",
    );
    let mut strongest: Vec<&&HotspotRow> = rows.iter().filter(|r| r.spot() == "hot").collect();
    strongest.sort_by(|a, b| b.gi_z.total_cmp(&a.gi_z).then(a.area.cmp(&b.area)));
    strongest.truncate(cx.study.spec.findings.top_n.min(10));
    if strongest.is_empty() {
        return;
    }
    d.para("The strongest hot spots:");
    d.columns(
        strongest.into_iter(),
        &[
            ("area", &|r: &&&HotspotRow| {
                cx.study.areas[r.area].name.clone()
            }),
            ("council", &|r| cx.council(r.area).to_string()),
            ("value", &|r| fixed(r.value, 3)),
            ("Gi* z", &|r| fixed(r.gi_z, 2)),
            ("local Moran", &|r| r.quadrant.name().to_string()),
        ],
    );
}
