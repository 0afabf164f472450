//! Analysis stage: `media.json` and the transcript in; the scorecard and every text artifact out,
//! `scorecard.json` written last.

use anyhow::Context;
use callcoach_media::MediaInfo;

use super::{StageContext, StageError, StageResultExt, blocking};
use crate::fleet::jobs::{StageJob, clip_prefix, transcribed_key};
use crate::pipeline;
use crate::pipeline::transcribe::TranscribeResult;
use crate::storage::Artifacts;

pub async fn run(job: &StageJob, ctx: &StageContext) -> Result<(), StageError> {
    let prefix = clip_prefix(&job.clip_id);
    let info: MediaInfo =
        serde_json::from_slice(&ctx.storage.get(&format!("{prefix}/media.json")).await?).context("media.json").abort()?;
    let transcribed: TranscribeResult = serde_json::from_slice(&ctx.storage.get(&transcribed_key(&job.clip_id, &job.settings_tag())).await?)
        .context("the transcription stage's transcript")
        .abort()?;
    let playbook = super::playbook(job, ctx).await?;

    let mut artifacts = Artifacts::default();
    // Artifacts the media stage stored, which the scorecard links to.
    for name in pipeline::media::ARTIFACT_NAMES {
        if ctx.storage.exists(&format!("{prefix}/{name}")).await? {
            artifacts.add_existing(name);
        }
    }
    // A playbook uploaded with the job has no trained heads here: its analysis uses the lexicon (and says so).
    let semantic = ctx.semantic.clone().map(|s| {
        if job.options.playbook_key.is_some() { callcoach_analyze::Semantic { heads: None, ..s } } else { s }
    });
    let (clip_id, kind, key_prefix) = (job.clip_id.clone(), job.kind, prefix.clone());
    let artifacts = blocking(move || {
        pipeline::analyze::run(
            &clip_id,
            kind,
            &info,
            &transcribed,
            &playbook,
            semantic.as_ref(),
            &key_prefix,
            &mut artifacts,
        )?;
        Ok(artifacts)
    })
    .await
    .abort()?;
    ctx.storage.put_all(&prefix, artifacts, "scorecard.json").await?;
    Ok(())
}
