use std::path::PathBuf;

/// Why the media stage could not use an input. Each variant's message is one clear line for a user.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("GStreamer could not start: {0}")]
    Init(String),
    #[error("input not found: {0}")]
    NotFound(PathBuf),
    #[error("input is empty (0 bytes): {0}")]
    Empty(PathBuf),
    #[error("input is not a playable media file: {path} ({reason})")]
    NotMedia { path: PathBuf, reason: String },
    #[error("input has no audio track, so there is nothing to transcribe: {0}")]
    NoAudio(PathBuf),
    #[error("input is truncated or damaged: {path} decodes to {decoded_s:.1} s of the {expected_s:.1} s it declares")]
    Truncated { path: PathBuf, decoded_s: f64, expected_s: f64 },
    #[error("input is too long: {duration_s:.0} s, the limit is {limit_s:.0} s")]
    TooLong { duration_s: f64, limit_s: f64 },
    #[error("media pipeline timed out after {seconds} s while {what}")]
    Timeout { what: &'static str, seconds: u64 },
    #[error("could not write {path}: {message}")]
    Output { path: PathBuf, message: String },
    #[error("media pipeline failed while {what}: {message}")]
    Pipeline { what: &'static str, message: String },
}

impl MediaError {
    pub(crate) fn pipeline(what: &'static str, message: impl std::fmt::Display) -> Self {
        MediaError::Pipeline { what, message: message.to_string() }
    }
}
