//! Anti-aliased drawing into an RGB pixel buffer at the picture's own size: the PNG side of
//! [`Canvas`](super::canvas::Canvas).
//!
//! Polygons are filled by the exact share of each pixel they cover, with the signed-area
//! accumulation of font rasterisers (stb_truetype's v2 rasteriser, font-rs): each edge adds, to
//! the cells of every row it crosses, the change in coverage it makes, and a running sum along
//! the row gives each pixel's winding. The even-odd rule folds that winding (1 is inside, 2 is a
//! hole, 1.5 is a pixel half over a hole's edge), so holes and separate parts need no special
//! handling and the PNG agrees with the SVG's `fill-rule="evenodd"`. Folding the pixel's sum is
//! exact where the pixel holds at most two consecutive winding numbers, as along every edge of a
//! valid polygon; where three meet in one pixel (overlapping rings, or a hole wound like its
//! exterior within a pixel of it) that pixel's shade is approximate.
//!
//! Strokes and discs are covered by distance: a pixel's coverage is the length of its one-pixel
//! box, across the line, that lies within the stroke's half-width of the line (exact for a
//! straight edge parallel to a pixel side, within a few percent at other angles), and a
//! polyline's segments and joins combine by the largest coverage, so joins are neither doubled
//! nor seamed. That gives the round joins and caps of the SVG's `stroke-linejoin="round"`.
//!
//! Coverage blends the colour over what is there: one pass per shape over the pixels it
//! touches, and none of the 2x supersampled buffer this replaced (four times the pixels, then
//! averaged down).

use super::canvas::Rgb;

/// A pixel buffer with the scratch space of its fills and strokes.
pub(crate) struct Raster {
    /// Width in pixels.
    pub w: usize,
    /// Height in pixels.
    pub h: usize,
    /// RGB, rows top to bottom.
    pub rgb: Vec<u8>,
    /// Coverage changes of the current fill, `(width + 2)` cells per row of its bounding box;
    /// all zero between fills.
    acc: Vec<f32>,
    /// Coverage of the current stroke per pixel (0 to 255); all zero between strokes.
    cov: Vec<u8>,
    /// The pixels of `cov` the current stroke has touched.
    touched: Vec<u32>,
}

/// How the pieces of a set cover a picture's pixels (see [`Raster::mosaic`]).
#[derive(Debug)]
pub(crate) struct Mosaic {
    /// The picture's size.
    pub size: (usize, usize),
    /// Runs of pixels (first pixel, length, piece) wholly covered last by one piece.
    runs: Vec<(u32, u32, u32)>,
    /// Partial coverings (pixel, piece, coverage in 1/255ths) not hidden under a later whole
    /// one, in drawing order.
    partial: Vec<(u32, u32, u8)>,
}

/// A polyline's points and whether it closes on itself.
pub(crate) type Path<'a> = (&'a [(f64, f64)], bool);

impl Raster {
    /// A white buffer.
    pub fn new(w: usize, h: usize) -> Raster {
        Raster {
            w,
            h,
            rgb: vec![255; w * h * 3],
            acc: Vec::new(),
            cov: vec![0; w * h],
            touched: Vec::new(),
        }
    }

    /// Makes the buffer white again (the scratch space is clean between shapes already).
    pub fn clear(&mut self) {
        self.rgb.fill(255);
    }

    /// Fills `rings` (closed; the closing point may be omitted) with the even-odd rule.
    pub fn fill(&mut self, rings: &[Vec<(f64, f64)>], c: Rgb) {
        let rgb = &mut self.rgb;
        cover_rings(&mut self.acc, (self.w, self.h), rings, |i, k| {
            blend_k(&mut rgb[i * 3..i * 3 + 3], c, k);
        });
    }

