//! Analysis stage: the scorecard and every text artifact, from the transcript and the media facts.

use anyhow::Result;
use callcoach_analyze::{AnalysisInput, ClipFacts, ClipKind, Playbook, Scorecard, Semantic, SpokenWord};
use callcoach_media::MediaInfo;
use callcoach_transcribe::{Transcript, captions};

use super::transcribe::TranscribeResult;
use crate::storage::Artifacts;

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
    let input = AnalysisInput {
        clip: ClipFacts {
            id: clip_id.to_string(),
            kind,
            duration_s: info.duration_s,
            language: transcript.language.clone(),
        },
        speakers: transcribed.speakers.clone(),
        words: spoken_words(transcript),
    };
    let mut scorecard = callcoach_analyze::analyze_with(&input, playbook, semantic);
    if !transcribed.redacted.is_empty() {
        let removed: Vec<String> = transcribed.redacted.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
        scorecard.analysis.notes.push(format!("personal data redacted: {}", removed.join(", ")));
    }

    artifacts.add("transcript.json", serde_json::to_vec_pretty(transcript)?);
    artifacts.add("captions.vtt", captions::to_webvtt(transcript));
    artifacts.add("captions.srt", captions::to_srt(transcript));
    let names: Vec<String> = artifacts.names().map(str::to_string).collect();
    for name in names.iter().map(String::as_str).chain(["scorecard.html", "scorecard.json"]) {
        scorecard.artifacts.insert(name.to_string(), format!("{key_prefix}/{name}"));
    }
    artifacts.add("scorecard.html", callcoach_analyze::render_html(&scorecard, &input)?);
    let mut json = serde_json::to_vec_pretty(&scorecard)?;
    json.push(b'\n');
    artifacts.add("scorecard.json", json);
    Ok(scorecard)
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
