//! The topology of what maps draw, in pixels: rings thinned to what the map's resolution shows,
//! the outline of a union of areas (a council's boundary from its areas' edges), and edges
//! joined into polylines so a boundary is one SVG path.

use geo::Coord;

/// Drops vertices within a third of a pixel of the previous one: invisible at the map's
/// resolution, and a national or detailed layer's SVG shrinks several times.
pub(super) fn thin(ring: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let out = thinned(&ring);
    if out.len() < 4 {
        return ring;
    }
    out
}

/// The points farther than a third of a pixel from the last point kept, the first always kept.
fn thinned(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(pts.len());
    for &p in pts {
        if out
            .last()
            .is_none_or(|q| (p.0 - q.0).abs() > 0.33 || (p.1 - q.1).abs() > 0.33)
        {
            out.push(p);
        }
    }
    out
}

/// The middle of the bounding box of some rings (0, 0 when they are empty).
pub(super) fn box_centre(rings: &[Vec<(f64, f64)>]) -> (f64, f64) {
    let (mut x0, mut y0, mut x1, mut y1) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for &(x, y) in rings.iter().flatten() {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if x0.is_finite() {
        ((x0 + x1) / 2.0, (y0 + y1) / 2.0)
    } else {
        (0.0, 0.0)
    }
}

/// Where an edge's endpoint is, for matching endpoints: coordinates rounded to 1 cm.
fn point_key(c: Coord) -> [i64; 2] {
    [(c.x * 100.0).round() as i64, (c.y * 100.0).round() as i64]
}

/// Edges joined end to end into polylines, so a boundary is stroked (and written to the SVG) as
/// one path with a join at each vertex rather than as thousands of two-point paths, each with
/// two round caps. Endpoints match on coordinates rounded to 1 cm, as in [`outer_edges`]; the
/// result depends only on the order of `edges`.
pub(super) fn chain(edges: Vec<(Coord, Coord)>) -> Vec<Vec<Coord>> {
    let mut at: std::collections::HashMap<[i64; 2], Vec<usize>> = Default::default();
    for (i, (p, q)) in edges.iter().enumerate() {
        at.entry(point_key(*p)).or_default().push(i);
        at.entry(point_key(*q)).or_default().push(i);
    }
    let mut used = vec![false; edges.len()];
    // The first unused edge at a point, and its other end.
    let mut next = |c: Coord, used: &mut Vec<bool>| -> Option<Coord> {
        let list = at.get_mut(&point_key(c))?;
        while let Some(&i) = list.first() {
            list.remove(0);
            if !used[i] {
                used[i] = true;
                let (p, q) = edges[i];
                return Some(if point_key(p) == point_key(c) { q } else { p });
            }
        }
        None
    };
    let mut lines = Vec::new();
    for i in 0..edges.len() {
        if used[i] {
            continue;
        }
        used[i] = true;
        let (p, q) = edges[i];
        let mut forward = vec![p, q];
        let mut end = q;
        while let Some(c) = next(end, &mut used) {
            forward.push(c);
            end = c;
        }
        let (mut back, mut start) = (Vec::new(), p);
        while let Some(c) = next(start, &mut used) {
            back.push(c);
            start = c;
        }
        back.reverse();
        back.extend(forward);
        lines.push(back);
    }
    lines
}

/// [`thin`] for an open polyline: both ends stay where they are, so joined lines still meet.
pub(super) fn thin_line(pts: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let pts: Vec<(f64, f64)> = pts.collect();
    let Some((&last, rest)) = pts.split_last() else {
        return pts;
    };
    let mut out = thinned(rest);
    out.push(last);
    out
}

/// The edges that occur once within their set (rings tagged by set): the outline of a union of
/// pieces that share edges. Edges are matched on coordinates rounded to 1 cm.
pub(super) fn outer_edges<'s>(
    rings: impl Iterator<Item = (&'s str, Vec<Coord>)>,
) -> Vec<(Coord, Coord)> {
    let rings: Vec<(&str, Vec<Coord>)> = rings.collect();
    // Sets by rank, so that edges sort on integers alone: sorting the keyed edges and keeping
    // the keys that occur once costs a fraction of counting them in a hash map keyed by
    // strings, and a coverage map's gaps have tens of thousands of edges.
    let mut sets: Vec<&str> = rings.iter().map(|r| r.0).collect();
    sets.sort_unstable();
    sets.dedup();
    let mut edges: Vec<((usize, [i64; 4]), Coord, Coord)> = Vec::new();
    for (set, ring) in &rings {
        let rank = sets.binary_search(set).unwrap_or(0);
        for w in ring.windows(2) {
            let (p, q) = (point_key(w[0]), point_key(w[1]));
            let k = if p <= q {
                [p[0], p[1], q[0], q[1]]
            } else {
                [q[0], q[1], p[0], p[1]]
            };
            edges.push(((rank, k), w[0], w[1]));
        }
    }
    // The edges kept are those whose key occurs once, so the order among equal keys does not
    // matter.
    edges.sort_unstable_by_key(|e| e.0);
    edges
        .chunk_by(|a, b| a.0 == b.0)
        .filter_map(|run| match run {
            [(_, p, q)] => Some((*p, *q)),
            _ => None,
        })
        .collect()
}
