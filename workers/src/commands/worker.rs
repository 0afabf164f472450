//! `callcoach worker [--stages media,transcribe,analyze] [--concurrency N]`: run stage workers until
//! SIGTERM or Ctrl-C, then finish in-flight jobs and exit.

use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use tokio::signal::unix::{SignalKind, signal};

use crate::config::Config;
use crate::fleet::jobs::Stage;
use crate::fleet::queue::{QueueSettings, Queues};
use crate::fleet::stages::StageContext;
use crate::fleet::worker::{self, Shutdown, WorkerOptions};
use crate::progress::Steps;
use crate::storage::Storage;

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Stage queues to work on, comma separated (`noop` is the queue benchmark's no-op stage).
    #[arg(long, value_delimiter = ',', default_value = "media,transcribe,analyze")]
    pub stages: Vec<Stage>,
    /// Jobs per stage running at once in this process.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Jobs fetched per Redis round trip (default: the concurrency).
    #[arg(long)]
    pub batch_size: Option<usize>,
}

pub fn run(config: &Config, args: WorkerArgs) -> Result<()> {
    let mut stages = args.stages;
    stages.dedup();
    let transcriber = if stages.contains(&Stage::Transcribe) {
        Some(Arc::new(super::process::load_transcriber(config, &Steps::new())?))
    } else {
        None
    };
    let semantic = if stages.contains(&Stage::Analyze) {
        crate::pipeline::semantic::semantic_context(config, None, crate::pipeline::semantic::AnalysisChoice::Auto)?
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let storage = Storage::open(&config.store).context("opening the object store")?;
        let queues = Queues::connect(&config.redis_url, QueueSettings::from_config(config)).await?;
        let ctx = Arc::new(StageContext {
            config: config.clone(),
            storage,
            queues,
            transcriber,
            decode: config.decode_options(),
            semantic,
        });
        let concurrency = args.concurrency.max(1);
        let options = WorkerOptions { stages: stages.clone(), concurrency, batch_size: args.batch_size.unwrap_or(concurrency),
            keep_done: config.keep_done(),
        };
        let id = worker::worker_id();
        let (stop, shutdown) = Shutdown::new();
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let names: Vec<&str> = stages.iter().map(|s| s.name()).collect();
        eprintln!("callcoach worker {id}: stages {}, concurrency {concurrency}: ready", names.join(","));
        let worker_id = id.clone();
        let workers = tokio::spawn(async move { worker::run(&worker_id, ctx, options, shutdown).await });
        let mut workers = std::pin::pin!(workers);
        tokio::select! {
            joined = &mut workers => return joined?,
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        eprintln!("callcoach worker {id}: stopping: finishing in-flight jobs");
        let _ = stop.send(true);
        workers.await??;
        eprintln!("callcoach worker {id}: stopped");
        Ok(())
    })
}
