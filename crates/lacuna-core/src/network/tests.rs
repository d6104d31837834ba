//! Closed-form checks on small networks: a river crossed by one bridge, a one-way street, and
//! snapping beyond the limit.

use geo::{coord, Area, Coord};

use super::*;

/// An edge between two nodes, walkable both ways at 1 m/s.
fn edge(nodes: &[Coord], a: u32, b: u32) -> Edge {
    Edge {
        a,
        b,
        length: (nodes[a as usize] - nodes[b as usize])
            .x
            .hypot((nodes[a as usize] - nodes[b as usize]).y),
        speed: 1.0,
        forward: true,
        backward: true,
    }
}

/// A 1 km square of streets every 100 m, cut by a river between y = 400 and y = 600 with one
/// bridge at x = 1000: the south bank (rows 0..=400) and the north bank (rows 600..=1000).
pub(crate) fn river_town() -> Graph {
    let mut nodes = Vec::new();
    let id = |i: usize, j: usize| (j * 11 + i) as u32;
    for y in [
        0.0, 100.0, 200.0, 300.0, 400.0, 600.0, 700.0, 800.0, 900.0, 1000.0,
    ] {
        for i in 0..=10 {
            nodes.push(coord! { x: 100.0 * i as f64, y: y });
        }
    }
    let mut edges = Vec::new();
    for j in 0..10 {
        for i in 0..10 {
            edges.push(edge(&nodes, id(i, j), id(i + 1, j)));
        }
    }
    for j in 0..9 {
        for i in 0..=10 {
            // Row 4 (y = 400) to row 5 (y = 600) crosses the river: only the bridge.
            if j != 4 || i == 10 {
                edges.push(edge(&nodes, id(i, j), id(i, j + 1)));
            }
        }
    }
    Graph::new(nodes, edges)
}

fn walk(budget: f64) -> NetworkStandard {
    NetworkStandard {
        metric: Metric::Distance,
        budget,
        snap_max_m: 250.0,
        lateral_m: 50.0,
        walk_ms: 4.8 / 3.6,
    }
}

fn joins(net: &Network, std: &NetworkStandard, pts: &[Coord]) -> Vec<Option<Joined>> {
    pts.iter().map(|&p| net.join(p, std)).collect()
}

#[test]
fn across_the_river_is_the_way_round_by_the_bridge() {
    let net = Network::new(river_town());
    let std = walk(f64::INFINITY);
    let provider = joins(&net, &std, &[coord! { x: 0.0, y: 400.0 }]);
    // 200 m across the water as the crow flies; 1000 m east, the bridge, 1000 m back west.
    // The second point is 20 m off the street at y = 600, 50 m from its nearest junctions.
    let pts = [
        coord! { x: 0.0, y: 600.0 },
        coord! { x: 50.0, y: 620.0 },
        coord! { x: 300.0, y: 0.0 },
    ];
    let d = nearest(&net, &std, &provider, &joins(&net, &std, &pts));
    assert_eq!(d, vec![2200.0, 20.0 + 50.0 + 2100.0, 700.0]);
}

#[test]
fn a_standard_reaches_the_south_bank_and_a_corner_beyond_the_bridge() {
    let net = Network::new(river_town());
    let std = walk(1600.0);
    let pts: Vec<Coord> = net.graph.nodes.clone();
    let cat = catchments(
        &net,
        &std,
        &[coord! { x: 0.0, y: 400.0 }],
        &joins(&net, &std, &pts),
    );
    let reached = &cat.points[0];
    let south = reached
        .iter()
        .filter(|&&i| pts[i as usize].y <= 400.0)
        .count();
    let north: Vec<Coord> = reached
        .iter()
        .map(|&i| pts[i as usize])
        .filter(|p| p.y >= 600.0)
        .collect();
    // Every south-bank junction is within 1400 m; the bridge's north end is 1200 m away,
    // leaving 400 m: the 15 junctions within 400 m (in Manhattan distance) of it.
    assert_eq!(south, 55);
    assert_eq!(north.len(), 15);
    assert!(north
        .iter()
        .all(|p| (1000.0 - p.x) + (p.y - 600.0) <= 400.0));
    // A straight-line disc of 1600 m would have held all 110 junctions.
    assert!(pts.iter().all(|p| p.x.hypot(p.y - 400.0) <= 1600.0));
}

