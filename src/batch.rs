//! Batch runs: one study over many partitions, each written to its own folder, then combined.
//!
//! Two ways to partition:
//! - **by column**: one boundary file split by the areas' group column (e.g. `lad19cd`: one
//!   partition per council). The inputs are read once; providers are indexed once for the whole
//!   file and each partition queries that index with its own areas, so it only touches the
//!   providers within reach of it (whose catchments meet its areas' bounding boxes), and its rows
//!   equal, byte for byte, the whole-file run's rows for the same areas;
//! - **by file**: a list or folder of boundary files (one per council or region), each run as
//!   its own study with the shared provider, point and need files.
//!
//! Partitions run in parallel; one that fails is reported and the rest go on. Each partition's
//! folder gets `coverage.csv` and, last, `manifest.json` (row count, size and checksum of the
//! CSV, a fingerprint of the study's settings and of every input file's size, modification time
//! and content, shapefile sidecars included, and the partition's summary) so `resume` skips only
//! partitions whose outputs are complete and were made from the same study and the same inputs.
//! The combined `coverage.csv` (with a `partition` column), `batch_summary.csv` and `batch.json`
//! (the summaries and warnings, e.g. area codes found in more than one partition) are written at
//! the end from the partitions' rows.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use lacuna_core::metrics::coverage::{Coverage, CoverageEngine};
use lacuna_io::atomic::write_atomic;
use lacuna_io::config::StudySpec;
use lacuna_io::error::{Error, Result};
use lacuna_io::load::{load, LoadedStudy as Study};
use lacuna_io::write::opt;
use lacuna_io::write::tables::write_coverage_to;

/// How to split the study.
#[derive(Debug, Clone)]
pub enum Partitioning {
    /// By the areas' group column (the study's `[areas] group`, or `--partition-by`).
    Column,
    /// One partition per boundary file.
    Files(Vec<PathBuf>),
}

/// What happened to one partition.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PartitionSummary {
    /// Partition name (the group value or the file's stem).
    pub partition: String,
    /// `done`, `resumed` (complete outputs found) or `failed`.
    pub status: String,
    /// Why it failed.
    pub error: Option<String>,
    /// Areas in the partition.
    pub areas: usize,
    /// Population (empty without population).
    pub population: Option<f64>,
    /// Per service type: share of the population (or area) within reach.
    pub coverage: Vec<(String, f64)>,
    /// Per service type: uncovered population of areas under the service's threshold.
    pub unserved_population: Vec<(String, f64)>,
    /// Seconds spent computing and writing it.
    pub seconds: f64,
}

/// One input file as it was when a partition was computed: a resumed partition is only trusted
/// when every input still has the same size, modification time and content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputStamp {
    /// The file.
    pub path: String,
    /// Its size in bytes (`None` when it could not be read: loading then reports why).
    pub bytes: Option<u64>,
    /// Its modification time, as seconds.nanoseconds since 1970.
    pub modified: Option<String>,
    /// FNV-1a 64 of its content.
    pub fnv64: Option<String>,
}

/// The manifest that marks a partition's outputs complete.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Manifest {
    fingerprint: String,
    /// The inputs the fingerprint covers (also in it), to show what a resume compared.
    #[serde(default)]
    inputs: Vec<InputStamp>,
    rows: usize,
    csv_bytes: u64,
    csv_fnv64: String,
    /// The partition's summary (its row of `batch_summary.csv`), kept here rather than in a file
    /// of its own: on a national run every file created costs more than formatting it.
    summary: PartitionSummary,
}

/// The outcome of a batch run.
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    /// One entry per partition, in partition order.
    pub partitions: Vec<PartitionSummary>,
    /// Files written at the top level.
    pub written: Vec<PathBuf>,
    /// Warnings about the combined outputs (area codes in more than one partition), also in
    /// `batch.json`.
    pub warnings: Vec<String>,
}

