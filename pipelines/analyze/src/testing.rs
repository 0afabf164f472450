//! Test helpers: analysis inputs built from scripted turns, one word every 0.4 s.

use crate::{AnalysisInput, ClipFacts, ClipKind, Role, SpeakerLabel, SpokenWord};

/// Words from `(speaker, text)` turns, a 1.5 s pause between turns; speakers "rep" and "customer".
pub(crate) fn input(kind: ClipKind, turns: &[(&str, &str)]) -> AnalysisInput {
    let mut words = Vec::new();
    let mut t = 0.0;
    for (speaker, text) in turns {
        for token in text.split_whitespace() {
            words.push(SpokenWord { start_s: t, end_s: t + 0.3, text: token.into(), speaker: speaker.to_string(), probability: 0.9 });
            t += 0.4;
        }
        t += 1.5;
    }
    let mut speakers = vec![SpeakerLabel { id: "rep".into(), role: Role::Rep }];
    if turns.iter().any(|(s, _)| *s == "customer") {
        speakers.push(SpeakerLabel { id: "customer".into(), role: Role::Customer });
    }
    AnalysisInput {
        clip: ClipFacts { id: "test".into(), kind, duration_s: t.max(1.0), language: "en".into() },
        speakers,
        words,
    }
}

/// A rep-only pitch of `text`.
pub(crate) fn rep_says(text: &str) -> AnalysisInput {
    input(ClipKind::Pitch, &[("rep", text)])
}
