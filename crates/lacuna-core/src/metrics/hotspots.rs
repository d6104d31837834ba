//! Hot spots of unmet need (`hotspots.csv`): per service type, where areas with little access
//! cluster. The variable is each area's uncovered share (or unmet need per person,
//! `[findings] hotspot_variable`), over the areas with population; neighbours are the study's
//! contiguity (shared boundary: rook; `adjacency = "touching"`: queen), row-standardised, as
//! PySAL's `esda` takes them:
//!
//! - **Getis-Ord Gi\*** (esda `G_Local(star=True)`, transform "R"): with w\* the neighbours and
//!   the area itself, each 1/(k+1), G\*_i = Σ_j w\*_ij y_j / Σ_j y_j, E = 1/n and
//!   V = s² / (n² ȳ²) (s² the population variance of y); z = (G\* − E) / √V and the two-sided
//!   normal p-value erfc(|z| / √2);
//! - **local Moran's I** (esda `Moran_Local`): z_i = (y_i − ȳ) / s, I_i = (n − 1) z_i lag_i / Σ z²
//!   with lag_i the mean of the neighbours' z; its quadrant HH, LH, LL, HL (the area's z and
//!   its lag above or below 0), and a pseudo p-value from conditional permutations: the
//!   neighbours' values drawn at random (without replacement) from the other areas, `permutations`
//!   times (default 999, seeded per area), p = (M + 1) / (R + 1) with M the draws at least as
//!   extreme in the observed tail (esda's "directed");
//! - the **Benjamini-Hochberg** cut-off at false discovery rate q (default 0.05) over each
//!   statistic's p-values of the service: an area is a significant hot (cold) spot when its
//!   Gi\* p-value is under the cut-off and z > 0 (< 0); its Moran cluster is significant when
//!   the Moran p-value is.
//!
//! Areas without neighbours (islands) get a Gi\* of their own value only, I = 0 and no p-value.

use rayon::prelude::*;

use crate::metrics::access::Access;
use crate::metrics::need::AreaNeed;
use crate::params::HotspotVariable;
use crate::rng::{seeded, Draws};
use crate::spatial::adjacency::Neighbours;
use crate::study::Study;

/// The quadrant of local Moran's I.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quadrant {
    /// High value among high neighbours.
    HH,
    /// Low value among high neighbours.
    LH,
    /// Low value among low neighbours.
    LL,
    /// High value among low neighbours.
    HL,
}

impl Quadrant {
    /// "HH", "LH", "LL" or "HL".
    pub fn name(self) -> &'static str {
        match self {
            Quadrant::HH => "HH",
            Quadrant::LH => "LH",
            Quadrant::LL => "LL",
            Quadrant::HL => "HL",
        }
    }
}

/// One area's local statistics for one service type.
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotRow {
    /// Index into `Study::service_types`.
    pub service: usize,
    /// Index into `Study::areas`.
    pub area: usize,
    /// The variable's value.
    pub value: f64,
    /// Neighbours with population.
    pub neighbours: usize,
    /// Gi* z-score.
    pub gi_z: f64,
    /// Its two-sided normal p-value.
    pub gi_p: f64,
    /// Significant at the false discovery rate (Benjamini-Hochberg).
    pub gi_significant: bool,
    /// Local Moran's I.
    pub moran_i: f64,
    /// Its quadrant.
    pub quadrant: Quadrant,
    /// Its pseudo p-value from conditional permutations (NaN for an island).
    pub moran_p: f64,
    /// Significant at the false discovery rate.
    pub moran_significant: bool,
}

impl HotspotRow {
    /// "hot", "cold" or "" (not significant).
    pub fn spot(&self) -> &'static str {
        match (self.gi_significant, self.gi_z > 0.0) {
            (true, true) => "hot",
            (true, false) => "cold",
            _ => "",
        }
    }
}

