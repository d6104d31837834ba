//! What the interactive map is drawn from: the areas' topology once, the figures as columns
//! (one value per area, not repeated per layer), and per service type its layers (each map
//! kind's shading, the same classes and colours as the static maps), gaps, providers, lottery
//! pairs and new sites. Coordinates are whole metres from the topology's origin in the study's
//! working CRS, which the map shows as a flat plane (no reprojection, no tiles).

use geo::{BoundingRect, Coord, MultiPolygon, SimplifyVwPreserve};

use super::arcs::{topology, Topology};
use super::json::Json;
use crate::canvas::Rgb;
use crate::maps::Shading;
use lacuna_core::metrics::coverage::Coverage;
use lacuna_core::metrics::findings::Findings;
use lacuna_io::write::Units;
use lacuna_io::LoadedStudy as Study;

/// How many screen pixels the study's extent is simplified for: lines keep every bend a
/// 4,000-pixel-wide view of the whole study would show, so zooming in four times on a full-HD
/// screen still shows no corners cut.
const PIXELS_ACROSS: f64 = 12000.0;

/// The map's data as compact JSON.
pub(crate) fn data_json(study: &Study, coverage: &Coverage, f: &Findings) -> String {
    let shapes: Vec<MultiPolygon> = study.areas.iter().map(|a| a.local.shape()).collect();
    let tolerance = tolerance(&shapes);
    let refs: Vec<&MultiPolygon> = shapes.iter().collect();
    let topo = topology(&refs, tolerance);
    let units = Units::of(study, coverage);
    let mut j = Json::object();
    j.key("title").str(if study.spec.name.is_empty() {
        "Service coverage study"
    } else {
        &study.spec.name
    });
    j.key("attribution").str(&study.spec.findings.attribution);
    j.key("crs").str(&study.working_crs.to_string());
    j.key("origin").nums([topo.origin.x, topo.origin.y], 0);
    j.key("tolerance_m").num(tolerance, 1);
    j.key("unit").str(if units.by_population {
        units.people
    } else {
        "km² of area"
    });
    j.key("by_population").bool(units.by_population);
    j.key("arcs").raw(&arcs_json(&topo));
    areas(&mut j, study, f, &topo);
    j.key("services").open_list();
    for t in 0..study.service_types.len() {
        j.element();
        service(&mut j, study, coverage, f, t, &topo.origin, tolerance);
        j.close();
    }
    j.close_list();
    j.finish()
}

/// The simplification tolerance: the study's extent over [`PIXELS_ACROSS`], at least a metre.
fn tolerance(shapes: &[MultiPolygon]) -> f64 {
    let extent =
        lacuna_core::spatial::bounding_union(shapes.iter().filter_map(|s| s.bounding_rect()))
            .map_or(0.0, |r| r.width().max(r.height()));
    (extent / PIXELS_ACROSS).max(1.0)
}

/// The arcs, each as its first point then the steps from point to point (small numbers).
fn arcs_json(topo: &Topology) -> String {
    let mut s = String::from("[");
    for (k, arc) in topo.arcs.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        s.push_str(&delta(arc));
    }
    s.push(']');
    s
}

/// Points as `[x0,y0,dx1,dy1,...]`.
fn delta(points: &[[i64; 2]]) -> String {
    use std::fmt::Write as _;
    let mut s = String::from("[");
    let mut last = [0, 0];
    for (k, p) in points.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        let _ = write!(s, "{},{}", p[0] - last[0], p[1] - last[1]);
        last = *p;
    }
    s.push(']');
    s
}

