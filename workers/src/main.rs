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
    /// Analyse processed clips again from their kept transcripts (after a playbook change), without
    /// transcribing; rewrites scorecard.json and scorecard.html.
    Reanalyze(commands::reanalyze::ReanalyzeArgs),
    /// List, install and verify whisper models.
    #[command(subcommand)]
    Models(commands::models::ModelsCommand),
    /// Run fleet workers on the stage queues until SIGTERM (docs/fleet.md).
    Worker(commands::worker::WorkerArgs),
    /// Upload clips to the object store, queue them for the fleet, follow them and write a summary.
    Enqueue(commands::batch::EnqueueArgs),
    /// Queue every media file of a folder (or a store prefix), follow them and write a team summary.
    Batch(commands::batch::BatchArgs),
    /// Serve the HTTP API: enqueue clips, clip status, scorecards and artifacts, metrics.
    Serve(commands::serve::ServeArgs),
    /// Train the analysis heads of a playbook (docs/analysis.md).
    #[command(subcommand)]
    Playbook(commands::playbook::PlaybookCommand),
    /// Inspect the fleet's queues: statistics, dead-lettered jobs, re-driving them.
    #[command(subcommand)]
    Jobs(commands::jobs::JobsCommand),
}

/// `--config FILE` (or `CALLCOACH_CONFIG`), found before clap parses: the file's settings become
/// defaults through the environment (`config::apply_settings_file`).
fn settings_file() -> Option<std::path::PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        if arg == "--config" {
            return args.next().map(Into::into);
        }
        if let Some(path) = arg.to_str().and_then(|a| a.strip_prefix("--config=")) {
            return Some(path.into());
        }
    }
    std::env::var_os("CALLCOACH_CONFIG").map(Into::into)
}

/// Every environment variable a flag of any command reads.
fn known_variables(command: &clap::Command, names: &mut Vec<String>) {
    for arg in command.get_arguments() {
        if let Some(env) = arg.get_env().and_then(|e| e.to_str()) {
            names.push(env.to_string());
        }
    }
    for sub in command.get_subcommands() {
        known_variables(sub, names);
    }
}

fn main() -> ExitCode {
    if let Some(path) = settings_file() {
        let mut known = Vec::new();
        known_variables(&<Cli as clap::CommandFactory>::command(), &mut known);
        match config::apply_settings_file(&path, &known) {
            Ok(settings) => {
                for (name, value) in settings {
                    // SAFETY: main has not started any thread yet; nothing else reads or writes the
                    // environment concurrently.
                    unsafe { std::env::set_var(name, value) };
                }
            }
            Err(err) => {
                eprintln!("callcoach: error: {err:#}");
                return ExitCode::FAILURE;
            }
        }
    }
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
        Command::Reanalyze(args) => commands::reanalyze::run(&cli.config, args),
        Command::Models(command) => commands::models::run(&cli.config, command),
        Command::Worker(args) => commands::worker::run(&cli.config, args),
        Command::Enqueue(args) => commands::batch::enqueue(&cli.config, args),
        Command::Batch(args) => commands::batch::batch(&cli.config, args),
        Command::Serve(args) => commands::serve::run(&cli.config, args),
        Command::Playbook(command) => commands::playbook::run(&cli.config, command),
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