impl BatchOutcome {
    /// The partitions that failed.
    pub fn failed(&self) -> impl Iterator<Item = &PartitionSummary> {
        self.partitions.iter().filter(|p| p.status == "failed")
    }
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv_update(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// FNV-1a, 64 bits: a checksum to tell a complete file from a cut or changed one.
fn fnv64(bytes: &[u8]) -> String {
    format!("{:016x}", fnv_update(FNV_START, bytes))
}

/// The files a study input is read from: the file, and for a shapefile its sidecars (attributes,
/// projection, index, encoding), which change a run as much as the geometry does.
fn input_files(path: &Path) -> Vec<PathBuf> {
    let mut files = vec![path.to_path_buf()];
    let is_shp = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    if is_shp {
        for ext in ["dbf", "prj", "shx", "cpg"] {
            for e in [ext.to_string(), ext.to_ascii_uppercase()] {
                let p = path.with_extension(e);
                if p.exists() && !files.contains(&p) {
                    files.push(p);
                }
            }
        }
    }
    files
}

/// Size, modification time and content hash of one file, read in blocks.
fn stamp(path: &Path) -> InputStamp {
    use std::io::Read;
    let meta = std::fs::metadata(path).ok();
    let modified = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| format!("{}.{:09}", d.as_secs(), d.subsec_nanos()));
    let hash = std::fs::File::open(path).ok().and_then(|mut f| {
        let mut h = FNV_START;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match f.read(&mut buf) {
                Ok(0) => return Some(format!("{h:016x}")),
                Ok(n) => h = fnv_update(h, &buf[..n]),
                Err(_) => return None,
            }
        }
    });
    InputStamp {
        path: path.display().to_string(),
        bytes: meta.map(|m| m.len()),
        modified,
        fnv64: hash,
    }
}

/// Stamps of every file the given inputs are read from, in order, hashed in parallel.
fn stamps<'a>(paths: impl IntoIterator<Item = &'a PathBuf>) -> Vec<InputStamp> {
    let files: Vec<PathBuf> = paths.into_iter().flat_map(|p| input_files(p)).collect();
    files.par_iter().map(|f| stamp(f)).collect()
}

/// The inputs of a study other than its areas: providers, points, need.
fn shared_inputs(spec: &StudySpec) -> Vec<&PathBuf> {
    spec.providers
        .iter()
        .map(|p| &p.path)
        .chain(spec.points.iter().map(|p| &p.path))
        .chain(spec.need.iter().map(|n| &n.path))
        .collect()
}

/// A folder name for a partition: letters, digits, `-`, `_` and `.` kept, the rest `_`.
pub fn folder_name(partition: &str) -> String {
    let s: String = partition
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("_{s}")
    } else {
        s
    }
}

/// The study as it affects results, settings and input contents both, so a resumed run never
/// mixes outputs of different studies or of changed input files.
fn fingerprint(spec: &StudySpec, extra: &str, inputs: &[InputStamp]) -> String {
    let text = serde_json::to_string(spec).unwrap_or_default();
    let files = serde_json::to_string(inputs).unwrap_or_default();
    fnv64(format!("{}|{text}|{extra}|{files}", env!("CARGO_PKG_VERSION")).as_bytes())
}

fn summarise(
    study: &Study,
    coverage: &Coverage,
    partition: &str,
    areas: usize,
    seconds: f64,
) -> PartitionSummary {
    let types = study.service_types.len();
    let mut total_pop = 0.0;
    let mut any_pop = false;
    let mut cov = Vec::new();
    let mut unserved = Vec::new();
    for (t, name) in study.service_types.iter().enumerate() {
        let threshold = study.spec.threshold(name);
        let (mut pop, mut covered, mut area, mut area_cov, mut left) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for r in coverage.rows.iter().skip(t).step_by(types.max(1)) {
            area += r.area_m2;
            area_cov += r.area_m2 * r.area_share.max(0.0);
            if let (Some(p), Some(c)) = (r.population, r.covered_population) {
                pop += p;
                covered += c;
                if r.population_share.unwrap_or(1.0) < threshold {
                    left += p - c;
                }
            }
        }
        if t == 0 {
            total_pop = pop;
            any_pop = coverage.rows.iter().any(|r| r.population.is_some());
        }
        let share = if any_pop && pop > 0.0 {
            covered / pop
        } else if area > 0.0 {
            area_cov / area
        } else {
            f64::NAN
        };
        cov.push((name.clone(), share));
        unserved.push((name.clone(), left));
    }
    PartitionSummary {
        partition: partition.to_string(),
        status: "done".into(),
        error: None,
        areas,
        population: any_pop.then_some(total_pop),
        coverage: cov,
        unserved_population: unserved,
        seconds,
    }
}

