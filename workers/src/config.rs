//! The one configuration struct of the binary, read once from flags and environment.

use std::path::PathBuf;

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

    /// Whisper model name from models/manifest.toml.
    #[arg(long, env = "CALLCOACH_MODEL", default_value = "tiny.en", global = true)]
    pub model: String,

    /// Threads for transcription (default: all cores).
    #[arg(long, env = "CALLCOACH_THREADS", global = true)]
    pub threads: Option<usize>,

    /// Longest clip accepted, in seconds.
    #[arg(long, env = "CALLCOACH_MAX_DURATION_S", default_value_t = 7200.0, global = true)]
    pub max_duration_s: f64,
}

impl Config {
    pub fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
            .max(1)
    }

    pub fn media_limits(&self) -> callcoach_media::MediaLimits {
        callcoach_media::MediaLimits { max_duration_s: self.max_duration_s }
    }
}
