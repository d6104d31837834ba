//! GeoPackage's geometry encoding (GeoPackage 1.2/1.3, clause 2.1.3): a header ("GP", version,
//! flags, srs_id, an optional envelope) followed by standard WKB, read and written here; the
//! WKB itself by georust's `wkb`.

use geo::Geometry;
use geo_traits::to_geo::ToGeoGeometry;
use geo_traits::{Dimensions, GeometryTrait};

/// A geometry read from a GeoPackage blob.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Read {
    /// The geometry, and whether Z or M values were dropped.
    Geometry(Geometry, bool),
    /// The header's empty flag is set (or an empty point): no geometry.
    Empty,
}

/// The geometry in a GeoPackage geometry blob.
///
/// # Errors
/// A message saying what is wrong with the blob (for the feature's entry in the run report).
pub(crate) fn read(blob: &[u8]) -> Result<Read, String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err(format!(
            "the geometry is not GeoPackage binary (it starts {:02x?}, not \"GP\"): was the \
             file written by a GeoPackage tool?",
            &blob[..blob.len().min(4)]
        ));
    }
    if blob[2] != 0 {
        return Err(format!(
            "GeoPackage binary version {} (only version 0, of GeoPackage 1.x, is known)",
            blob[2]
        ));
    }
    let flags = blob[3];
    if flags & 0b0010_0000 != 0 {
        return Err("an ExtendedGeoPackageBinary geometry (a vendor extension): not read".into());
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        k => {
            return Err(format!(
                "an invalid envelope code {k} in the geometry header"
            ))
        }
    };
    let start = 8 + envelope;
    if flags & 0b0001_0000 != 0 {
        return Ok(Read::Empty);
    }
    let wkb = blob.get(start..).filter(|w| !w.is_empty()).ok_or_else(|| {
        format!(
            "the geometry blob ends inside its header ({} bytes, {start} expected before the WKB)",
            blob.len()
        )
    })?;
    let parsed = wkb::reader::read_wkb(wkb).map_err(|e| format!("invalid WKB: {e}"))?;
    let dropped = parsed.dim() != Dimensions::Xy;
    match parsed.try_to_geometry() {
        Some(g) => Ok(Read::Geometry(g, dropped)),
        None => Ok(Read::Empty),
    }
}

/// `g` as a GeoPackage geometry blob of `srs_id`: little-endian, with its XY envelope (points
/// without one, as the standard recommends).
pub(crate) fn write(g: &Geometry, srs_id: i32) -> Vec<u8> {
    use geo::BoundingRect;
    let envelope = match g {
        Geometry::Point(_) => None,
        _ => g.bounding_rect(),
    };
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"GP");
    out.push(0);
    // Bit 0: little-endian header; bits 1-3: envelope code 1 ([minx, maxx, miny, maxy]).
    out.push(if envelope.is_some() {
        0b0000_0011
    } else {
        0b0000_0001
    });
    out.extend_from_slice(&srs_id.to_le_bytes());
    if let Some(r) = envelope {
        for v in [r.min().x, r.max().x, r.min().y, r.max().y] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    let options = wkb::writer::WriteOptions {
        endianness: wkb::Endianness::LittleEndian,
    };
    // Writing into a Vec cannot fail, and every geo geometry has a WKB form.
    wkb::writer::write_geometry(&mut out, g, &options).expect("WKB of a geo geometry");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{point, polygon};

    #[test]
    fn polygons_and_points_round_trip() {
        let p: Geometry =
            polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 0.0, y: 0.0)].into();
        let blob = write(&p, 27700);
        assert_eq!(&blob[..4], b"GP\x00\x03");
        assert_eq!(i32::from_le_bytes(blob[4..8].try_into().unwrap()), 27700);
        // The envelope: minx, maxx, miny, maxy.
        assert_eq!(f64::from_le_bytes(blob[16..24].try_into().unwrap()), 2.0);
        assert_eq!(read(&blob).unwrap(), Read::Geometry(p, false));
        let q: Geometry = point!(x: 530_000.5, y: 180_000.25).into();
        let blob = write(&q, 27700);
        assert_eq!(blob.len(), 8 + 21);
        assert_eq!(read(&blob).unwrap(), Read::Geometry(q, false));
    }

    #[test]
    fn big_endian_wkb_with_z_is_read_and_z_dropped() {
        // Header: GP, version 0, flags 0 (big-endian header, no envelope), srs_id 4326 (BE).
        let mut blob = b"GP\x00\x00".to_vec();
        blob.extend_from_slice(&4326i32.to_be_bytes());
        // Big-endian WKB Point Z (type 1001): 1, 2, 3.
        blob.push(0);
        blob.extend_from_slice(&1001u32.to_be_bytes());
        for v in [1.0f64, 2.0, 3.0] {
            blob.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(
            read(&blob).unwrap(),
            Read::Geometry(point!(x: 1.0, y: 2.0).into(), true)
        );
    }

    #[test]
    fn empty_flag_and_bad_headers() {
        let mut blob = b"GP\x00\x10".to_vec();
        blob.extend_from_slice(&0i32.to_le_bytes());
        assert_eq!(read(&blob).unwrap(), Read::Empty);
        assert!(read(b"XX\x00\x01\x00\x00\x00\x00\x01")
            .unwrap_err()
            .contains("not GeoPackage binary"));
        assert!(read(b"GP\x02\x01\x00\x00\x00\x00\x01")
            .unwrap_err()
            .contains("version 2"));
        // Envelope code 1 promises 32 bytes that are not there.
        assert!(read(b"GP\x00\x03\x00\x00\x00\x00\x01\x02")
            .unwrap_err()
            .contains("ends inside"));
        let mut bad = b"GP\x00\x01".to_vec();
        bad.extend_from_slice(&0i32.to_le_bytes());
        bad.extend_from_slice(&[1, 99, 0, 0, 0]);
        assert!(read(&bad).unwrap_err().contains("invalid WKB"));
    }
}
