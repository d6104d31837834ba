//! Street networks read from files: an OpenStreetMap PBF extract ([`osm`]) or a line layer
//! (GeoJSON, GeoPackage, Shapefile, FlatGeobuf) whose lines carry OpenStreetMap's tags as
//! properties (`highway`, `oneway`, `maxspeed`, ...), built into one graph per travel profile
//! in the working CRS ([`profile`] says which streets each profile uses).

pub mod osm;
pub mod profile;
pub mod sources;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use geo::{Coord, Geometry};
use lacuna_core::network::{Edge, Graph, MIN_PART_EDGES};
use serde::{Deserialize, Serialize};

use crate::crs::{Crs, Transformer, WGS84};
use crate::error::{Error, Result};
use crate::layer::{read_layer, ReadOptions};
use profile::{way_use, Profile, Speeds, Use};

/// The study's street network (`[network]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// An OpenStreetMap extract (`.osm.pbf`) or a line layer with OSM tags as properties.
    #[serde(serialize_with = "crate::config::lossy_path")]
    pub path: PathBuf,
    /// Walking speed in km/h (default 4.8).
    pub walk_kmh: Option<f64>,
    /// Driving speeds by highway class in km/h (`[network.drive_kmh] residential = 30`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub drive_kmh: BTreeMap<String, f64>,
    /// Providers and points farther than this from every street are off the network (default
    /// 250 m).
    pub snap_max_m: Option<f64>,
    /// How far either side of a reachable street a service area extends (default 50 m).
    pub lateral_m: Option<f64>,
    /// Providers and points join only connected parts of the network with at least this many
    /// edges (default 50; 0 joins any part): a path mapped joined to nothing would trap them.
    pub min_part_edges: Option<usize>,
    /// Walk trunk roads without `sidewalk` tags (default false: only tagged ones), for towns
    /// whose A roads have pavements OpenStreetMap does not record.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub walk_trunk: bool,
    /// CRS of a line layer that declares none.
    #[serde(
        default,
        with = "crate::config::opt_crs",
        skip_serializing_if = "Option::is_none"
    )]
    pub crs: Option<Crs>,
    /// The layer of a GeoPackage with several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Where the file comes from (e.g. "© OpenStreetMap contributors, ODbL, Geofabrik extract
    /// of 2024-03-13").
    pub source: Option<String>,
    /// Also write the graph as built (`network_edges_PROFILE.csv`; `lacuna network` sets it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub write_graph: bool,
}

/// The default distance beyond which a point is off the network, metres.
pub const SNAP_MAX_M: f64 = 250.0;
/// The default half-width of a service area around its streets, metres.
pub const LATERAL_M: f64 = 50.0;

impl NetworkSpec {
    /// The speeds it sets.
    pub fn speeds(&self) -> Speeds {
        Speeds {
            walk_kmh: self.walk_kmh.unwrap_or(Speeds::default().walk_kmh),
            drive_kmh: self.drive_kmh.clone(),
            walk_trunk: self.walk_trunk,
        }
    }

    /// The snapping distance: `snap_max_m`, else [`SNAP_MAX_M`].
    pub fn snap_max_m(&self) -> f64 {
        self.snap_max_m.unwrap_or(SNAP_MAX_M)
    }

    /// The service areas' half-width: `lateral_m`, else [`LATERAL_M`].
    pub fn lateral_m(&self) -> f64 {
        self.lateral_m.unwrap_or(LATERAL_M)
    }

    /// The smallest part points join: `min_part_edges`, else [`MIN_PART_EDGES`].
    pub fn min_part_edges(&self) -> usize {
        self.min_part_edges.unwrap_or(MIN_PART_EDGES)
    }

    /// Whether the file is an OpenStreetMap PBF extract.
    pub fn is_pbf(&self) -> bool {
        is_pbf(&self.path)
    }
}

/// Whether `path` names an OpenStreetMap PBF file.
pub fn is_pbf(path: &Path) -> bool {
    path.to_string_lossy()
        .to_ascii_lowercase()
        .ends_with(".pbf")
}

