//! The few domain types, all in the working CRS (metres): areas, providers with their
//! catchments, population points, and the loaded study.

use geo::{Coord, InteriorPoint, MultiPolygon};

use crate::spatial::overlay::{Disc, LocalPolygon};

/// A neighbourhood polygon (ward, LSOA, parish, ...).
#[derive(Debug, Clone)]
pub struct Area {
    /// Its code (the id column), unique in the study.
    pub code: String,
    /// Its name, or the code when the file has no name column.
    pub name: String,
    /// Its group (council), or empty.
    pub group: String,
    /// Its shape (valid, oriented), stored once in the form prepared for overlays; `shape()`
    /// gives it back as a multipolygon.
    pub local: LocalPolygon,
    /// Feature index in the input file.
    pub position: usize,
}

impl Area {
    /// An area with code `code` (also its name) and shape `polygon` in the working CRS, in no
    /// group. Ring orientation does not matter; the polygon should be valid (no
    /// self-intersections), as [`normalise::polygonal`](crate::normalise::polygonal) makes it.
    ///
    /// # Examples
    /// ```
    /// use geo::polygon;
    /// use lacuna_core::Area;
    ///
    /// let triangle = polygon![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 0.0, y: 100.0)];
    /// let ward = Area::new("W1", triangle)
    ///     .with_name("Ward One")
    ///     .with_group("C1");
    /// assert_eq!((ward.code.as_str(), ward.name.as_str()), ("W1", "Ward One"));
    /// assert_eq!(ward.local.area(), 5000.0);
    /// ```
    pub fn new(code: impl Into<String>, polygon: impl Into<MultiPolygon>) -> Area {
        let code = code.into();
        Area {
            name: code.clone(),
            code,
            group: String::new(),
            local: LocalPolygon::new(&polygon.into()),
            position: 0,
        }
    }

    /// The area with name `name`.
    pub fn with_name(mut self, name: impl Into<String>) -> Area {
        self.name = name.into();
        self
    }

    /// The area in group (council) `group`.
    pub fn with_group(mut self, group: impl Into<String>) -> Area {
        self.group = group.into();
        self
    }

    /// Its shape in the working CRS (outer rings counter-clockwise).
    pub fn shape(&self) -> MultiPolygon {
        self.local.shape()
    }
}

/// Where a service is delivered and the area it serves.
#[derive(Debug, Clone)]
pub enum Catchment {
    /// A disc of the given radius around the provider's point.
    Disc(Disc),
    /// The provider's own catchment polygon (possibly a site polygon grown by a radius).
    Polygon(Box<LocalPolygon>, MultiPolygon),
    /// What the provider reaches along a street network: the streets (its service area for the
    /// overlay) and the study's population points.
    Network(std::sync::Arc<crate::network::NetworkCatchment>),
}

/// A service provider.
#[derive(Debug, Clone)]
pub struct Provider {
    /// An identifier for messages and reports (id column, or file and position).
    pub id: String,
    /// The service type ("gp", "library", ...).
    pub service_type: String,
    /// Where the service is: the point, or a representative point of a polygon site.
    pub site: Coord,
    /// The area it serves.
    pub catchment: Catchment,
    /// Capacity, when given.
    pub capacity: Option<f64>,
    /// The named network of its provider file (`network =`), if any.
    pub network: Option<String>,
}

impl Provider {
    /// A provider of `service_type` at `site` whose catchment is the disc of `radius_m` metres
    /// around it; its id is empty until [`with_id`](Provider::with_id).
    pub fn disc(
        service_type: impl Into<String>,
        site: impl Into<Coord>,
        radius_m: f64,
    ) -> Provider {
        let site = site.into();
        let disc = Disc {
            x: site.x,
            y: site.y,
            r: radius_m,
        };
        Provider::new(service_type, site, Catchment::Disc(disc))
    }

    /// A provider of `service_type` whose catchment is `polygon` (working CRS), sited at its
    /// interior point (the origin when the polygon is empty).
    pub fn polygon(service_type: impl Into<String>, polygon: impl Into<MultiPolygon>) -> Provider {
        let shape: MultiPolygon = polygon.into();
        let site = shape.interior_point().map_or(Coord::zero(), |p| p.0);
        let local = Box::new(LocalPolygon::new(&shape));
        Provider::new(service_type, site, Catchment::Polygon(local, shape))
    }

    /// A provider without id, capacity or network.
    fn new(service_type: impl Into<String>, site: Coord, catchment: Catchment) -> Provider {
        Provider {
            id: String::new(),
            service_type: service_type.into(),
            site,
            catchment,
            capacity: None,
            network: None,
        }
    }

