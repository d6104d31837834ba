//! Population-weighted inequality of access between areas: Gini, Theil T with its between/
//! within-group decomposition, the concentration index against deprivation with Erreygers'
//! correction, a bootstrap interval for it and a permutation test of the between-group share.
//!
//! Notation: area i has access a_i in [0, 1] (its population share covered) and population
//! weight p_i (its share of the population, summing to 1); mu = sum_i p_i a_i.
//! Sources: Theil (1967) *Economics and Information Theory*; Shorrocks (1980) for the
//! decomposition; Kakwani, Wagstaff and van Doorslaer (1997) and O'Donnell et al. (2008,
//! *Analyzing Health Equity Using Household Survey Data*, World Bank, ch. 8) for the
//! concentration index; Erreygers (2009, *J. Health Econ.* 28:504) for the bounded-outcome
//! correction. See docs/methods.md.

use crate::rng::{seeded, Draws, SplitMix64};

/// Population-weighted mean of `a` with weights `w` (any positive scale).
pub fn weighted_mean(a: &[f64], w: &[f64]) -> f64 {
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return f64::NAN;
    }
    a.iter().zip(w).map(|(a, w)| a * w).sum::<f64>() / total
}

/// Gini coefficient G = sum_i sum_j p_i p_j |a_i - a_j| / (2 mu), weights `w` normalised to sum
/// to one. Computed in O(n log n) by sorting: the double sum equals
/// 2 sum_i p_i a_i (2 P_i + p_i - 1), with P_i the weight of the areas sorted before i.
/// NaN when the mean is 0.
///
/// # Examples
/// Five areas: 200 people with no access, 200 (in two areas) with half, 100 (in two) with
/// full access. The population shares are 0.4, 0.4 and 0.2 at access 0, 0.5 and 1, so
/// mu = 0.4 and the sum over ordered pairs of groups is 2 (0.4·0.4·0.5 + 0.4·0.2·1 +
/// 0.4·0.2·0.5) = 0.4, and G = 0.4 / (2 · 0.4) = 0.5:
/// ```
/// use lacuna_core::metrics::inequality::{gini, weighted_mean};
///
/// let access = [0.0, 0.5, 0.5, 1.0, 1.0];
/// let people = [200.0, 100.0, 100.0, 50.0, 50.0];
/// assert!((weighted_mean(&access, &people) - 0.4).abs() < 1e-12);
/// assert!((gini(&access, &people) - 0.5).abs() < 1e-12);
/// // Equal access is no inequality, whatever the populations.
/// assert!(gini(&[0.7; 5], &people).abs() < 1e-12);
/// ```
pub fn gini(a: &[f64], w: &[f64]) -> f64 {
    let total: f64 = w.iter().sum();
    let mu = weighted_mean(a, w);
    if mu.is_nan() || mu <= 0.0 || total <= 0.0 {
        return f64::NAN;
    }
    let mut order: Vec<usize> = (0..a.len()).collect();
    order.sort_by(|&i, &j| a[i].total_cmp(&a[j]));
    let mut below = 0.0;
    let mut double_sum = 0.0;
    for &i in &order {
        let p = w[i] / total;
        double_sum += 2.0 * p * a[i] * (2.0 * below + p - 1.0);
        below += p;
    }
    double_sum / (2.0 * mu)
}

/// Theil T index: sum_i p_i (a_i/mu) ln(a_i/mu), areas with a_i = 0 contributing 0 (the limit of
/// x ln x). NaN when the mean is 0.
pub fn theil(a: &[f64], w: &[f64]) -> f64 {
    let total: f64 = w.iter().sum();
    let mu = weighted_mean(a, w);
    if mu.is_nan() || mu <= 0.0 {
        return f64::NAN;
    }
    a.iter()
        .zip(w)
        .filter(|(a, _)| **a > 0.0)
        .map(|(a, w)| (w / total) * (a / mu) * (a / mu).ln())
        .sum()
}

