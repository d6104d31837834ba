//! `lacuna demo --out DIR`: regenerate the synthetic demo region.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `lacuna demo`.
#[derive(clap::Args)]
pub struct Args {
    /// Folder to write the demo into.
    #[arg(long, default_value = "data/demo")]
    out: PathBuf,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let files = lacuna_io::demo::write(&a.out)?;
    for f in files {
        eprintln!("wrote {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}
