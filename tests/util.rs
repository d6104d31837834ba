//! Helpers: run the real `lacuna` binary in a scratch folder, read its CSV output.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch folder that disappears with the test.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Self {
        Workdir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Runs `lacuna` with `args` in this folder, with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lacuna"));
        cmd.args(args).current_dir(self.dir.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    /// Runs `lacuna` and panics with its stderr unless it succeeds.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "lacuna {args:?} failed:\n{err}");
        err
    }

    /// Runs `lacuna`, expects exit code 2, returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "expected failure, got:\n{err}");
        err
    }
}

/// One row of coverage.csv as a map from column to value.
pub type Row = HashMap<String, String>;

/// Reads a CSV into rows keyed by header.
pub fn read_csv(path: &Path) -> Vec<Row> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// The coverage row for an area and service type.
pub fn row<'a>(rows: &'a [Row], area: &str, service: &str) -> &'a Row {
    rows.iter()
        .find(|r| r["area_code"] == area && r["service_type"] == service)
        .unwrap_or_else(|| panic!("no row for {area} {service}"))
}

pub fn f(r: &Row, col: &str) -> f64 {
    r[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col}={:?} is not a number", r[col]))
}

/// The folder holding the project's demo.
pub fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo")
}

/// The demo's study and inputs copied into `w/demo`, so that a test may change them; the
/// copy's study file.
pub fn demo_copy(w: &Workdir) -> String {
    std::fs::create_dir(w.path("demo")).unwrap();
    for e in std::fs::read_dir(demo_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, w.path("demo").join(p.file_name().unwrap())).unwrap();
        }
    }
    w.path("demo/study.toml").display().to_string()
}

/// The shared real-data folder (`LACUNA_SHARED_DATA`, default `../shared/data`).
pub fn shared_data() -> PathBuf {
    let p = std::env::var_os("LACUNA_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    assert!(
        p.join("README.md").exists(),
        "real-data tests need the shared data at {} (set LACUNA_SHARED_DATA)",
        p.display()
    );
    p
}

/// A decoded RGB(A) PNG.
pub struct Png {
    pub width: usize,
    pub height: usize,
    channels: usize,
    data: Vec<u8>,
}

impl Png {
    /// The RGB of a pixel.
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let o = (y * self.width + x) * self.channels;
        [self.data[o], self.data[o + 1], self.data[o + 2]]
    }
}

/// Reads an 8-bit RGB or RGBA PNG.
pub fn read_png(path: &Path) -> Png {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut data = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut data).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    Png {
        width: info.width as usize,
        height: info.height as usize,
        channels,
        data,
    }
}
