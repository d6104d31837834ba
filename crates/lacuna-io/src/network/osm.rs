//! OpenStreetMap PBF: the ways of each profile and, when a study asks for them, the nodes and
//! closed ways carrying a tag (`amenity=pharmacy`) as provider points. Blocks are decoded in
//! parallel (osmpbf); nodes are kept in one sorted list so ways can look up their coordinates.

use std::path::Path;

use geo::Coord;
use osmpbf::{Element, ElementReader};

use super::profile::{way_use, Profile, Speeds, Use};
use super::Ways;
use crate::error::{Error, Result};

/// A feature carrying one of the wanted tags: a node, or a way standing for its nodes' mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Tagged {
    /// Which of the wanted tags (index).
    pub tag: usize,
    /// `node/ID` or `way/ID`.
    pub id: String,
    /// Its `name` tag, if any.
    pub name: Option<String>,
    /// Longitude and latitude.
    pub at: Coord,
}

/// What one pass over a PBF file collected.
#[derive(Default)]
struct Collected {
    /// (id, lon, lat) of every node.
    nodes: Vec<(i64, f64, f64)>,
    /// (way id, node refs, use per profile) of the ways some profile uses.
    ways: Vec<(i64, Vec<i64>, Vec<Option<Use>>)>,
    /// Tagged nodes: (tag, id, name, lon, lat).
    tagged_nodes: Vec<(usize, i64, Option<String>, f64, f64)>,
    /// Tagged ways: (tag, id, name, refs).
    tagged_ways: Vec<(usize, i64, Option<String>, Vec<i64>)>,
}

impl Collected {
    fn merge(mut self, mut other: Collected) -> Collected {
        self.nodes.append(&mut other.nodes);
        self.ways.append(&mut other.ways);
        self.tagged_nodes.append(&mut other.tagged_nodes);
        self.tagged_ways.append(&mut other.tagged_ways);
        self
    }
}

/// `key=value` pairs (`amenity=pharmacy`; `shop=*` for any value).
fn wanted_match(wanted: &[(String, String)], tags: &[(&str, &str)]) -> Option<usize> {
    wanted
        .iter()
        .position(|(k, v)| tags.iter().any(|(tk, tv)| tk == k && (v == "*" || tv == v)))
}

/// The ways of `profiles` and the features with `wanted` tags in the PBF file at `path`.
/// Coordinates are WGS84 longitude and latitude. The second value counts way segments left out
/// because a node is missing from the extract (ways cut at its edge).
pub fn read(
    path: &Path,
    profiles: &[Profile],
    speeds: &Speeds,
    wanted: &[(String, String)],
) -> Result<(Vec<Ways>, Vec<Tagged>, usize)> {
    let fail = |e: osmpbf::Error| Error::Format {
        path: path.to_path_buf(),
        message: format!(
            "not a readable OpenStreetMap PBF file ({e}); download the extract again (e.g. \
             from Geofabrik) or convert it with osmium"
        ),
    };
    let reader = ElementReader::from_path(path).map_err(fail)?;
    let all = reader
        .par_map_reduce(
            |el| collect(el, profiles, speeds, wanted),
            Collected::default,
            Collected::merge,
        )
        .map_err(fail)?;
    let Collected {
        mut nodes,
        mut ways,
        tagged_nodes,
        tagged_ways,
    } = all;
    nodes.sort_unstable_by_key(|n| n.0);
    ways.sort_unstable_by_key(|w| w.0);
    let find = |id: i64| nodes.binary_search_by_key(&id, |n| n.0).ok();
    let coords: Vec<Coord> = nodes.iter().map(|&(_, x, y)| Coord { x, y }).collect();
    let mut missing = 0;
    let out = (0..profiles.len())
        .map(|k| {
            let mut list = Vec::new();
            for (_, refs, uses) in &ways {
                let Some(u) = uses[k] else { continue };
                // A way cut by the extract's edge: keep its runs of present nodes.
                let mut run: Vec<u32> = Vec::new();
                for &r in refs {
                    match find(r) {
                        Some(i) => run.push(i as u32),
                        None => {
                            missing += 1;
                            if run.len() > 1 {
                                list.push((std::mem::take(&mut run), u));
                            }
                            run.clear();
                        }
                    }
                }
                if run.len() > 1 {
                    list.push((run, u));
                }
            }
            Ways {
                nodes: coords.clone(),
                ways: list,
            }
        })
        .collect();
    let mut tagged: Vec<Tagged> = tagged_nodes
        .into_iter()
        .map(|(tag, id, name, x, y)| Tagged {
            tag,
            id: format!("node/{id}"),
            name,
            at: Coord { x, y },
        })
        .collect();
    for (tag, id, name, refs) in tagged_ways {
        let pts: Vec<Coord> = refs
            .iter()
            .filter_map(|&r| find(r))
            .map(|i| coords[i])
            .collect();
        // A closed way repeats its first node: count it once.
        let pts = if pts.len() > 1 && pts.first() == pts.last() {
            &pts[1..]
        } else {
            &pts[..]
        };
        if pts.is_empty() {
            continue;
        }
        let n = pts.len() as f64;
        let at = Coord {
            x: pts.iter().map(|c| c.x).sum::<f64>() / n,
            y: pts.iter().map(|c| c.y).sum::<f64>() / n,
        };
        tagged.push(Tagged {
            tag,
            id: format!("way/{id}"),
            name,
            at,
        });
    }
    tagged.sort_by(|a, b| a.id.cmp(&b.id));
    Ok((out, tagged, missing / profiles.len().max(1)))
}

fn collect(
    el: Element<'_>,
    profiles: &[Profile],
    speeds: &Speeds,
    wanted: &[(String, String)],
) -> Collected {
    let mut c = Collected::default();
    let name = |tags: &[(&str, &str)]| {
        tags.iter()
            .find(|(k, _)| *k == "name")
            .map(|(_, v)| v.to_string())
    };
    match el {
        Element::Node(n) => {
            c.nodes.push((n.id(), n.lon(), n.lat()));
            let tags: Vec<(&str, &str)> = n.tags().collect();
            if let Some(t) = wanted_match(wanted, &tags) {
                c.tagged_nodes
                    .push((t, n.id(), name(&tags), n.lon(), n.lat()));
            }
        }
        Element::DenseNode(n) => {
            c.nodes.push((n.id(), n.lon(), n.lat()));
            if !wanted.is_empty() {
                let tags: Vec<(&str, &str)> = n.tags().collect();
                if let Some(t) = wanted_match(wanted, &tags) {
                    c.tagged_nodes
                        .push((t, n.id(), name(&tags), n.lon(), n.lat()));
                }
            }
        }
        Element::Way(w) => {
            let tags: Vec<(&str, &str)> = w.tags().collect();
            let tag = |k: &str| {
                tags.iter()
                    .find(|(tk, _)| *tk == k)
                    .map(|(_, v)| v.to_string())
            };
            let uses: Vec<Option<Use>> =
                profiles.iter().map(|&p| way_use(p, &tag, speeds)).collect();
            if uses.iter().any(Option::is_some) {
                c.ways.push((w.id(), w.refs().collect(), uses));
            }
            if let Some(t) = wanted_match(wanted, &tags) {
                c.tagged_ways
                    .push((t, w.id(), name(&tags), w.refs().collect()));
            }
        }
        Element::Relation(_) => {}
    }
    c
}
