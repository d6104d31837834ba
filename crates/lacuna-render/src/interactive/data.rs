//! What the interactive map is drawn from: the areas' topology once, the figures as columns
//! (one value per area, not repeated per layer), and per service type its layers (each map
//! kind's shading, the same classes and colours as the static maps), gaps, providers, lottery
//! pairs and new sites. Coordinates are whole metres from the topology's origin in the study's
//! working CRS, which the map shows as a flat plane (no reprojection, no tiles).

use geo::{BoundingRect, Coord, MultiPolygon, SimplifyVwPreserve};
use serde_json::{json, Value};

use super::arcs::{local, topology, Topology};
use crate::canvas::Rgb;
use crate::maps::{self, changed_providers, Shading};
use lacuna_core::metrics::coverage::Coverage;
use lacuna_core::metrics::findings::{Finding, Findings};
use lacuna_io::write::Units;
use lacuna_io::LoadedStudy as Study;

/// How many screen pixels the study's extent is simplified for: lines keep every bend a
/// 4,000-pixel-wide view of the whole study would show, so zooming in four times on a full-HD
/// screen still shows no corners cut.
const PIXELS_ACROSS: f64 = 12000.0;

/// The map's data as compact JSON, safe inside an HTML `<script>` element.
pub(crate) fn data_json(study: &Study, coverage: &Coverage, f: &Findings) -> String {
    let shapes: Vec<MultiPolygon> = study.areas.iter().map(|a| a.local.shape()).collect();
    let tolerance = tolerance(&shapes);
    let refs: Vec<&MultiPolygon> = shapes.iter().collect();
    let topo = topology(&refs, tolerance);
    let units = Units::of(study, coverage);
    let title = crate::maps::study_name(study, "Service coverage study");
    let (councils, areas, council_arcs) = areas(study, f, &topo);
    let services: Vec<Value> = (0..study.service_types.len())
        .map(|t| service(study, coverage, f, t, &topo.origin, tolerance))
        .collect();
    let data = json!({
        "title": title,
        "attribution": study.spec.findings.attribution,
        "crs": study.working_crs.to_string(),
        "origin": [topo.origin.x, topo.origin.y],
        "tolerance_m": rounded(tolerance, 1),
        "unit": if units.by_population { units.people } else { "km² of area" },
        "by_population": units.by_population,
        "arcs": topo.arcs.iter().map(|a| delta(a)).collect::<Vec<_>>(),
        "councils": councils,
        "areas": areas,
        "council_arcs": council_arcs,
        "services": services,
    });
    // No "</script>" in a name may end the element the data sits in.
    serde_json::to_string(&data)
        .expect("JSON of plain values")
        .replace("</", "<\\/")
}

/// The simplification tolerance: the study's extent over [`PIXELS_ACROSS`], at least a metre.
fn tolerance(shapes: &[MultiPolygon]) -> f64 {
    let extent =
        lacuna_core::spatial::bounding_union(shapes.iter().filter_map(|s| s.bounding_rect()))
            .map_or(0.0, |r| r.width().max(r.height()));
    (extent / PIXELS_ACROSS).max(1.0)
}

/// `x` with at most `digits` decimals (whole numbers as integers), `null` when not finite.
fn rounded(x: f64, digits: i32) -> Value {
    if !x.is_finite() {
        return Value::Null;
    }
    let scale = 10f64.powi(digits);
    let r = (x * scale).round() / scale;
    if r.fract() == 0.0 && r.abs() < 9e15 {
        json!(r as i64)
    } else {
        json!(r)
    }
}

fn nums(v: impl IntoIterator<Item = f64>, digits: i32) -> Value {
    Value::Array(v.into_iter().map(|x| rounded(x, digits)).collect())
}

