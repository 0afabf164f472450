//! Transcription stage: per channel for a stereo call (the speaker is known from the channel), else one
//! pass over the mono mix.

use anyhow::Result;
use callcoach_analyze::{ClipKind, Role, SpeakerLabel};
use callcoach_media::SpeechAudio;
use callcoach_transcribe::{DecodeOptions, Transcriber, Transcript};
use serde::{Deserialize, Serialize};

use super::RepChannel;

/// What the stage produces: the transcript and who its speakers are.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TranscribeResult {
    pub transcript: Transcript,
    pub speakers: Vec<SpeakerLabel>,
}

pub fn run(
    transcriber: &Transcriber,
    options: &DecodeOptions,
    audio: &SpeechAudio,
    stereo_call: bool,
    kind: ClipKind,
    rep_channel: RepChannel,
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
        });
    }
    let transcript = transcriber.transcribe(&audio.mono, options)?;
    // A pitch or recognition clip has one speaker, the rep. A mono call mixes both parties: until
    // diarization lands, its single voice track is labelled but not given a role.
    let (id, role) = match kind {
        ClipKind::Call => ("speaker_1", Role::Unknown),
        ClipKind::Pitch | ClipKind::Recognition => ("rep", Role::Rep),
    };
    Ok(TranscribeResult { transcript: transcript.with_speaker(id), speakers: vec![label(id, role)] })
}