    /// How a set of pieces (polygons, each of rings) covers the pixels when filled one after
    /// the other, for [`paint`](Self::paint) to fill with any colours.
    pub fn mosaic(w: usize, h: usize, pieces: &[Vec<Vec<(f64, f64)>>]) -> Mosaic {
        // Per pixel, the last piece to cover it wholly: partial coverings by earlier pieces
        // are hidden under it (a piece covers a pixel once, so pieces order the coverings).
        let mut base = vec![u32::MAX; w * h];
        let mut partial: Vec<(u32, u32, u8)> = Vec::new();
        let mut acc = Vec::new();
        for (k, rings) in pieces.iter().enumerate() {
            cover_rings(&mut acc, (w, h), rings, |i, a| {
                if a >= 255 {
                    base[i] = k as u32;
                } else {
                    partial.push((i as u32, k as u32, a as u8));
                }
            });
        }
        partial.retain(|&(i, piece, _)| {
            let b = base[i as usize];
            b == u32::MAX || b < piece
        });
        let mut runs = Vec::new();
        for (row, line) in base.chunks_exact(w.max(1)).enumerate() {
            let mut x = 0;
            while x < line.len() {
                let piece = line[x];
                let start = x;
                while x < line.len() && line[x] == piece {
                    x += 1;
                }
                if piece != u32::MAX {
                    runs.push(((row * w + start) as u32, (x - start) as u32, piece));
                }
            }
        }
        Mosaic {
            size: (w, h),
            runs,
            partial,
        }
    }

    /// Fills a mosaic's pieces with `fills` (one per piece), as filling them one after the
    /// other would.
    pub fn paint(&mut self, m: &Mosaic, fills: &[Rgb]) {
        for &(start, len, piece) in &m.runs {
            let c = fills[piece as usize];
            let (start, len) = (start as usize, len as usize);
            fill_run(&mut self.rgb[start * 3..(start + len) * 3], c);
        }
        for &(i, piece, k) in &m.partial {
            let i = i as usize;
            blend_k(
                &mut self.rgb[i * 3..i * 3 + 3],
                fills[piece as usize],
                u32::from(k),
            );
        }
    }

