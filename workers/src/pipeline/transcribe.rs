//! Transcription stage: per channel for a stereo call (the speaker is known from the channel), else one
//! pass over the mono mix.

use std::collections::BTreeMap;

use anyhow::Result;
use callcoach_analyze::{ClipKind, Playbook, Role, SpeakerLabel, SpokenWord, speakers};
use callcoach_media::{SPEECH_SAMPLE_RATE, SpeechAudio};
use callcoach_transcribe::{DecodeOptions, Transcriber, Transcript};
use serde::{Deserialize, Serialize};

use super::RepChannel;

/// What the stage produces: the transcript and who its speakers are.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TranscribeResult {
    pub transcript: Transcript,
    pub speakers: Vec<SpeakerLabel>,
    /// Personal data removed by `--redact`, by kind (empty when not asked for).
    #[serde(default)]
    pub redacted: BTreeMap<String, u32>,
}

impl TranscribeResult {
    /// Replace personal data in the transcript by tags (see [`super::redact`]).
    pub fn redacted(self) -> Self {
        let (transcript, redacted) = super::redact::redact(self.transcript);
        TranscribeResult { transcript, redacted, ..self }
    }
}

pub fn run(
    transcriber: &Transcriber,
    options: &DecodeOptions,
    audio: &SpeechAudio,
    stereo_call: bool,
    kind: ClipKind,
    rep_channel: RepChannel,
    playbook: &Playbook,
) -> Result<TranscribeResult> {
    let label = |id: &str, role| SpeakerLabel { id: id.to_string(), role };
    if stereo_call {
        let (rep, customer) = match rep_channel {
            RepChannel::Left => (&audio.channels[0], &audio.channels[1]),
            RepChannel::Right => (&audio.channels[1], &audio.channels[0]),
        };
        let rep = transcriber.transcribe(rep, options)?.with_speaker("rep");
        let customer = transcriber.transcribe(customer, options)?.with_speaker("customer");
        return Ok(TranscribeResult {
            transcript: Transcript::merge_by_time(vec![rep, customer]),
            speakers: vec![label("rep", Role::Rep), label("customer", Role::Customer)],
            redacted: BTreeMap::new(),
        });
    }
    let transcript = transcriber.transcribe(&audio.mono, options)?;
    if kind == ClipKind::Call {
        if let Some(diarized) = diarize(&transcript, &audio.mono, playbook) {
            return Ok(diarized);
        }
    }
    // A pitch or recognition clip has one speaker, the rep. A mono call in which two voices cannot be
    // told apart keeps one voice without a role.
    let (id, role) = match kind {
        ClipKind::Call => ("speaker_1", Role::Unknown),
        ClipKind::Pitch | ClipKind::Recognition => ("rep", Role::Rep),
    };
    Ok(TranscribeResult { transcript: transcript.with_speaker(id), speakers: vec![label(id, role)], redacted: BTreeMap::new() })
}

/// Split a mono call's words into two voices and tell the rep from the customer.
fn diarize(transcript: &Transcript, samples: &[f32], playbook: &Playbook) -> Option<TranscribeResult> {
    let words: Vec<SpokenWord> = transcript
        .words()
        .map(|w| SpokenWord { start_s: w.start_s, end_s: w.end_s, text: w.text.clone(), speaker: String::new(), probability: w.probability })
        .collect();
    let voices = speakers::diarize(&words, samples, SPEECH_SAMPLE_RATE)?;
    let duration_s = samples.len() as f64 / SPEECH_SAMPLE_RATE as f64;
    let (relabelled, labels) = speakers::assign_roles(&words, &voices, duration_s, playbook);
    let names: Vec<String> = relabelled.into_iter().map(|w| w.speaker).collect();
    Some(TranscribeResult { transcript: transcript.clone().relabel_words(&names), speakers: labels, redacted: BTreeMap::new() })
}