/// The hot spots of every service type.
#[derive(Debug, Clone, Default)]
pub struct Hotspots {
    /// Rows per service type (in type order), over the areas with population.
    pub rows: Vec<HotspotRow>,
    /// Each area's neighbours (all areas, by index), the weights used.
    pub weights: Vec<Vec<usize>>,
    /// The Benjamini-Hochberg p-value cut-offs per service type: (Gi*, Moran).
    pub cutoffs: Vec<(f64, f64)>,
}

/// The hot spots of every service type, with `accesses` per type and the study's neighbours.
pub fn hotspots(
    study: &Study,
    accesses: &[Access],
    need: &AreaNeed,
    neighbours: &[Neighbours],
) -> Hotspots {
    let mut weights = vec![Vec::new(); study.areas.len()];
    for n in neighbours {
        weights[n.a].push(n.b);
        weights[n.b].push(n.a);
    }
    for w in &mut weights {
        w.sort_unstable();
        w.dedup();
    }
    let params = &study.params.findings;
    let mut rows = Vec::new();
    let mut cutoffs = Vec::new();
    // The permutations are the long part (seconds for a country): counted per area tested.
    let tested: usize = accesses
        .iter()
        .map(|a| a.weight.iter().filter(|&&w| w > 0.0).count())
        .sum();
    crate::progress::start("hot spots (permutations)", tested);
    for (t, acc) in accesses.iter().enumerate() {
        let (rates, has_target) = crate::metrics::reach::target_rates(study, t);
        let value = |i: usize| match params.hotspot_variable {
            HotspotVariable::UncoveredShare => 1.0 - acc.share[i],
            HotspotVariable::UnmetNeedPerPerson => {
                (1.0 - acc.share[i]) * if has_target { rates[i] } else { 1.0 } * need.weight[i]
            }
        };
        let areas: Vec<usize> = (0..study.areas.len())
            .filter(|&i| acc.weight[i] > 0.0)
            .collect();
        let y: Vec<f64> = areas.iter().map(|&i| value(i)).collect();
        let (service_rows, cut) = local_statistics(&areas, &y, &weights, params, t);
        rows.extend(service_rows);
        cutoffs.push(cut);
    }
    crate::progress::finish();
    Hotspots {
        rows,
        weights,
        cutoffs,
    }
}

