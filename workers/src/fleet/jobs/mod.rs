//! Jobs: what travels through the stage queues.
//!
//! Every stage queue carries the same [`StageJob`]; the queue it sits on says which stage runs it.
//! A job holds only names and options — the data itself is in object storage under
//! [`clip_prefix`], where each stage finds its predecessor's outputs.

use std::fmt;
use std::str::FromStr;

use callcoach_analyze::ClipKind;
use serde::{Deserialize, Serialize};

use crate::pipeline::RepChannel;

/// One clip's work order for one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageJob {
    /// The clip id: the first 16 hex digits of the source's sha256, as `process` computes it.
    pub clip_id: String,
    /// One id per enqueueing of the clip, kept through its stages: the next stage's queue drops a
    /// second hand-off of the same run (a stage re-run after a crash), not a new run.
    #[serde(default)]
    pub run_id: String,
    /// Object key of the uploaded source media.
    pub source_key: String,
    pub kind: ClipKind,
    pub rep_channel: RepChannel,
    #[serde(default)]
    pub options: JobOptions,
}

/// Optional settings of a job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobOptions {
    /// Object key of a playbook TOML replacing the built-in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook_key: Option<String>,
    /// Replace personal data by tags in the transcript and everything made from it (`--redact`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redact: bool,
    /// Transcribe and analyse again even when a run with the same settings finished (after new
    /// models, heads or worker settings): the run's id joins the [`settings_tag`]. Media is reused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// Only for the `noop` stage (tests, benchmarks): fail this many attempts, then succeed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fail_attempts: u32,
    /// Only for the `noop` stage: hold each attempt this long (graceful-shutdown tests).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sleep_ms: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The stages, each with its own queue. `Noop` does nothing: it measures the queue itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Media,
    Transcribe,
    Analyze,
    Noop,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Media, Stage::Transcribe, Stage::Analyze, Stage::Noop];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Media => "media",
            Stage::Transcribe => "transcribe",
            Stage::Analyze => "analyze",
            Stage::Noop => "noop",
        }
    }

    /// The stage a finished job of this stage is handed to.
    pub fn next(self) -> Option<Stage> {
        match self {
            Stage::Media => Some(Stage::Transcribe),
            Stage::Transcribe => Some(Stage::Analyze),
            Stage::Analyze | Stage::Noop => None,
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Stage {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.name() == s)
            .ok_or_else(|| format!("unknown stage {s:?}; expected media, transcribe, analyze or noop"))
    }
}

impl StageJob {
    /// The key that deduplicates hand-offs of this run to a stage queue.
    pub fn dedupe_key(&self) -> String {
        format!("{}:{}", self.clip_id, self.run_id)
    }

    /// This job's [`settings_tag`].
    pub fn settings_tag(&self) -> String {
        let fresh_run = self.options.fresh.then_some(self.run_id.as_str());
        settings_tag(self.kind, self.rep_channel, self.options.redact, self.options.playbook_key.as_deref(), fresh_run)
    }
}

/// The settings that transcription and analysis output depend on besides the clip's content (which its id
/// already names): kind, rep channel, redaction and playbook, as 8 hex digits of their sha256. Their markers
/// and the intermediate transcript are keyed by it, so a clip submitted again with other settings is
/// transcribed and analysed again instead of reusing a run made with different ones; the same settings
/// find the earlier run's marker and skip. The media stage depends on the content alone. The worker's own
/// settings (model, prompt, analysis method, heads) are not in it: a run submitted with `fresh` names its
/// run id (`fresh_run`) in the tag, so it finds no earlier marker and redoes both stages.
pub fn settings_tag(
    kind: ClipKind,
    rep_channel: RepChannel,
    redact: bool,
    playbook_key: Option<&str>,
    fresh_run: Option<&str>,
) -> String {
    use sha2::{Digest, Sha256};
    let mut settings = serde_json::json!({ "kind": kind, "rep_channel": rep_channel, "redact": redact, "playbook": playbook_key });
    if let Some(run_id) = fresh_run {
        settings["fresh_run"] = run_id.into();
    }
    let digest = Sha256::digest(settings.to_string().as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a clip's artifacts live: `clips/<clip-id>` (the output contract).
pub fn clip_prefix(clip_id: &str) -> String {
    format!("clips/{clip_id}")
}

/// The marker a stage writes last, with `PutMode::Create`, once all its outputs for the clip are
/// stored. Its presence means "done": a re-delivered job finds it and skips the work.
/// Per [`settings_tag`] for every stage but media: `stages/media.done`, `stages/analyze.<tag>.done`.
pub fn stage_marker(clip_id: &str, stage: Stage, settings_tag: &str) -> String {
    match stage {
        Stage::Media | Stage::Noop => format!("{}/stages/{}.done", clip_prefix(clip_id), stage.name()),
        Stage::Transcribe | Stage::Analyze => {
            format!("{}/stages/{}.{settings_tag}.done", clip_prefix(clip_id), stage.name())
        }
    }
}

/// Intermediate output of the transcription stage (transcript and speaker roles), per [`settings_tag`].
pub fn transcribed_key(clip_id: &str, settings_tag: &str) -> String {
    format!("{}/stages/transcribe.{settings_tag}.json", clip_prefix(clip_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_round_trip_and_chain() {
        for stage in Stage::ALL {
            assert_eq!(stage.name().parse::<Stage>().unwrap(), stage);
        }
        assert_eq!(Stage::Media.next(), Some(Stage::Transcribe));
        assert_eq!(Stage::Transcribe.next(), Some(Stage::Analyze));
        assert_eq!(Stage::Analyze.next(), None);
        assert!("video".parse::<Stage>().is_err());
    }

    #[test]
    fn a_fresh_run_has_a_tag_of_its_own() {
        let job = |run_id: &str, fresh: bool| StageJob {
            clip_id: "c".into(),
            run_id: run_id.into(),
            source_key: "uploads/c.wav".into(),
            kind: ClipKind::Call,
            rep_channel: RepChannel::Left,
            options: JobOptions { fresh, ..JobOptions::default() },
        };
        assert_eq!(job("run1", false).settings_tag(), job("run2", false).settings_tag(), "runs share a tag");
        assert_ne!(job("run1", true).settings_tag(), job("run1", false).settings_tag());
        assert_ne!(job("run1", true).settings_tag(), job("run2", true).settings_tag());
        assert_eq!(job("run1", true).settings_tag(), job("run1", true).settings_tag(), "every stage of a run agrees");
    }

    #[test]
    fn job_json_is_stable_and_options_default() {
        let json = r#"{"clip_id":"ab","run_id":"r1","source_key":"uploads/ab.mp4","kind":"pitch","rep_channel":"right"}"#;
        let job: StageJob = serde_json::from_str(json).unwrap();
        assert_eq!(job.kind, ClipKind::Pitch);
        assert_eq!(job.rep_channel, RepChannel::Right);
        assert_eq!(job.options, JobOptions::default());
        assert_eq!(serde_json::to_string(&job).unwrap(), format!(r#"{},"options":{{}}}}"#, &json[..json.len() - 1]));
    }
}
