//! The one configuration struct of the binary, read once from flags and environment.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// Where the models live when neither `--models-dir` nor `CALLCOACH_MODELS` says: `models/weights`
/// under the current directory, i.e. the checkout's gitignored folder when run from its root (the
/// scripts always set `CALLCOACH_MODELS`).
const DEFAULT_MODELS_DIR: &str = "models/weights";

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Folder holding converted whisper models.
    #[arg(long, env = "CALLCOACH_MODELS", default_value = DEFAULT_MODELS_DIR, global = true)]
    pub models_dir: PathBuf,

    /// Whisper model name from models/manifest.toml (`tiny.en-q8_0` is ~20% faster but garbled spoken
    /// digits in a test, so f16 stays the default; docs/performance.md).
    #[arg(long, env = "CALLCOACH_MODEL", default_value = "tiny.en", global = true)]
    pub model: String,

    /// Threads for transcription (default: all cores).
    #[arg(long, env = "CALLCOACH_THREADS", global = true)]
    pub threads: Option<usize>,

    /// Longest clip accepted, in seconds.
    #[arg(long, env = "CALLCOACH_MAX_DURATION_S", default_value_t = 7200.0, global = true)]
    pub max_duration_s: f64,

    // ---- The fleet: queues in Redis, artifacts in object storage (docs/fleet.md) ----
    /// Redis holding the stage queues.
    #[arg(long, env = "CALLCOACH_REDIS_URL", default_value = "redis://127.0.0.1:6379", global = true)]
    pub redis_url: String,

    /// Object store for sources and artifacts: `file:///path`, a plain folder path, or `s3://bucket`.
    #[arg(long, env = "CALLCOACH_STORE", default_value = "callcoach-store", global = true)]
    pub store: String,

    /// Prefix of every Redis key the fleet uses; fleets sharing one Redis use different ones.
    #[arg(long, env = "CALLCOACH_QUEUE_PREFIX", default_value = "callcoach", global = true)]
    pub queue_prefix: String,

    /// Attempts per stage job, the first included, before it goes to the dead-letter set.
    #[arg(long, env = "CALLCOACH_JOB_ATTEMPTS", default_value_t = 5, global = true)]
    pub job_attempts: u32,

    /// Wait before the first retry of a failed job; each further retry waits twice as long.
    #[arg(long, env = "CALLCOACH_RETRY_BACKOFF_S", default_value_t = 2, global = true)]
    pub retry_backoff_s: u64,

    /// Longest wait between two attempts of a job.
    #[arg(long, env = "CALLCOACH_RETRY_BACKOFF_MAX_S", default_value_t = 300, global = true)]
    pub retry_backoff_max_s: u64,

    /// How often an idle worker looks for new jobs, in milliseconds.
    #[arg(long, env = "CALLCOACH_POLL_INTERVAL_MS", default_value_t = 200, global = true)]
    pub poll_interval_ms: u64,

    /// Worker heartbeat, in seconds. A worker silent for `heartbeat × missed heartbeats` is
    /// dead and its jobs go back on the queue (the visibility timeout).
    #[arg(long, env = "CALLCOACH_HEARTBEAT_S", default_value_t = 5, global = true)]
    pub heartbeat_s: u64,

    /// Heartbeats a worker may miss before its jobs are handed to other workers.
    #[arg(long, env = "CALLCOACH_MISSED_HEARTBEATS", default_value_t = 3, global = true)]
    pub missed_heartbeats: usize,
}

impl Config {
    pub fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
            .max(1)
    }

    pub fn retry_backoff(&self) -> (Duration, Duration) {
        (Duration::from_secs(self.retry_backoff_s.max(1)), Duration::from_secs(self.retry_backoff_max_s.max(1)))
    }

    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms.max(10))
    }

    pub fn heartbeat(&self) -> Duration {
        Duration::from_secs(self.heartbeat_s.max(1))
    }

    pub fn media_limits(&self) -> callcoach_media::MediaLimits {
        callcoach_media::MediaLimits { max_duration_s: self.max_duration_s }
    }
}