/// A partition's summary when its outputs are complete and were made by the same study.
fn resumable(dir: &Path, fingerprint: &str) -> Option<(PartitionSummary, Vec<u8>)> {
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).ok()?).ok()?;
    if manifest.fingerprint != fingerprint {
        return None;
    }
    let bytes = std::fs::read(dir.join("coverage.csv")).ok()?;
    if bytes.len() as u64 != manifest.csv_bytes || fnv64(&bytes) != manifest.csv_fnv64 {
        return None;
    }
    let mut s = manifest.summary;
    s.status = "resumed".into();
    Some((s, bytes))
}

fn failed(partition: &str, areas: usize, why: String, seconds: f64) -> PartitionSummary {
    PartitionSummary {
        partition: partition.to_string(),
        status: "failed".into(),
        error: Some(why),
        areas,
        seconds,
        ..PartitionSummary::default()
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// Options of a batch run.
pub struct BatchOptions<'a> {
    /// Skip partitions whose outputs are complete and current.
    pub resume: bool,
    /// Called after each partition with its summary, the number done and the total.
    pub progress: &'a (dyn Fn(&PartitionSummary, usize, usize) + Sync),
    /// Make a partition fail on purpose (tests of failure handling and resume): its name.
    pub fail_partition: Option<String>,
}

/// The combined outputs, written last: while they are missing the folder holds an unfinished
/// batch (partitions only), never combined files of an earlier batch beside newer partitions.
const COMBINED: [&str; 3] = ["coverage.csv", "batch_summary.csv", "batch.json"];

/// Makes `out` ready for a batch: refuses a folder another kind of run or the user filled
/// (replacing its files would mix sets or delete them), and removes the previous batch's combined
/// outputs, keeping its partitions for `--resume`.
fn prepare_folder(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    if out.join("run.json").exists() {
        return Err(Error::Config(format!(
            "{} holds the output of a lacuna run (run.json): give the batch a folder of its own",
            out.display()
        )));
    }
    // Temporary files of a killed batch (`write_atomic`'s) are ours too, and removed.
    let stale = |name: &std::ffi::OsStr| name.to_string_lossy().starts_with(".lacuna-");
    let ours = |name: &std::ffi::OsStr| {
        name == "partitions" || COMBINED.iter().any(|c| name == *c) || stale(name)
    };
    let entries: Vec<_> = std::fs::read_dir(out)
        .map_err(|e| Error::io(out, e))?
        .flatten()
        .collect();
    if let Some(other) = entries.iter().find(|e| !ours(&e.file_name())) {
        return Err(Error::Config(format!(
            "{} holds {:?}, which no lacuna batch wrote: give the batch a new or empty folder",
            out.display(),
            other.file_name()
        )));
    }
    for e in entries.iter().filter(|e| stale(&e.file_name())) {
        let _ = std::fs::remove_file(e.path());
    }
    for c in COMBINED {
        let p = out.join(c);
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
        }
    }
    Ok(())
}

/// Runs the study over its partitions into `out`.
///
/// # Errors
/// When the inputs cannot be loaded (by column) or the combined outputs cannot be written; a
/// failing partition is not an error here: it is reported in the outcome.
pub fn run(
    spec: &StudySpec,
    partitioning: &Partitioning,
    out: &Path,
    opts: &BatchOptions,
) -> Result<BatchOutcome> {
    let _lock = lacuna_io::outdir::FolderLock::take(out)?;
    prepare_folder(out)?;
    let parts_dir = out.join("partitions");
    let results = match partitioning {
        Partitioning::Column => run_by_column(spec, &parts_dir, opts)?,
        Partitioning::Files(files) => run_by_file(spec, files, &parts_dir, opts)?,
    };
    let (summaries, csvs): (Vec<PartitionSummary>, Vec<Option<Vec<u8>>>) =
        results.into_iter().unzip();
    let (written, warnings) = combine(out, &summaries, &csvs)?;
    Ok(BatchOutcome {
        partitions: summaries,
        written,
        warnings,
    })
}