/// Theil T split into between- and within-group parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TheilDecomposition {
    /// Total Theil T.
    pub total: f64,
    /// T_B = sum_g S_g ln(S_g / P_g), S_g the group's share of covered population, P_g its share
    /// of population.
    pub between: f64,
    /// T_W = sum_g S_g T_g, T_g the Theil index within group g.
    pub within: f64,
}

impl TheilDecomposition {
    /// T_B / T: how much of the inequality is which group (council) you live in.
    pub fn between_share(&self) -> f64 {
        if self.total > 0.0 {
            self.between / self.total
        } else {
            f64::NAN
        }
    }
}

/// Decomposes Theil T by the group labels `g` (any integers).
pub fn theil_decomposition(a: &[f64], w: &[f64], g: &[usize]) -> TheilDecomposition {
    let total_w: f64 = w.iter().sum();
    let mu = weighted_mean(a, w);
    let groups = g.iter().copied().max().map_or(0, |m| m + 1);
    let mut pop = vec![0.0; groups];
    let mut covered = vec![0.0; groups];
    for i in 0..a.len() {
        pop[g[i]] += w[i];
        covered[g[i]] += w[i] * a[i];
    }
    let (mut between, mut within) = (0.0, 0.0);
    let total = theil(a, w);
    if mu.is_nan() || mu <= 0.0 {
        return TheilDecomposition {
            total,
            between: f64::NAN,
            within: f64::NAN,
        };
    }
    // Each group's Theil T in one pass over the areas (in area order within each group).
    let mut t = vec![0.0; groups];
    for i in 0..a.len() {
        let k = g[i];
        if pop[k] <= 0.0 || covered[k] <= 0.0 || a[i] <= 0.0 {
            continue;
        }
        let mu_k = covered[k] / pop[k];
        t[k] += (w[i] / pop[k]) * (a[i] / mu_k) * (a[i] / mu_k).ln();
    }
    for k in 0..groups {
        if pop[k] <= 0.0 || covered[k] <= 0.0 {
            continue;
        }
        let s = covered[k] / (mu * total_w);
        let p = pop[k] / total_w;
        between += s * (s / p).ln();
        within += s * t[k];
    }
    TheilDecomposition {
        total,
        between,
        within,
    }
}

/// Concentration index of access against deprivation. `order` lists the areas from the most to
/// the least deprived; R_i = sum_{k<i} p_k + p_i/2 is the fractional rank in that order, and
/// C = (2/mu) sum_i p_i (a_i - mu)(R_i - 1/2). With this order a negative C means access is
/// concentrated among the more deprived, a positive C among the less deprived.
///
/// # Examples
/// The five areas of [`gini`]'s example, most deprived first: population shares 0.4, 0.2,
/// 0.2, 0.1, 0.1 give fractional ranks 0.2, 0.5, 0.7, 0.85, 0.95, and with mu = 0.4 the terms
/// p (a - mu)(R - 1/2) are 0.048, 0, 0.004, 0.021, 0.027: C = (2 / 0.4) · 0.1 = 0.5, access
/// concentrated among the less deprived. Listed the other way round, C = -0.5.
/// ```
/// use lacuna_core::metrics::inequality::concentration_index;
///
/// let access = [0.0, 0.5, 0.5, 1.0, 1.0];
/// let people = [200.0, 100.0, 100.0, 50.0, 50.0];
/// let c = concentration_index(&access, &people, &[0, 1, 2, 3, 4]);
/// assert!((c - 0.5).abs() < 1e-12);
/// let reversed = concentration_index(&access, &people, &[4, 3, 2, 1, 0]);
/// assert!((reversed + 0.5).abs() < 1e-12);
/// ```
pub fn concentration_index(a: &[f64], w: &[f64], order: &[usize]) -> f64 {
    let total: f64 = order.iter().map(|&i| w[i]).sum();
    if total <= 0.0 {
        return f64::NAN;
    }
    let mu = order.iter().map(|&i| w[i] * a[i]).sum::<f64>() / total;
    if mu.is_nan() || mu <= 0.0 {
        return f64::NAN;
    }
    let mut before = 0.0;
    let mut sum = 0.0;
    for &i in order {
        let p = w[i] / total;
        let rank = before + p / 2.0;
        sum += p * (a[i] - mu) * (rank - 0.5);
        before += p;
    }
    2.0 / mu * sum
}

