//! Sentence embeddings for the analysis stage's trained heads (issue 8): all-MiniLM-L6-v2 (a 6-layer
//! BERT, 384 dimensions) run with candle on the CPU.
//!
//! A sentence's vector is the mean of the model's last hidden states over its tokens (the attention
//! mask), L2-normalised, as sentence-transformers computes it. Sentences are tokenised with the model's
//! own `tokenizer.json` (truncated at [`MAX_TOKENS`]), sorted by length and run in batches of
//! [`BATCH`] padded to their longest member: a sentence's vector does not depend on its batch.
//!
//! Load an [`Embedder`] once per process and share it (`Arc<Embedder>`; it is `Send + Sync`). It
//! caches nothing between calls.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Sentences per forward pass.
pub const BATCH: usize = 32;
/// Longer sentences are cut to this many tokens (the model was trained on up to 256 word pieces).
pub const MAX_TOKENS: usize = 256;
/// Length of every vector.
pub const DIMENSIONS: usize = 384;

/// The files a model directory holds.
pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const CONFIG_FILE: &str = "config.json";
pub const TOKENIZER_FILE: &str = "tokenizer.json";

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("embedding model {}: {detail}", dir.display())]
    Load { dir: PathBuf, detail: String },
    #[error("tokenizing: {0}")]
    Tokenize(String),
    #[error("running the embedding model: {0}")]
    Model(#[from] candle_core::Error),
    #[error("thread pool: {0}")]
    Threads(String),
}

/// all-MiniLM-L6-v2, loaded once.
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    pool: rayon::ThreadPool,
    dimensions: usize,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder").field("dimensions", &self.dimensions).finish_non_exhaustive()
    }
}

impl Embedder {
    /// Loads the model from `dir` (`model.safetensors`, `config.json`, `tokenizer.json`); `threads`
    /// (at least 1) is how many cores a call to [`Embedder::embed`] may use.
    pub fn load(dir: &Path, threads: usize) -> Result<Embedder, EmbedError> {
        let load_err = |detail: String| EmbedError::Load { dir: dir.to_owned(), detail };
        for file in [WEIGHTS_FILE, CONFIG_FILE, TOKENIZER_FILE] {
            if !dir.join(file).is_file() {
                return Err(load_err(format!("{file} is missing (install it with `callcoach models install all-minilm-l6-v2`)")));
            }
        }
        let config_text = std::fs::read_to_string(dir.join(CONFIG_FILE)).map_err(|e| load_err(format!("{CONFIG_FILE}: {e}")))?;
        let config: Config = serde_json::from_str(&config_text).map_err(|e| load_err(format!("{CONFIG_FILE}: {e}")))?;
        let dimensions = serde_json::from_str::<serde_json::Value>(&config_text)
            .ok()
            .and_then(|v| v["hidden_size"].as_u64())
            .unwrap_or(DIMENSIONS as u64) as usize;
        let mut tokenizer =
            Tokenizer::from_file(dir.join(TOKENIZER_FILE)).map_err(|e| load_err(format!("{TOKENIZER_FILE}: {e}")))?;
        // The shipped tokenizer pads every sentence to 128 tokens: pad a batch to its longest instead.
        let padding = match tokenizer.get_padding() {
            Some(p) => PaddingParams { strategy: PaddingStrategy::BatchLongest, ..p.clone() },
            None => PaddingParams { strategy: PaddingStrategy::BatchLongest, ..Default::default() },
        };
        tokenizer.with_padding(Some(padding));
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..Default::default() }))
            .map_err(|e| load_err(format!("truncation: {e}")))?;
        // SAFETY: the weights file is memory-mapped read-only; callcoach never writes it while running.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[dir.join(WEIGHTS_FILE)], DType::F32, &Device::Cpu) }
            .map_err(|e| load_err(format!("{WEIGHTS_FILE}: {e}")))?;
        let model = BertModel::load(vb, &config).map_err(|e| load_err(format!("{WEIGHTS_FILE}: {e}")))?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("embed-{i}"))
            .build()
            .map_err(|e| EmbedError::Threads(e.to_string()))?;
        Ok(Embedder { model, tokenizer, pool, dimensions })
    }

    /// Length of the vectors.
    pub fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// One unit-length vector per sentence, in the order given.
    pub fn embed<S: AsRef<str> + Sync>(&self, sentences: &[S]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.pool.install(|| self.embed_here(sentences))
    }

    fn embed_here<S: AsRef<str>>(&self, sentences: &[S]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut out = vec![Vec::new(); sentences.len()];
        if sentences.is_empty() {
            return Ok(out);
        }
        // Tokenise each sentence alone (no padding), then batch sentences of similar length.
        let lengths: Vec<usize> = sentences
            .iter()
            .map(|s| {
                self.tokenizer
                    .encode(s.as_ref(), true)
                    .map(|e| e.get_ids().len())
                    .map_err(|e| EmbedError::Tokenize(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        let mut order: Vec<usize> = (0..sentences.len()).collect();
        order.sort_by_key(|&i| (lengths[i], i));
        for chunk in order.chunks(BATCH) {
            let texts: Vec<&str> = chunk.iter().map(|&i| sentences[i].as_ref()).collect();
            for (&i, vector) in chunk.iter().zip(self.batch(&texts)?) {
                out[i] = vector;
            }
        }
        Ok(out)
    }

    fn batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EmbedError::Tokenize(e.to_string()))?;
        let width = encodings.iter().map(|e| e.get_ids().len()).max().unwrap_or(0);
        let rows = encodings.len();
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for encoding in &encodings {
            ids.extend(encoding.get_ids().iter().copied());
            mask.extend(encoding.get_attention_mask().iter().copied());
        }
        let device = Device::Cpu;
        let ids = Tensor::from_vec(ids, (rows, width), &device)?;
        let mask = Tensor::from_vec(mask, (rows, width), &device)?;
        let token_types = ids.zeros_like()?;
        let hidden = self.model.forward(&ids, &token_types, Some(&mask))?; // (rows, width, dims)
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // (rows, width, 1)
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // (rows, dims)
        let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?; // (rows, 1)
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        let unit = mean.broadcast_div(&norms)?;
        Ok(unit.to_vec2::<f32>()?)
    }
}

/// Cosine of two vectors (their dot product when both are unit length, as [`Embedder::embed`]'s are).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb).max(1e-12)
}
