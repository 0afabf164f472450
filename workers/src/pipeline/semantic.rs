//! The analysis stage's sentence-embedding model (issue 8): loaded once per process and shared by every
//! analysis it runs, behind `callcoach_analyze::Encoder`.
//!
//! `--analysis auto` (the default) uses the trained heads when the model is installed and the lexicon
//! otherwise; `lexicon`, `embedding` and `combined` force one method (the last two fail when the model
//! is missing).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use callcoach_analyze::semantic::MODEL_NAME;
use callcoach_analyze::{Encoder, Heads, Method, Semantic};
use callcoach_embed::Embedder;
use clap::ValueEnum;

use crate::config::Config;

/// `--analysis`: how frameworks are detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum AnalysisChoice {
    /// `combined` when the embedding model is installed, `lexicon` otherwise.
    #[default]
    Auto,
    /// The playbook's word lists and syntax rules only.
    Lexicon,
    /// Trained heads on sentence embeddings alone.
    Embedding,
    /// Trained heads on sentence embeddings plus lexicon and syntax features.
    Combined,
}

/// callcoach-embed's model as analysis's encoder.
pub struct EmbedEncoder(pub Embedder);

impl Encoder for EmbedEncoder {
    fn encode(&self, sentences: &[String]) -> Result<Vec<Vec<f32>>, String> {
        self.0.embed(sentences).map_err(|e| e.to_string())
    }
}

/// Where the embedding model is installed, if it is.
pub fn model_dir(config: &Config) -> Option<PathBuf> {
    let manifest = callcoach_models::Manifest::builtin();
    let entry = manifest.get(MODEL_NAME).ok()?;
    callcoach_models::resolve(entry, &config.models_dir).ok()
}

/// Loads the embedding model (0.1–0.2 s) with the configured threads.
pub fn load_encoder(config: &Config) -> Result<Arc<dyn Encoder>> {
    let dir = model_dir(config).with_context(|| {
        format!(
            "the embedding model {MODEL_NAME} is not installed in {}: run `callcoach models install {MODEL_NAME}`",
            config.models_dir.display()
        )
    })?;
    let embedder = Embedder::load(&dir, config.threads()).with_context(|| format!("loading {}", dir.display()))?;
    Ok(Arc::new(EmbedEncoder(embedder)))
}

/// The heads file of a playbook: `FILE.heads.json` beside `FILE.toml`.
pub fn heads_path(playbook: &Path) -> PathBuf {
    playbook.with_extension("heads.json")
}

/// The trained heads of the playbook in use: the shipped ones for the built-in playbook, `FILE.heads.json`
/// for `--playbook FILE.toml` when it exists (`None` otherwise: analysis then uses the lexicon and says so).
pub fn load_heads(playbook: Option<&Path>) -> Result<Option<Arc<Heads>>> {
    let heads = match playbook {
        None => Heads::builtin(),
        Some(path) => {
            let heads_file = heads_path(path);
            if !heads_file.is_file() {
                return Ok(None);
            }
            let text = std::fs::read_to_string(&heads_file).with_context(|| format!("reading {}", heads_file.display()))?;
            Some(Heads::from_json(&text).with_context(|| format!("heads {}", heads_file.display()))?)
        }
    };
    if let Some(h) = &heads
        && h.model != MODEL_NAME
    {
        bail!("the heads were trained on `{}`, callcoach embeds with `{MODEL_NAME}`: retrain with `callcoach playbook train`", h.model);
    }
    Ok(heads.map(Arc::new))
}

/// What `analyze_with` needs for `choice`: `None` means the lexicon. Call once per process (or worker)
/// and share the result; it loads the model.
pub fn semantic_context(config: &Config, playbook: Option<&Path>, choice: AnalysisChoice) -> Result<Option<Semantic>> {
    let method = match choice {
        AnalysisChoice::Lexicon => return Ok(None),
        AnalysisChoice::Auto if model_dir(config).is_none() => {
            tracing::info!("embedding model {MODEL_NAME} not installed: analysis uses the lexicon");
            return Ok(None);
        }
        AnalysisChoice::Auto | AnalysisChoice::Combined => Method::Combined,
        AnalysisChoice::Embedding => Method::Embedding,
    };
    let encoder = load_encoder(config)?;
    let heads = load_heads(playbook)?;
    Ok(Some(Semantic { encoder, heads, method }))
}