/// The concentration index of areas already in deprivation order, area i weighing
/// `w[i] * counts[i]`, in one pass. With W_i the weights, T their total and the fractional rank
/// R_i = (sum_{k<i} W_k + W_i / 2) / T, the identity sum_i p_i R_i = 1/2 turns
/// C = (2/mu) sum_i p_i (a_i - mu)(R_i - 1/2) into C = 2 S2 / (T S1) - 1, with
/// S1 = sum_i W_i a_i and S2 = sum_i W_i a_i (sum_{k<i} W_k + W_i / 2).
pub fn concentration_index_ordered(a: &[f64], w: &[f64], counts: &[u32]) -> f64 {
    let (mut total, mut s1, mut s2) = (0.0, 0.0, 0.0);
    for ((&ai, &wi), &c) in a.iter().zip(w).zip(counts) {
        let wk = wi * f64::from(c);
        let wa = wk * ai;
        s1 += wa;
        s2 += wa * (total + wk / 2.0);
        total += wk;
    }
    if total <= 0.0 || s1.is_nan() || s1 <= 0.0 {
        f64::NAN
    } else {
        2.0 * s2 / (total * s1) - 1.0
    }
}

/// Erreygers' corrected concentration index for an outcome bounded in [0, 1]: E = 4 mu C.
pub fn erreygers(c: f64, mu: f64) -> f64 {
    4.0 * mu * c
}

/// A percentile bootstrap interval (2.5%, 97.5%) for the concentration index: areas are
/// resampled with replacement `draws` times with a fixed seed, keeping the deprivation order.
pub fn concentration_bootstrap(
    a: &[f64],
    w: &[f64],
    order: &[usize],
    draws: usize,
    seed: u64,
) -> (f64, f64) {
    concentration_bootstrap_many(&[a], w, order, draws, seed)[0]
}

/// [`concentration_bootstrap`] for several outcomes `a[s]` (service types) over the same areas,
/// weights and order. Each draw resamples the areas once and evaluates every outcome on that
/// resample (common random numbers), so the services of a study cost little more than one,
/// and each outcome's interval is exactly the one [`concentration_bootstrap`] gives it alone.
pub(crate) fn concentration_bootstrap_many(
    a: &[&[f64]],
    w: &[f64],
    order: &[usize],
    draws: usize,
    seed: u64,
) -> Vec<(f64, f64)> {
    if order.is_empty() || draws == 0 || a.is_empty() {
        return vec![(f64::NAN, f64::NAN); a.len()];
    }
    let k = a.len();
    let per_draw = bootstrap_draws(a, w, order, draws, seed);
    (0..k)
        .map(|s| {
            let mut stats: Vec<f64> = per_draw
                .iter()
                .skip(s)
                .step_by(k)
                .copied()
                .filter(|c| c.is_finite())
                .collect();
            if stats.is_empty() {
                return (f64::NAN, f64::NAN);
            }
            // The two order statistics alone, not a full sort: a national run takes 1,600
            // intervals.
            let at =
                |f: f64| ((f * (stats.len() - 1) as f64).round() as usize).min(stats.len() - 1);
            let (lo, hi) = (at(0.025), at(0.975));
            let (_, &mut high, _) = stats.select_nth_unstable_by(hi, f64::total_cmp);
            let (_, &mut low, _) = stats[..=hi].select_nth_unstable_by(lo, f64::total_cmp);
            (low, high)
        })
        .collect()
}

