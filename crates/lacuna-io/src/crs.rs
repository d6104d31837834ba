//! Coordinate reference systems: parsing user and file declarations, choosing the working
//! (projected, metric) CRS, and transforming coordinates with the pure-Rust `proj4rs`.
//!
//! All computation happens in one working CRS in metres. British National Grid (EPSG:27700) is
//! chosen for data in Great Britain, otherwise the WGS84 UTM zone of the data's centre.
//! proj4rs shifts OSGB36 to WGS84 with the 7-parameter Helmert transform, which is 2 to 5 m
//! from the OSTN15 grid: negligible for catchments of hundreds of metres, and documented.

use std::fmt;

use geo::Coord;
use proj4rs::Proj;

/// A coordinate reference system identified by its EPSG code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Crs(pub u16);

/// WGS84 longitude/latitude (GeoJSON's RFC 7946 CRS).
pub const WGS84: Crs = Crs(4326);
/// British National Grid.
pub const BNG: Crs = Crs(27700);

/// Parses as [`Crs::parse`] does; the error says how to write a CRS (for flags and studies).
impl std::str::FromStr for Crs {
    type Err = String;
    fn from_str(s: &str) -> Result<Crs, String> {
        Crs::parse(s)
            .ok_or_else(|| format!("unknown CRS {s:?}: write it as EPSG:NNNN, e.g. EPSG:27700"))
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EPSG:{}", self.0)
    }
}

impl Crs {
    /// Parses `EPSG:27700`, `epsg:4326`, `27700`, `urn:ogc:def:crs:EPSG::27700`,
    /// `urn:ogc:def:crs:OGC:1.3:CRS84`, `CRS84` or `WGS84`.
    ///
    /// Returns `None` when the text names no CRS this tool knows.
    pub fn parse(text: &str) -> Option<Crs> {
        let t = text.trim();
        let upper = t.to_ascii_uppercase();
        if upper.ends_with("CRS84") || upper == "WGS84" || upper == "WGS 84" {
            return Some(WGS84);
        }
        let code = upper
            .rsplit([':', '/'])
            .find(|s| !s.is_empty())
            .unwrap_or("");
        let code: u16 = code.parse().ok()?;
        if !upper.contains("EPSG") && upper.parse::<u16>().is_err() {
            return None;
        }
        let crs = Crs(code);
        crs.proj().ok()?;
        Some(crs)
    }

    /// True when coordinates are longitude/latitude in degrees.
    pub fn is_geographic(&self) -> bool {
        self.proj().map(|p| p.is_latlong()).unwrap_or(false)
    }

    /// The length in metres of one unit of a projected CRS's coordinates: 1 for metres,
    /// 0.3048006096012192 for US survey feet (proj applies it when transforming).
    pub fn unit_metres(&self) -> f64 {
        self.proj()
            .ok()
            .filter(|p| !p.is_latlong())
            .map_or(1.0, |p| p.to_meter())
    }

    /// The proj4rs projection for this CRS.
    pub fn proj(&self) -> Result<Proj, String> {
        Proj::from_epsg_code(self.0).map_err(|e| format!("EPSG:{} is not supported ({e})", self.0))
    }

    /// The working CRS for data whose WGS84 bounding box is `bbox` (min lon, min lat, max lon,
    /// max lat): British National Grid inside Great Britain, else the WGS84 UTM zone of the centre.
    pub fn working_for(bbox: [f64; 4]) -> Crs {
        let [x0, y0, x1, y1] = bbox;
        if x0 >= -9.0 && x1 <= 2.5 && y0 >= 49.5 && y1 <= 61.0 {
            return BNG;
        }
        let lon = (x0 + x1) / 2.0;
        let lat = (y0 + y1) / 2.0;
        let zone = (((lon + 180.0) / 6.0).floor() as i32).clamp(0, 59) as u16 + 1;
        if lat >= 0.0 {
            Crs(32600 + zone)
        } else {
            Crs(32700 + zone)
        }
    }

    /// The range coordinates in this CRS can plausibly take, as (min x, min y, max x, max y);
    /// used to catch swapped axes and metres declared as degrees.
    pub fn plausible_range(&self) -> [f64; 4] {
        match self.0 {
            27700 => [-100_000.0, -100_000.0, 800_000.0, 1_400_000.0],
            _ if self.is_geographic() => [-180.0, -90.0, 180.0, 90.0],
            _ => [-2.0e7, -2.0e7, 2.0e7, 2.0e7],
        }
    }
}

/// Transforms coordinates from one CRS to another; an identity when both are equal.
pub struct Transformer {
    from: Crs,
    to: Crs,
    projs: Option<(Proj, Proj)>,
}

struct CoordSlice<'a>(&'a mut [Coord]);

impl proj4rs::transform::Transform for CoordSlice<'_> {
    fn transform_coordinates<F: proj4rs::transform::TransformClosure>(
        &mut self,
        f: &mut F,
    ) -> proj4rs::errors::Result<()> {
        for c in self.0.iter_mut() {
            let (x, y, _) = f(c.x, c.y, 0.0)?;
            c.x = x;
            c.y = y;
        }
        Ok(())
    }
}

impl Transformer {
    /// A transformer from `from` to `to`.
    pub fn new(from: Crs, to: Crs) -> Result<Self, String> {
        let projs = if from == to {
            None
        } else {
            Some((from.proj()?, to.proj()?))
        };
        Ok(Transformer { from, to, projs })
    }

    /// True when the transform does nothing.
    pub fn is_identity(&self) -> bool {
        self.projs.is_none()
    }