#[test]
fn a_service_area_is_the_reachable_street_buffered() {
    // One isolated 1 km street; a provider at its middle with 300 m to walk: 600 m of street,
    // buffered 50 m either side with round ends: 600 x 100 + a disc of 50 m.
    let nodes = vec![coord! { x: 0.0, y: 0.0 }, coord! { x: 1000.0, y: 0.0 }];
    let edges = vec![edge(&nodes, 0, 1)];
    let net = Network::new(Graph::new(nodes, edges));
    let area = service_area(&net, &walk(300.0), coord! { x: 500.0, y: 0.0 });
    let exact = 600.0 * 100.0 + std::f64::consts::PI * 50.0 * 50.0;
    let got = area.unsigned_area();
    assert!((got - exact).abs() / exact < 2e-3, "{got} vs {exact}");
    assert!(
        got <= exact,
        "a polygonised buffer lies inside the round one"
    );
}

#[test]
fn a_one_way_street_is_driven_one_way_only() {
    // a -> b one way along y = 0 (1000 m); back from b to a only the long way round (2000 m).
    let nodes = vec![
        coord! { x: 0.0, y: 0.0 },
        coord! { x: 1000.0, y: 0.0 },
        coord! { x: 1000.0, y: 500.0 },
        coord! { x: 0.0, y: 500.0 },
    ];
    let mut oneway = edge(&nodes, 0, 1);
    oneway.backward = false;
    let edges = vec![
        oneway,
        edge(&nodes, 1, 2),
        edge(&nodes, 2, 3),
        edge(&nodes, 3, 0),
    ];
    let net = Network::new(Graph::new(nodes, edges));
    let std = walk(f64::INFINITY);
    let mid = [coord! { x: 500.0, y: 0.0 }, coord! { x: 1000.0, y: 0.0 }];
    let at_a = joins(&net, &std, &[coord! { x: 0.0, y: 0.0 }]);
    let at_b = joins(&net, &std, &[coord! { x: 1000.0, y: 0.0 }]);
    let pts = joins(&net, &std, &mid);
    // To a: on with the traffic to b, then round (500 + 2000); from b, round (2000).
    assert_eq!(nearest(&net, &std, &at_a, &pts), vec![2500.0, 2000.0]);
    // To b: straight on.
    assert_eq!(nearest(&net, &std, &at_b, &pts), vec![500.0, 0.0]);
}

#[test]
fn points_beyond_the_snapping_limit_are_off_the_network() {
    let nodes = vec![coord! { x: 0.0, y: 0.0 }, coord! { x: 1000.0, y: 0.0 }];
    let edges = vec![edge(&nodes, 0, 1)];
    let net = Network::new(Graph::new(nodes, edges));
    let std = walk(f64::INFINITY);
    let provider = joins(&net, &std, &[coord! { x: 0.0, y: 0.0 }]);
    let pts = joins(
        &net,
        &std,
        &[coord! { x: 500.0, y: 250.0 }, coord! { x: 500.0, y: 250.5 }],
    );
    assert_eq!(pts[0].map(|j| j.snap.offset_m), Some(250.0));
    assert!(pts[1].is_none());
    assert_eq!(
        nearest(&net, &std, &provider, &pts),
        vec![750.0, f64::INFINITY]
    );
}

#[test]
fn time_standards_walk_the_leg_and_drive_the_street() {
    // A 1 km street at 10 m/s, a provider at its east end, a point 40 m off its west end:
    // 40 m at walking speed (30 s at 4.8 km/h) + 100 s driving.
    let nodes = vec![coord! { x: 0.0, y: 0.0 }, coord! { x: 1000.0, y: 0.0 }];
    let mut e = edge(&nodes, 0, 1);
    e.speed = 10.0;
    let net = Network::new(Graph::new(nodes, vec![e]));
    let std = NetworkStandard {
        metric: Metric::Time,
        ..walk(f64::INFINITY)
    };
    let provider = joins(&net, &std, &[coord! { x: 1000.0, y: 0.0 }]);
    let pts = joins(&net, &std, &[coord! { x: 0.0, y: 40.0 }]);
    let d = nearest(&net, &std, &provider, &pts)[0];
    assert!((d - 130.0).abs() < 1e-9, "{d}");
}