/// The bootstrap statistics of [`concentration_bootstrap_many`]: draw d's index of outcome s
/// at `[d * k + s]`.
fn bootstrap_draws(a: &[&[f64]], w: &[f64], order: &[usize], draws: usize, seed: u64) -> Vec<f64> {
    use rayon::prelude::*;
    let (n, k) = (order.len(), a.len());
    // Access and weights laid out in deprivation order once, so each draw is one pass over
    // contiguous memory per outcome.
    let a_ord: Vec<Vec<f64>> = a
        .iter()
        .map(|a| order.iter().map(|&i| a[i]).collect())
        .collect();
    let w_ord: Vec<f64> = order.iter().map(|&i| w[i]).collect();
    let mut per_draw = vec![0.0; draws * k];
    per_draw.par_chunks_mut(k).enumerate().for_each_init(
        || vec![0u32; n],
        |counts, (d, out)| {
            // A resampled area counted c times weighs c times its population, in the same
            // place in the deprivation order.
            counts.fill(0);
            draw_rng(seed, d).indices(n, n, |i| counts[i] += 1);
            for (out, a) in out.iter_mut().zip(&a_ord) {
                *out = concentration_index_ordered(a, &w_ord, counts);
            }
        },
    );
    per_draw
}

/// Bootstrap draw `draw`'s generator: its own stream, so the draws do not depend on the
/// thread count or on how they are batched.
fn draw_rng(seed: u64, draw: usize) -> SplitMix64 {
    seeded(seed ^ (draw as u64).wrapping_mul(0xD1B5_4A32_D192_ED03))
}

/// The between-group Theil T_B = sum_g S_g ln(S_g / P_g) from the areas' populations `w` and
/// covered populations `wa` (w_i a_i) and their totals, with the areas labelled `labels`;
/// `sums` holds two slots per group. Only the group sums depend on the labels, so a
/// permutation test works out the rest once.
fn theil_between(
    w: &[f64],
    wa: &[f64],
    labels: &[u32],
    totals: (f64, f64),
    sums: &mut [f64],
) -> f64 {
    sums.fill(0.0);
    for ((&wi, &wai), &gi) in w.iter().zip(wa).zip(labels) {
        let at = gi as usize * 2;
        sums[at] += wi;
        sums[at + 1] += wai;
    }
    let (tw, tc) = totals;
    sums.chunks_exact(2)
        .filter(|slot| slot[0] > 0.0 && slot[1] > 0.0)
        .map(|slot| {
            let sh = slot[1] / tc;
            sh * (sh / (slot[0] / tw)).ln()
        })
        .sum()
}