/// Gi*, local Moran and their FDR cut-offs for values `y` of `areas`, `weights` holding every
/// area's neighbours by study index.
fn local_statistics(
    areas: &[usize],
    y: &[f64],
    weights: &[Vec<usize>],
    params: &crate::params::FindingsSpec,
    t: usize,
) -> (Vec<HotspotRow>, (f64, f64)) {
    let n = y.len();
    let mut local = vec![usize::MAX; weights.len()];
    for (k, &a) in areas.iter().enumerate() {
        local[a] = k;
    }
    let nb: Vec<Vec<usize>> = areas
        .iter()
        .map(|&a| {
            weights[a]
                .iter()
                .map(|&b| local[b])
                .filter(|&k| k != usize::MAX)
                .collect()
        })
        .collect();
    let nf = n as f64;
    let mean = y.iter().sum::<f64>() / nf;
    let var = y.iter().map(|v| v * v).sum::<f64>() / nf - mean * mean;
    let std = (y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / nf).sqrt();
    let z: Vec<f64> = y.iter().map(|v| (v - mean) / std).collect();
    let den: f64 = z.iter().map(|v| v * v).sum();
    let total: f64 = y.iter().sum();
    let gi_sd = (var / (nf * nf * mean * mean)).sqrt();
    let mut rows: Vec<HotspotRow> = (0..n)
        .into_par_iter()
        .map(|k| {
            let star = (y[k] + nb[k].iter().map(|&j| y[j]).sum::<f64>()) / (nb[k].len() + 1) as f64;
            let gi_z = (star / total - 1.0 / nf) / gi_sd;
            let lag = if nb[k].is_empty() {
                0.0
            } else {
                let w = 1.0 / nb[k].len() as f64;
                nb[k].iter().map(|&j| w * z[j]).sum::<f64>()
            };
            let moran_i = (nf - 1.0) * z[k] * lag / den;
            let quadrant = match (z[k] > 0.0, lag > 0.0) {
                (true, true) => Quadrant::HH,
                (false, true) => Quadrant::LH,
                (false, false) => Quadrant::LL,
                (true, false) => Quadrant::HL,
            };
            crate::progress::step();
            let seed = params.seed
                ^ ((t as u64) << 40)
                ^ (areas[k] as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            HotspotRow {
                service: t,
                area: areas[k],
                value: y[k],
                neighbours: nb[k].len(),
                gi_z,
                gi_p: libm::erfc(gi_z.abs() / std::f64::consts::SQRT_2),
                gi_significant: false,
                moran_i,
                quadrant,
                moran_p: permutation_p(&z, k, nb[k].len(), moran_i, den, params.permutations, seed),
                moran_significant: false,
            }
        })
        .collect();
    let q = params.hotspot_fdr;
    let gi_cut = bh_cutoff(rows.iter().map(|r| r.gi_p), q);
    let moran_cut = bh_cutoff(rows.iter().map(|r| r.moran_p), q);
    for r in &mut rows {
        r.gi_significant = r.gi_p <= gi_cut;
        r.moran_significant = r.moran_p <= moran_cut;
    }
    (rows, (gi_cut, moran_cut))
}

/// The pseudo p-value of local Moran's I of area `k` with `c` neighbours: `c` values drawn
/// without replacement from the other areas' z, `permutations` times (see the module docs).
fn permutation_p(
    z: &[f64],
    k: usize,
    c: usize,
    observed: f64,
    den: f64,
    permutations: usize,
    seed: u64,
) -> f64 {
    let n = z.len();
    if c == 0 || permutations == 0 || n < c + 1 || !observed.is_finite() {
        return f64::NAN;
    }
    let mut rng = seeded(seed);
    // As esda computes its draws, so that ties (many areas share a value of 0 or 1) fall the
    // same side: z_i x (sum of w z_j) x (n - 1) / sum z².
    let scale = (n as f64 - 1.0) / den;
    let w = 1.0 / c as f64;
    let mut drawn: Vec<usize> = Vec::with_capacity(c);
    let mut larger = 0usize;
    for _ in 0..permutations {
        drawn.clear();
        let mut sum = 0.0;
        while drawn.len() < c {
            // An index among the other n - 1 areas.
            let mut j = rng.below(n - 1);
            if j >= k {
                j += 1;
            }
            if !drawn.contains(&j) {
                drawn.push(j);
                sum += z[j] * w;
            }
        }
        if z[k] * sum * scale >= observed {
            larger += 1;
        }
    }
    let m = larger.min(permutations - larger);
    (m as f64 + 1.0) / (permutations as f64 + 1.0)
}

/// The Benjamini-Hochberg cut-off at false discovery rate `q`: the largest p_(k) with
/// p_(k) <= k q / m (NaN p-values left out of m); -1 when none passes, so nothing is
/// significant.
pub fn bh_cutoff(ps: impl Iterator<Item = f64>, q: f64) -> f64 {
    let mut p: Vec<f64> = ps.filter(|p| p.is_finite()).collect();
    p.sort_by(f64::total_cmp);
    let m = p.len() as f64;
    p.iter()
        .enumerate()
        .filter(|(k, &pk)| pk <= (*k as f64 + 1.0) * q / m)
        .map(|(_, &pk)| pk)
        .next_back()
        .unwrap_or(-1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Area;
    use crate::params::FindingsSpec;
    use geo::polygon;

    /// PySAL's esda 2.9 (libpysal 4.14) on a 3x3 rook lattice (`lat2W(3, 3)`, cells numbered
    /// by row), y = 0.9 0.8 0.1 / 0.7 0.6 0.2 / 0.3 0.1 0.0: `G_Local(y, w, star=True).Zs`,
    /// `Moran_Local(y, w, permutations=999, seed=1)` `.Is`, `.q` and `.p_sim`.
    const Y: [f64; 9] = [0.9, 0.8, 0.1, 0.7, 0.6, 0.2, 0.3, 0.1, 0.0];
    const GI_Z: [f64; 9] = [
        1.2105003117656308,
        0.5879572942861637,
        -0.13834289277321501,
        0.665775171471097,
        0.2144314837984833,
        -0.5793108634878377,
        -0.13834289277321501,
        -0.5014929863029042,
        -0.9684002494125046,
    ];
    const MORAN_I: [f64; 9] = [
        1.4269005847953213,
        0.4093567251461987,
        -0.2381711855396066,
        0.4699627857522592,
        0.06326422115895794,
        0.3232323232323233,
        0.01063264221158963,
        0.2977139819245084,
        0.9245082402977142,
    ];
    const QUADRANT: [usize; 9] = [1, 1, 2, 1, 1, 3, 3, 3, 3];
    const P_SIM: [f64; 9] = [0.032, 0.174, 0.335, 0.12, 0.408, 0.097, 0.406, 0.15, 0.105];

    #[test]
    fn gi_star_and_local_moran_agree_with_esda_on_a_lattice() {
        // Unit squares, cell k at column k % 3 and row k / 3; codes keep that order.
        let areas: Vec<Area> = (0..9)
            .map(|k| {
                let (x, y) = ((k % 3) as f64, (k / 3) as f64);
                Area::new(
                    format!("c{k}"),
                    polygon![(x: x, y: y), (x: x + 1.0, y: y), (x: x + 1.0, y: y + 1.0), (x: x, y: y + 1.0)],
                )
            })
            .collect();
        let mut weights = vec![Vec::new(); 9];
        for n in crate::spatial::adjacency::neighbours(&areas, 1e-9, false) {
            weights[n.a].push(n.b);
            weights[n.b].push(n.a);
        }
        // Rook: corners have 2 neighbours, edges 3, the centre 4.
        assert_eq!(
            weights.iter().map(Vec::len).collect::<Vec<_>>(),
            [2, 3, 2, 3, 4, 3, 2, 3, 2]
        );
        let params = FindingsSpec::default();
        let all: Vec<usize> = (0..9).collect();
        let (rows, _) = local_statistics(&all, &Y, &weights, &params, 0);
        let quadrants = [Quadrant::HH, Quadrant::LH, Quadrant::LL, Quadrant::HL];
        for (k, r) in rows.iter().enumerate() {
            assert!(
                (r.gi_z - GI_Z[k]).abs() < 1e-12,
                "Gi* z of cell {k}: {}",
                r.gi_z
            );
            assert!(
                (r.moran_i - MORAN_I[k]).abs() < 1e-12,
                "I of cell {k}: {}",
                r.moran_i
            );
            assert_eq!(r.quadrant, quadrants[QUADRANT[k] - 1], "cell {k}");
            // Monte Carlo error of a p-value near 0.4 from 999 draws is about 0.016.
            assert!(
                (r.moran_p - P_SIM[k]).abs() < 0.06,
                "p of cell {k}: {}",
                r.moran_p
            );
        }
    }

    #[test]
    fn benjamini_hochberg_by_hand() {
        // m = 5, q = 0.05: thresholds 0.01, 0.02, 0.03, 0.04, 0.05. Sorted p: 0.001, 0.015,
        // 0.035, 0.04, 0.9: the largest k with p_(k) <= k q / m is k = 4 (0.04 <= 0.04).
        let p = [0.04, 0.9, 0.001, 0.035, 0.015];
        assert_eq!(bh_cutoff(p.into_iter(), 0.05), 0.04);
        assert_eq!(bh_cutoff([0.5, 0.6].into_iter(), 0.05), -1.0);
        assert_eq!(bh_cutoff([f64::NAN, 0.01].into_iter(), 0.05), 0.01);
    }
}
