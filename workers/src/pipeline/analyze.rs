//! Analysis stage: the scorecard and every text artifact, from the transcript and the media facts.

use anyhow::Result;
use callcoach_analyze::{AnalysisInput, ClipFacts, ClipKind, Playbook, Scorecard, Semantic, SpeakerLabel, SpokenWord};
use callcoach_media::MediaInfo;
use callcoach_transcribe::{Transcript, captions};

use super::transcribe::TranscribeResult;
use crate::storage::Artifacts;

/// How the scorecard's note on redaction begins.
const REDACTION_NOTE: &str = "personal data redacted";

/// Analyse and add `transcript.json`, captions, `scorecard.html` and `scorecard.json` to `artifacts`.
/// Artifact keys in the scorecard are `key_prefix/<name>`.
pub fn run(
    clip_id: &str,
    kind: ClipKind,
    info: &MediaInfo,
    transcribed: &TranscribeResult,
    playbook: &Playbook,
    semantic: Option<&Semantic>,
    key_prefix: &str,
    artifacts: &mut Artifacts,
) -> Result<Scorecard> {
    let transcript = &transcribed.transcript;
    let input = analysis_input(clip_id, kind, info, transcript, transcribed.speakers.clone());
    let mut scorecard = callcoach_analyze::analyze_with(&input, playbook, semantic);
    if !transcribed.redacted.is_empty() {
        let removed: Vec<String> = transcribed.redacted.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
        scorecard.analysis.notes.push(format!("{REDACTION_NOTE}: {}", removed.join(", ")));
    }

    artifacts.add("transcript.json", serde_json::to_vec_pretty(transcript)?);
    artifacts.add("captions.vtt", captions::to_webvtt(transcript));
    artifacts.add("captions.srt", captions::to_srt(transcript));
    let names: Vec<String> = artifacts.names().map(str::to_string).collect();
    for name in names.iter().map(String::as_str).chain(["scorecard.html", "scorecard.json"]) {
        scorecard.artifacts.insert(name.to_string(), format!("{key_prefix}/{name}"));
    }
    add_scorecard(&scorecard, &input, artifacts)?;
    Ok(scorecard)
}

fn analysis_input(
    clip_id: &str,
    kind: ClipKind,
    info: &MediaInfo,
    transcript: &Transcript,
    speakers: Vec<SpeakerLabel>,
) -> AnalysisInput {
    AnalysisInput {
        clip: ClipFacts {
            id: clip_id.to_string(),
            kind,
            duration_s: info.duration_s,
            language: transcript.language.clone(),
        },
        speakers,
        words: spoken_words(transcript),
    }
}

/// `scorecard.html` and `scorecard.json` (in that order: the JSON is the commit).
fn add_scorecard(scorecard: &Scorecard, input: &AnalysisInput, artifacts: &mut Artifacts) -> Result<()> {
    artifacts.add("scorecard.html", callcoach_analyze::render_html(scorecard, input)?);
    let mut json = serde_json::to_vec_pretty(scorecard)?;
    json.push(b'\n');
    artifacts.add("scorecard.json", json);
    Ok(())
}

fn spoken_words(transcript: &Transcript) -> Vec<SpokenWord> {
    transcript
        .words()
        .map(|w| SpokenWord {
            start_s: w.start_s,
            end_s: w.end_s,
            text: w.text.clone(),
            speaker: w.speaker.clone().unwrap_or_default(),
            probability: w.probability,
        })
        .collect()
}

/// The scorecard of a clip analysed before, analysed again from its kept `transcript.json` and
/// `media.json` (with today's playbook and heads): the kind, speakers and artifact keys come from the
/// previous scorecard, so do notes on redaction (the transcript is already redacted). Adds the new
/// `scorecard.html` and `scorecard.json` to `artifacts`.
pub fn rerun(
    previous: &Scorecard,
    transcript: &Transcript,
    info: &MediaInfo,
    playbook: &Playbook,
    semantic: Option<&Semantic>,
    artifacts: &mut Artifacts,
) -> Result<Scorecard> {
    let speakers = previous.speakers.iter().map(|s| SpeakerLabel { id: s.id.clone(), role: s.role }).collect();
    let input = analysis_input(&previous.clip.id, previous.clip.kind, info, transcript, speakers);
    let mut scorecard = callcoach_analyze::analyze_with(&input, playbook, semantic);
    let redaction = previous.analysis.notes.iter().filter(|n| n.starts_with(REDACTION_NOTE));
    scorecard.analysis.notes.extend(redaction.cloned());
    scorecard.artifacts = previous.artifacts.clone();
    add_scorecard(&scorecard, &input, artifacts)?;
    Ok(scorecard)
}