/// Points as `[x0, y0, dx1, dy1, ...]`: small numbers after the first.
fn delta(points: &[[i64; 2]]) -> Vec<i64> {
    let mut last = [0, 0];
    let mut out = Vec::with_capacity(2 * points.len());
    for p in points {
        out.extend([p[0] - last[0], p[1] - last[1]]);
        last = *p;
    }
    out
}

/// The council names; the areas' columns (code, name, council as an index into the names,
/// population, need decile, shape as arc references); and the arcs that are council boundaries.
fn areas(study: &Study, f: &Findings, topo: &Topology) -> (Vec<String>, Value, Vec<usize>) {
    let mut councils: Vec<&str> = study.areas.iter().map(|a| a.group.as_str()).collect();
    councils.sort_unstable();
    councils.dedup();
    let council_of: Vec<usize> = study
        .areas
        .iter()
        .map(|a| councils.binary_search(&a.group.as_str()).unwrap_or(0))
        .collect();
    // Population is the same in every service type's access; without people, none.
    let population = |i: usize| match f.services.first() {
        Some(s) if s.access.by_population => s.access.weight[i],
        _ => f64::NAN,
    };
    let areas = json!({
        "code": study.areas.iter().map(|a| &a.code).collect::<Vec<_>>(),
        "name": study.areas.iter().map(|a| &a.name).collect::<Vec<_>>(),
        "council": council_of,
        "population": nums((0..study.areas.len()).map(population), 0),
        "decile": f.need.decile.iter().map(|d| d.map_or(0, u8::from)).collect::<Vec<_>>(),
        "shape": topo.areas,
    });
    // Arcs between councils, or on the study's edge: the council boundaries.
    let boundary = topo
        .sides
        .iter()
        .enumerate()
        .filter(|(_, s)| match s {
            [Some(a), Some(b)] => council_of[*a as usize] != council_of[*b as usize],
            _ => true,
        })
        .map(|(i, _)| i)
        .collect();
    let names = councils
        .iter()
        .map(|g| study.group_label(g).to_string())
        .collect();
    (names, areas, boundary)
}

/// One service type: its figures per area, its layers, gaps, providers, pairs and sites.
fn service(
    study: &Study,
    coverage: &Coverage,
    f: &Findings,
    t: usize,
    origin: &Coord,
    tolerance: f64,
) -> Value {
    let sf = &f.services[t];
    let n = study.areas.len();
    let types = study.service_types.len();
    let share = (0..n).map(|i| {
        if sf.access.weight[i] > 0.0 {
            sf.access.share[i]
        } else {
            f64::NAN
        }
    });
    let nearest = (0..n).map(|i| coverage.rows[i * types + t].nearest_m.unwrap_or(f64::NAN));
    let mut rank = vec![0; n];
    for u in &sf.unserved {
        rank[u.area] = u.rank;
    }
    // The shading of each static map kind whose finding was computed, in the order the layer
    // switcher lists them.
    let coverage_layer = maps::coverage_shading(study, &study.spec.maps, coverage, t);
    let mut layers = vec![shading_json("coverage", "Coverage", &coverage_layer)];
    if f.has(Finding::Unserved) {
        let s = maps::unmet_need_shading(study, f, t);
        layers.push(shading_json("unmet_need", "Unmet need", &s));
    }
    if let Some(a) = f.capacity.services.iter().find(|a| a.service == t) {
        layers.push(shading_json(
            "access",
            "Access ratio",
            &maps::access_shading(a),
        ));
    }
    if let Some(s) = f.scenario.as_ref().filter(|s| s.services.contains(&t)) {
        let s = maps::scenario_shading(study, s, t);
        layers.push(shading_json("scenario", "Scenario change", &s));
    }
    if let Some(h) = &f.hotspots {
        let s = maps::hotspot_shading(study, h, t);
        layers.push(shading_json("hotspots", "Hot spots", &s));
    }
    let pairs: Vec<Value> = sf
        .pairs
        .iter()
        .map(|p| json!([p.a, p.b, rounded(100.0 * p.difference, 0)]))
        .collect();
    let (sites, closed, opened) = sites(study, f, t, origin);
    json!({
        "key": study.service_types[t],
        "label": study.service_label(t),
        "share": nums(share, 4),
        "nearest_m": nums(nearest, 0),
        "unserved_rank": rank,
        "unserved": sf.unserved.len(),
        "layers": layers,
        "gaps": gaps(sf, origin, tolerance),
        "providers": providers(study, f, t, origin),
        "pairs": pairs,
        "sites": sites,
        "closed": closed,
        "opened": opened,
    })
}