    /// Strokes `paths` `width` pixels wide with round joins and caps, as one shape: where
    /// segments overlap a pixel takes the largest coverage, not the sum.
    #[cfg(test)]
    pub fn stroke<'a>(&mut self, paths: impl IntoIterator<Item = Path<'a>>, width: f64, c: Rgb) {
        self.cover(paths, width);
        self.flush(c);
    }

    /// The stroke coverage added since the last [`flush`](Self::flush), taken out for
    /// [`paint_mask`](Self::paint_mask) to draw in any colour; nothing is drawn.
    pub fn take_mask(&mut self) -> Vec<(u32, u8)> {
        let mask = self
            .touched
            .iter()
            .map(|&i| (i, std::mem::take(&mut self.cov[i as usize])))
            .collect();
        self.touched.clear();
        mask
    }

    /// Draws a stroke's coverage from [`take_mask`](Self::take_mask) in colour `c`.
    pub fn paint_mask(&mut self, mask: &[(u32, u8)], c: Rgb) {
        for &(i, k) in mask {
            let i = i as usize;
            blend_k(&mut self.rgb[i * 3..i * 3 + 3], c, u32::from(k));
        }
    }

    /// Adds the coverage of a stroke `width` pixels wide with round joins and caps: where
    /// segments overlap a pixel takes the largest coverage, not the sum.
    pub fn cover<'a>(&mut self, paths: impl IntoIterator<Item = Path<'a>>, width: f64) {
        let r = width / 2.0;
        for (pts, closed) in paths {
            let n = pts.len();
            if n == 1 {
                self.segment(pts[0], pts[0], r);
            }
            // Outlines have a point every third of a pixel or so, and a segment costs the
            // pixels around it however short it is: runs of points within STRAIGHT of the line
            // through their ends are stroked as one segment.
            let mut a = 0;
            while a + 1 < n {
                let mut b = a + 1;
                while b + 1 < n && b - a < 32 && straight(&pts[a..=b + 1]) {
                    b += 1;
                }
                self.segment(pts[a], pts[b], r);
                a = b;
            }
            if closed && n > 2 {
                self.segment(pts[n - 1], pts[0], r);
            }
        }
    }

    /// Fills a disc.
    pub fn disc(&mut self, at: (f64, f64), r: f64, c: Rgb) {
        self.segment(at, at, r);
        self.flush(c);
    }

    /// Strokes a circle `width` pixels wide.
    pub fn ring(&mut self, at: (f64, f64), r: f64, width: f64, c: Rgb) {
        let half = width / 2.0;
        let reach = r + half + 0.5;
        self.visit(
            at.1 - reach,
            at.1 + reach,
            |yc| {
                let dy = (yc - at.1).abs();
                (dy <= reach).then(|| {
                    let dx = (reach * reach - dy * dy).sqrt();
                    (at.0 - dx, at.0 + dx)
                })
            },
            |p| {
                let (ex, ey) = (p.0 - at.0, p.1 - at.1);
                let d = ((ex * ex + ey * ey).sqrt() - r).abs();
                band(d, half)
            },
        );
        self.flush(c);
    }

    /// Adds the coverage of the capsule of half-width `r` around the segment from `a` to `b`.
    fn segment(&mut self, a: (f64, f64), b: (f64, f64), r: f64) {
        if !(a.0.is_finite() && a.1.is_finite() && b.0.is_finite() && b.1.is_finite()) {
            return;
        }
        // Pixels whose centres are within r + 0.5 of the segment can be covered.
        let reach = r + 0.5;
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len2 = dx * dx + dy * dy;
        self.visit(
            a.1.min(b.1) - reach,
            a.1.max(b.1) + reach,
            |yc| {
                // The part of the segment within `reach` of the row's centre line, widened by
                // `reach`: a safe bound on the pixels the capsule reaches in the row.
                let (t0, t1) = if dy == 0.0 {
                    if (a.1 - yc).abs() > reach {
                        return None;
                    }
                    (0.0, 1.0)
                } else {
                    let (p, q) = ((yc - reach - a.1) / dy, (yc + reach - a.1) / dy);
                    (p.min(q).max(0.0), p.max(q).min(1.0))
                };
                if t0 > t1 {
                    return None;
                }
                let (xa, xb) = (a.0 + t0 * dx, a.0 + t1 * dx);
                Some((xa.min(xb) - reach, xa.max(xb) + reach))
            },
            |p| {
                let t = if len2 > 0.0 {
                    (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let (ex, ey) = (p.0 - a.0 - t * dx, p.1 - a.1 - t * dy);
                let d2 = ex * ex + ey * ey;
                // Most pixels visited are wholly in or out: no square root for those.
                if d2 >= reach * reach {
                    0.0
                } else if r >= 0.5 && d2 <= (r - 0.5) * (r - 0.5) {
                    1.0
                } else {
                    band(d2.sqrt(), r)
                }
            },
        );
    }

    /// Raises the stroke coverage of the pixels in rows `y0..y1` (their centres) and, per row,
    /// within the x range `span` gives for the row's centre, to `coverage` of the pixel centre.
    fn visit(
        &mut self,
        y0: f64,
        y1: f64,
        span: impl Fn(f64) -> Option<(f64, f64)>,
        coverage: impl Fn((f64, f64)) -> f64,
    ) {
        let Some(rows) = centres(y0, y1, self.h) else {
            return;
        };
        for row in rows {
            let yc = row as f64 + 0.5;
            let Some((xa, xb)) = span(yc) else {
                continue;
            };
            let Some(cols) = centres(xa, xb, self.w) else {
                continue;
            };
            for col in cols {
                let c = coverage((col as f64 + 0.5, yc));
                let v = (c * 255.0 + 0.5) as u8;
                let i = row * self.w + col;
                if v > self.cov[i] {
                    if self.cov[i] == 0 {
                        self.touched.push(i as u32);
                    }
                    self.cov[i] = v;
                }
            }
        }
    }

    /// Draws a text's coverage (x, y from `at`, coverage in 1/255ths) in colour `c`; pixels
    /// outside the picture are left out.
    pub fn paint_text(&mut self, mask: &[(i32, i32, u8)], at: (i32, i32), c: Rgb) {
        for &(dx, dy, k) in mask {
            let (x, y) = (at.0 + dx, at.1 + dy);
            if x >= 0 && y >= 0 && (x as usize) < self.w && (y as usize) < self.h {
                let i = y as usize * self.w + x as usize;
                blend_k(&mut self.rgb[i * 3..i * 3 + 3], c, u32::from(k));
            }
        }
    }

    /// Blends the current stroke's colour by its coverage and clears the coverage.
    pub fn flush(&mut self, c: Rgb) {
        for &i in &self.touched {
            let i = i as usize;
            let k = std::mem::take(&mut self.cov[i]);
            blend_k(&mut self.rgb[i * 3..i * 3 + 3], c, u32::from(k));
        }
        self.touched.clear();
    }
}

/// Sets every pixel of `px` (RGB) to `c`, sixteen pixels per copy: the areas' interiors are
/// most of a map's pixels.
fn fill_run(px: &mut [u8], c: Rgb) {
    let mut pattern = [0; 48];
    for p in pattern.chunks_exact_mut(3) {
        p.copy_from_slice(&[c.0, c.1, c.2]);
    }
    let mut chunks = px.chunks_exact_mut(48);
    for chunk in &mut chunks {
        chunk.copy_from_slice(&pattern);
    }
    let rest = chunks.into_remainder();
    let n = rest.len();
    rest.copy_from_slice(&pattern[..n]);
}

/// How far (pixels) the points a stroke's segment skips may lie from it: a tenth of a pixel
/// changes no pixel's coverage by more than a tenth.
const STRAIGHT: f64 = 0.1;

/// Whether the inner points of `pts` lie within [`STRAIGHT`] of the segment from its first point
/// to its last, between them.
fn straight(pts: &[(f64, f64)]) -> bool {
    let (a, b) = (pts[0], pts[pts.len() - 1]);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    pts[1..pts.len() - 1].iter().all(|p| {
        let (ex, ey) = (p.0 - a.0, p.1 - a.1);
        let t = ex * dx + ey * dy;
        if len2 == 0.0 || t < 0.0 || t > len2 {
            return false;
        }
        let cross = ex * dy - ey * dx;
        cross * cross <= STRAIGHT * STRAIGHT * len2
    })
}

/// `x.floor()` for the coordinates of a picture. Without SSE4.1 (not in the baseline x86-64
/// a portable binary targets) `f64::floor` is a library call, and the inner loops here take
/// several per pixel: a truncating conversion is one instruction.
fn floor(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// `x.ceil()`, as [`floor`].
fn ceil(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t < x {
        t + 1.0
    } else {
        t
    }
}

/// The pixels (rows or columns) whose centres lie in [lo, hi], within `0..n`.
fn centres(lo: f64, hi: f64, n: usize) -> Option<std::ops::Range<usize>> {
    let first = ceil((lo - 0.5).max(0.0));
    let last = floor((hi - 0.5).min(n as f64 - 1.0));
    (first <= last).then(|| first as usize..last as usize + 1)
}

/// The coverage of a pixel whose centre is `d` from a line, by a band of half-width `r` around
/// the line: the overlap of [d - r, d + r] with the pixel's [-0.5, 0.5].
fn band(d: f64, r: f64) -> f64 {
    ((d + r).min(0.5) - (d - r).max(-0.5)).clamp(0.0, 1.0)
}

/// The even-odd coverage of an accumulated winding.
fn even_odd(winding: f32) -> f32 {
    let w = winding.abs();
    // Windings are nearly always 0 or 1: `%` is a library call.
    let w = if w < 2.0 { w } else { w % 2.0 };
    if w > 1.0 {
        2.0 - w
    } else {
        w
    }
}

/// Puts `c` over a pixel with coverage `k` / 255.
fn blend_k(px: &mut [u8], c: Rgb, k: u32) {
    if k == 0 {
        return;
    }
    if k >= 255 {
        px.copy_from_slice(&[c.0, c.1, c.2]);
        return;
    }
    let mix =
        |old: u8, new: u8| ((u32::from(old) * (255 - k) + u32::from(new) * k + 127) / 255) as u8;
    px[0] = mix(px[0], c.0);
    px[1] = mix(px[1], c.1);
    px[2] = mix(px[2], c.2);
}

/// The even-odd coverage of `rings` in a picture of `size` pixels: `put(pixel, k)` for each
/// pixel of the rings' bounding box (clipped to the picture) with coverage k / 255 > 0, in row
/// order. `acc` is scratch space, all zero between calls.
fn cover_rings(
    acc: &mut Vec<f32>,
    size: (usize, usize),
    rings: &[Vec<(f64, f64)>],
    mut put: impl FnMut(usize, u32),
) {
    let (w, h) = size;
    let (mut x0, mut y0) = (f64::INFINITY, f64::INFINITY);
    let (mut x1, mut y1) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &(x, y) in rings.iter().flatten() {
        if x.is_finite() && y.is_finite() {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    // The pixels that can be covered: the bounding box clipped to the picture. Edges left of
    // it still count, pressed against its left side.
    let top = y0.floor().max(0.0);
    let bottom = y1.ceil().min(h as f64);
    let left = x0.floor().max(0.0);
    let right = x1.ceil().min(w as f64);
    if !(top < bottom && left < right) {
        return;
    }
    let (vw, vh) = ((right - left) as usize, (bottom - top) as usize);
    // Two more cells per row: an edge on the right side spills into them.
    let stride = vw + 2;
    if acc.len() < stride * vh {
        acc.resize(stride * vh, 0.0);
    }
    let acc = &mut acc[..stride * vh];
    for r in rings {
        let n = r.len();
        for i in 0..n {
            let (a, b) = (r[i], r[(i + 1) % n]);
            edge(
                acc,
                stride,
                (vw as f64, vh as f64),
                (a.0 - left, a.1 - top),
                (b.0 - left, b.1 - top),
            );
        }
    }
    let (ox, oy) = (left as usize, top as usize);
    for (row, cells) in acc.chunks_exact_mut(stride).enumerate() {
        let start = (oy + row) * w + ox;
        let mut winding = 0.0f32;
        for (x, cell) in cells[..vw].iter_mut().enumerate() {
            winding += *cell;
            *cell = 0.0;
            let k = (even_odd(winding) * 255.0 + 0.5) as u32;
            if k > 0 {
                put(start + x, k.min(255));
            }
        }
        cells[vw] = 0.0;
        cells[vw + 1] = 0.0;
    }
}

/// Adds one polygon edge, in the fill's box coordinates (`size` is the box's width and height),
/// to the coverage cells `acc` (`stride` per row).
fn edge(acc: &mut [f32], stride: usize, size: (f64, f64), a: (f64, f64), b: (f64, f64)) {
    if !(a.0.is_finite() && a.1.is_finite() && b.0.is_finite() && b.1.is_finite()) || a.1 == b.1 {
        return;
    }
    // Downwards, with the direction kept as the sign of the winding it adds.
    let (dir, (x0, y0), (x1, y1)) = if a.1 < b.1 { (1.0, a, b) } else { (-1.0, b, a) };
    let (w, h) = size;
    if y1 <= 0.0 || y0 >= h {
        return;
    }
    // Nearly always: the edge lies within the box (its own polygon's), most within one pixel.
    if y0 >= 0.0 && y1 <= h && (0.0..=w).contains(&x0) && (0.0..=w).contains(&x1) {
        let row = floor(y0);
        if y1 <= row + 1.0 {
            let r = row as usize;
            cells_in_row(
                &mut acc[r * stride..(r + 1) * stride],
                x0,
                x1,
                (dir * (y1 - y0)) as f32,
            );
        } else {
            rows(acc, stride, (x0, y0), (x1, y1), dir);
        }
        return;
    }
    let dxdy = (x1 - x0) / (y1 - y0);
    let x_at = |y: f64| x0 + (y - y0) * dxdy;
    // Rows outside the box do not matter; the parts left of the box count at its left side and
    // those right of it at its right side (where they cover nothing), so cut where the edge
    // leaves the box sideways and press each piece against the side it lies beyond.
    let (ya, yb) = (y0.max(0.0), y1.min(h));
    let mut cuts = [ya, yb, ya, ya];
    if dxdy != 0.0 {
        for (k, side) in [0.0, w].into_iter().enumerate() {
            let y = y0 + (side - x0) / dxdy;
            if y > ya && y < yb {
                cuts[2 + k] = y;
            }
        }
    }
    cuts.sort_by(f64::total_cmp);
    for pair in cuts.windows(2) {
        let (ys, ye) = (pair[0], pair[1]);
        if ye > ys {
            let clamp = |x: f64| x.clamp(0.0, w);
            rows(
                acc,
                stride,
                (clamp(x_at(ys)), ys),
                (clamp(x_at(ye)), ye),
                dir,
            );
        }
    }
}

/// Adds a downward piece of an edge that lies within the box, row by row.
fn rows(acc: &mut [f32], stride: usize, from: (f64, f64), to: (f64, f64), dir: f64) {
    let (xa, ya) = from;
    let (xb, yb) = to;
    let dxdy = (xb - xa) / (yb - ya);
    let (mut x, mut y) = (xa, ya);
    while y < yb {
        let row = floor(y);
        let next = (row + 1.0).min(yb);
        let x_next = if next >= yb {
            xb
        } else {
            xa + (next - ya) * dxdy
        };
        let cells = &mut acc[row as usize * stride..(row as usize + 1) * stride];
        cells_in_row(cells, x, x_next, (dir * (next - y)) as f32);
        x = x_next;
        y = next;
    }
}

/// Adds a piece of an edge within one row, from `xa` to `xb`, of signed height `d`: each
/// pixel gets the part of `d` whose area lies to its right, the next cell the rest.
fn cells_in_row(cells: &mut [f32], xa: f64, xb: f64, d: f32) {
    let (l, r) = if xa < xb { (xa, xb) } else { (xb, xa) };
    let last = cells.len() - 2;
    let mut add = |x0: f64, x1: f64, d: f32| {
        let col = floor(x0);
        let mid = (0.5 * (x0 + x1) - col) as f32;
        let i = (col as usize).min(last);
        cells[i] += d * (1.0 - mid);
        cells[i + 1] += d * mid;
    };
    if r <= floor(l) + 1.0 {
        add(l, r, d);
        return;
    }
    // Across several pixels: split at pixel sides, the height shared in proportion to width.
    let per = f64::from(d) / (r - l);
    let mut x = l;
    while x < r {
        let x_next = (floor(x) + 1.0).min(r);
        add(x, x_next, (per * (x_next - x)) as f32);
        x = x_next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lacuna_core::rng::Draws;

    const INK: Rgb = Rgb(0, 0, 0);

    fn coverage(r: &Raster, x: usize, y: usize) -> f64 {
        1.0 - f64::from(r.rgb[(y * r.w + x) * 3]) / 255.0
    }

    /// The share of a pixel inside `rings` by the even-odd rule, from a 64 x 64 grid of point
    /// tests (an independent answer to the accumulation's areas), and the least and greatest
    /// winding number among the points.
    fn sampled(rings: &[Vec<(f64, f64)>], x: usize, y: usize) -> (f64, i32, i32) {
        let n = 64;
        let (mut inside, mut lo, mut hi) = (0, i32::MAX, i32::MIN);
        for i in 0..n {
            for j in 0..n {
                let px = x as f64 + (f64::from(i) + 0.5) / f64::from(n);
                let py = y as f64 + (f64::from(j) + 0.5) / f64::from(n);
                let mut winding: i32 = 0;
                for r in rings {
                    for k in 0..r.len() {
                        let ((x0, y0), (x1, y1)) = (r[k], r[(k + 1) % r.len()]);
                        if ((y0 <= py && py < y1) || (y1 <= py && py < y0))
                            && x0 + (py - y0) * (x1 - x0) / (y1 - y0) <= px
                        {
                            winding += if y0 < y1 { 1 } else { -1 };
                        }
                    }
                }
                inside += winding.rem_euclid(2);
                lo = lo.min(winding);
                hi = hi.max(winding);
            }
        }
        (f64::from(inside) / f64::from(n * n), lo, hi)
    }

    #[test]
    fn fills_cover_each_pixel_by_its_area_inside() {
        // Random rings, some reaching outside the buffer, some overlapping (even-odd).
        let (w, h) = (23, 19);
        let mut rng = lacuna_core::rng::seeded(7);
        for case in 0..60 {
            let rings: Vec<Vec<(f64, f64)>> = (0..1 + case % 3)
                .map(|_| {
                    (0..3 + rng.below(8))
                        .map(|_| (rng.range(-4.0, 27.0), rng.range(-4.0, 23.0)))
                        .collect()
                })
                .collect();
            let mut r = Raster::new(w, h);
            r.fill(&rings, INK);
            let mut checked = 0;
            for y in 0..h {
                for x in 0..w {
                    let got = coverage(&r, x, y);
                    let (want, lo, hi) = sampled(&rings, x, y);
                    if hi - lo > 1 {
                        // Three winding numbers in one pixel (where rings overlap): the folded
                        // sum is only an approximation there.
                        continue;
                    }
                    checked += 1;
                    // 64 x 64 samples resolve a pixel's area to about 1/64 per edge through it;
                    // the blend rounds to 1/255.
                    assert!(
                        (got - want).abs() < 0.05,
                        "case {case}, pixel {x},{y}: {got} vs {want}"
                    );
                }
            }
            assert!(checked > w * h / 2, "case {case}: {checked} pixels checked");
            assert!(r.acc.iter().all(|&a| a == 0.0), "scratch left clean");
        }
    }

    #[test]
    fn a_pixel_half_over_a_hole_edge_is_half_covered() {
        let mut r = Raster::new(10, 10);
        let sq = |a: f64, b: f64| vec![(a, a), (b, a), (b, b), (a, b)];
        // Outer 1..9, hole 3.5..6.5: same winding direction, so only even-odd makes it a hole.
        r.fill(&[sq(1.0, 9.0), sq(3.5, 6.5)], INK);
        assert!((coverage(&r, 2, 5) - 1.0).abs() < 1e-9);
        assert!((coverage(&r, 3, 5) - 0.5).abs() < 0.01);
        assert!(coverage(&r, 5, 5) < 1e-9, "hole");
        assert!(coverage(&r, 0, 5) < 1e-9);
    }

    #[test]
    fn strokes_cover_their_width_once_at_joins() {
        let mut r = Raster::new(40, 40);
        // A 3 px line along y = 10 with a right-angle turn down at x = 30.
        let pts = [(5.0, 10.0), (30.0, 10.0), (30.0, 35.0)];
        r.stroke([(&pts[..], false)], 3.0, INK);
        // Across the line: rows 9 and 10 fully covered (8.5..11.5), rows 8 and 11 half.
        for (y, want) in [
            (7, 0.0),
            (8, 0.5),
            (9, 1.0),
            (10, 1.0),
            (11, 0.5),
            (12, 0.0),
        ] {
            let got = coverage(&r, 15, y);
            assert!((got - want).abs() < 0.01, "row {y}: {got}");
        }
        // The column sums to the width: the line's ink is its area.
        let ink: f64 = (0..40).map(|y| coverage(&r, 15, y)).sum();
        assert!((ink - 3.0).abs() < 0.02, "{ink}");
        // At the join the two segments do not add up past full coverage, nor leave a seam.
        assert!((coverage(&r, 29, 9) - 1.0).abs() < 1e-9);
        assert!((coverage(&r, 30, 10) - 1.0).abs() < 1e-9);
        // Round cap: half the width (to x = 3.5) past the start, no further.
        assert!((coverage(&r, 4, 10) - 1.0).abs() < 1e-9);
        let cap = coverage(&r, 3, 10);
        assert!((0.3..0.5).contains(&cap), "{cap}");
        assert!(coverage(&r, 2, 10) < 1e-9);
        assert!(r.cov.iter().all(|&c| c == 0) && r.touched.is_empty());
    }

    #[test]
    fn a_disc_covers_its_area() {
        let mut r = Raster::new(30, 30);
        r.disc((15.0, 15.0), 6.0, INK);
        let ink: f64 = (0..30)
            .flat_map(|y| (0..30).map(move |x| (x, y)))
            .map(|(x, y)| coverage(&r, x, y))
            .sum();
        let area = std::f64::consts::PI * 36.0;
        assert!((ink - area).abs() / area < 0.01, "{ink} vs {area}");
        assert!((coverage(&r, 15, 15) - 1.0).abs() < 1e-9);
        assert!(coverage(&r, 15, 22) < 1e-9);
    }

    #[test]
    fn a_circle_outline_leaves_its_inside() {
        let mut r = Raster::new(30, 30);
        r.ring((15.0, 15.0), 8.0, 2.0, INK);
        assert!(coverage(&r, 15, 15) < 1e-9);
        // The ring's ink is its area, 2 pi r w.
        let ink: f64 = (0..30)
            .flat_map(|y| (0..30).map(move |x| (x, y)))
            .map(|(x, y)| coverage(&r, x, y))
            .sum();
        let area = 2.0 * std::f64::consts::PI * 8.0 * 2.0;
        assert!((ink - area).abs() / area < 0.02, "{ink} vs {area}");
    }
}