    /// Transforms coordinates in place (degrees in and out for geographic CRSs).
    pub fn apply(&self, coords: &mut [Coord]) -> Result<(), String> {
        let Some((src, dst)) = &self.projs else {
            return Ok(());
        };
        if src.is_latlong() {
            coords.iter_mut().for_each(|c| {
                c.x = c.x.to_radians();
                c.y = c.y.to_radians();
            });
        }
        proj4rs::transform::transform(src, dst, &mut CoordSlice(coords))
            .map_err(|e| format!("transform {} -> {} failed: {e}", self.from, self.to))?;
        if dst.is_latlong() {
            coords.iter_mut().for_each(|c| {
                c.x = c.x.to_degrees();
                c.y = c.y.to_degrees();
            });
        }
        if coords.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
            return Err(format!(
                "transform {} -> {} gave a non-finite coordinate (input outside the CRS's area?)",
                self.from, self.to
            ));
        }
        Ok(())
    }

    /// One coordinate transformed.
    pub fn point(&self, c: Coord) -> Result<Coord, String> {
        let mut one = [c];
        self.apply(&mut one).map(|()| one[0])
    }

    /// Transforms every coordinate of a geometry in place.
    pub fn apply_geometry(&self, g: &mut geo::Geometry) -> Result<(), String> {
        if self.is_identity() {
            return Ok(());
        }
        use geo::{Geometry as G, MapCoordsInPlace};
        let f = |c: Coord| self.point(c);
        // Matching by hand: the generic Geometry impl overflows the recursion limit when
        // instantiated with a closure (GeometryCollection recurses into itself).
        match g {
            G::Point(x) => x.try_map_coords_in_place(f),
            G::Line(x) => x.try_map_coords_in_place(f),
            G::LineString(x) => x.try_map_coords_in_place(f),
            G::Polygon(x) => x.try_map_coords_in_place(f),
            G::MultiPoint(x) => x.try_map_coords_in_place(f),
            G::MultiLineString(x) => x.try_map_coords_in_place(f),
            G::MultiPolygon(x) => x.try_map_coords_in_place(f),
            G::Rect(x) => x.try_map_coords_in_place(f),
            G::Triangle(x) => x.try_map_coords_in_place(f),
            G::GeometryCollection(gc) => gc.0.iter_mut().try_for_each(|g| self.apply_geometry(g)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn parses_common_spellings() {
        assert_eq!(Crs::parse("EPSG:27700"), Some(BNG));
        assert_eq!(Crs::parse("epsg:4326"), Some(WGS84));
        assert_eq!(Crs::parse("urn:ogc:def:crs:EPSG::27700"), Some(BNG));
        assert_eq!(Crs::parse("urn:ogc:def:crs:OGC:1.3:CRS84"), Some(WGS84));
        assert_eq!(Crs::parse("27700"), Some(BNG));
        assert_eq!(Crs::parse("EPSG:99999"), None);
        assert_eq!(Crs::parse("British National Grid"), None);
    }

    #[test]
    fn working_crs_is_bng_in_britain_and_utm_elsewhere() {
        assert_eq!(Crs::working_for([-2.73, 53.32, -1.90, 53.69]), BNG);
        // Paris: UTM 31N.
        assert_eq!(Crs::working_for([2.2, 48.8, 2.5, 48.9]), Crs(32631));
        // Sydney: UTM 56S.
        assert_eq!(Crs::working_for([151.0, -34.0, 151.3, -33.8]), Crs(32756));
    }

    #[test]
    fn an_epsg_code_in_feet_is_transformed_to_metres() {
        // EPSG:2263 (New York Long Island, US survey feet) and EPSG:32118 (the same projection in
        // metres): a square 3280.8333 ftUS on a side is 1 km on a side.
        assert_eq!(Crs(2263).unit_metres(), 1200.0 / 3937.0);
        assert_eq!(Crs(32118).unit_metres(), 1.0);
        assert_eq!(BNG.unit_metres(), 1.0);
        let side = 1000.0 * 3937.0 / 1200.0;
        let t = Transformer::new(Crs(2263), Crs(32118)).unwrap();
        let mut c = [
            Coord {
                x: 1_000_000.0,
                y: 200_000.0,
            },
            Coord {
                x: 1_000_000.0 + side,
                y: 200_000.0 + side,
            },
        ];
        t.apply(&mut c).unwrap();
        assert_abs_diff_eq!(c[1].x - c[0].x, 1000.0, epsilon = 1e-6);
        assert_abs_diff_eq!(c[1].y - c[0].y, 1000.0, epsilon = 1e-6);
    }

    #[test]
    fn wgs84_to_bng_matches_ordnance_survey_within_metres() {
        // OS trig point Caister Water Tower: ETRS89 52.658007833, 1.716073972 ->
        // OSGB36 E 651409.903, N 313177.270 (OS "A guide to coordinate systems", OSTN15).
        // The Helmert shift is within 5 m of OSTN15.
        let t = Transformer::new(WGS84, BNG).unwrap();
        let mut c = [Coord {
            x: 1.716073972,
            y: 52.658007833,
        }];
        t.apply(&mut c).unwrap();
        assert_abs_diff_eq!(c[0].x, 651409.903, epsilon = 5.0);
        assert_abs_diff_eq!(c[0].y, 313177.270, epsilon = 5.0);
        let back = Transformer::new(BNG, WGS84).unwrap();
        back.apply(&mut c).unwrap();
        assert_abs_diff_eq!(c[0].x, 1.716073972, epsilon = 1e-7);
        assert_abs_diff_eq!(c[0].y, 52.658007833, epsilon = 1e-7);
    }
}
