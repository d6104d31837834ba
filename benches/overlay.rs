//! Benchmarks of the overlay stage: exact covered area of polygons under a union of discs, and
//! the same with discs polygonised and geo's boolean operations, on a seeded tiling whose answer
//! is known in closed form (non-overlapping discs inside the tiled region: the covered areas sum
//! to the sum of the discs' areas). Each bench asserts that answer, so it also checks correctness.
//! Also the drawing of a map-sized picture (PNG pixels and SVG) of 1,600 outlined cells.

use std::f64::consts::PI;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use geo::{Area, BooleanOps, MultiPolygon, Polygon};
use lacuna_core::spatial::overlay::{Disc, LocalPolygon};
use lacuna_render::canvas::{Canvas, Item, Rgb, Stroke};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A 20 x 20 tiling of jagged 100 m cells (12 vertices each) and 60 discs of 20-45 m that do not
/// overlap one another and lie inside the tiled region.
fn fixture() -> (Vec<LocalPolygon>, Vec<MultiPolygon>, Vec<Disc>) {
    let mut polys = Vec::new();
    let mut shapes = Vec::new();
    for i in 0..20 {
        for j in 0..20 {
            let (x0, y0) = (400_000.0 + 100.0 * i as f64, 300_000.0 + 100.0 * j as f64);
            // Extra collinear vertices along each side: more edges, same cell.
            let mut ring = Vec::new();
            for k in 0..3 {
                ring.push((x0 + 100.0 * k as f64 / 3.0, y0));
            }
            for k in 0..3 {
                ring.push((x0 + 100.0, y0 + 100.0 * k as f64 / 3.0));
            }
            for k in 0..3 {
                ring.push((x0 + 100.0 - 100.0 * k as f64 / 3.0, y0 + 100.0));
            }
            for k in 0..3 {
                ring.push((x0, y0 + 100.0 - 100.0 * k as f64 / 3.0));
            }
            let mp = MultiPolygon(vec![Polygon::new(ring.into(), vec![])]);
            polys.push(LocalPolygon::new(&mp));
            shapes.push(mp);
        }
    }
    let mut rng = Rng(20_261_122);
    let mut discs: Vec<Disc> = Vec::new();
    while discs.len() < 60 {
        let d = Disc {
            x: 400_050.0 + 1900.0 * rng.next(),
            y: 300_050.0 + 1900.0 * rng.next(),
            r: 20.0 + 25.0 * rng.next(),
        };
        if discs
            .iter()
            .all(|o| (o.x - d.x).hypot(o.y - d.y) > o.r + d.r + 1.0)
        {
            discs.push(d);
        }
    }
    (polys, shapes, discs)
}

fn candidates(p: &LocalPolygon, discs: &[Disc]) -> Vec<Disc> {
    let r = p.bounding_rect();
    discs
        .iter()
        .filter(|d| {
            d.x + d.r >= r.min().x
                && d.x - d.r <= r.max().x
                && d.y + d.r >= r.min().y
                && d.y - d.r <= r.max().y
        })
        .copied()
        .collect()
}

fn polygonised(shape: &MultiPolygon, discs: &[Disc], n: usize) -> f64 {
    let mut remaining = shape.clone();
    for d in discs {
        let ring: Vec<(f64, f64)> = (0..n)
            .map(|k| {
                let t = 2.0 * PI * k as f64 / n as f64;
                (d.x + d.r * t.cos(), d.y + d.r * t.sin())
            })
            .collect();
        remaining = remaining.difference(&Polygon::new(ring.into(), vec![]));
    }
    shape.unsigned_area() - remaining.unsigned_area()
}

fn bench(c: &mut Criterion) {
    let (polys, shapes, discs) = fixture();
    let expected: f64 = discs.iter().map(|d| PI * d.r * d.r).sum();
    let cands: Vec<Vec<Disc>> = polys.iter().map(|p| candidates(p, &discs)).collect();

    let exact: f64 = polys
        .iter()
        .zip(&cands)
        .map(|(p, d)| p.covered_area(d))
        .sum();
    assert!(
        (exact - expected).abs() < 1e-6 * expected,
        "exact {exact} vs {expected}"
    );
    let poly: f64 = shapes
        .iter()
        .zip(&cands)
        .map(|(s, d)| polygonised(s, d, 256))
        .sum();
    // An inscribed 256-gon has 1 - sin(2pi/256) 256/(2pi) = 1.0e-4 less area than its circle.
    assert!(
        (poly / expected - 1.0 + 1.0e-4).abs() < 2e-5,
        "256-gon {poly} vs {expected}"
    );

    let mut g = c.benchmark_group("overlay_400_cells_60_discs");
    g.bench_function("exact_circles", |b| {
        b.iter(|| {
            let s: f64 = polys
                .iter()
                .zip(&cands)
                .map(|(p, d)| p.covered_area(black_box(d)))
                .sum();
            assert!((s - expected).abs() < 1e-6 * expected);
            s
        })
    });
    g.bench_function("geo_boolean_ops_256gon", |b| {
        b.iter(|| {
            shapes
                .iter()
                .zip(&cands)
                .map(|(s, d)| polygonised(s, black_box(d), 256))
                .sum::<f64>()
        })
    });
    g.finish();
}

/// A map-sized picture: 1,600 cells (24-gons, every third with a hole), filled and outlined, and
/// a 3 px boundary line across them, as a coverage map draws its areas and councils.
fn map_canvas() -> Canvas {
    let mut c = Canvas::new(1600, 1200);
    let ring = |cx: f64, cy: f64, r: f64| -> Vec<(f64, f64)> {
        (0..24)
            .map(|k| {
                let a = f64::from(k) * PI / 12.0;
                (cx + r * a.cos(), cy + r * a.sin())
            })
            .collect()
    };
    for i in 0..40 {
        for j in 0..40 {
            let (cx, cy) = (100.0 + 35.0 * f64::from(i), 60.0 + 27.0 * f64::from(j));
            let mut rings = vec![ring(cx, cy, 16.0)];
            if (i + j) % 3 == 0 {
                rings.push(ring(cx, cy, 5.0));
            }
            c.push(Item::Shape {
                rings,
                fill: Some(Rgb((i * 6) as u8, (j * 6) as u8, 120)),
                stroke: Some(Stroke::solid(Rgb(255, 255, 255), 0.5)),
            });
        }
    }
    c.push(Item::Lines {
        paths: vec![(0..400)
            .map(|k| {
                (
                    100.0 + 3.5 * f64::from(k),
                    600.0 + 80.0 * (f64::from(k) / 30.0).sin(),
                )
            })
            .collect()],
        stroke: Stroke::solid(Rgb(17, 17, 17), 3.0),
    });
    c
}

fn bench_raster(c: &mut Criterion) {
    let canvas = map_canvas();
    let mut g = c.benchmark_group("map_1600x1200_1600_cells");
    g.bench_function("png_pixels", |b| b.iter(|| black_box(&canvas).to_rgb()));
    g.bench_function("svg", |b| b.iter(|| black_box(&canvas).to_svg()));
    g.finish();
}

criterion_group!(benches, bench, bench_raster);
criterion_main!(benches);