/// Permutation test of the Theil between-group share: group labels are shuffled over areas
/// (keeping group sizes) `permutations` times. Returns the p-value
/// (1 + #{permuted share >= observed}) / (1 + permutations).
///
/// Total Theil and the totals of T_B do not depend on the labels, so each permutation only
/// recomputes the group sums. Permutation k uses its own generator seeded from `seed` and k,
/// so the result is the same whatever the number of threads.
pub fn between_share_p_value(
    a: &[f64],
    w: &[f64],
    g: &[usize],
    permutations: usize,
    seed: u64,
) -> f64 {
    use rayon::prelude::*;
    let groups = g.iter().copied().max().map_or(0, |m| m + 1);
    let labels: Vec<u32> = g.iter().map(|&k| k as u32).collect();
    let wa: Vec<f64> = a.iter().zip(w).map(|(&ai, &wi)| wi * ai).collect();
    let totals = (w.iter().sum(), wa.iter().sum());
    let total = theil(a, w);
    let observed = theil_between(w, &wa, &labels, totals, &mut vec![0.0; groups * 2]);
    if !(total.is_finite() && total > 0.0 && observed.is_finite()) {
        return f64::NAN;
    }
    let at_least: usize = (0..permutations)
        .into_par_iter()
        .map_init(
            || (labels.clone(), vec![0.0; groups * 2]),
            |(shuffled, sums), p| {
                shuffled.copy_from_slice(&labels);
                let mut rng = seeded(seed ^ (p as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                rng.shuffle(shuffled);
                let between = theil_between(w, &wa, shuffled, totals, sums);
                // A tiny tolerance so ties with the observed value count as "as large".
                usize::from(between >= observed - 1e-12 * total)
            },
        )
        .sum();
    (1 + at_least) as f64 / (1 + permutations) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    // Five areas: access a, population w, group g, most deprived first in `order` (by index).
    const A: [f64; 5] = [0.0, 0.5, 1.0, 0.8, 0.2];
    const W: [f64; 5] = [100.0, 200.0, 300.0, 250.0, 150.0];
    const G: [usize; 5] = [0, 0, 1, 1, 0];

    #[test]
    fn between_from_group_sums_equals_the_decomposition() {
        let mut rng = seeded(3);
        let n = 40;
        let w: Vec<f64> = (0..n).map(|_| rng.range(10.0, 2000.0)).collect();
        let labels: Vec<u32> = (0..n).map(|_| rng.below(5) as u32).collect();
        let g: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
        for _ in 0..10 {
            let a: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
            let wa: Vec<f64> = a.iter().zip(&w).map(|(a, w)| a * w).collect();
            let totals = (w.iter().sum(), wa.iter().sum());
            let between = theil_between(&w, &wa, &labels, totals, &mut [0.0; 10]);
            assert_abs_diff_eq!(
                between,
                theil_decomposition(&a, &w, &g).between,
                epsilon = 1e-12
            );
        }
    }

    #[test]
    fn several_outcomes_at_once_equal_each_alone_bit_for_bit() {
        let order = [3, 0, 4, 1, 2];
        let b: [f64; 5] = [0.9, 0.1, 0.0, 0.3, 1.0];
        let many = concentration_bootstrap_many(&[&A, &b], &W, &order, 199, 42);
        assert_eq!(many[0], concentration_bootstrap(&A, &W, &order, 199, 42));
        assert_eq!(many[1], concentration_bootstrap(&b, &W, &order, 199, 42));
    }

    #[test]
    fn one_pass_concentration_index_equals_the_definition() {
        let order = [3, 0, 4, 1, 2];
        let a_ord: Vec<f64> = order.iter().map(|&i| A[i]).collect();
        let w_ord: Vec<f64> = order.iter().map(|&i| W[i]).collect();
        assert_abs_diff_eq!(
            concentration_index_ordered(&a_ord, &w_ord, &[1; 5]),
            concentration_index(&A, &W, &order),
            epsilon = 1e-14
        );
        // Counts act as weights: area 3 drawn twice, area 4 not at all.
        let counts = [2, 1, 0, 1, 1];
        let w2: Vec<f64> = order
            .iter()
            .zip(counts)
            .map(|(&i, c)| W[i] * f64::from(c))
            .collect();
        let mut w_full = [0.0; 5];
        for (k, &i) in order.iter().enumerate() {
            w_full[i] = w2[k];
        }
        assert_abs_diff_eq!(
            concentration_index_ordered(&a_ord, &w_ord, &counts),
            concentration_index(&A, &w_full, &order),
            epsilon = 1e-14
        );
    }

    #[test]
    fn gini_by_hand() {
        // p = (0.1, 0.2, 0.3, 0.25, 0.15); mu = 0 + 0.1 + 0.3 + 0.2 + 0.03 = 0.63.
        // sum_i sum_j p_i p_j |a_i - a_j| over ordered pairs = 2 x (sum over i<j):
        // (0,1) .02x.5=.01  (0,2) .03x1=.03  (0,3) .025x.8=.02  (0,4) .015x.2=.003
        // (1,2) .06x.5=.03  (1,3) .05x.3=.015 (1,4) .03x.3=.009 (2,3) .075x.2=.015
        // (2,4) .045x.8=.036 (3,4) .0375x.6=.0225 -> sum .1905, doubled .381.
        // G = .381 / (2 x .63) = 0.302380952...
        assert_abs_diff_eq!(gini(&A, &W), 0.381 / 1.26, epsilon = 1e-12);
        // Equal access: 0. All access in one area of weight p: 1 - p.
        assert_abs_diff_eq!(gini(&[0.4; 5], &W), 0.0, epsilon = 1e-15);
        assert_abs_diff_eq!(gini(&[0.0, 0.0, 1.0, 0.0, 0.0], &W), 0.7, epsilon = 1e-12);
    }

    #[test]
    fn theil_and_decomposition_by_hand() {
        let mu: f64 = 0.63;
        let p = [0.1, 0.2, 0.3, 0.25, 0.15];
        let t: f64 = (1..5).map(|i| p[i] * (A[i] / mu) * (A[i] / mu).ln()).sum();
        assert_abs_diff_eq!(theil(&A, &W), t, epsilon = 1e-12);
        // Groups: g0 = {0,1,4} pop .45 covered .1+.03=.13; g1 = {2,3} pop .55 covered .5.
        let (s0, s1) = (0.13 / mu, 0.5 / mu);
        let between = s0 * (s0 / 0.45).ln() + s1 * (s1 / 0.55).ln();
        let mu0: f64 = 0.13 / 0.45;
        let mu1: f64 = 0.5 / 0.55;
        let t0 = (0.2 / 0.45) * (0.5 / mu0) * (0.5 / mu0).ln()
            + (0.15 / 0.45) * (0.2 / mu0) * (0.2 / mu0).ln();
        let t1 = (0.3 / 0.55) * (1.0 / mu1) * (1.0 / mu1).ln()
            + (0.25 / 0.55) * (0.8 / mu1) * (0.8 / mu1).ln();
        let d = theil_decomposition(&A, &W, &G);
        assert_abs_diff_eq!(d.between, between, epsilon = 1e-12);
        assert_abs_diff_eq!(d.within, s0 * t0 + s1 * t1, epsilon = 1e-12);
        assert_abs_diff_eq!(d.between + d.within, d.total, epsilon = 1e-12);
    }

    #[test]
    fn concentration_index_by_hand() {
        // Order most -> least deprived: 0, 1, 2, 3, 4 (as listed).
        // R = (.05, .2, .45, .725, .925); a - mu = (-.63, -.13, .37, .17, -.43)
        // sum p (a-mu)(R-.5) = .1(-.63)(-.45) + .2(-.13)(-.3) + .3(.37)(-.05) + .25(.17)(.225)
        //                     + .15(-.43)(.425) = .02835 + .0078 - .00555 + .0095625 - .0274125
        //                     = .01275
        let c = concentration_index(&A, &W, &[0, 1, 2, 3, 4]);
        assert_abs_diff_eq!(c, 2.0 / 0.63 * 0.01275, epsilon = 1e-12);
        assert_abs_diff_eq!(erreygers(c, 0.63), 4.0 * 0.63 * c, epsilon = 1e-15);
        // Access only among the most deprived: negative; reversed order flips the sign.
        let skew = [1.0, 1.0, 0.0, 0.0, 0.0];
        let c1 = concentration_index(&skew, &W, &[0, 1, 2, 3, 4]);
        assert!(c1 < 0.0);
        assert_abs_diff_eq!(
            concentration_index(&skew, &W, &[4, 3, 2, 1, 0]),
            -c1,
            epsilon = 1e-12
        );
    }

    #[test]
    fn each_bootstrap_draw_is_the_index_of_its_resample() {
        // Draw d of outcome s is the index of draw d's resample, to the bit: five areas and
        // 3,000, one outcome and several.
        let mut rng = seeded(5);
        let big_w: Vec<f64> = (0..3000).map(|_| rng.range(400.0, 3000.0)).collect();
        let mut big_order: Vec<usize> = (0..3000).collect();
        rng.shuffle(&mut big_order);
        let cases: [(&[f64], &[usize]); 2] = [(&W, &[3, 0, 4, 1, 2]), (&big_w, &big_order)];
        for (w, order) in cases {
            let n = w.len();
            let outcomes: Vec<Vec<f64>> = (0..5)
                .map(|s| {
                    (0..n)
                        .map(|i| match (i + s) % 4 {
                            0 => 0.0,
                            1 => 1.0,
                            _ => rng.next_f64(),
                        })
                        .collect()
                })
                .collect();
            for k in [1, 5] {
                let a: Vec<&[f64]> = outcomes[..k].iter().map(|v| v.as_slice()).collect();
                let draws = bootstrap_draws(&a, w, order, 9, 42);
                for d in 0..9 {
                    let mut counts = vec![0u32; n];
                    draw_rng(42, d).indices(n, n, |i| counts[i] += 1);
                    for (s, o) in a.iter().enumerate() {
                        let a_ord: Vec<f64> = order.iter().map(|&i| o[i]).collect();
                        let w_ord: Vec<f64> = order.iter().map(|&i| w[i]).collect();
                        let exact = concentration_index_ordered(&a_ord, &w_ord, &counts);
                        let got = draws[d * k + s];
                        assert_eq!(
                            got.to_bits(),
                            exact.to_bits(),
                            "n = {n}, k = {k}, draw {d}, outcome {s}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn bootstrap_and_permutation_are_deterministic() {
        let order = [0, 1, 2, 3, 4];
        let b1 = concentration_bootstrap(&A, &W, &order, 199, 42);
        let b2 = concentration_bootstrap(&A, &W, &order, 199, 42);
        assert_eq!(b1, b2);
        assert!(b1.0 <= b1.1);
        let p1 = between_share_p_value(&A, &W, &G, 999, 7);
        assert_eq!(p1, between_share_p_value(&A, &W, &G, 999, 7));
        // With 5 areas in groups of 3 and 2 there are only 10 partitions, all equally likely
        // under shuffling: the exact p-value is the share of them at least as extreme.
        let observed = theil_decomposition(&A, &W, &G).between_share();
        let mut extreme = 0;
        for x in 0..5 {
            for y in x + 1..5 {
                let g: Vec<usize> = (0..5).map(|i| usize::from(i == x || i == y)).collect();
                if theil_decomposition(&A, &W, &g).between_share() >= observed - 1e-12 {
                    extreme += 1;
                }
            }
        }
        let exact = extreme as f64 / 10.0;
        assert!(
            (p1 - exact).abs() < 0.04,
            "permutation {p1} vs exact {exact}"
        );
    }

    proptest::proptest! {
        #[test]
        fn gini_matches_the_double_sum(
            rows in proptest::collection::vec((0f64..1.0, 1f64..1000.0), 1..40)
        ) {
            let a: Vec<f64> = rows.iter().map(|r| r.0).collect();
            let w: Vec<f64> = rows.iter().map(|r| r.1).collect();
            let total: f64 = w.iter().sum();
            let mu = weighted_mean(&a, &w);
            let mut s = 0.0;
            for i in 0..a.len() {
                for j in 0..a.len() {
                    s += w[i] / total * w[j] / total * (a[i] - a[j]).abs();
                }
            }
            let g = gini(&a, &w);
            proptest::prop_assert!((g - s / (2.0 * mu)).abs() < 1e-9);
            // Unchanged by row order.
            let mut idx: Vec<usize> = (0..a.len()).collect();
            idx.reverse();
            let ar: Vec<f64> = idx.iter().map(|&i| a[i]).collect();
            let wr: Vec<f64> = idx.iter().map(|&i| w[i]).collect();
            proptest::prop_assert!((gini(&ar, &wr) - g).abs() < 1e-12);
            let groups: Vec<usize> = (0..a.len()).map(|i| i % 3).collect();
            let d = theil_decomposition(&a, &w, &groups);
            proptest::prop_assert!((d.between + d.within - d.total).abs() < 1e-9);
        }
    }
}
