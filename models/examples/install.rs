//! Installs a model from the built-in manifest, printing progress:
//!
//! ```text
//! cargo run --release -p callcoach-models --example install -- tiny.en models/weights
//! ```
//! The `callcoach models install` command does the same; this exists so the crate can be
//! exercised (and the manifest's hashes recomputed) on its own.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: install MODEL_NAME MODELS_DIR");
        return ExitCode::from(2);
    };
    let manifest = callcoach_models::Manifest::builtin();
    let result = manifest.get(&name).and_then(|entry| {
        callcoach_models::install(entry, &PathBuf::from(dir), &mut |msg: &str| {
            eprintln!("{msg}")
        })
    });
    match result {
        Ok(path) => {
            println!("{}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
