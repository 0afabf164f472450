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
    /// A TOML file of settings: `name = value` lines named like the environment variables below
    /// without their `CALLCOACH_` prefix, in lower case (`redis_url = "redis://…"`, `store = "s3://…"`,
    /// `aws_endpoint_url = "http://…"`). Flags and environment variables take precedence over it.
    #[arg(long, env = "CALLCOACH_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// Folder holding converted whisper models.
    #[arg(long, env = "CALLCOACH_MODELS", default_value = DEFAULT_MODELS_DIR, global = true)]
    pub models_dir: PathBuf,

    /// Whisper model name from models/manifest.toml (`tiny.en-q8_0` is ~20% faster but garbled spoken
    /// digits in a test, so f16 stays the default; docs/performance.md).
    #[arg(long, env = "CALLCOACH_MODEL", default_value = "tiny.en", global = true)]
    pub model: String,

    /// Spoken language: `auto` detects it with a multilingual model (`--model base`) and records it
    /// as `clip.language`; a code such as `en` or `de` fixes it. English-only models always use `en`.
    #[arg(long, env = "CALLCOACH_LANGUAGE", default_value = "auto", global = true)]
    pub language: String,

    /// Keep disfluencies ("um", "uh", "you know") in transcripts by prompting whisper with them: on the
    /// 48-call bench, stereo filler recall 0.65 → 0.89 at equal WER and time (docs/performance.md).
    /// `false` decodes without a prompt.
    #[arg(long, env = "CALLCOACH_KEEP_FILLERS", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub keep_fillers: bool,

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

    /// Object store for sources and artifacts: `file:///path`, a plain folder path, or
    /// `s3://bucket[/prefix]` (endpoint and credentials from `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`; `AWS_ALLOW_HTTP=true` for a plain-HTTP endpoint).
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

    /// Finished jobs are deleted from Redis once this old (workers check every 10 minutes; 0 keeps
    /// them forever). Dead-lettered jobs are always kept. Artifacts in the store are never touched.
    #[arg(long, env = "CALLCOACH_KEEP_DONE_S", default_value_t = 86_400, global = true)]
    pub keep_done_s: u64,

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

    /// How the transcription stage decodes, from these settings.
    pub fn decode_options(&self) -> callcoach_transcribe::DecodeOptions {
        let language = match self.language.trim() {
            "" | "auto" => None,
            code => Some(code.to_lowercase()),
        };
        let options = callcoach_transcribe::DecodeOptions { threads: self.threads(), language, ..Default::default() };
        if self.keep_fillers { options.keeping_fillers() } else { options }
    }

    pub fn retry_backoff(&self) -> (Duration, Duration) {
        (Duration::from_secs(self.retry_backoff_s.max(1)), Duration::from_secs(self.retry_backoff_max_s.max(1)))
    }

    pub fn keep_done(&self) -> Option<Duration> {
        (self.keep_done_s > 0).then(|| Duration::from_secs(self.keep_done_s))
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

/// Apply a settings file before the command line is parsed: each `key = value` becomes the environment
/// variable clap reads for that setting (`redis_url` → `CALLCOACH_REDIS_URL`, `aws_region` →
/// `AWS_REGION`), unless that variable is already set. So precedence is flag > environment > file >
/// default, with one definition of every setting (the clap attributes). `known` lists the variables
/// the binary reads; a key naming none of them is an error.
pub fn apply_settings_file(path: &std::path::Path, known: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    use anyhow::Context;
    let text = std::fs::read_to_string(path).with_context(|| format!("reading settings file {}", path.display()))?;
    let table: toml::Table = text.parse().with_context(|| format!("settings file {}", path.display()))?;
    let mut settings = Vec::new();
    for (key, value) in table {
        let var = if key.starts_with("aws_") { key.to_uppercase() } else { format!("CALLCOACH_{}", key.to_uppercase()) };
        if !known.contains(&var) && !key.starts_with("aws_") {
            let mut names: Vec<String> = known
                .iter()
                .filter_map(|k| k.strip_prefix("CALLCOACH_"))
                .filter(|k| *k != "CONFIG")
                .map(str::to_lowercase)
                .collect();
            names.sort();
            names.dedup();
            anyhow::bail!("settings file {}: unknown setting `{key}` (known: {}, aws_*)", path.display(), names.join(", "));
        }
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Float(x) => x.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => anyhow::bail!("settings file {}: `{key}` must be a string, number or boolean, not {other}", path.display()),
        };
        if std::env::var_os(&var).is_none() {
            settings.push((var, value));
        }
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::apply_settings_file;

    fn known() -> Vec<String> {
        ["CALLCOACH_REDIS_URL", "CALLCOACH_STORE", "CALLCOACH_JOB_ATTEMPTS", "CALLCOACH_CONFIG"].map(String::from).to_vec()
    }

    #[test]
    fn a_settings_file_maps_keys_to_the_variables_clap_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("callcoach.toml");
        std::fs::write(&path, "redis_url = \"redis://10.0.0.5:6379\"\njob_attempts = 7\naws_endpoint_url = \"http://s3:9000\"\n")
            .unwrap();
        let mut settings = apply_settings_file(&path, &known()).unwrap();
        settings.sort();
        assert_eq!(
            settings,
            [
                ("AWS_ENDPOINT_URL".to_string(), "http://s3:9000".to_string()),
                ("CALLCOACH_JOB_ATTEMPTS".to_string(), "7".to_string()),
                ("CALLCOACH_REDIS_URL".to_string(), "redis://10.0.0.5:6379".to_string()),
            ]
        );
    }

    #[test]
    fn unknown_keys_and_tables_are_errors_that_list_the_known_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("callcoach.toml");
        std::fs::write(&path, "redis_ulr = \"x\"\n").unwrap();
        let err = apply_settings_file(&path, &known()).unwrap_err().to_string();
        assert!(err.contains("unknown setting `redis_ulr`") && err.contains("redis_url"), "{err}");
        assert!(!err.contains("config,"), "{err}");
        std::fs::write(&path, "[store]\nx = 1\n").unwrap();
        assert!(apply_settings_file(&path, &known()).unwrap_err().to_string().contains("must be a string"));
        assert!(apply_settings_file(&dir.path().join("missing.toml"), &known()).is_err());
    }
}
