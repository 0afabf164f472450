//! Where a submitted clip stands: per stage done / failed / waiting, read from the store (stage
//! markers, the scorecard) and the dead-letter sets. Used by `GET /v1/clips/{id}` and the progress
//! bars of `enqueue` and `batch`.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use crate::fleet::jobs::{Stage, clip_prefix, stage_marker};
use crate::fleet::queue::{DeadJob, Queues};
use crate::fleet::submit::{ClipRequest, request_key};
use crate::storage::{Storage, StorageError};

/// The state of a clip or of one of its stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Queued or running (the queues do not say which without asking every worker).
    Pending,
    Done,
    /// Dead-lettered: its attempts ran out or the input can never work. `callcoach jobs retry` re-drives it.
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageStatus {
    pub stage: Stage,
    pub state: State,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The dead job's id, for `callcoach jobs retry`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClipStatus {
    pub clip_id: String,
    pub state: State,
    pub stages: Vec<StageStatus>,
    pub request: ClipRequest,
    /// Artifact name → object key, once the scorecard exists.
    pub artifacts: BTreeMap<String, String>,
}

/// The pipeline's stages in order (the `noop` stage is not part of a clip's life).
pub const PIPELINE: [Stage; 3] = [Stage::Media, Stage::Transcribe, Stage::Analyze];

pub fn scorecard_key(clip_id: &str) -> String {
    format!("{}/scorecard.json", clip_prefix(clip_id))
}

/// Dead jobs by clip id, of the pipeline's stages: fetched once per poll for any number of clips.
pub async fn dead_by_clip(queues: &Queues) -> Result<BTreeMap<String, Vec<DeadJob>>> {
    let mut by_clip: BTreeMap<String, Vec<DeadJob>> = BTreeMap::new();
    for dead in queues.dead_jobs(&PIPELINE).await? {
        if let Some(clip) = dead.job.get("clip_id").and_then(|c| c.as_str()) {
            by_clip.entry(clip.to_string()).or_default().push(dead);
        }
    }
    Ok(by_clip)
}

/// The status of a clip, or `None` when no clip with this id was ever submitted.
pub async fn clip_status(
    storage: &Storage,
    clip_id: &str,
    dead: &BTreeMap<String, Vec<DeadJob>>,
) -> Result<Option<ClipStatus>> {
    let request: ClipRequest = match storage.get(&request_key(clip_id)).await {
        Ok(bytes) => serde_json::from_slice(&bytes)?,
        Err(StorageError::NotFound(_)) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    // Only this submission's dead jobs count: an earlier run's failure was superseded.
    let dead: Vec<&DeadJob> = dead
        .get(clip_id)
        .map(|jobs| {
            jobs.iter()
                .filter(|d| d.job.get("run_id").and_then(|r| r.as_str()) == Some(request.run_id.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let settings_tag = request.job().settings_tag();
    let mut stages = Vec::new();
    for stage in PIPELINE {
        let failed = dead.iter().find(|d| d.stage == stage);
        let state = if storage.exists(&stage_marker(clip_id, stage, &settings_tag)).await? {
            State::Done
        } else if failed.is_some() {
            State::Failed
        } else {
            State::Pending
        };
        stages.push(StageStatus {
            stage,
            state,
            error: failed.filter(|_| state == State::Failed).map(|d| d.error.clone()),
            job_id: failed.filter(|_| state == State::Failed).map(|d| d.id.clone()),
        });
    }
    let mut artifacts = BTreeMap::new();
    let state = if stages.iter().any(|s| s.state == State::Failed) {
        State::Failed
    } else if stages.iter().all(|s| s.state == State::Done) {
        if let Ok(bytes) = storage.get(&scorecard_key(clip_id)).await {
            let scorecard: serde_json::Value = serde_json::from_slice(&bytes)?;
            if let Some(map) = scorecard.get("artifacts").and_then(|a| a.as_object()) {
                for (name, key) in map {
                    if let Some(key) = key.as_str() {
                        artifacts.insert(name.clone(), key.to_string());
                    }
                }
            }
        }
        State::Done
    } else {
        State::Pending
    };
    Ok(Some(ClipStatus { clip_id: clip_id.to_string(), state, stages, request, artifacts }))
}
