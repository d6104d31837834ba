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
            eprintln!("lacuna: error: {}", message(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each once: a library error already quotes its cause (the file
/// and the I/O error), which the chain would otherwise repeat.
fn message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[path = "cli/mod.rs"]
mod lacuna_cli;