/// A partition's summary and the bytes of its `coverage.csv` (None when it failed).
type PartitionResult = (PartitionSummary, Option<Vec<u8>>);

/// Runs the partitions of one boundary file split by its group column. The inputs are loaded
/// and the providers indexed once, and each partition computes coverage for its own areas.
fn run_by_column(
    spec: &StudySpec,
    parts_dir: &Path,
    opts: &BatchOptions,
) -> Result<Vec<PartitionResult>> {
    if spec.areas.group.is_none() {
        return Err(Error::Config(
            "batch by column needs the partition column: --partition-by COLUMN (or \
             group = ... in [areas])"
                .into(),
        ));
    }
    let study = load(spec)?;
    let engine = CoverageEngine::new(&study);
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, a) in study.areas.iter().enumerate() {
        groups.entry(a.group.as_str()).or_default().push(i);
    }
    check_folder_names(groups.keys().copied())?;
    let inputs = stamps(std::iter::once(&spec.areas.path).chain(shared_inputs(spec)));
    let fp = fingerprint(spec, "column", &inputs);
    let list: Vec<(&str, Vec<usize>)> = groups.into_iter().collect();
    Ok(run_partitions(&list, opts, |(name, idx)| {
        let part = Partition {
            name,
            dir: parts_dir.join(folder_name(name)),
            fingerprint: &fp,
            inputs: &inputs,
            started: Instant::now(),
        };
        part.run(opts, Some(idx.len()), || Ok((&study, engine.areas(idx))))
    }))
}

/// Runs one partition per boundary file, each loaded as its own study with the shared
/// provider, point and need files.
fn run_by_file(
    spec: &StudySpec,
    files: &[PathBuf],
    parts_dir: &Path,
    opts: &BatchOptions,
) -> Result<Vec<PartitionResult>> {
    let list: Vec<(&PathBuf, String)> = files
        .iter()
        .map(|f| {
            let stem = f.file_stem().map(|s| s.to_string_lossy().into_owned());
            (f, stem.unwrap_or_default())
        })
        .collect();
    check_folder_names(list.iter().map(|(_, n)| n.as_str()))?;
    let shared = stamps(shared_inputs(spec));
    Ok(run_partitions(&list, opts, |(file, name)| {
        let started = Instant::now();
        let mut one = spec.clone();
        one.areas.path = file.to_path_buf();
        let mut inputs = stamps([*file]);
        inputs.extend(shared.iter().cloned());
        let fp = fingerprint(&one, "file", &inputs);
        let part = Partition {
            name,
            dir: parts_dir.join(folder_name(name)),
            fingerprint: &fp,
            inputs: &inputs,
            started,
        };
        part.run(opts, None, || {
            let study = load(&one)?;
            let cov = lacuna_core::metrics::coverage::compute(&study);
            Ok((study, cov))
        })
    }))
}

/// Runs `one` over the partitions in parallel, telling the caller after each its summary and how
/// many of how many are done (partitions finish in any order).
fn run_partitions<T: Sync>(
    list: &[T],
    opts: &BatchOptions,
    one: impl Fn(&T) -> PartitionResult + Sync,
) -> Vec<PartitionResult> {
    let done = std::sync::atomic::AtomicUsize::new(0);
    list.par_iter()
        .map(|item| {
            let result = one(item);
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            (opts.progress)(&result.0, n, list.len());
            result
        })
        .collect()
}

/// One partition as it runs: its name, its folder, the fingerprint and inputs its manifest
/// records, and when it started (its summary gives the seconds it took).
struct Partition<'a> {
    name: &'a str,
    dir: PathBuf,
    fingerprint: &'a str,
    inputs: &'a [InputStamp],
    started: Instant,
}