/// Streets as polylines over a shared list of node coordinates, with how a profile uses each.
#[derive(Debug, Clone, Default)]
pub struct Ways {
    /// Node coordinates.
    pub nodes: Vec<Coord>,
    /// Each way: its nodes in order, and its use.
    pub ways: Vec<(Vec<u32>, Use)>,
}

/// What reading a network found, for the run report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NetworkReport {
    /// The file.
    pub path: String,
    /// Its CRS and how it was found.
    pub crs: String,
    /// Per profile: the graph's nodes, edges, kilometres of street and connected parts.
    pub profiles: Vec<ProfileReport>,
    /// Way segments left out because a node is missing from the extract.
    pub missing_nodes: usize,
    /// Line features left out (no line geometry) or read in part.
    pub notes: Vec<String>,
    /// The file's `source`, with the OpenStreetMap attribution for PBF files.
    pub source: Option<String>,
}

/// One profile's graph, summarised.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProfileReport {
    /// The profile.
    pub profile: String,
    /// Nodes.
    pub nodes: usize,
    /// Edges.
    pub edges: usize,
    /// Kilometres of street.
    pub km: f64,
    /// Connected parts (directions ignored).
    pub parts: usize,
    /// Share of edges in the largest part.
    pub largest_share: f64,
    /// Edges of parts too small for points to join (`min_part_edges`).
    pub unjoinable_edges: usize,
}

/// The attribution every output from OpenStreetMap data must carry (ODbL).
pub const OSM_ATTRIBUTION: &str = "© OpenStreetMap contributors (ODbL)";

/// Reads the network of `spec` for `profiles` into graphs in `working` (metres).
///
/// # Errors
/// When the file cannot be read, has no street for a profile, or its CRS is unknown.
pub fn read(
    spec: &NetworkSpec,
    profiles: &[Profile],
    working: Crs,
) -> Result<(BTreeMap<Profile, Graph>, NetworkReport)> {
    let speeds = spec.speeds();
    let (ways, crs, missing, mut notes) = if spec.is_pbf() {
        let (ways, _, missing) = osm::read(&spec.path, profiles, &speeds, &[])?;
        (
            ways,
            (WGS84, "OpenStreetMap PBF (WGS84)".to_string()),
            missing,
            Vec::new(),
        )
    } else {
        let (ways, crs, notes) = read_lines(spec, profiles, &speeds)?;
        (ways, crs, 0, notes)
    };
    let t = Transformer::new(crs.0, working).map_err(|e| Error::crs(&spec.path, e))?;
    let mut graphs = BTreeMap::new();
    let mut report = NetworkReport {
        path: spec.path.display().to_string(),
        crs: format!("{} ({})", crs.0, crs.1),
        missing_nodes: missing,
        source: match (&spec.source, spec.is_pbf()) {
            (Some(s), _) => Some(s.clone()),
            (None, true) => Some(OSM_ATTRIBUTION.to_string()),
            (None, false) => None,
        },
        ..NetworkReport::default()
    };
    for (&profile, mut w) in profiles.iter().zip(ways) {
        t.apply(&mut w.nodes)
            .map_err(|e| Error::crs(&spec.path, e))?;
        let g = graph(&w);
        if g.edges.is_empty() {
            return Err(Error::Format {
                path: spec.path.clone(),
                message: format!(
                    "no street a {profile} profile can use (see the profile's tag table in \
                     docs/methods.md): is this the right file, and do its lines carry a \
                     `highway` property?"
                ),
            });
        }
        let (_, parts) = g.components();
        report.profiles.push(ProfileReport {
            profile: profile.to_string(),
            nodes: g.nodes.len(),
            edges: g.edges.len(),
            km: g.edges.iter().map(|e| e.length).sum::<f64>() / 1000.0,
            parts: parts.len(),
            largest_share: parts
                .first()
                .map_or(0.0, |&l| l as f64 / g.edges.len() as f64),
            unjoinable_edges: 0,
        });
        graphs.insert(profile, g);
    }
    report.notes.append(&mut notes);
    Ok((graphs, report))
}