/// A shading as a palette of the colours it uses, each area's index into it, and the legend.
fn shading_json(id: &str, name: &str, s: &Shading) -> Value {
    let mut palette: Vec<Rgb> = Vec::new();
    let fill: Vec<usize> = s
        .fill
        .iter()
        .map(|c| {
            palette.iter().position(|p| p == c).unwrap_or_else(|| {
                palette.push(*c);
                palette.len() - 1
            })
        })
        .collect();
    json!({
        "id": id,
        "name": name,
        "title": s.title,
        "palette": palette.iter().map(Rgb::to_string).collect::<Vec<_>>(),
        "fill": fill,
        "legend_colours": s.legend.iter().map(|l| l.0.to_string()).collect::<Vec<_>>(),
        "legend_labels": s.legend.iter().map(|l| &l.1).collect::<Vec<_>>(),
    })
}

/// The gap polygons' rings, simplified like the areas, each delta-coded.
fn gaps(
    sf: &lacuna_core::metrics::findings::ServiceFindings,
    origin: &Coord,
    tolerance: f64,
) -> Vec<Vec<i64>> {
    let mut out = Vec::new();
    for poly in sf.gaps.iter().flat_map(|g| &g.shape.0) {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            let ring = ring.simplify_vw_preserve(tolerance * tolerance);
            let mut pts: Vec<[i64; 2]> = ring.0.iter().map(|c| local(*c, origin)).collect();
            pts.dedup();
            if pts.len() >= 4 {
                out.push(delta(&pts));
            }
        }
    }
    out
}

/// The providers of type `t`: where, their id, network, and the people only they cover (when
/// the critical-providers figures were computed; null otherwise).
fn providers(study: &Study, f: &Findings, t: usize, origin: &Coord) -> Value {
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
    let p = |i: &usize| &study.providers[*i];
    json!({
        "x": at.iter().map(|p| p[0]).collect::<Vec<_>>(),
        "y": at.iter().map(|p| p[1]).collect::<Vec<_>>(),
        "id": of_type.iter().map(|i| &p(i).id).collect::<Vec<_>>(),
        "network": of_type.iter().map(|i| p(i).network.as_deref().unwrap_or("")).collect::<Vec<_>>(),
        "alone": nums(of_type.iter().map(|&i| alone[i]), 0),
    })
}

/// The new sites chosen for type `t` (`[x, y, rank, people]`), and the sites a scenario closes
/// and opens (`[x, y]`).
fn sites(study: &Study, f: &Findings, t: usize, origin: &Coord) -> (Value, Value, Value) {
    let chosen: Vec<Value> = f
        .sites
        .iter()
        .filter(|s| s.input.service == t)
        .flat_map(|s| {
            s.chosen.iter().map(|c| {
                let p = local(s.input.candidates[c.candidate].1, origin);
                json!([p[0], p[1], c.rank, rounded(c.people, 0)])
            })
        })
        .collect();
    let changed = f.scenario.as_ref().filter(|s| s.services.contains(&t));
    let (closed, opened) =
        changed.map_or_else(Default::default, |s| changed_providers(study, s, t));
    let local = |v: Vec<&lacuna_core::Provider>| {
        json!(v.iter().map(|p| local(p.site, origin)).collect::<Vec<_>>())
    };
    (json!(chosen), local(closed), local(opened))
}
