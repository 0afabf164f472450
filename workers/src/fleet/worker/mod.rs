//! Running stage handlers: one apalis worker per stage queue, each under a unique name, supervised
//! (restarted under a new name if its backend fails, e.g. while Redis restarts), all stopped
//! gracefully together: on shutdown a worker takes no new jobs, finishes the ones it holds, hands
//! back any it had fetched but not started, and exits. Each worker also removes old finished jobs
//! from Redis now and then (`CALLCOACH_KEEP_DONE_S`).

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BackendExt, WorkerBuilder, WorkerBuilderExt, WorkerError};
use tokio::sync::watch;

use crate::fleet::jobs::Stage;
use crate::fleet::stages::{self, StageContext};

/// How a worker process runs its stages.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub stages: Vec<Stage>,
    /// Jobs of one stage running at once in this process.
    pub concurrency: usize,
    /// Jobs fetched per Redis round trip; at most `concurrency` by default, so that a busy
    /// worker does not hoard jobs an idle one could run.
    pub batch_size: usize,
    /// Delete finished jobs from Redis once they are this old (`None`: keep them).
    pub keep_done: Option<Duration>,
}

/// A fleet-unique worker id: host, process id and a random part. apalis-redis keys a worker's
/// in-flight jobs and its orphan recovery by this name, so two live workers must never share one.
pub fn worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".to_string());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &random[..8])
}

/// Tells the stage workers to stop; cloned into each.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    pub fn new() -> (watch::Sender<bool>, Self) {
        let (tx, rx) = watch::channel(false);
        (tx, Self(rx))
    }

    fn requested(&self) -> bool {
        *self.0.borrow()
    }

    async fn wait(mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

/// Run workers for `options.stages` until `shutdown` fires, then wait for their in-flight jobs.
pub async fn run(id: &str, ctx: Arc<StageContext>, options: WorkerOptions, shutdown: Shutdown) -> anyhow::Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for &stage in &options.stages {
        let (id, ctx, options, shutdown) = (id.to_string(), ctx.clone(), options.clone(), shutdown.clone());
        tasks.spawn(supervise(id, stage, ctx, options, shutdown));
    }
    if let Some(keep) = options.keep_done {
        let (ctx, stages, shutdown) = (ctx.clone(), options.stages.clone(), shutdown.clone());
        tasks.spawn(vacuum_periodically(ctx, stages, keep, shutdown));
    }
    while let Some(joined) = tasks.join_next().await {
        joined?;
    }
    Ok(())
}

/// How often a worker removes old finished jobs of its stages from Redis.
const VACUUM_EVERY: Duration = Duration::from_secs(600);

/// Every [`VACUUM_EVERY`] (the first time soon after start), delete finished jobs older than `keep`.
/// Several workers doing it at once is harmless: the script only deletes what is still there.
async fn vacuum_periodically(ctx: Arc<StageContext>, stages: Vec<Stage>, keep: Duration, shutdown: Shutdown) {
    let mut wait = Duration::from_secs(30);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.clone().wait() => return,
        }
        wait = VACUUM_EVERY;
        for &stage in &stages {
            match ctx.queues.vacuum_done(stage, keep.as_secs()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(%stage, removed = n, "vacuumed finished jobs"),
                Err(err) => tracing::warn!(%stage, "vacuuming finished jobs: {err}"),
            }
        }
    }
}

/// Keep one stage's worker running until shutdown. A worker whose backend fails (Redis gone) is
/// rebuilt under a new name after a pause: its old name may still be registered, and its jobs come
/// back through apalis-redis's orphan recovery.
async fn supervise(id: String, stage: Stage, ctx: Arc<StageContext>, options: WorkerOptions, shutdown: Shutdown) {
    let mut generation = 0u32;
    loop {
        let name = if generation == 0 { format!("{id}.{stage}") } else { format!("{id}.{stage}.{generation}") };
        let backend = ctx
            .queues
            .backend(stage, options.batch_size)
            // Idle pickup: look for jobs every poll interval instead of only on the heartbeat.
            .poll_with_interval(ctx.queues.settings().poll_interval);
        let worker = WorkerBuilder::new(name.as_str())
            .backend(backend)
            .concurrency(options.concurrency.max(1))
            .data(stage)
            .data(ctx.clone())
            .build(stages::handle);
        let stop = shutdown.clone();
        let result = worker
            .run_until(async move {
                stop.wait().await;
                Ok::<(), WorkerError>(())
            })
            .await;
        match result {
            Ok(()) => {
                tracing::info!(worker = %name, "stopped");
                return;
            }
            Err(err) if shutdown.requested() => {
                tracing::warn!(worker = %name, "stopped with an error: {err}");
                return;
            }
            Err(err) => {
                tracing::error!(worker = %name, "worker failed, restarting: {err}");
                generation += 1;
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.clone().wait() => return,
                }
            }
        }
    }
}
