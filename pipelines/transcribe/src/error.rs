use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    #[error("whisper model file not found: {0}")]
    ModelMissing(PathBuf),
    #[error("could not load whisper model {path}: {message}")]
    ModelLoad { path: PathBuf, message: String },
    #[error("whisper decoding failed: {0}")]
    Decode(String),
}
