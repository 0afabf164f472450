//! Media stage: download the source, probe it, run the one-decode media stage; store `media.json`,
//! `audio.wav`, the web video (or `audio.m4a`) and the stills under the clip's prefix.

use callcoach_media::MediaError;

use super::{StageContext, StageError, StageResultExt, blocking};
use crate::fleet::jobs::{StageJob, clip_prefix};
use crate::pipeline;
use crate::storage::Artifacts;

pub async fn run(job: &StageJob, ctx: &StageContext) -> Result<(), StageError> {
    let dir = tempfile::tempdir().retry()?;
    let extension = std::path::Path::new(&job.source_key).extension().and_then(|e| e.to_str()).unwrap_or("bin");
    let input = dir.path().join(format!("source.{extension}"));
    ctx.storage.download(&job.source_key, &input).await?;

    let config = ctx.config.clone();
    let work_dir = dir.path().join("outputs");
    let artifacts = blocking(move || {
        let info = pipeline::media::probe(&input, &config)?;
        let mut artifacts = Artifacts::default();
        std::fs::create_dir_all(&work_dir)?;
        pipeline::media::run(&input, info, &work_dir, &mut artifacts)?;
        Ok(artifacts)
    })
    .await
    .map_err(|err| {
        // The clip cannot be used (not media, no audio, truncated, too long): final.
        if err.chain().any(|cause| cause.is::<MediaError>()) { StageError::Abort(err) } else { StageError::Retry(err) }
    })?;
    ctx.storage.put_all(&clip_prefix(&job.clip_id), artifacts, "media.json").await?;
    Ok(())
}
