//! Transcription stage: `audio.wav` in, the transcript with speaker roles out (an intermediate,
//! `stages/transcribe.<settings>.json`; the analysis stage writes the contract's `transcript.json`).

use anyhow::Context;

use super::{StageContext, StageError, StageResultExt, blocking};
use crate::fleet::jobs::{StageJob, clip_prefix, transcribed_key};
use crate::pipeline;

pub async fn run(job: &StageJob, ctx: &StageContext) -> Result<(), StageError> {
    let transcriber = ctx
        .transcriber
        .clone()
        .context("this worker has no whisper model loaded (run it with the transcribe stage)")
        .retry()?;
    let wav = ctx.storage.get(&format!("{}/audio.wav", clip_prefix(&job.clip_id))).await?;
    let (audio, stereo_call) = pipeline::media::read_speech_wav(&wav).context("reading audio.wav").abort()?;
    let playbook = super::playbook(job, ctx).await?;
    let (options, kind, rep_channel, redact) = (ctx.decode.clone(), job.kind, job.rep_channel, job.options.redact);
    let transcribed = blocking(move || {
        let transcribed = pipeline::transcribe::run(&transcriber, &options, &audio, stereo_call, kind, rep_channel, &playbook)?;
        Ok(if redact { transcribed.redacted() } else { transcribed })
    })
    .await
    .retry()?;
    let json = serde_json::to_vec(&transcribed).context("encoding the transcript").abort()?;
    ctx.storage.put(&transcribed_key(&job.clip_id, &job.settings_tag()), json).await?;
    Ok(())
}