#[test]
fn islands_are_counted() {
    let g = river_town();
    let (part, sizes) = g.components();
    assert_eq!(sizes, vec![g.edges.len()]);
    assert!(part.iter().all(|&p| p == 0));
    // Without the bridge: two banks of 94 edges each (50 across + 44 up).
    let mut edges = g.edges.clone();
    edges.retain(|e| !(g.nodes[e.a as usize].y == 400.0 && g.nodes[e.b as usize].y == 600.0));
    let g2 = Graph::new(g.nodes.clone(), edges);
    assert_eq!(g2.components().1, vec![94, 94]);
}

proptest::proptest! {
    /// A walk along the streets is never shorter than the straight line.
    #[test]
    fn network_distance_is_never_below_the_straight_line(
        px in 0.0..1000.0f64, py in 0.0..1000.0f64, qx in 0.0..1000.0f64, qy in 0.0..1000.0f64
    ) {
        let net = Network::new(river_town());
        let std = walk(f64::INFINITY);
        let (p, q) = (coord! { x: px, y: py }, coord! { x: qx, y: qy });
        let d = nearest(&net, &std, &joins(&net, &std, &[p]), &joins(&net, &std, &[q]))[0];
        proptest::prop_assert!(d >= (p - q).x.hypot((p - q).y) - 1e-9);
    }
}

#[test]
fn the_union_near_a_box_is_the_union_of_the_service_areas_there() {
    use geo::BooleanOps;
    let net = Network::new(river_town());
    // 30 m either side of streets 100 m apart: blocks keep holes.
    let std = NetworkStandard {
        lateral_m: 30.0,
        ..walk(800.0)
    };
    let sites = [coord! { x: 0.0, y: 400.0 }, coord! { x: 500.0, y: 200.0 }];
    let cat = catchments(&net, &std, &sites, &[]);
    let separate = service_area(&net, &std, sites[0]).union(&service_area(&net, &std, sites[1]));
    let boxed = geo::Rect::new(coord! { x: 250.0, y: 150.0 }, coord! { x: 450.0, y: 350.0 });
    let b = boxed.to_polygon();
    let both: Vec<&Streets> = cat.streets.iter().collect();
    let near = buffered(&net, &std, &both, Some(boxed)).intersection(&b);
    let whole = buffered(&net, &std, &both, None);
    let (x, y, z) = (
        near.unsigned_area(),
        whole.intersection(&b).unsigned_area(),
        separate.intersection(&b).unsigned_area(),
    );
    assert!(x > 0.0 && x < 200.0 * 200.0);
    assert!((x - y).abs() < 1e-6 * y, "{x} vs {y}");
    // Merged before buffering or buffered apart: the same streets, the same area (up to how
    // the round joins are drawn).
    assert!((x - z).abs() < 2e-3 * z, "{x} vs {z}");
    // Far from the box, pieces are left out.
    let far = buffered(&net, &std, &both, Some(boxed));
    assert!(far.unsigned_area() < whole.unsigned_area());
}

#[test]
fn a_service_area_reaches_a_shape_within_lateral_m() {
    // One 1 km street; 300 m walked from its west end, buffered 50 m: the area ends at x = 350.
    let nodes = vec![coord! { x: 0.0, y: 0.0 }, coord! { x: 1000.0, y: 0.0 }];
    let net = Network::new(Graph::new(nodes.clone(), vec![edge(&nodes, 0, 1)]));
    let std = walk(300.0);
    let cat = catchments(&net, &std, &[coord! { x: 0.0, y: 0.0 }], &[]);
    let square = |x0: f64| {
        let r = geo::Rect::new(coord! { x: x0, y: -10.0 }, coord! { x: 400.0, y: 10.0 });
        (geo::MultiPolygon(vec![r.to_polygon()]), r)
    };
    let reaches = |x0: f64| {
        let (shape, r) = square(x0);
        area::reaches(&net, &std, &cat.streets[0], &shape, r)
    };
    assert!(reaches(340.0));
    assert!(!reaches(360.0));
}

