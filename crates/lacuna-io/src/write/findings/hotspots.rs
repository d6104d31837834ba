//! The hot spots finding's files: `hotspots.csv` (per service and area: the variable, Gi*
//! z-score and p-value, local Moran's I, its quadrant and pseudo p-value, and whether each is
//! significant at the false discovery rate) and `hotspots_weights.gal` (the neighbours used, in
//! the GAL format PySAL and GeoDa read, so the statistics can be checked).

use super::*;
use crate::atomic::write_atomic;

const HOTSPOTS: &str = "area_code,area_name,group,service_type,variable,value,neighbours,gi_star_z,gi_star_p,gi_star_significant,spot,local_moran_i,quadrant,local_moran_p,local_moran_significant";

pub(super) fn hotspots_csv(cx: &Ctx, p: &Path) -> Result<()> {
    let study = cx.study;
    let variable = match study.params.findings.hotspot_variable {
        lacuna_core::params::HotspotVariable::UncoveredShare => "uncovered_share",
        lacuna_core::params::HotspotVariable::UnmetNeedPerPerson => "unmet_need_per_person",
    };
    let rows =
        cx.f.hotspots
            .iter()
            .flat_map(|h| &h.rows)
            .map(|r| {
                let a = &study.areas[r.area];
                vec![
                    a.code.clone(),
                    a.name.clone(),
                    a.group.clone(),
                    study.service_types[r.service].clone(),
                    variable.to_string(),
                    num(r.value, 12),
                    r.neighbours.to_string(),
                    num(r.gi_z, 12),
                    num(r.gi_p, 12),
                    flag(r.gi_significant),
                    r.spot().to_string(),
                    num(r.moran_i, 12),
                    r.quadrant.name().to_string(),
                    num(r.moran_p, 6),
                    flag(r.moran_significant),
                ]
            })
            .collect();
    write_csv(p, HOTSPOTS, cx.labels, rows)
}

pub(super) fn hotspots_weights_gal(cx: &Ctx, p: &Path) -> Result<()> {
    let weights =
        cx.f.hotspots
            .as_ref()
            .map(|h| h.weights.as_slice())
            .unwrap_or_default();
    let areas = &cx.study.areas;
    write_atomic(p, |w| {
        writeln!(w, "{}", weights.len())?;
        for (i, nb) in weights.iter().enumerate() {
            writeln!(w, "{} {}", areas[i].code, nb.len())?;
            let codes: Vec<&str> = nb.iter().map(|&j| areas[j].code.as_str()).collect();
            writeln!(w, "{}", codes.join(" "))?;
        }
        Ok(())
    })
}