impl Partition<'_> {
    /// Its outputs from an earlier batch, when resuming and they are complete and current;
    /// else computes and writes the partition from the study and coverage `compute` gives: the
    /// partition's areas of a study split by column (`areas` of them), or the study loaded from
    /// its own boundary file (`areas` None: its areas, none when it fails). An error or a panic
    /// (or `opts.fail_partition`, naming this partition) fails this partition alone: a shared
    /// engine and study are only read, so nothing is left half-changed.
    fn run<S: std::borrow::Borrow<Study>>(
        &self,
        opts: &BatchOptions,
        areas: Option<usize>,
        compute: impl FnOnce() -> Result<(S, Coverage)>,
    ) -> PartitionResult {
        let resumed = opts.resume.then(|| resumable(&self.dir, self.fingerprint));
        if let Some((s, csv)) = resumed.flatten() {
            return (s, Some(csv));
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<_> {
            if opts.fail_partition.as_deref() == Some(self.name) {
                panic!("failed on purpose (fail_partition)");
            }
            let (study, cov) = compute()?;
            let study = study.borrow();
            let seconds = self.started.elapsed().as_secs_f64();
            let n = areas.unwrap_or(study.areas.len());
            let s = summarise(study, &cov, self.name, n, seconds);
            let csv = self.write(study, &cov, &s)?;
            Ok((s, csv))
        }));
        let why = match result {
            Ok(Ok((s, csv))) => return (s, Some(csv)),
            Ok(Err(e)) => e.to_string(),
            Err(p) => panic_text(&*p),
        };
        (failed(self.name, areas.unwrap_or(0), why, 0.0), None)
    }

    /// Writes its outputs, the manifest (recording its fingerprint and inputs for `--resume`)
    /// last, so its presence means "complete".
    fn write(&self, study: &Study, coverage: &Coverage, s: &PartitionSummary) -> Result<Vec<u8>> {
        let dir = &self.dir;
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let csv = dir.join("coverage.csv");
        // Formatted in memory: checksummed and later combined without reading the file back.
        let mut bytes = Vec::with_capacity(coverage.rows.len() * 100);
        write_coverage_to(&mut bytes, study, &coverage.rows).map_err(|e| Error::io(&csv, e))?;
        write_atomic(&csv, |w| w.write_all(&bytes))?;
        let manifest = Manifest {
            fingerprint: self.fingerprint.to_string(),
            inputs: self.inputs.to_vec(),
            rows: coverage.rows.len(),
            csv_bytes: bytes.len() as u64,
            csv_fnv64: fnv64(&bytes),
            summary: s.clone(),
        };
        let path = dir.join("manifest.json");
        let text = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::io(&path, e.into()))?;
        write_atomic(&path, |w| w.write_all(&text))?;
        Ok(bytes)
    }
}

fn check_folder_names<'a>(names: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for n in names {
        if let Some(other) = seen.insert(folder_name(n), n) {
            return Err(Error::Config(format!(
                "partitions {other:?} and {n:?} would share the folder {:?}: rename one",
                folder_name(n)
            )));
        }
    }
    Ok(())
}

/// At most this many duplicated codes are named in the warning (all are counted).
const DUPLICATES_NAMED: usize = 5;

/// Area codes found in more than one partition, each with the partitions that hold it, in the
/// order first met.
type Duplicates = Vec<(String, Vec<String>)>;

/// The combined `coverage.csv` (a `partition` column, then the partitions' rows, in partition
/// order), `batch_summary.csv` and `batch.json` (the summaries and the warnings, such as area
/// codes found in more than one partition).
fn combine(
    out: &Path,
    summaries: &[PartitionSummary],
    csvs: &[Option<Vec<u8>>],
) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let (combined, duplicates) = write_combined_coverage(out, summaries, csvs)?;
    let warnings: Vec<String> = duplicates_warning(&duplicates).into_iter().collect();
    let summary = write_batch_summary(out, summaries)?;
    let manifest = write_batch_json(out, summaries, &warnings, &duplicates)?;
    Ok((vec![combined, summary, manifest], warnings))
}