#[test]
fn points_join_a_part_that_leads_somewhere() {
    // The river town, and 30 m off its south-west corner a lone 20 m path joined to nothing:
    // a provider beside the path joins the path (and reaches no one) unless small parts are
    // left out, when it joins the town's corner 40 m away.
    let town = river_town();
    let mut nodes = town.nodes.clone();
    let mut edges = town.edges.clone();
    let n = nodes.len() as u32;
    nodes.push(coord! { x: -30.0, y: -10.0 });
    nodes.push(coord! { x: -30.0, y: -30.0 });
    edges.push(edge(&nodes, n, n + 1));
    let site = coord! { x: -30.0, y: -20.0 };
    let std = walk(300.0);
    let any = Network::new(Graph::new(nodes.clone(), edges.clone()));
    let big = Network::joining_parts_of(Graph::new(nodes, edges), MIN_PART_EDGES);
    assert_eq!(any.unjoinable_edges, 0);
    assert_eq!(big.unjoinable_edges, 1);
    let on_path = any.join(site, &std).unwrap();
    assert_eq!(on_path.snap.offset_m, 0.0);
    let on_town = big.join(site, &std).unwrap();
    assert!((on_town.snap.offset_m - 20.0_f64.hypot(30.0)).abs() < 1e-9);
    // A part as large as the largest is always joined, whatever the minimum.
    let lone = Network::joining_parts_of(
        Graph::new(
            vec![coord! { x: 0.0, y: 0.0 }, coord! { x: 10.0, y: 0.0 }],
            vec![edge(
                &[coord! { x: 0.0, y: 0.0 }, coord! { x: 10.0, y: 0.0 }],
                0,
                1,
            )],
        ),
        MIN_PART_EDGES,
    );
    assert!(lone.join(coord! { x: 5.0, y: 1.0 }, &std).is_some());
}

#[test]
fn an_area_less_the_kept_union_is_the_area_less_the_catchments() {
    use crate::model::Catchment;
    use crate::spatial::catchment::{uncovered_keeping, Grid};
    use geo::BooleanOps;
    let net = Arc::new(Network::new(river_town()));
    let std = NetworkStandard {
        lateral_m: 30.0,
        ..walk(800.0)
    };
    let sites = [coord! { x: 0.0, y: 400.0 }, coord! { x: 500.0, y: 200.0 }];
    let cat = catchments(&net, &std, &sites, &[]);
    let nobody = Arc::new(Vec::new());
    let cs: Vec<Catchment> = (0..2)
        .map(|k| {
            let reach = PointReach {
                known: nobody.clone(),
                reached: Vec::new(),
            };
            Catchment::Network(Arc::new(NetworkCatchment {
                network: net.clone(),
                standard: std,
                site: sites[k],
                join: cat.joins[k],
                streets: cat.streets[k].clone(),
                reach,
                polygon: Default::default(),
            }))
        })
        .collect();
    let rect = geo::Rect::new(coord! { x: 200.0, y: 100.0 }, coord! { x: 600.0, y: 500.0 });
    let shape = geo::MultiPolygon(vec![rect.to_polygon()]);
    let grid = Grid::new(geo::Rect::new(
        coord! { x: -100.0, y: -100.0 },
        coord! { x: 1100.0, y: 1100.0 },
    ));
    let (fresh, unions) = uncovered_keeping(&shape, rect, &cs, 64, Some(&grid), None);
    let (kept, _) = uncovered_keeping(&shape, rect, &cs, 64, Some(&grid), Some(&unions));
    assert_eq!(unions.len(), 1, "two catchments alike: one union");
    assert_eq!(fresh, kept);
    let covered = shape.intersection(&unions[0]).unsigned_area();
    let left = fresh.unsigned_area();
    assert!(left > 0.0 && covered > 0.0);
    assert!(
        (left + covered - 400.0 * 400.0).abs() < 1e-3,
        "{left} + {covered}"
    );
}
