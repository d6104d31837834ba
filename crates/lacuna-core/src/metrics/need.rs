//! Need per area from the need file: the deprivation value, a need decile within the study
//! (1 = most deprived tenth), the need weight used to rank gaps, and the deprivation order used by
//! the concentration index.
//!
//! Need weight (documented default): 2 for the most deprived decile, falling linearly to 1 for
//! the least deprived: w = 2 - (decile - 1) / 9. Areas without a deprivation value weigh 1.
//! `[findings] need_weight_most_deprived` and `need_weight_least_deprived` set the two ends.

use crate::params::{DeprivationKind, Direction};
use crate::study::Study;

/// Need of every area of a study.
#[derive(Debug, Clone)]
pub struct AreaNeed {
    /// The deprivation value as read, per area.
    pub value: Vec<Option<f64>>,
    /// Need decile, 1 = most deprived tenth (the file's decile, or deciles of the study's areas
    /// ranked by a score or rank).
    pub decile: Vec<Option<u8>>,
    /// Need weight per area (see the module docs).
    pub weight: Vec<f64>,
    /// Areas with a deprivation value, from the most to the least deprived, ties by area code.
    pub order: Vec<usize>,
    /// Each area's position in `order`.
    pub rank: Vec<Option<usize>>,
}

/// The need weight of a decile, `most` for decile 1 falling linearly to `least` for decile 10;
/// 1 without a decile (an area of unknown deprivation is left unweighted).
pub fn need_weight_between(decile: Option<u8>, most: f64, least: f64) -> f64 {
    match decile {
        Some(d) => most - (d.clamp(1, 10) as f64 - 1.0) / 9.0 * (most - least),
        None => 1.0,
    }
}

/// Need of every area; all `None` (weight 1) when the study has no deprivation measure.
pub fn area_need(study: &Study) -> AreaNeed {
    let n = study.areas.len();
    let Some(join) = study
        .need
        .as_ref()
        .filter(|j| j.deprivation_column.is_some())
    else {
        return AreaNeed {
            value: vec![None; n],
            decile: vec![None; n],
            weight: vec![1.0; n],
            order: Vec::new(),
            rank: vec![None; n],
        };
    };
    let kind = join.deprivation_kind.unwrap_or(DeprivationKind::Score);
    let higher = join.more_deprived == Some(Direction::Higher);
    let value = join.deprivation.clone();
    // Most deprived first; areas are sorted by code, so a stable sort breaks ties by code.
    let mut order: Vec<usize> = (0..n).filter(|&i| value[i].is_some()).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (value[i].unwrap_or(0.0), value[j].unwrap_or(0.0));
        if higher {
            b.total_cmp(&a)
        } else {
            a.total_cmp(&b)
        }
    });
    let mut decile = vec![None; n];
    match kind {
        DeprivationKind::Decile => {
            for i in 0..n {
                decile[i] = value[i].map(|d| {
                    let d = d.round().clamp(1.0, 10.0) as u8;
                    if higher {
                        11 - d
                    } else {
                        d
                    }
                });
            }
        }
        DeprivationKind::Score | DeprivationKind::Rank => {
            let m = order.len();
            for (pos, &i) in order.iter().enumerate() {
                decile[i] = Some((pos * 10 / m.max(1)) as u8 + 1);
            }
        }
    }
    let f = &study.params.findings;
    let (most, least) = (f.need_weight_most_deprived, f.need_weight_least_deprived);
    let weight = decile
        .iter()
        .map(|d| need_weight_between(*d, most, least))
        .collect();
    let mut rank = vec![None; n];
    for (pos, &i) in order.iter().enumerate() {
        rank[i] = Some(pos);
    }
    AreaNeed {
        value,
        decile,
        weight,
        order,
        rank,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_fall_linearly_from_2_to_1() {
        assert_eq!(need_weight_between(Some(1), 2.0, 1.0), 2.0);
        assert_eq!(need_weight_between(Some(10), 2.0, 1.0), 1.0);
        assert!((need_weight_between(Some(4), 2.0, 1.0) - (2.0 - 3.0 / 9.0)).abs() < 1e-15);
        assert_eq!(need_weight_between(None, 2.0, 1.0), 1.0);
        // Other ends: 3 for decile 1 down to 0.5 for decile 10, decile 4 a third of the way.
        assert_eq!(need_weight_between(Some(1), 3.0, 0.5), 3.0);
        assert_eq!(need_weight_between(Some(10), 3.0, 0.5), 0.5);
        assert!((need_weight_between(Some(4), 3.0, 0.5) - (3.0 - 2.5 / 3.0)).abs() < 1e-15);
        // Equal ends: no weighting.
        assert_eq!(need_weight_between(Some(7), 1.0, 1.0), 1.0);
    }
}