/// Writes the combined `coverage.csv`: a `partition` column before the first partition's
/// header, then every partition's rows as written (or verified, when resumed) in its folder,
/// each after its name. Returns its path and the area codes met in more than one partition.
fn write_combined_coverage(
    out: &Path,
    summaries: &[PartitionSummary],
    csvs: &[Option<Vec<u8>>],
) -> Result<(PathBuf, Duplicates)> {
    let combined = out.join("coverage.csv");
    let mut duplicates = DuplicateCodes::default();
    write_atomic(&combined, |w| {
        let mut writer = csv::Writer::from_writer(w);
        let mut header_written = false;
        // A failed partition has no CSV.
        for (k, (s, csv)) in summaries.iter().zip(csvs).enumerate() {
            let Some(csv) = csv else { continue };
            let mut records = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(&csv[..])
                .into_byte_records();
            let Some(header) = records.next().transpose()? else {
                continue;
            };
            if !header_written {
                writer.write_record(std::iter::once(&b"partition"[..]).chain(&header))?;
                header_written = true;
            }
            let code = header.iter().position(|f| f == b"area_code");
            let mut codes = Vec::new();
            for record in records {
                let record = record?;
                if let Some(c) = code.and_then(|c| record.get(c)) {
                    codes.push(String::from_utf8_lossy(c).into_owned());
                }
                writer.write_record(std::iter::once(s.partition.as_bytes()).chain(&record))?;
            }
            duplicates.note(k, codes, summaries);
        }
        writer.flush()
    })?;
    Ok((combined, duplicates.found))
}

/// Finds the area codes of more than one partition as the partitions are combined: per code,
/// its first partition (its index) and, once duplicated, where it is listed in `found`.
#[derive(Default)]
struct DuplicateCodes {
    seen: HashMap<String, (usize, Option<usize>)>,
    found: Duplicates,
}

impl DuplicateCodes {
    /// Notes the `codes` of partition `k` (a code repeated within one partition counts once).
    fn note(&mut self, k: usize, codes: Vec<String>, summaries: &[PartitionSummary]) {
        let mut mine = HashSet::new();
        for c in codes {
            if !mine.insert(c.clone()) {
                continue;
            }
            let (first, listed) = self.seen.entry(c.clone()).or_insert((k, None));
            if *first == k {
                continue;
            }
            let partition = summaries[k].partition.clone();
            match listed {
                Some(i) => self.found[*i].1.push(partition),
                None => {
                    *listed = Some(self.found.len());
                    let parts = vec![summaries[*first].partition.clone(), partition];
                    self.found.push((c, parts));
                }
            }
        }
    }
}

/// The warning about area codes in more than one partition, naming the first few: each is
/// listed once per partition in the combined `coverage.csv`, which a reader summing it would
/// count twice.
fn duplicates_warning(duplicates: &Duplicates) -> Option<String> {
    if duplicates.is_empty() {
        return None;
    }
    let named: Vec<String> = duplicates
        .iter()
        .take(DUPLICATES_NAMED)
        .map(|(c, parts)| format!("{c} in {}", parts.join(" and ")))
        .collect();
    Some(format!(
        "{} area codes are in more than one partition (first: {}{}): the combined \
         coverage.csv lists each once per partition; tell them apart by its partition column, \
         and check whether the boundary files overlap",
        duplicates.len(),
        named.join("; "),
        if duplicates.len() > DUPLICATES_NAMED {
            ", ..."
        } else {
            ""
        }
    ))
}

/// Writes `batch_summary.csv`: one row per partition (status, areas, population, and per
/// service type its coverage and unserved population, seconds, error), with the service types
/// of the first partition that has any.
fn write_batch_summary(out: &Path, summaries: &[PartitionSummary]) -> Result<PathBuf> {
    let types: Vec<String> = summaries
        .iter()
        .find(|s| !s.coverage.is_empty())
        .map(|s| s.coverage.iter().map(|c| c.0.clone()).collect())
        .unwrap_or_default();
    let mut header: Vec<String> = ["partition", "status", "areas", "population"]
        .map(String::from)
        .into();
    for t in &types {
        header.push(format!("{t}_coverage"));
        header.push(format!("{t}_unserved_population"));
    }
    header.extend(["seconds".to_string(), "error".to_string()]);
    let summary = out.join("batch_summary.csv");
    write_atomic(&summary, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(&header)?;
        for s in summaries {
            let mut row = vec![s.partition.clone(), s.status.clone(), s.areas.to_string()];
            row.push(opt(s.population, 3));
            for t in &types {
                let find = |v: &[(String, f64)]| v.iter().find(|c| &c.0 == t).map(|c| c.1);
                row.push(opt(find(&s.coverage), 9));
                row.push(opt(find(&s.unserved_population), 3));
            }
            row.push(opt(Some(s.seconds), 4));
            row.push(s.error.clone().unwrap_or_default());
            csv.write_record(&row)?;
        }
        csv.flush()
    })?;
    Ok(summary)
}

