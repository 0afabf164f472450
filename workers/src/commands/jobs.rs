//! `callcoach jobs ...`: look after the fleet's queues (statistics, the dead-letter set, re-driving
//! a dead job, no-op jobs for queue tests).

use anyhow::{Result, bail};
use callcoach_analyze::ClipKind;
use clap::Subcommand;

use crate::config::Config;
use crate::fleet::jobs::{JobOptions, Stage, StageJob};
use crate::fleet::queue::{QueueSettings, Queues};
use crate::pipeline::RepChannel;

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Jobs per state in each stage queue.
    Stats {
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Dead-lettered jobs with their last error.
    Failed {
        /// JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Put a dead-lettered job back on its queue with fresh attempts.
    Retry {
        /// The job id, as `callcoach jobs failed` shows it.
        id: String,
    },
    /// Delete finished jobs older than `--older-than-s` from Redis (workers also do it periodically).
    Vacuum {
        #[arg(long, default_value_t = 86_400)]
        older_than_s: u64,
    },
    /// Queue no-op jobs on the `noop` stage (queue tests and benchmarks).
    Noop {
        /// How many jobs to queue.
        #[arg(long, default_value_t = 1)]
        count: usize,
        /// Each job fails this many attempts before it succeeds (a poison job: more than the limit).
        #[arg(long, default_value_t = 0)]
        fail_attempts: u32,
        /// Each attempt takes this long.
        #[arg(long, default_value_t = 0)]
        sleep_ms: u32,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

async fn queues(config: &Config) -> Result<Queues> {
    Ok(Queues::connect(&config.redis_url, QueueSettings::from_config(config)).await?)
}

pub fn run(config: &Config, command: JobsCommand) -> Result<()> {
    runtime()?.block_on(async {
        let queues = queues(config).await?;
        match command {
            JobsCommand::Stats { json } => {
                let mut all = serde_json::Map::new();
                if !json {
                    println!("{:<12}{:>10}{:>10}{:>10}{:>10}{:>10}{:>9}", "stage", "pending", "retrying", "running", "done", "dead", "workers");
                }
                for stage in Stage::ALL {
                    let s = queues.stats(stage).await?;
                    if json {
                        all.insert(stage.name().to_string(), serde_json::to_value(&s)?);
                    } else {
                        println!(
                            "{:<12}{:>10}{:>10}{:>10}{:>10}{:>10}{:>9}",
                            stage.name(),
                            s.pending,
                            s.scheduled,
                            s.running,
                            s.done,
                            s.dead,
                            s.workers
                        );
                    }
                }
                if json {
                    println!("{}", serde_json::Value::Object(all));
                }
            }
            JobsCommand::Failed { json } => {
                for dead in queues.dead_jobs(&Stage::ALL).await? {
                    if json {
                        println!("{}", serde_json::to_string(&dead)?);
                    } else {
                        let clip = dead.job.get("clip_id").and_then(|c| c.as_str()).unwrap_or("?");
                        println!(
                            "{}\t{}\tclip {clip}\tattempts {}/{}\t{}",
                            dead.id, dead.stage, dead.attempts, dead.max_attempts, dead.error
                        );
                    }
                }
            }
            JobsCommand::Retry { id } => {
                let stage = queues.retry_dead(&id).await?;
                println!("{id}: back on the {stage} queue");
            }
            JobsCommand::Vacuum { older_than_s } => {
                for stage in Stage::ALL {
                    let removed = queues.vacuum_done(stage, older_than_s).await?;
                    println!("{stage}: removed {removed} finished jobs");
                }
            }
            JobsCommand::Noop { count, fail_attempts, sleep_ms } => {
                if count == 0 {
                    bail!("--count must be at least 1");
                }
                let jobs: Vec<StageJob> = (0..count)
                    .map(|i| StageJob {
                        clip_id: format!("noop-{i}"),
                        run_id: String::new(),
                        source_key: String::new(),
                        kind: ClipKind::Call,
                        rep_channel: RepChannel::Left,
                        options: JobOptions { fail_attempts, sleep_ms, ..JobOptions::default() },
                    })
                    .collect();
                let started = std::time::Instant::now();
                queues.push(Stage::Noop, &jobs, false).await?;
                eprintln!("queued {count} noop jobs in {:.3} s", started.elapsed().as_secs_f64());
            }
        }
        Ok(())
    })
}