/// The areas' columns: code, name, council (an index into `councils`), population, need
/// decile, shape (arc references), and the arcs that are council boundaries.
fn areas(j: &mut Json, study: &Study, f: &Findings, topo: &Topology) {
    let mut councils: Vec<&str> = study.areas.iter().map(|a| a.group.as_str()).collect();
    councils.sort_unstable();
    councils.dedup();
    let council_of: Vec<usize> = study
        .areas
        .iter()
        .map(|a| councils.binary_search(&a.group.as_str()).unwrap_or(0))
        .collect();
    j.key("councils")
        .strs(councils.iter().map(|g| study.group_label(g)));
    j.key("areas").open();
    j.key("code")
        .strs(study.areas.iter().map(|a| a.code.as_str()));
    j.key("name")
        .strs(study.areas.iter().map(|a| a.name.as_str()));
    j.key("council").ints(council_of.iter().map(|&c| c as i64));
    // Population is the same in every service type's access; without people, none.
    let population = |i: usize| match f.services.first() {
        Some(s) if s.access.by_population => s.access.weight[i],
        _ => f64::NAN,
    };
    j.key("population")
        .nums((0..study.areas.len()).map(population), 0);
    j.key("decile")
        .ints(f.need.decile.iter().map(|d| d.map_or(0, i64::from)));
    let shape = serde_json::to_string(&topo.areas).unwrap_or_else(|_| "[]".into());
    j.key("shape").raw(&shape);
    j.close();
    // Arcs between councils, or on the study's edge: the council boundaries.
    let boundary = topo.sides.iter().enumerate().filter(|(_, s)| match s {
        [Some(a), Some(b)] => council_of[*a as usize] != council_of[*b as usize],
        _ => true,
    });
    j.key("council_arcs").ints(boundary.map(|(i, _)| i as i64));
}

/// One service type: its figures per area, its layers, gaps, providers, pairs and sites.
fn service(
    j: &mut Json,
    study: &Study,
    coverage: &Coverage,
    f: &Findings,
    t: usize,
    origin: &Coord,
    tolerance: f64,
) {
    let sf = &f.services[t];
    let n = study.areas.len();
    let types = study.service_types.len();
    j.key("key").str(&study.service_types[t]);
    j.key("label").str(&study.service_label(t));
    j.key("share").nums(
        (0..n).map(|i| {
            if sf.access.weight[i] > 0.0 {
                sf.access.share[i]
            } else {
                f64::NAN
            }
        }),
        4,
    );
    j.key("nearest_m").nums(
        (0..n).map(|i| coverage.rows[i * types + t].nearest_m.unwrap_or(f64::NAN)),
        0,
    );
    let mut rank = vec![0i64; n];
    for u in &sf.unserved {
        rank[u.area] = u.rank as i64;
    }
    j.key("unserved_rank").ints(rank);
    j.key("unserved").num(sf.unserved.len() as f64, 0);
    j.key("layers").open_list();
    for (id, name, shading) in super::layers::shadings(study, coverage, f, t) {
        j.element();
        j.key("id").str(id);
        j.key("name").str(name);
        shading_json(j, &shading);
        j.close();
    }
    j.close_list();
    gaps(j, sf, origin, tolerance);
    providers(j, study, f, t, origin);
    j.key("pairs").raw(&pairs_json(sf));
    sites(j, study, f, t, origin);
}

/// A shading as a palette of the colours it uses, each area's index into it, and the legend.
fn shading_json(j: &mut Json, s: &Shading) {
    let mut palette: Vec<Rgb> = Vec::new();
    let fill: Vec<i64> = s
        .fill
        .iter()
        .map(|c| {
            let k = palette.iter().position(|p| p == c).unwrap_or_else(|| {
                palette.push(*c);
                palette.len() - 1
            });
            k as i64
        })
        .collect();
    j.key("title").str(&s.title);
    j.key("palette").strs(
        palette
            .iter()
            .map(hex)
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    );
    j.key("fill").ints(fill);
    j.key("legend_colours").strs(
        s.legend
            .iter()
            .map(|l| hex(&l.0))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    );
    j.key("legend_labels")
        .strs(s.legend.iter().map(|l| l.1.as_str()));
}

