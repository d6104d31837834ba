//! Any bytes as a shapefile's .shp (with a fixed valid .shx-less .dbf and .prj beside it): a
//! layer or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

const PRJ: &str = r#"PROJCS["British_National_Grid",GEOGCS["GCS_OSGB_1936",DATUM["D_OSGB_1936",SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",400000.0],PARAMETER["False_Northing",-100000.0],PARAMETER["Central_Meridian",-2.0],PARAMETER["Scale_Factor",0.9996012717],PARAMETER["Latitude_Of_Origin",49.0],UNIT["Meter",1.0]]"#;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    // Split the input between the .shp and the .dbf so both parsers see hostile bytes.
    let cut = data.first().map(|b| *b as usize * data.len() / 256).unwrap_or(0);
    let (shp, dbf) = data.split_at(cut.min(data.len()));
    std::fs::write(dir.path().join("a.shp"), shp).unwrap();
    std::fs::write(dir.path().join("a.dbf"), dbf).unwrap();
    std::fs::write(dir.path().join("a.prj"), PRJ).unwrap();
    let _ = lacuna::io::read_layer(&dir.path().join("a.shp"), &Default::default());
});