/// The WGS84 bounding box (min lon, min lat, max lon, max lat) of the streets of `profiles`.
///
/// # Errors
/// As [`read`].
pub fn wgs84_extent(spec: &NetworkSpec, profiles: &[Profile]) -> Result<[f64; 4]> {
    let (graphs, _) = read(spec, profiles, WGS84)?;
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for c in graphs.values().flat_map(|g| &g.nodes) {
        b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
    }
    Ok(b)
}

/// The graph of `ways` (coordinates in metres): the nodes some way uses, numbered in the order
/// first met, and one edge per consecutive pair of a way's nodes.
pub fn graph(ways: &Ways) -> Graph {
    let mut index: HashMap<u32, u32> = HashMap::new();
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (refs, u) in &ways.ways {
        let mut prev: Option<u32> = None;
        for &r in refs {
            let id = *index.entry(r).or_insert_with(|| {
                nodes.push(ways.nodes[r as usize]);
                (nodes.len() - 1) as u32
            });
            if let Some(p) = prev.filter(|&p| p != id) {
                let d = nodes[id as usize] - nodes[p as usize];
                edges.push(Edge {
                    a: p,
                    b: id,
                    length: d.x.hypot(d.y),
                    speed: u.speed,
                    forward: u.forward,
                    backward: u.backward,
                });
            }
            prev = Some(id);
        }
    }
    Graph::new(nodes, edges)
}

/// A line layer's ways per profile, its CRS and how it was found, and the reader's notes.
type LineNetwork = (Vec<Ways>, (Crs, String), Vec<String>);

/// A line layer as ways: lines meet where they share a vertex (exactly), as a network
/// exported from a GIS does.
fn read_lines(spec: &NetworkSpec, profiles: &[Profile], speeds: &Speeds) -> Result<LineNetwork> {
    let opts = ReadOptions {
        crs: spec.crs,
        xy_columns: None,
        layer: spec.layer.clone(),
    };
    let layer = read_layer(&spec.path, &opts)?;
    let crs = layer.crs.ok_or_else(|| {
        Error::crs(
            &spec.path,
            "the network layer declares no CRS: set crs = \"EPSG:NNNN\" in [network]",
        )
    })?;
    let mut at: HashMap<[u64; 2], u32> = HashMap::new();
    let mut nodes: Vec<Coord> = Vec::new();
    let mut out: Vec<Ways> = profiles.iter().map(|_| Ways::default()).collect();
    let mut skipped = 0usize;
    for f in &layer.features {
        let tag = |k: &str| {
            layer
                .column_index(k)
                .and_then(|i| f.values[i].as_text())
                .filter(|s| !s.is_empty())
        };
        let lines: Vec<&geo::LineString> = match &f.geometry {
            Some(Geometry::LineString(l)) => vec![l],
            Some(Geometry::MultiLineString(m)) => m.0.iter().collect(),
            _ => {
                skipped += 1;
                continue;
            }
        };
        for (k, &p) in profiles.iter().enumerate() {
            let Some(u) = way_use(p, &tag, speeds) else {
                continue;
            };
            for l in &lines {
                let refs: Vec<u32> =
                    l.0.iter()
                        .map(|c| {
                            *at.entry([c.x.to_bits(), c.y.to_bits()]).or_insert_with(|| {
                                nodes.push(*c);
                                (nodes.len() - 1) as u32
                            })
                        })
                        .collect();
                if refs.len() > 1 {
                    out[k].ways.push((refs, u));
                }
            }
        }
    }
    for w in &mut out {
        w.nodes = nodes.clone();
    }
    let mut notes = layer.notes.clone();
    if skipped > 0 {
        notes.push(format!(
            "{skipped} feature(s) without a line geometry left out of the network"
        ));
    }
    Ok((out, (crs, layer.crs_source.clone()), notes))
}
