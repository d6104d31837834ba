//! Which run a file belongs to. A run's id is a hash of what decides its outputs: the tool's
//! version, the study's settings and each input file's size and modification time. The same
//! study on the same files gets the same id (and, outputs being deterministic, the same bytes);
//! a change of settings or of any input gives another id. `run.json` carries the id and lists
//! every output file with its size and content hash; each GeoJSON layer and the report carry the
//! id, so a file can be matched to its run without the manifest.

use std::path::{Path, PathBuf};

use serde::Serialize;
use xxhash_rust::xxh3::Xxh3;

use crate::config::StudySpec;
use crate::error::{Error, Result};

/// The files a study reads, with the sidecars a shapefile is made of.
pub fn input_files(spec: &StudySpec) -> Vec<PathBuf> {
    let mut files = vec![spec.areas.path.clone()];
    files.extend(spec.providers.iter().map(|p| p.path.clone()));
    files.extend(spec.points.iter().map(|p| p.path.clone()));
    files.extend(spec.need.iter().map(|n| n.path.clone()));
    files.extend(spec.network.iter().map(|n| n.path.clone()));
    // Hexagon areas have no file; OpenStreetMap inputs read the network's file.
    files.retain(|f| !f.as_os_str().is_empty());
    let mut all = Vec::new();
    for f in files {
        let is_shp = f.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp"));
        all.push(f.clone());
        if is_shp {
            for ext in ["dbf", "shx", "prj", "cpg"] {
                let side = f.with_extension(ext);
                if side.exists() {
                    all.push(side);
                }
            }
        }
    }
    all
}

/// The id of a run of `spec` on its input files as they are now (16 hex digits).
pub fn run_id(spec: &StudySpec) -> String {
    let mut h = Xxh3::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    // Settings as run.json records them: a changed flag is a different run.
    h.update(&serde_json::to_vec(spec).unwrap_or_default());
    for f in input_files(spec) {
        h.update(f.as_os_str().as_encoded_bytes());
        if let Ok(m) = std::fs::metadata(&f) {
            h.update(&m.len().to_le_bytes());
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            h.update(&mtime.to_le_bytes());
        }
    }
    format!("{:016x}", h.digest())
}

/// One output file as `run.json` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct OutputFile {
    /// Path relative to the output folder, with `/` between parts.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// XXH3-64 of the contents, 16 hex digits.
    pub xxh3: String,
}

/// Every file under `dir` (run.json aside, which is written after), sorted by path.
///
/// # Errors
/// When a file cannot be read.
pub fn manifest(dir: &Path) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<OutputFile>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out)?;
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let rel = rel.join("/");
        if rel == "run.json" {
            continue;
        }
        let (bytes, hash) = hash_file(&path).map_err(|e| Error::io(&path, e))?;
        out.push(OutputFile {
            path: rel,
            bytes,
            xxh3: format!("{hash:016x}"),
        });
    }
    Ok(())
}

/// Size and XXH3-64 of a file, read in blocks (a national layer is tens of MB).
fn hash_file(path: &Path) -> std::io::Result<(u64, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            return Ok((n, h.digest()));
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xxhash_rust::xxh3::xxh3_64;

    #[test]
    fn the_id_changes_with_settings_and_inputs_only() {
        let tmp = tempfile::tempdir().unwrap();
        let areas = tmp.path().join("a.geojson");
        std::fs::write(&areas, "{}").unwrap();
        let mut spec = StudySpec::default();
        spec.areas.path = areas.clone();
        let id = run_id(&spec);
        assert_eq!(id.len(), 16);
        assert_eq!(run_id(&spec), id, "the same run, the same id");
        spec.strict = true;
        let strict = run_id(&spec);
        assert_ne!(strict, id, "another setting, another id");
        std::fs::write(&areas, "{ }").unwrap();
        assert_ne!(run_id(&spec), strict, "another input, another id");
    }

    #[test]
    fn the_manifest_lists_every_file_with_its_hash() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("maps")).unwrap();
        std::fs::write(tmp.path().join("maps/m.svg"), "<svg/>").unwrap();
        std::fs::write(tmp.path().join("coverage.csv"), "a\n").unwrap();
        std::fs::write(tmp.path().join("run.json"), "{}").unwrap();
        let m = manifest(tmp.path()).unwrap();
        let paths: Vec<&str> = m.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["coverage.csv", "maps/m.svg"]);
        assert_eq!(m[0].bytes, 2);
        assert_eq!(m[0].xxh3, format!("{:016x}", xxh3_64(b"a\n")));
    }
}
