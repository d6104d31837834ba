//! The `lacuna` command: parse arguments, run, map the result to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match lacuna_cli::run() {
        Ok(code) => code,
        Err(err) => {
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("lacuna: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

#[path = "cli/mod.rs"]
mod lacuna_cli;
