//! `callcoach`: turn sales clips into coaching scorecards.

mod commands;
mod config;
mod fleet;
mod pipeline;
mod progress;
mod storage;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;

#[derive(Parser)]
#[command(name = "callcoach", version, about = "Turn sales clips into coaching scorecards")]
struct Cli {
    #[command(flatten)]
    config: Config,

    /// More log output on stderr (-v info, -vv debug). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole pipeline on one local file, in-process, and print the scorecard's path.
    Process(commands::process::ProcessArgs),
    /// List, install and verify whisper models.
    #[command(subcommand)]
    Models(commands::models::ModelsCommand),
    /// Run fleet workers on the stage queues until SIGTERM (docs/fleet.md).
    Worker(commands::worker::WorkerArgs),
    /// Upload clips to the object store and queue them for the fleet.
    Enqueue(commands::jobs::EnqueueArgs),
    /// Inspect the fleet's queues: statistics, dead-lettered jobs, re-driving them.
    #[command(subcommand)]
    Jobs(commands::jobs::JobsCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .init();

    let result = match cli.command {
        Command::Process(args) => commands::process::run(&cli.config, args),
        Command::Models(command) => commands::models::run(&cli.config, command),
        Command::Worker(args) => commands::worker::run(&cli.config, args),
        Command::Enqueue(args) => commands::jobs::enqueue(&cli.config, args),
        Command::Jobs(command) => commands::jobs::run(&cli.config, command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: the error and its causes, outermost first.
            eprintln!("callcoach: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
