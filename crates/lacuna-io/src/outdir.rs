//! An output folder is one whole run. A run writes its files into a staging folder beside
//! `--out`, flushes them to disk, and only then swaps the staging folder in for the previous set,
//! so a run that fails, is killed or loses power leaves either the previous complete set or the
//! new complete set, never a mix. A lock beside the folder refuses a second run into the same
//! folder while one is writing.
//!
//! Names beside `out` (all hidden, all derived from `out`'s own name):
//! - `.<name>.lacuna-lock`: held (an OS file lock, released by the kernel when the process dies)
//!   for the whole run and removed at its end; it holds the writer's process id for the error
//!   message.
//! - `.<name>.lacuna-staging-<pid>`: the new set while it is written.
//! - `.<name>.lacuna-old-<pid>`: the previous set between the swap and its removal.
//!
//! A run killed before the swap leaves a staging folder, and one killed between the two renames
//! of the fallback swap leaves the previous set under its `-old-` name (and both leave the lock
//! file, unlocked). All are stale by the time a later run holds the lock, which removes them
//! (and puts a stranded previous set back first, so the folder is never lost).

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A run's hold on its output folder: the lock and the staging folder to write into.
#[derive(Debug)]
pub struct OutputDir {
    out: PathBuf,
    staging: PathBuf,
    // Dropped (and so unlocked) only when the run is over.
    _lock: FolderLock,
}

/// The lock on an output folder (`.<name>.lacuna-lock` beside it), held until dropped; `lacuna
/// batch`, which fills its folder partition by partition, takes it too.
#[derive(Debug)]
pub struct FolderLock {
    path: PathBuf,
    _file: File,
}

impl FolderLock {
    /// Takes the lock on `out`.
    ///
    /// # Errors
    /// When another run holds it, or the lock file cannot be written.
    pub fn take(out: &Path) -> Result<FolderLock> {
        let out: PathBuf = out.components().collect();
        let dir = parent(&out).to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = sibling(&out, LOCK)?;
        let file = take_lock(&path, &out)?;
        Ok(FolderLock { path, _file: file })
    }
}

