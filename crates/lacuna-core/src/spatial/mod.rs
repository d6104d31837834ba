//! Spatial core: exact overlay of areas with catchments, and the R-tree index of catchments
//! and provider sites per service type.

pub mod adjacency;
pub mod catchment;
pub mod covered;
pub mod index;
pub mod overlay;

use geo::{Coord, Rect};

/// The smallest rectangle holding all of `rects`; None when there are none.
pub fn bounding_union(rects: impl IntoIterator<Item = Rect>) -> Option<Rect> {
    rects.into_iter().reduce(|a, b| {
        Rect::new(
            Coord {
                x: a.min().x.min(b.min().x),
                y: a.min().y.min(b.min().y),
            },
            Coord {
                x: a.max().x.max(b.max().x),
                y: a.max().y.max(b.max().y),
            },
        )
    })
}

/// `r` grown by `d` on every side.
pub fn grow(r: Rect, d: f64) -> Rect {
    let d = Coord { x: d, y: d };
    Rect::new(r.min() - d, r.max() + d)
}
