//! Submitting clips to the fleet: hash the source to get its clip id, make sure the source is in the
//! object store, record the request next to the clip's artifacts and queue the media stage.
//!
//! `callcoach enqueue`, `callcoach batch` and `POST /v1/clips` all go through [`submit`], so a clip
//! looks the same in the store whichever way it came in.

use std::path::Path;

use anyhow::{Context, Result};
use callcoach_analyze::ClipKind;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fleet::jobs::{JobOptions, Stage, StageJob, clip_prefix};
use crate::fleet::queue::Queues;
use crate::pipeline::RepChannel;
use crate::storage::{Storage, StorageError};

/// Bytes of the sha256 that make up a clip id (16 hex digits), as `process` computes it.
const CLIP_ID_BYTES: usize = 8;

/// A clip id from a finished sha256 of the source's bytes.
pub fn clip_id_from(hasher: Sha256) -> String {
    hex::encode(&hasher.finalize()[..CLIP_ID_BYTES])
}

/// What a user asked for when submitting a clip; stored as `clips/<id>/request.json`, where status
/// queries and team summaries find the rep and the kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipRequest {
    pub clip_id: String,
    /// Object key of the source media.
    pub source_key: String,
    pub kind: ClipKind,
    /// Who the rep is (free text: an id or a name), for per-rep summaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rep_id: Option<String>,
    pub rep_channel: RepChannel,
    #[serde(default)]
    pub redact: bool,
    /// Transcribed and analysed again even if an earlier run with the same settings finished.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// The batch this clip was submitted with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    /// Unix time of the submission.
    pub submitted_at: u64,
    /// One id per submission, carried through the stages (see [`StageJob::run_id`]).
    pub run_id: String,
}

impl ClipRequest {
    /// The job this submission puts on the first stage's queue (and every later stage carries); its
    /// [`StageJob::settings_tag`] names the submission's stage markers.
    pub fn job(&self) -> StageJob {
        StageJob {
            clip_id: self.clip_id.clone(),
            run_id: self.run_id.clone(),
            source_key: self.source_key.clone(),
            kind: self.kind,
            rep_channel: self.rep_channel,
            options: JobOptions { redact: self.redact, fresh: self.fresh, ..JobOptions::default() },
        }
    }
}

/// Options of a submission that are not about its source.
#[derive(Debug, Clone, Default)]
pub struct SubmitOptions {
    pub kind: ClipKind,
    pub rep_id: Option<String>,
    pub rep_channel: RepChannel,
    pub redact: bool,
    /// See [`ClipRequest::fresh`].
    pub fresh: bool,
    pub batch_id: Option<String>,
}

pub fn request_key(clip_id: &str) -> String {
    format!("{}/request.json", clip_prefix(clip_id))
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The lower-case extension of a file name, `bin` when it has none (GStreamer sniffs the content).
pub fn extension_of(name: &str) -> String {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| !e.is_empty() && e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(str::to_lowercase)
        .unwrap_or_else(|| "bin".into())
}

/// Upload a local file as `uploads/<clip-id>.<ext>` (skipped when that object exists: same content,
/// same key). Returns the clip id and the source key.
pub async fn upload_local(storage: &Storage, file: &Path) -> Result<(String, String)> {
    let path = file.to_path_buf();
    let clip_id = tokio::task::spawn_blocking(move || crate::commands::process::clip_id(&path)).await??;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let source_key = format!("uploads/{clip_id}.{}", extension_of(name));
    if !storage.exists(&source_key).await? {
        storage.upload(&source_key, file).await.with_context(|| format!("uploading {}", file.display()))?;
    }
    Ok((clip_id, source_key))
}

/// The clip id of an object already in the store: its content is read once, streamed, and hashed.
pub async fn clip_id_of_object(storage: &Storage, key: &str) -> Result<String, StorageError> {
    let (_, mut stream) = storage.get_stream(key).await?;
    let mut hasher = Sha256::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|source| StorageError::Backend { key: key.to_string(), source })?;
        hasher.update(&chunk);
    }
    Ok(clip_id_from(hasher))
}

/// Record the request and queue the clip's media stage. The request is written first: a clip on a
/// queue always has its request in the store.
pub async fn submit(
    storage: &Storage,
    queues: &Queues,
    clip_id: String,
    source_key: String,
    options: SubmitOptions,
) -> Result<ClipRequest> {
    let request = ClipRequest {
        clip_id,
        source_key,
        kind: options.kind,
        rep_id: options.rep_id,
        rep_channel: options.rep_channel,
        redact: options.redact,
        fresh: options.fresh,
        batch_id: options.batch_id,
        submitted_at: now(),
        run_id: uuid::Uuid::new_v4().simple().to_string(),
    };
    storage
        .put(&request_key(&request.clip_id), serde_json::to_vec_pretty(&request)?)
        .await
        .context("recording the request")?;
    queues.push(Stage::Media, &[request.job()], false).await.context("queueing the media stage")?;
    Ok(request)
}
