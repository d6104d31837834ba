//! ESRI Shapefile reader: geometry from `.shp`, attributes from `.dbf` (decoded with the `.cpg`
//! code page when present), and the CRS from `.prj`, which the `shapefile` crate ignores and
//! [`super::prj`] recognises.

use std::path::Path;

use ::shapefile::dbase::FieldValue;

use super::{prj, resolve_crs, Layer, RawFeature, ReadOptions, Skipped, Value};
use crate::error::{Error, Result};

fn field_value(v: FieldValue) -> Value {
    match v {
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => Value::Text(s),
        FieldValue::Numeric(Some(x)) | FieldValue::Double(x) | FieldValue::Currency(x) => {
            Value::Number(x)
        }
        FieldValue::Float(Some(x)) => Value::Number(x as f64),
        FieldValue::Integer(i) => Value::Number(i as f64),
        FieldValue::Logical(Some(b)) => Value::Text(b.to_string()),
        FieldValue::Date(Some(d)) => {
            Value::Text(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        _ => Value::Null,
    }
}

/// Reads a shapefile and its sidecar files.
///
/// # Errors
/// When `.shp`, `.shx` or `.dbf` cannot be read, or when the `.prj` is missing or describes a CRS
/// this tool does not know and `--crs` was not given (or contradicts it).
pub fn read(path: &Path, opts: &ReadOptions) -> Result<Layer> {
    let prj_path = path.with_extension("prj");
    let mut scale = 1.0;
    let declared = match std::fs::read(&prj_path) {
        Ok(bytes) => match prj::recognise(&String::from_utf8_lossy(&bytes)) {
            Ok(d) => {
                scale = d.scale;
                Some((d.crs, format!("recognised from {}", d.how)))
            }
            Err(_) if opts.crs.is_some() => None,
            Err(msg) => {
                return Err(Error::crs(
                    path,
                    format!(
                        "{msg} ({}); reproject the file to EPSG:27700 or EPSG:4326, or pass \
                         --crs EPSG:NNNN if you know its CRS",
                        prj_path.display()
                    ),
                ))
            }
        },
        Err(_) => None,
    };
    let (crs, crs_source) = resolve_crs(
        path,
        declared,
        opts,
        None,
        &format!(
            "no {} beside the shapefile, so its coordinates could be in any CRS; pass --crs \
             EPSG:NNNN (EPSG:27700 for British National Grid) or add the .prj",
            prj_path.file_name().unwrap_or_default().to_string_lossy()
        ),
    )?;

    let shp_err = |e: ::shapefile::Error| {
        let hint = match e {
            ::shapefile::Error::MissingDbf => " (the .dbf attribute file is missing)",
            _ => "",
        };
        Error::format(path, format!("cannot read shapefile: {e}{hint}"))
    };
    let columns: Vec<String> = ::shapefile::dbase::Reader::from_path(path.with_extension("dbf"))
        .map_err(|e| Error::format(path, format!("cannot read the .dbf: {e}")))?
        .fields()
        .iter()
        .map(|f| f.name().to_string())
        .filter(|n| n != "DeletionFlag")
        .collect();
    let reader = ::shapefile::Reader::from_path(path).map_err(shp_err)?;
    let (mut features, mut skipped) = read_records(path, reader, &columns)?;
    let has_cpg = path.with_extension("cpg").exists();
    let garbled = |fs: &[RawFeature]| {
        fs.iter()
            .flat_map(|f| &f.values)
            .any(|v| matches!(v, Value::Text(t) if t.contains('\u{FFFD}')))
    };
    let mut encoding_note = None;
    if !has_cpg && garbled(&features) {
        // No .cpg and not valid UTF-8: most such files from UK GIS tools are Windows-1252
        // (Latin-1 plus a few symbols), which keeps Welsh and accented names readable.
        let dbf =
            std::fs::File::open(path.with_extension("dbf")).map_err(|e| Error::io(path, e))?;
        let dbase = ::shapefile::dbase::ReaderBuilder::new()
            .with_encoding(::shapefile::dbase::encoding::EncodingRs::from(
                encoding_rs::WINDOWS_1252,
            ))
            .build(std::io::BufReader::new(dbf))
            .map_err(|e| Error::format(path, format!("cannot read the .dbf: {e}")))?;
        let shapes = ::shapefile::ShapeReader::from_path(path).map_err(shp_err)?;
        let (f2, s2) = read_records(path, ::shapefile::Reader::new(shapes, dbase), &columns)?;
        features = f2;
        skipped = s2;
        encoding_note = Some(
            "the .dbf has no .cpg and its text is not UTF-8: read as Windows-1252 (Latin-1); add a \
             .cpg file naming the encoding if names look wrong"
                .to_string(),
        );
    }
    if scale != 1.0 {
        // The file's unit (feet) is not its CRS's: x and y scale alike, the false origin with
        // them, so multiplying is the exact conversion.
        use geo::MapCoordsInPlace;
        for g in features.iter_mut().filter_map(|f| f.geometry.as_mut()) {
            g.map_coords_in_place(|c| geo::Coord {
                x: c.x * scale,
                y: c.y * scale,
            });
        }
    }
    let mut notes = vec![format!("CRS {crs}: {crs_source}")];
    if has_cpg {
        notes.push("attribute encoding from the .cpg file".into());
    }
    notes.extend(encoding_note);
    let layer = Layer::features(path, crs, crs_source, columns, features, skipped, notes);
    Ok(layer)
}

/// A shape as geometry, with what had to be fixed to read it. Polygons are assembled from their
/// rings here: the `shapefile` crate refuses a counter-clockwise ring with no clockwise ring
/// before it ("Inner ring without a previous outer ring"), which GDAL, QGIS and shapely read as
/// an outer ring.
fn geometry(
    shape: ::shapefile::Shape,
) -> std::result::Result<(Option<geo::Geometry>, Option<String>), ::shapefile::Error> {
    use ::shapefile::Shape;
    let xy = |x: f64, y: f64| geo::Coord { x, y };
    let (mp, promoted) = match shape {
        Shape::NullShape => return Ok((None, None)),
        Shape::Polygon(p) => assemble(rings(p.into_inner(), |p| xy(p.x, p.y))),
        Shape::PolygonM(p) => assemble(rings(p.into_inner(), |p| xy(p.x, p.y))),
        Shape::PolygonZ(p) => assemble(rings(p.into_inner(), |p| xy(p.x, p.y))),
        other => return Ok((Some(geo::Geometry::try_from(other)?), None)),
    };
    let fixed = (promoted > 0).then(|| {
        format!(
            "{promoted} counter-clockwise ring(s) with no clockwise (outer) ring around them read \
             as outer rings, as GDAL does (ESRI order is outer rings clockwise)"
        )
    });
    Ok((Some(geo::Geometry::MultiPolygon(mp)), fixed))
}

/// A shapefile polygon's rings as (is outer, points).
fn rings<P>(
    rings: Vec<::shapefile::PolygonRing<P>>,
    xy: impl Fn(&P) -> geo::Coord,
) -> Vec<(bool, Vec<geo::Coord>)> {
    use ::shapefile::PolygonRing;
    rings
        .into_iter()
        .map(|r| match r {
            PolygonRing::Outer(p) => (true, p.iter().map(&xy).collect()),
            PolygonRing::Inner(p) => (false, p.iter().map(&xy).collect()),
        })
        .collect()
}

/// Polygons from rings in file order: a hole belongs to the outer ring before it (as the
/// shapefile crate reads them). A hole with no outer ring before it is an outer ring, and so is a
/// hole after such a ring that lies outside it (a file written counter-clockwise throughout).
/// Returns the polygons and how many rings were read as outer rings against their orientation.
fn assemble(rings: Vec<(bool, Vec<geo::Coord>)>) -> (geo::MultiPolygon, usize) {
    use geo::{LineString, Polygon};
    // (exterior, holes, whether the exterior was a counter-clockwise ring)
    let mut parts: Vec<(LineString, Vec<LineString>, bool)> = Vec::new();
    let mut promoted = 0;
    for (outer, pts) in rings {
        let ring = LineString::from(pts);
        match parts.last_mut() {
            _ if outer => parts.push((ring, Vec::new(), false)),
            Some((ext, holes, ccw)) if !*ccw || inside(&ring, ext) => holes.push(ring),
            _ => {
                promoted += 1;
                parts.push((ring, Vec::new(), true));
            }
        }
    }
    let polys = parts
        .into_iter()
        .map(|(ext, holes, _)| Polygon::new(ext, holes))
        .collect();
    (geo::MultiPolygon(polys), promoted)
}

/// True when `ring` lies inside `outer`: its bounding box within `outer`'s, and its first vertex
/// not on `outer` inside it.
fn inside(ring: &geo::LineString, outer: &geo::LineString) -> bool {
    use geo::coordinate_position::{coord_pos_relative_to_ring, CoordPos};
    use geo::BoundingRect;
    let (Some(r), Some(o)) = (ring.bounding_rect(), outer.bounding_rect()) else {
        return false;
    };
    if r.min().x < o.min().x
        || r.min().y < o.min().y
        || r.max().x > o.max().x
        || r.max().y > o.max().y
    {
        return false;
    }
    ring.0
        .iter()
        .map(|&c| coord_pos_relative_to_ring(c, outer))
        .find(|p| *p != CoordPos::OnBoundary)
        .is_some_and(|p| p == CoordPos::Inside)
}

type Records = (Vec<RawFeature>, Vec<Skipped>);

/// Reads every shape and record of an open shapefile.
fn read_records<T: std::io::Read + std::io::Seek, D: std::io::Read + std::io::Seek>(
    path: &Path,
    mut reader: ::shapefile::Reader<T, D>,
    columns: &[String],
) -> Result<Records> {
    let mut features = Vec::new();
    let mut skipped = Vec::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(|e| {
            Error::format(
                path,
                format!("feature {i} cannot be read: {e} (is the file truncated?)"),
            )
        })?;
        let mut map: std::collections::HashMap<String, FieldValue> = record.into();
        let values = columns
            .iter()
            .map(|c| map.remove(c).map(field_value).unwrap_or(Value::Null))
            .collect();
        let (geometry, fixed) = match geometry(shape) {
            Ok(g) => g,
            Err(e) => {
                let reason = format!("geometry could not be converted: {e}");
                skipped.push(Skipped::new(path.display(), format!("feature {i}"), reason));
                (None, None)
            }
        };
        features.push(RawFeature {
            position: i,
            geometry,
            values,
            fixed,
        });
    }
    Ok((features, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::shapefile::dbase::{FieldValue, Record, TableWriterBuilder};
    use ::shapefile::{Point, Polygon, PolygonRing};
    use geo::Area;

    const BNG_PRJ: &str = r#"PROJCS["British_National_Grid",GEOGCS["GCS_OSGB_1936",DATUM["D_OSGB_1936",SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",400000.0],PARAMETER["False_Northing",-100000.0],PARAMETER["Central_Meridian",-2.0],PARAMETER["Scale_Factor",0.9996012717],PARAMETER["Latitude_Of_Origin",49.0],UNIT["Meter",1.0]]"#;

    /// A square's corners, counter-clockwise from (x0, y0).
    fn square(x0: f64, y0: f64, side: f64) -> Vec<Point> {
        vec![
            Point::new(x0, y0),
            Point::new(x0 + side, y0),
            Point::new(x0 + side, y0 + side),
            Point::new(x0, y0 + side),
            Point::new(x0, y0),
        ]
    }

    /// Writes `shapes` with a CODE column ("S0", "S1", ...) and `prj`.
    fn write(dir: &Path, shapes: Vec<Polygon>, prj: &str) -> std::path::PathBuf {
        let path = dir.join("areas.shp");
        let table = TableWriterBuilder::new().add_character_field("CODE".try_into().unwrap(), 8);
        let mut w = ::shapefile::Writer::from_path(&path, table).unwrap();
        for (i, s) in shapes.iter().enumerate() {
            let mut rec = Record::default();
            rec.insert("CODE".into(), FieldValue::Character(Some(format!("S{i}"))));
            w.write_shape_and_record(s, &rec).unwrap();
        }
        drop(w);
        std::fs::write(path.with_extension("prj"), prj).unwrap();
        path
    }

    #[test]
    fn a_counter_clockwise_outer_ring_is_read_and_marked_repaired() {
        let dir = tempfile::tempdir().unwrap();
        // The writer orders each ring by its kind: an Outer ring clockwise (ESRI order), an
        // Inner one counter-clockwise, here with no outer ring before it.
        let cw = Polygon::new(PolygonRing::Outer(square(400_000.0, 300_000.0, 1000.0)));
        let ccw = Polygon::new(PolygonRing::Inner(square(402_000.0, 300_000.0, 1000.0)));
        let path = write(dir.path(), vec![cw, ccw], BNG_PRJ);
        let layer = read(&path, &ReadOptions::default()).unwrap();
        assert!(layer.skipped.is_empty(), "{:?}", layer.skipped);
        assert_eq!(layer.features.len(), 2);
        assert_eq!(layer.features[0].fixed, None);
        let fixed = layer.features[1].fixed.as_deref().unwrap();
        assert!(fixed.contains("counter-clockwise"), "{fixed}");
        for f in &layer.features {
            let area = f.geometry.as_ref().unwrap().unsigned_area();
            assert_eq!(area, 1e6);
        }
    }

    #[test]
    fn rings_after_a_counter_clockwise_outer_nest_by_position() {
        let ring = |x0: f64, side: f64| {
            geo::LineString::from(
                square(x0, 0.0, side)
                    .iter()
                    .map(|p| (p.x, p.y))
                    .collect::<Vec<_>>(),
            )
            .0
        };
        // A file written counter-clockwise throughout: the second ring inside the first is its
        // hole; the third, apart, is another part.
        let (mp, promoted) = assemble(vec![
            (false, ring(0.0, 10.0)),
            (false, ring(2.0, 2.0)),
            (false, ring(20.0, 5.0)),
        ]);
        assert_eq!(promoted, 2);
        assert_eq!(mp.0.len(), 2);
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert_eq!(mp.unsigned_area(), 100.0 - 4.0 + 25.0);
        // In ESRI order nothing changes: a hole follows its outer ring.
        let (mp, promoted) = assemble(vec![(true, ring(0.0, 10.0)), (false, ring(2.0, 2.0))]);
        assert_eq!((promoted, mp.0.len(), mp.0[0].interiors().len()), (0, 1, 1));
    }

    #[test]
    fn coordinates_in_feet_become_metres() {
        let dir = tempfile::tempdir().unwrap();
        let camden_like = |unit: &str, metres: f64| {
            format!(
                r#"PROJCS["British_National_Grid_Feet",GEOGCS["GCS_OSGB_1936",DATUM["D_OSGB_1936",SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",{}],PARAMETER["False_Northing",{}],PARAMETER["Central_Meridian",-2.0],PARAMETER["Scale_Factor",0.9996012717],PARAMETER["Latitude_Of_Origin",49.0],UNIT["{unit}",{metres}]]"#,
                400_000.0 / metres,
                -100_000.0 / metres
            )
        };
        // 3280.8399 international feet and 3280.8333 US survey feet are 1 km.
        for (unit, metres, side) in [
            ("foot", 0.3048, 3280.8399),
            ("Foot_US", 0.3048006096012192, 3280.833333),
        ] {
            let at = |m: f64| m / metres;
            let sq = Polygon::new(PolygonRing::Outer(square(
                at(400_000.0),
                at(300_000.0),
                side,
            )));
            let path = write(dir.path(), vec![sq], &camden_like(unit, metres));
            let layer = read(&path, &ReadOptions::default()).unwrap();
            assert_eq!(layer.crs, Some(super::super::crs::BNG));
            assert!(layer.crs_source.contains(unit), "{}", layer.crs_source);
            let g = layer.features[0].geometry.as_ref().unwrap();
            let area = g.unsigned_area();
            assert!((area / 1e6 - 1.0).abs() < 1e-6, "{unit}: {area} m²");
            let x0 = geo::BoundingRect::bounding_rect(g).unwrap().min().x;
            assert!((x0 - 400_000.0).abs() < 1e-6, "{x0}");
        }
    }
}