fn hex(c: &Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Whole metres from the origin.
fn local(c: Coord, origin: &Coord) -> [i64; 2] {
    [
        (c.x - origin.x).round() as i64,
        (c.y - origin.y).round() as i64,
    ]
}

/// The gap polygons' rings, simplified like the areas, each delta-coded.
fn gaps(
    j: &mut Json,
    sf: &lacuna_core::metrics::findings::ServiceFindings,
    origin: &Coord,
    tolerance: f64,
) {
    let mut s = String::from("[");
    let mut first = true;
    for g in &sf.gaps {
        for poly in &g.shape.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                let ring = ring.simplify_vw_preserve(tolerance * tolerance);
                let mut pts: Vec<[i64; 2]> = ring.0.iter().map(|c| local(*c, origin)).collect();
                pts.dedup();
                if pts.len() < 4 {
                    continue;
                }
                if !first {
                    s.push(',');
                }
                first = false;
                s.push_str(&delta(&pts));
            }
        }
    }
    s.push(']');
    j.key("gaps").raw(&s);
}

/// The providers of type `t`: where, their id, network, and the people only they cover (when
/// the critical-providers figures were computed; NaN otherwise).
fn providers(j: &mut Json, study: &Study, f: &Findings, t: usize, origin: &Coord) {
    let name = &study.service_types[t];
    let of_type: Vec<usize> = (0..study.providers.len())
        .filter(|&i| &study.providers[i].service_type == name)
        .collect();
    let mut alone = vec![f64::NAN; study.providers.len()];
    for c in f.critical.iter().flatten() {
        alone[c.provider] = c.population;
    }
    let at: Vec<[i64; 2]> = of_type
        .iter()
        .map(|&i| local(study.providers[i].site, origin))
        .collect();
    j.key("providers").open();
    j.key("x").ints(at.iter().map(|p| p[0]));
    j.key("y").ints(at.iter().map(|p| p[1]));
    j.key("id")
        .strs(of_type.iter().map(|&i| study.providers[i].id.as_str()));
    j.key("network").strs(
        of_type
            .iter()
            .map(|&i| study.providers[i].network.as_deref().unwrap_or("")),
    );
    j.key("alone").nums(of_type.iter().map(|&i| alone[i]), 0);
    j.close();
}

/// The flagged lottery pairs: `[a, b, difference in points]`, ranked.
fn pairs_json(sf: &lacuna_core::metrics::findings::ServiceFindings) -> String {
    let items: Vec<String> = sf
        .pairs
        .iter()
        .map(|p| format!("[{},{},{:.0}]", p.a, p.b, 100.0 * p.difference))
        .collect();
    format!("[{}]", items.join(","))
}

/// The new sites chosen for type `t` (`[x, y, rank, people]`) and the sites a scenario closes
/// and opens (`[x, y]`), when there are any.
fn sites(j: &mut Json, study: &Study, f: &Findings, t: usize, origin: &Coord) {
    let chosen: Vec<String> = f
        .sites
        .iter()
        .filter(|s| s.input.service == t)
        .flat_map(|s| {
            s.chosen.iter().map(|c| {
                let p = local(s.input.candidates[c.candidate].1, origin);
                format!("[{},{},{},{:.0}]", p[0], p[1], c.rank, c.people)
            })
        })
        .collect();
    j.key("sites").raw(&format!("[{}]", chosen.join(",")));
    let name = &study.service_types[t];
    let (mut closed, mut opened) = (Vec::new(), Vec::new());
    if let Some(s) = f.scenario.as_ref().filter(|s| s.services.contains(&t)) {
        for &i in &s.change.close {
            if &study.providers[i].service_type == name {
                closed.push(local(study.providers[i].site, origin));
            }
        }
        for p in s.change.open.iter().filter(|p| &p.service_type == name) {
            opened.push(local(p.site, origin));
        }
    }
    let list = |v: &[[i64; 2]]| {
        let items: Vec<String> = v.iter().map(|p| format!("[{},{}]", p[0], p[1])).collect();
        format!("[{}]", items.join(","))
    };
    j.key("closed").raw(&list(&closed));
    j.key("opened").raw(&list(&opened));
}