/// Writes `batch.json`: the partitions' summaries, the warnings, and the duplicated area codes
/// (how many, and the first few with their partitions).
fn write_batch_json(
    out: &Path,
    summaries: &[PartitionSummary],
    warnings: &[String],
    duplicates: &Duplicates,
) -> Result<PathBuf> {
    let manifest = out.join("batch.json");
    let json = serde_json::json!({
        "partitions": summaries,
        "warnings": warnings,
        "duplicate_codes": {
            "count": duplicates.len(),
            "first": duplicates.iter().take(DUPLICATES_NAMED).map(|(c, p)| serde_json::json!({"area_code": c, "partitions": p})).collect::<Vec<_>>(),
        },
    });
    let bytes = serde_json::to_vec_pretty(&json).map_err(|e| Error::io(&manifest, e.into()))?;
    write_atomic(&manifest, |w| w.write_all(&bytes))?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_safe() {
        assert_eq!(folder_name("E08000003"), "E08000003");
        assert_eq!(folder_name("Bath & NE Somerset"), "Bath___NE_Somerset");
        assert_eq!(folder_name(""), "_");
        assert_eq!(folder_name("../x"), "_.._x");
        assert!(check_folder_names(["a b", "a_b"].into_iter()).is_err());
    }

    #[test]
    fn combined_rows_name_their_partition_and_duplicates_are_warned() {
        let dir = tempfile::tempdir().unwrap();
        let part = |name: &str| PartitionSummary {
            partition: name.into(),
            status: "done".into(),
            error: None,
            areas: 2,
            population: None,
            coverage: vec![("gp".into(), 0.5)],
            unserved_population: vec![("gp".into(), 0.0)],
            seconds: 0.0,
        };
        let summaries = [part("north, east"), part("south"), part("west")];
        let csvs = [
            Some(b"area_code,service_type\nA1,gp\nA2,gp\n".to_vec()),
            Some(b"area_code,service_type\nA2,gp\nA3,\"g, \"\"p\"\"\"\n".to_vec()),
            Some(b"area_code,service_type\nA2,gp\n".to_vec()),
        ];
        let (written, warnings) = combine(dir.path(), &summaries, &csvs).unwrap();
        assert_eq!(written.len(), 3);
        let text = std::fs::read_to_string(dir.path().join("coverage.csv")).unwrap();
        assert_eq!(
            text,
            "partition,area_code,service_type\n\"north, east\",A1,gp\n\"north, east\",A2,gp\n\
             south,A2,gp\nsouth,A3,\"g, \"\"p\"\"\"\nwest,A2,gp\n"
        );
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("1 area codes are in more than one partition (first: A2 in north, east and south and west)"),
            "{warnings:?}"
        );
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("batch.json")).unwrap()).unwrap();
        assert_eq!(json["duplicate_codes"]["count"], 1);
        assert_eq!(json["warnings"][0], warnings[0].as_str());
    }

    #[test]
    fn input_stamps_cover_shapefile_sidecars_and_content() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("a.shp");
        std::fs::write(&shp, b"shape").unwrap();
        std::fs::write(dir.path().join("a.dbf"), b"abc").unwrap();
        std::fs::write(dir.path().join("a.prj"), b"prj").unwrap();
        let before = stamps([&shp]);
        assert_eq!(before.len(), 3);
        // Same size, same modification time, other content: still a different fingerprint.
        let dbf = dir.path().join("a.dbf");
        let mtime = std::fs::metadata(&dbf).unwrap().modified().unwrap();
        std::fs::write(&dbf, b"abd").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&dbf)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let after = stamps([&shp]);
        assert_eq!(before[1].bytes, after[1].bytes);
        assert_eq!(before[1].modified, after[1].modified);
        assert_ne!(before[1].fnv64, after[1].fnv64);
        let spec_fp = |s: &[InputStamp]| fingerprint(&StudySpec::default(), "file", s);
        assert_ne!(spec_fp(&before), spec_fp(&after));
    }

    #[test]
    fn checksums_tell_files_apart() {
        assert_eq!(fnv64(b""), "cbf29ce484222325");
        assert_ne!(fnv64(b"abc"), fnv64(b"abd"));
    }
}
