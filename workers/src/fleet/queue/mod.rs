//! The Redis side of the fleet: one apalis-redis queue per stage, named `<prefix>:<stage>`.
//!
//! apalis-redis keeps, per queue: `:active` (list of due job ids), `:scheduled` (sorted set of retries
//! and delayed jobs by due time), `:inflight:<worker>` (what each worker holds), `:done`, `:dead`
//! (sets of ids), `:data` (hash id → job JSON) and `:meta:<id>` (attempts, max_attempts, status, the
//! last result or error). The patched apalis-redis in patches/ is what makes large backlogs, the
//! attempt limit and the backoff work (docs/fleet.md).

pub mod dead_letter;
mod vacuum;

pub use dead_letter::DeadJob;

use std::time::Duration;

use apalis::prelude::TaskBuilder;
use apalis_redis::{ConnectionManager, RedisStorage};
use redis::AsyncCommands;

use crate::config::Config;
use crate::fleet::jobs::{Stage, StageJob};

/// Jobs per push script call: keeps each Redis script call short however many jobs are pushed.
const PUSH_CHUNK: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("redis at {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: redis::RedisError,
    },
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("apalis-redis: {0}")]
    Backend(#[from] apalis_redis::Error),
    #[error("job JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("no dead job with id {0} in any stage queue")]
    NoSuchDeadJob(String),
}

/// How the queues behave; every value comes from [`Config`].
#[derive(Debug, Clone)]
pub struct QueueSettings {
    pub prefix: String,
    /// Attempts per job, the first included.
    pub attempts: u32,
    pub retry_backoff: Duration,
    pub retry_backoff_max: Duration,
    /// How often an idle worker polls for jobs.
    pub poll_interval: Duration,
    pub heartbeat: Duration,
    pub missed_heartbeats: usize,
}

impl QueueSettings {
    pub fn from_config(config: &Config) -> Self {
        let (retry_backoff, retry_backoff_max) = config.retry_backoff();
        Self {
            prefix: config.queue_prefix.clone(),
            attempts: config.job_attempts.max(1),
            retry_backoff,
            retry_backoff_max,
            poll_interval: config.poll_interval(),
            heartbeat: config.heartbeat(),
            missed_heartbeats: config.missed_heartbeats.max(1),
        }
    }
}

/// How many jobs a stage queue holds in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueueStats {
    /// Due, waiting for a worker.
    pub pending: u64,
    /// Waiting for a retry (or delayed).
    pub scheduled: u64,
    /// Held by a worker.
    pub running: u64,
    pub done: u64,
    /// Dead-lettered after their last attempt, or aborted.
    pub dead: u64,
    /// Workers registered on the queue.
    pub workers: u64,
}

/// The stage queues of one fleet.
#[derive(Clone)]
pub struct Queues {
    conn: ConnectionManager,
    settings: QueueSettings,
}

impl Queues {
    pub async fn connect(url: &str, settings: QueueSettings) -> Result<Self, QueueError> {
        let connect = |source| QueueError::Connect { url: url.to_string(), source };
        let client = redis::Client::open(url).map_err(connect)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(2);
        let conn = client.get_connection_manager_with_config(config).await.map_err(connect)?;
        Ok(Self { conn, settings })
    }

    pub fn settings(&self) -> &QueueSettings {
        &self.settings
    }

    pub fn queue_name(&self, stage: Stage) -> String {
        format!("{}:{}", self.settings.prefix, stage.name())
    }

    /// The apalis-redis configuration of a stage's queue.
    pub fn backend_config(&self, stage: Stage) -> apalis_redis::Config {
        let s = &self.settings;
        apalis_redis::Config::default()
            .queue(self.queue_name(stage))
            .heartbeat_interval(s.heartbeat)
            .missed_heartbeats(s.missed_heartbeats)
            .retry_backoff(s.retry_backoff, s.retry_backoff_max)
            // Pub/sub events per job are for apalis-board; the fleet does not use them.
            .emit_events(false)
    }

    /// The apalis backend a worker of `stage` consumes, fetching `batch_size` jobs at a time.
    pub fn backend(&self, stage: Stage, batch_size: usize) -> RedisStorage<StageJob> {
        RedisStorage::new(self.conn.clone()).with_config(self.backend_config(stage).batch_size(batch_size.max(1)))
    }

    /// Push jobs onto a stage's queue, each with the configured attempt limit. With `dedupe`, a
    /// job of a run (clip and run id) that was already pushed to this queue in the last 24 hours
    /// is dropped: a stage re-run after a crash does not hand its successor a second job.
    pub async fn push(&self, stage: Stage, jobs: &[StageJob], dedupe: bool) -> Result<(), QueueError> {
        let config = self.backend_config(stage).idempotency_ttl(Some(Duration::from_secs(24 * 3600)));
        let mut conn = self.conn.clone();
        for chunk in jobs.chunks(PUSH_CHUNK) {
            let mut tasks = Vec::with_capacity(chunk.len());
            for job in chunk {
                let mut builder = TaskBuilder::new(serde_json::to_vec(job)?).max_attempts(self.settings.attempts as usize);
                if dedupe {
                    builder = builder.idempotency_key(job.dedupe_key());
                }
                tasks.push(builder.build());
            }
            apalis_redis::queries::push_tasks(&mut conn, &config, &tasks).await?;
        }
        Ok(())
    }

    pub async fn stats(&self, stage: Stage) -> Result<QueueStats, QueueError> {
        let config = self.backend_config(stage);
        let mut conn = self.conn.clone();
        let workers: Vec<String> = conn.zrange(config.workers_set(), 0, -1).await?;
        let mut running = 0u64;
        for worker in &workers {
            running += conn.scard::<_, u64>(format!("{}:{worker}", config.inflight_jobs_set())).await?;
        }
        Ok(QueueStats {
            pending: conn.llen(config.active_jobs_list()).await?,
            scheduled: conn.zcard(config.scheduled_jobs_set()).await?,
            running,
            done: conn.scard(config.done_jobs_set()).await?,
            dead: conn.scard(config.dead_jobs_set()).await?,
            workers: workers.len() as u64,
        })
    }

    pub(crate) fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }
}