impl Drop for FolderLock {
    // The lock file goes while still locked: a run that opened it meanwhile finds, once it holds
    // the lock, that the path no longer names its file, and starts again ([`take_lock`]).
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether the process was interrupted; held while a commit swaps folders, so an interruption
/// waits for the swap instead of deleting a folder that is being swapped in.
static INTERRUPTED: std::sync::Mutex<bool> = std::sync::Mutex::new(false);

/// For a signal handler (`lacuna` calls it on SIGINT, SIGTERM and SIGHUP, then exits): waits
/// for a commit in progress, stops any later one, and removes this process's staging folder for
/// `out` and its lock file, so the folder keeps its previous set and nothing is left beside it.
pub fn interrupt(out: &Path) {
    let mut interrupted = INTERRUPTED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *interrupted = true;
    let out: PathBuf = out.components().collect();
    if let Ok(staging) = sibling(&out, &format!("{STAGING}{}", std::process::id())) {
        let _ = fs::remove_dir_all(staging);
    }
    // Only our own: a run refused the lock must not remove the lock of the run that has it.
    if let Ok(lock) = sibling(&out, LOCK) {
        if fs::read_to_string(&lock).is_ok_and(|t| t == std::process::id().to_string()) {
            let _ = fs::remove_file(lock);
        }
    }
}

const LOCK: &str = "lacuna-lock";
const STAGING: &str = "lacuna-staging-";
const OLD: &str = "lacuna-old-";

fn sibling(out: &Path, suffix: &str) -> Result<PathBuf> {
    let name = out.file_name().ok_or_else(|| {
        Error::Config(format!(
            "the output folder {} has no name of its own: give a folder such as out/",
            out.display()
        ))
    })?;
    let mut hidden = std::ffi::OsString::from(".");
    hidden.push(name);
    hidden.push(".");
    hidden.push(suffix);
    Ok(parent(out).join(hidden))
}

fn parent(out: &Path) -> &Path {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

impl OutputDir {
    /// Takes the lock on `out`, removes what killed runs left beside it and creates an empty
    /// staging folder.
    ///
    /// # Errors
    /// When another run holds the lock, `out` exists but is not a lacuna output folder (so
    /// replacing it would delete someone's files), or the folders cannot be created.
    pub fn begin(out: &Path) -> Result<OutputDir> {
        // `out/.` or `out/` name the folder itself; a path ending in `..` has no name to hide.
        let out: PathBuf = out.components().collect();
        let lock = FolderLock::take(&out)?;
        check_replaceable(&out)?;
        clean_stale(&out)?;
        let staging = sibling(&out, &format!("{STAGING}{}", std::process::id()))?;
        fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
        Ok(OutputDir {
            out,
            staging,
            _lock: lock,
        })
    }

    /// Where this run writes its files.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// The folder the files will be in once the run is committed.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// `path` under the staging folder as it will be named after the swap.
    pub fn final_path(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.staging) {
            Ok(rel) => self.out.join(rel),
            Err(_) => path.to_path_buf(),
        }
    }

    /// Flushes every staged file to disk, then replaces `out` with the staging folder.
    ///
    /// # Errors
    /// When a file cannot be flushed or a folder renamed; the previous set is then still in
    /// place (or, if the second rename of the fallback swap failed, restored by the next run).
    pub fn commit(self) -> Result<()> {
        sync_tree(&self.staging)?;
        let interrupted = INTERRUPTED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *interrupted {
            return Err(Error::Config(
                "interrupted: the output folder was left as it was".into(),
            ));
        }
        let old = sibling(&self.out, &format!("{OLD}{}", std::process::id()))?;
        if self.out.exists() {
            if !swap(&self.staging, &self.out) {
                rename(&self.out, &old)?;
                rename(&self.staging, &self.out)?;
            } else {
                // After an exchange the previous set sits under the staging name.
                rename(&self.staging, &old)?;
            }
        } else {
            rename(&self.staging, &self.out)?;
        }
        sync_dir(parent(&self.out));
        if old.exists() {
            fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
        }
        drop(interrupted);
        Ok(())
    }

    /// Removes the staging folder of a run that will not be committed.
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.staging);
    }
}

fn take_lock(lock_path: &Path, out: &Path) -> Result<File> {
    loop {
        let f = try_lock_once(lock_path, out)?;
        if same_file(&f, lock_path) {
            return Ok(f);
        }
        // The run that held it removed the file as we opened it: this lock guards nothing.
    }
}

#[cfg(unix)]
fn same_file(f: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

fn try_lock_once(lock_path: &Path, out: &Path) -> Result<File> {
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock_path)
        .map_err(|e| Error::io(lock_path, e))?;
    match f.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = f.read_to_string(&mut holder);
            let holder = holder.trim();
            let who = if holder.is_empty() {
                String::new()
            } else {
                format!(" (process {holder})")
            };
            return Err(Error::Config(format!(
                "another lacuna run{who} is writing to {}: wait for it to finish, or choose \
                 another --out",
                out.display()
            )));
        }
        Err(fs::TryLockError::Error(e)) => return Err(Error::io(lock_path, e)),
    }
    f.set_len(0).map_err(|e| Error::io(lock_path, e))?;
    write!(f, "{}", std::process::id()).map_err(|e| Error::io(lock_path, e))?;
    Ok(f)
}

/// Refuses to replace a folder that lacuna did not write: it would delete the user's files.
fn check_replaceable(out: &Path) -> Result<()> {
    let meta = match fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(out, e)),
    };
    if !meta.is_dir() {
        return Err(Error::Config(format!(
            "{} exists and is not a folder: choose another --out",
            out.display()
        )));
    }
    let mut entries = fs::read_dir(out).map_err(|e| Error::io(out, e))?;
    let empty = entries.next().is_none();
    if empty || out.join("run.json").is_file() {
        return Ok(());
    }
    Err(Error::Config(format!(
        "{} holds files but no run.json, so it is not a lacuna output folder; lacuna replaces its \
         output folder whole, so give a new or empty folder (or remove this one)",
        out.display()
    )))
}

