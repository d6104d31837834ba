//! Gap polygons ("service lacunae"): per service type, the parts of the study region outside
//! every catchment, grouped into connected gaps across area boundaries, each with the population
//! inside it (uncovered population of its areas), its size, and the areas and councils it touches.
//!
//! Per area, the uncovered part is the area minus its candidate catchments (discs drawn as
//! inscribed 256-gons, 1.0e-4 of a disc's area short, so gaps are very slightly too large at
//! their curved edges), computed with geo's boolean operations locally, one area at a time.
//! Pieces in neighbouring areas that touch belong to the same gap; they are grouped, not merged,
//! so a gap's MultiPolygon keeps the area boundaries inside it.

use geo::{Area as _, Intersects, MultiPolygon};
use rayon::prelude::*;

use crate::load::Study;
use crate::metrics::access::Access;
use crate::spatial::adjacency::Neighbours;
use crate::spatial::catchment::uncovered;
use crate::spatial::index::ProviderIndex;

/// Vertices of a disc drawn as a polygon for gap shapes.
pub const GAP_DISC_VERTICES: usize = 256;

/// One connected gap of a service type.
#[derive(Debug, Clone)]
pub struct Gap {
    /// The uncovered pieces, one or more per area.
    pub shape: MultiPolygon,
    /// Areas it touches (indices), in code order.
    pub areas: Vec<usize>,
    /// Its area in m².
    pub area_m2: f64,
    /// Uncovered population of its areas.
    pub population: f64,
}

/// The gaps of service type `t`, largest population first. `area_share` is each area's exact
/// covered share of its area, from the coverage step.
pub fn gaps(
    study: &Study,
    index: &ProviderIndex,
    t: usize,
    access: &Access,
    area_share: &[f64],
    neighbours: &[Neighbours],
) -> Vec<Gap> {
    let providers = &study.providers;
    // The uncovered part of each area (None when fully covered); a panic in geo's boolean
    // operations leaves that area out of the gaps rather than stopping the run.
    let pieces: Vec<Option<MultiPolygon>> = study
        .areas
        .par_iter()
        .enumerate()
        .map(|(i, area)| {
            // Fully covered by area (exact circles): nothing to cut.
            if area_share[i] >= 1.0 {
                return None;
            }
            let rect = area.local.bounding_rect();
            let cands = index.candidates(t, rect);
            std::panic::catch_unwind(|| {
                let catchments = cands.iter().map(|&c| &providers[c].catchment);
                uncovered(&area.local.shape(), rect, catchments, GAP_DISC_VERTICES)
            })
            .ok()
            .filter(|m| m.unsigned_area() > 1.0)
        })
        .collect();
    // Union-find over touching pieces of neighbouring areas.
    let mut parent: Vec<usize> = (0..pieces.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for n in neighbours {
        if let (Some(a), Some(b)) = (&pieces[n.a], &pieces[n.b]) {
            if a.intersects(b) {
                let (ra, rb) = (find(&mut parent, n.a), find(&mut parent, n.b));
                if ra != rb {
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, piece) in pieces.iter().enumerate() {
        if piece.is_some() {
            let r = find(&mut parent, i);
            groups.entry(r).or_default().push(i);
        }
    }
    let mut out: Vec<Gap> = groups
        .into_values()
        .map(|members| {
            let mut polys = Vec::new();
            let mut area_m2 = 0.0;
            let mut population = 0.0;
            for &i in &members {
                let m = pieces[i].as_ref().expect("member has a piece");
                area_m2 += m.unsigned_area();
                population += access.weight[i] * (1.0 - access.share[i]).max(0.0);
                polys.extend(m.0.iter().cloned());
            }
            Gap {
                shape: MultiPolygon(polys),
                areas: members,
                area_m2,
                population: if access.by_population {
                    population
                } else {
                    f64::NAN
                },
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.population
            .total_cmp(&a.population)
            .then(b.area_m2.total_cmp(&a.area_m2))
            .then(a.areas.cmp(&b.areas))
    });
    out
}
