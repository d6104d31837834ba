//! The postcode-lottery map: areas in greys by coverage, council boundaries emphasised, and the
//! flagged cross-boundary pairs as bold links coloured by their difference in coverage.

use std::sync::Arc;

use super::classes::{class_fill, class_of};
use super::page::{Page, Swatch};
use super::{pct, shorten, title, Basemap};
use crate::canvas::{Canvas, Item, Rgb, Stroke};
use lacuna_core::metrics::findings::Findings;
use lacuna_core::metrics::lottery::LotteryPair;
use lacuna_io::LoadedStudy as Study;

/// Greys for the areas, least to most covered.
const GREYS: [Rgb; 5] = [
    Rgb(0xf7, 0xf7, 0xf7),
    Rgb(0xd9, 0xd9, 0xd9),
    Rgb(0xbd, 0xbd, 0xbd),
    Rgb(0x96, 0x96, 0x96),
    Rgb(0x73, 0x73, 0x73),
];

/// The pairs' colours, by class of difference.
const PAIR_COLOURS: [Rgb; 3] = [
    Rgb(0xfd, 0xae, 0x61),
    Rgb(0xf4, 0x6d, 0x43),
    Rgb(0xa5, 0x00, 0x26),
];

/// The postcode-lottery map of service type `t`.
pub(super) fn lottery_map(study: &Study, base: &Basemap, findings: &Findings, t: usize) -> Canvas {
    let sf = &findings.services[t];
    let params = &study.spec.findings;
    // Difference classes of flagged pairs: the threshold to 1 in three steps.
    let (min, step) = (
        params.lottery_min_difference,
        (1.0 - params.lottery_min_difference) / 3.0,
    );
    let breaks = [min, min + step, min + 2.0 * step, 1.0];
    let fixed = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
    let mut p = base.page(
        &title(study, "postcode lottery for a", t),
        &format!(
            "Neighbouring areas in different councils with similar need (deciles within {}) and coverage at least {} apart",
            params.lottery_max_need_gap,
            pct(params.lottery_min_difference)
        ),
    );
    let share = &sf.access.share;
    p.areas(
        |i| class_fill(share[i], &fixed, &GREYS),
        |i| base.tip(i, &pct(share[i])),
    );
    p.councils(4.0);
    p.c.push(Item::Begin("pairs".into()));
    // Weakest first, so the largest differences are drawn on top.
    for pair in sf.pairs.iter().rev() {
        let colour = PAIR_COLOURS[class_of(pair.difference, &breaks).min(2)];
        for piece in [pair.a, pair.b] {
            p.c.push(Item::Outline {
                pieces: Arc::clone(&base.pieces),
                piece,
                stroke: Stroke::solid(colour, 2.0 * base.u),
            });
        }
        p.c.push(Item::Lines {
            paths: vec![vec![base.label_at(pair.a), base.label_at(pair.b)]],
            stroke: Stroke::solid(colour, 5.0 * base.u),
        });
    }
    p.c.push(Item::End);
    p.council_names(study);
    p.legend_title("Coverage of the area");
    p.class_legend(&GREYS, |k| {
        format!("{}–{}", pct(fixed[k]), pct(fixed[k + 1]))
    });
    p.legend_gap(14.0);
    p.legend_title("Flagged pair: difference");
    for k in (0..3).rev() {
        let points = |x: f64| pct(x).trim_end_matches('%').to_string();
        let line = Stroke::solid(PAIR_COLOURS[k], 5.0 * base.u);
        let label = format!("{}–{} points", points(breaks[k]), points(breaks[k + 1]));
        p.legend_entry(Swatch::Line(line), &label);
    }
    p.councils_entry(4.0);
    p.legend_gap(10.0);
    p.legend_note(&format!("{} pairs flagged", sf.pairs.len()), 17.0);
    if let Some(top) = sf.pairs.first() {
        largest_pair(&mut p, study, top);
    }
    p.finish()
}

/// The legend's note of the pair with the largest difference: each area, its council and its
/// coverage.
fn largest_pair(p: &mut Page, study: &Study, top: &LotteryPair) {
    p.legend_note("Largest:", 15.0);
    for (i, share) in [(top.a, top.share_a), (top.b, top.share_b)] {
        let a = &study.areas[i];
        let council = shorten(study.group_label(&a.group), 16);
        let line = format!("{} ({council}): {}", shorten(&a.name, 26), pct(share));
        p.legend_note(&line, 13.0);
    }
}