/// Removes staging folders of killed runs and puts back a previous set that a killed swap left
/// under its `-old-` name. Only called with the lock held, so none of these is in use.
fn clean_stale(out: &Path) -> Result<()> {
    let dir = parent(out);
    let Some(name) = out.file_name() else {
        return Ok(());
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let path = entry.path();
        if rest.starts_with(OLD) && !out.exists() {
            rename(&path, out)?;
        } else if rest.starts_with(OLD) || rest.starts_with(STAGING) {
            fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).map_err(|e| Error::io(to, e))
}

/// Exchanges two folders in one step where the system can (Linux's `renameat2`); false when it
/// cannot, and the caller falls back to two renames.
fn swap(a: &Path, b: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        false
    }
}

/// Flushes every file under `dir`, and the folders themselves, to disk.
fn sync_tree(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            sync_tree(&path)?;
        } else if kind.is_file() {
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| Error::io(&path, e))?;
        }
    }
    sync_dir(dir);
    Ok(())
}

/// Folders are flushed where the system allows opening them (not on Windows); best effort.
fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_committed_run_replaces_the_whole_previous_set() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let first = OutputDir::begin(&out).unwrap();
        fs::write(first.staging().join("run.json"), "1").unwrap();
        fs::write(first.staging().join("maps_gp.png"), "old map").unwrap();
        assert!(!out.exists(), "nothing appears before the commit");
        first.commit().unwrap();
        assert_eq!(names(&out), ["maps_gp.png", "run.json"]);
        let second = OutputDir::begin(&out).unwrap();
        fs::write(second.staging().join("run.json"), "2").unwrap();
        assert_eq!(fs::read_to_string(out.join("run.json")).unwrap(), "1");
        second.commit().unwrap();
        assert_eq!(
            names(&out),
            ["run.json"],
            "the old map does not stay behind"
        );
        assert_eq!(fs::read_to_string(out.join("run.json")).unwrap(), "2");
        assert_eq!(
            names(tmp.path()),
            ["out"],
            "nothing hidden is left beside it"
        );
    }

    #[test]
    fn a_second_run_into_the_same_folder_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let first = OutputDir::begin(&out).unwrap();
        let err = OutputDir::begin(&out).unwrap_err().to_string();
        assert!(err.contains("another lacuna run"), "{err}");
        assert!(err.contains(&std::process::id().to_string()), "{err}");
        first.abandon();
        OutputDir::begin(&out).unwrap().abandon();
        assert!(names(tmp.path()).is_empty());
    }

    #[test]
    fn leftovers_of_killed_runs_are_cleaned_and_a_stranded_set_restored() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let stale = tmp.path().join(".out.lacuna-staging-99999");
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join("coverage.csv"), "half").unwrap();
        // A swap killed between its renames: the previous set is only under the old name.
        let stranded = tmp.path().join(".out.lacuna-old-99998");
        fs::create_dir(&stranded).unwrap();
        fs::write(stranded.join("run.json"), "previous").unwrap();
        let run = OutputDir::begin(&out).unwrap();
        assert_eq!(
            fs::read_to_string(out.join("run.json")).unwrap(),
            "previous"
        );
        run.abandon();
        assert_eq!(
            names(tmp.path()),
            ["out"],
            "nothing hidden is left beside it"
        );
    }

    #[test]
    fn a_folder_of_other_files_is_not_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("documents");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("thesis.docx"), "years of work").unwrap();
        let err = OutputDir::begin(&out).unwrap_err().to_string();
        assert!(err.contains("not a lacuna output folder"), "{err}");
        assert!(out.join("thesis.docx").exists());
    }
}
