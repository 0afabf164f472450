//! Stage handlers: each reads its inputs from object storage, calls `crate::pipeline`, writes its
//! outputs, commits with a `PutMode::Create` marker and hands the clip to the next stage's queue.
//!
//! Idempotency: a handler first looks for its marker ([`stage_marker`]); if it is there, the work
//! for this clip (whose id is its content hash) is done and only the hand-off is repeated (the
//! next queue drops duplicates by clip id). Outputs are written before the marker and are the
//! same bytes on a re-run, so a crash between them costs a re-run, never a half result.
//!
//! Errors: [`StageError::Abort`] (the input can never work: not media, no audio, missing source)
//! sends the job straight to the dead-letter set; [`StageError::Retry`] (storage, Redis, anything
//! transient) makes apalis-redis retry it with exponential backoff until its attempts run out.

mod analyze;
mod media;
mod noop;
mod transcribe;

use std::sync::Arc;

use anyhow::Context;
use apalis::prelude::{AbortError, Attempt, BoxDynError, Data, WorkerContext};
use callcoach_analyze::Playbook;
use callcoach_transcribe::{DecodeOptions, Transcriber};

use crate::config::Config;
use crate::fleet::jobs::{Stage, StageJob, stage_marker};
use crate::fleet::metrics::{RunOutcome, record_run};
use crate::fleet::queue::Queues;
use crate::storage::{Storage, StorageError};

/// A failed stage run, split by what should happen next (the pattern of pict-rs's JobError).
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// Retrying cannot help: dead-letter the job now.
    #[error("{0:#}")]
    Abort(anyhow::Error),
    /// Possibly transient: retry with backoff while attempts remain.
    #[error("{0:#}")]
    Retry(anyhow::Error),
}

/// `.abort()` / `.retry()` on any result, to say how its error should be handled.
pub trait StageResultExt<T> {
    fn abort(self) -> Result<T, StageError>;
    fn retry(self) -> Result<T, StageError>;
}

impl<T, E: Into<anyhow::Error>> StageResultExt<T> for Result<T, E> {
    fn abort(self) -> Result<T, StageError> {
        self.map_err(|e| StageError::Abort(e.into()))
    }

    fn retry(self) -> Result<T, StageError> {
        self.map_err(|e| StageError::Retry(e.into()))
    }
}

impl From<StorageError> for StageError {
    /// A missing input object cannot appear by retrying; everything else might be transient.
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound(_) | StorageError::Config { .. } => StageError::Abort(err.into()),
            _ => StageError::Retry(err.into()),
        }
    }
}

impl From<crate::fleet::queue::QueueError> for StageError {
    fn from(err: crate::fleet::queue::QueueError) -> Self {
        StageError::Retry(err.into())
    }
}

/// What every handler of one worker process shares: stores, queues and the loaded model.
pub struct StageContext {
    pub config: Config,
    pub storage: Storage,
    pub queues: Queues,
    /// Loaded once per worker process when it runs the transcription stage.
    pub transcriber: Option<Arc<Transcriber>>,
    pub decode: DecodeOptions,
    /// The embedding model and trained heads, loaded once per worker that runs analysis (when installed).
    pub semantic: Option<callcoach_analyze::Semantic>,
}

/// The apalis handler of every stage queue: run the stage, then map the outcome for apalis
/// (an `AbortError` dead-letters the job; any other error is retried by the backend).
pub async fn handle(
    job: StageJob,
    attempt: Attempt,
    worker: WorkerContext,
    stage: Data<Stage>,
    ctx: Data<Arc<StageContext>>,
) -> Result<(), BoxDynError> {
    let stage = *stage;
    let started = std::time::Instant::now();
    let attempt = attempt.current();
    tracing::info!(%stage, clip = %job.clip_id, attempt, worker = worker.name(), "stage started");
    let result = run(stage, &job, attempt, &ctx).await;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    if stage != Stage::Noop {
        let outcome = match &result {
            Ok(_) => RunOutcome::Done,
            Err(StageError::Abort(_)) => RunOutcome::Aborted,
            Err(StageError::Retry(_)) => RunOutcome::Retried,
        };
        record_run(&ctx.queues, stage, outcome, started.elapsed().as_secs_f64()).await;
    }
    match result {
        Ok(outcome) => {
            tracing::info!(%stage, clip = %job.clip_id, attempt, elapsed_ms, ?outcome, "stage finished");
            Ok(())
        }
        Err(StageError::Abort(err)) => {
            tracing::warn!(%stage, clip = %job.clip_id, attempt, "stage aborted: {err:#}");
            Err(Box::new(AbortError::new(format!("{stage}: {err:#}"))))
        }
        Err(StageError::Retry(err)) => {
            tracing::warn!(%stage, clip = %job.clip_id, attempt, "stage failed: {err:#}");
            Err(format!("{stage}: {err:#}").into())
        }
    }
}

/// What a stage run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// The marker was there: an earlier run did the work.
    AlreadyDone,
}

async fn run(stage: Stage, job: &StageJob, attempt: usize, ctx: &StageContext) -> Result<Outcome, StageError> {
    if stage == Stage::Noop {
        return noop::run(job, attempt).await;
    }
    let marker = stage_marker(&job.clip_id, stage, &job.settings_tag());
    let outcome = if ctx.storage.exists(&marker).await? {
        Outcome::AlreadyDone
    } else {
        match stage {
            Stage::Media => media::run(job, ctx).await?,
            Stage::Transcribe => transcribe::run(job, ctx).await?,
            Stage::Analyze => analyze::run(job, ctx).await?,
            Stage::Noop => unreachable!("handled above"),
        }
        let record = serde_json::json!({ "job": job, "attempt": attempt });
        // Create, never overwrite: when two deliveries race, the first marker stands.
        ctx.storage.create(&marker, serde_json::to_vec_pretty(&record).expect("JSON of a job")).await?;
        Outcome::Done
    };
    if let Some(next) = stage.next() {
        ctx.queues.push(next, std::slice::from_ref(job), true).await?;
    }
    Ok(outcome)
}

/// The job's playbook: `options.playbook_key` from the store, else the built-in one.
async fn playbook(job: &StageJob, ctx: &StageContext) -> Result<Playbook, StageError> {
    let Some(key) = &job.options.playbook_key else { return Ok(Playbook::default()) };
    let text = String::from_utf8(ctx.storage.get(key).await?.to_vec()).context("playbook is not UTF-8").abort()?;
    Playbook::from_toml(&text).with_context(|| format!("playbook {key}")).abort()
}

/// Run CPU-bound pipeline code off the async threads (they drive heartbeats and fetches).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> anyhow::Result<T> + Send + 'static) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| anyhow::anyhow!("stage task panicked: {e}"))?
}
