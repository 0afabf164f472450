//! `callcoach models`: the whisper models of models/manifest.toml.

use anyhow::{Context, Result};
use callcoach_models::Manifest;
use clap::Subcommand;

use crate::config::Config;

#[derive(Subcommand)]
pub enum ModelsCommand {
    /// List the models the manifest knows and whether each is installed.
    List,
    /// Download, convert and verify models (default: the configured one). Does nothing if installed.
    Install {
        /// Model names from the manifest.
        names: Vec<String>,
    },
    /// Check installed models against their sha256 in the manifest.
    Verify { names: Vec<String> },
    /// Print the path of an installed model.
    Path { name: Option<String> },
}

pub fn run(config: &Config, command: ModelsCommand) -> Result<()> {
    let manifest = Manifest::builtin();
    let dir = &config.models_dir;
    let or_default = |names: Vec<String>| if names.is_empty() { vec![config.model.clone()] } else { names };
    match command {
        ModelsCommand::List => {
            for entry in &manifest.models {
                let state = match callcoach_models::resolve(entry, dir) {
                    Ok(path) => format!("installed at {}", path.display()),
                    Err(_) => "not installed".to_string(),
                };
                println!("{:<10} {:<45} {state}", entry.name, entry.description);
            }
        }
        ModelsCommand::Install { names } => {
            for name in or_default(names) {
                let entry = manifest.get(&name)?;
                let path = callcoach_models::install(entry, dir, &mut |message| eprintln!("{name}: {message}"))
                    .with_context(|| format!("installing model {name}"))?;
                println!("{}", path.display());
            }
        }
        ModelsCommand::Verify { names } => {
            for name in or_default(names) {
                let entry = manifest.get(&name)?;
                callcoach_models::verify(entry, dir)?;
                println!("{name}: ok");
            }
        }
        ModelsCommand::Path { name } => {
            let entry = manifest.get(name.as_deref().unwrap_or(&config.model))?;
            println!("{}", callcoach_models::resolve(entry, dir)?.display());
        }
    }
    Ok(())
}