    /// The provider with id `id`.
    pub fn with_id(mut self, id: impl Into<String>) -> Provider {
        self.id = id.into();
        self
    }

    /// The provider with capacity `capacity` (people it can serve).
    pub fn with_capacity(mut self, capacity: f64) -> Provider {
        self.capacity = Some(capacity);
        self
    }
}

/// A population-weighted point (e.g. an ONS population-weighted centroid).
#[derive(Debug, Clone, Copy)]
pub struct PopPoint {
    /// Location.
    pub at: Coord,
    /// Population it stands for.
    pub population: f64,
    /// Index of the area it belongs to, when assigned.
    pub area: Option<usize>,
}

impl PopPoint {
    /// A point standing for `population` people at `at`, not yet assigned to an area
    /// ([`Study::with_points`](crate::Study::with_points) assigns it).
    pub fn new(at: impl Into<Coord>, population: f64) -> PopPoint {
        PopPoint {
            at: at.into(),
            population,
            area: None,
        }
    }
}

/// The groups (councils) of a set of areas: their distinct codes in sorted order, and each
/// area's group as an index into them. Built in one pass: areas come sorted by code, so
/// neighbours in the list mostly share a group, and the rest are found by hashing, not by
/// sorting tens of thousands of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Groups<'a> {
    /// Distinct group codes, sorted (the empty code too, when some area has none).
    pub codes: Vec<&'a str>,
    /// `of[i]`: area i's group, an index into `codes`.
    pub of: Vec<u32>,
}

impl<'a> Groups<'a> {
    /// The groups of `areas`.
    pub fn of(areas: &'a [Area]) -> Groups<'a> {
        let mut seen: std::collections::HashMap<&str, u32> = Default::default();
        let mut codes: Vec<&str> = Vec::new();
        let mut of = Vec::with_capacity(areas.len());
        let mut last: Option<(&str, u32)> = None;
        for a in areas {
            let g = a.group.as_str();
            let k = match last {
                Some((code, k)) if code == g => k,
                _ => *seen.entry(g).or_insert_with(|| {
                    codes.push(g);
                    (codes.len() - 1) as u32
                }),
            };
            last = Some((g, k));
            of.push(k);
        }
        // First-seen order to sorted order.
        let mut order: Vec<u32> = (0..codes.len() as u32).collect();
        order.sort_unstable_by_key(|&k| codes[k as usize]);
        let mut rank = vec![0u32; codes.len()];
        for (r, &k) in order.iter().enumerate() {
            rank[k as usize] = r as u32;
        }
        of.iter_mut().for_each(|k| *k = rank[*k as usize]);
        let codes = order.iter().map(|&k| codes[k as usize]).collect();
        Groups { codes, of }
    }

    /// The areas of each group, in area order.
    pub fn members(&self) -> Vec<Vec<usize>> {
        let mut m = vec![Vec::new(); self.codes.len()];
        for (i, &k) in self.of.iter().enumerate() {
            m[k as usize].push(i);
        }
        m
    }
}

/// Positions of items grouped by the area (or network edge, or node) each belongs to (`None`:
/// none), in one flat list (a counting sort) rather than a vector per area, which a national run
/// would need tens of thousands of: the items of area i are `ids[start[i]..start[i + 1]]`, in
/// their input order.
pub fn group_by_area(
    areas: usize,
    area_of: impl Iterator<Item = Option<usize>> + Clone,
) -> (Vec<usize>, Vec<usize>) {
    let mut start = vec![0usize; areas + 1];
    for a in area_of.clone().flatten() {
        start[a + 1] += 1;
    }
    for i in 0..areas {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut ids = vec![0usize; start[areas]];
    for (i, a) in area_of.enumerate() {
        if let Some(a) = a {
            ids[next[a]] = i;
            next[a] += 1;
        }
    }
    (start, ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_sorted_codes_and_each_area_points_at_its_own() {
        let area = |code: &str, group: &str| Area {
            code: code.into(),
            name: code.into(),
            group: group.into(),
            local: LocalPolygon::new(&MultiPolygon::new(vec![])),
            position: 0,
        };
        let areas = vec![
            area("a1", "E09"),
            area("a2", "E09"),
            area("a3", "E01"),
            area("a4", ""),
            area("a5", "E05"),
            area("a6", "E01"),
        ];
        let g = Groups::of(&areas);
        assert_eq!(g.codes, vec!["", "E01", "E05", "E09"]);
        assert_eq!(g.of, vec![3, 3, 1, 0, 2, 1]);
        for (i, a) in areas.iter().enumerate() {
            assert_eq!(g.codes[g.of[i] as usize], a.group);
        }
        assert_eq!(g.members(), vec![vec![3], vec![2, 5], vec![4], vec![0, 1]]);
    }
}
