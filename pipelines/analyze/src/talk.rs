//! Who talked, how long and how: talk time, turns, monologues, pace, switches, patience, silence.
//!
//! Talk time is the union of a speaker's word intervals, where gaps shorter than [`PAUSE_S`] between
//! consecutive words count as talk and longer ones are pauses, which are not talk.

use crate::{AnalysisInput, ClipKind, Role, Speaker, SpokenWord, round3};

/// A gap between words at least this long is a pause, not talk.
pub(crate) const PAUSE_S: f64 = 0.5;

/// Consecutive words of one speaker.
#[derive(Debug, Clone)]
pub(crate) struct Turn {
    pub speaker: String,
    pub start_s: f64,
    pub end_s: f64,
}

pub(crate) fn turns(words: &[&SpokenWord]) -> Vec<Turn> {
    let mut out: Vec<Turn> = Vec::new();
    for word in words {
        match out.last_mut() {
            Some(turn) if turn.speaker == word.speaker => turn.end_s = turn.end_s.max(word.end_s),
            _ => out.push(Turn { speaker: word.speaker.clone(), start_s: word.start_s, end_s: word.end_s }),
        }
    }
    out
}

/// Total length of `intervals` (sorted by start) joined across gaps shorter than [`PAUSE_S`].
pub(crate) fn talk_time(intervals: impl Iterator<Item = (f64, f64)>) -> f64 {
    let mut total = 0.0;
    let mut current: Option<(f64, f64)> = None;
    for (start, end) in intervals {
        current = match current {
            Some((a, b)) if start - b < PAUSE_S => Some((a, b.max(end))),
            Some((a, b)) => {
                total += b - a;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    total + current.map(|(a, b)| b - a).unwrap_or(0.0)
}

pub(crate) struct TalkStats {
    pub speakers: Vec<Speaker>,
    pub talk_ratio: f64,
    pub longest_monologue_s: f64,
    pub longest_customer_story_s: f64,
    pub rep_words_per_minute: f64,
    pub switches_per_minute: f64,
    pub patience_s: f64,
    pub silence_ratio: f64,
    pub notes: Vec<String>,
}

impl TalkStats {
    pub fn measure(input: &AnalysisInput, words: &[&SpokenWord], turns: &[Turn]) -> Self {
        let speakers: Vec<Speaker> = input
            .speakers
            .iter()
            .map(|label| {
                let own = words.iter().filter(|w| w.speaker == label.id);
                Speaker {
                    id: label.id.clone(),
                    role: label.role,
                    talk_s: round3(talk_time(own.clone().map(|w| (w.start_s, w.end_s)))),
                    words: own.count() as u32,
                }
            })
            .collect();
        let talk_of = |role: Role| speakers.iter().filter(|s| s.role == role).map(|s| s.talk_s).sum::<f64>();
        let rep_talk_s = talk_of(Role::Rep);
        let all_talk_s: f64 = speakers.iter().map(|s| s.talk_s).sum();
        let rep_words: u32 = speakers.iter().filter(|s| s.role == Role::Rep).map(|s| s.words).sum();
        let has_rep = speakers.iter().any(|s| s.role == Role::Rep);

        let mut notes = Vec::new();
        if !has_rep && !words.is_empty() {
            notes.push(
                "the rep could not be told apart from the customer (mono recording, diarization pending): \
                 rep metrics are zero"
                    .to_string(),
            );
        }
        if input.clip.kind == ClipKind::Call && speakers.len() == 1 && has_rep {
            notes.push("only the rep was heard in this call".to_string());
        }

        let longest = |role: Role| {
            turns
                .iter()
                .filter(|t| input.role_of(&t.speaker) == role)
                .map(|t| t.end_s - t.start_s)
                .fold(0.0, f64::max)
        };
        let minutes = input.clip.duration_s / 60.0;
        let switches = turns.windows(2).filter(|pair| pair[0].speaker != pair[1].speaker).count();
        let answer_gaps: Vec<f64> = turns
            .windows(2)
            .filter(|pair| input.role_of(&pair[0].speaker) == Role::Customer && input.role_of(&pair[1].speaker) == Role::Rep)
            .map(|pair| (pair[1].start_s - pair[0].end_s).max(0.0))
            .collect();
        let speech_s = talk_time(words.iter().map(|w| (w.start_s, w.end_s)));

        TalkStats {
            talk_ratio: if all_talk_s > 0.0 { round3(rep_talk_s / all_talk_s) } else { 0.0 },
            longest_monologue_s: round3(longest(Role::Rep)),
            longest_customer_story_s: round3(longest(Role::Customer)),
            rep_words_per_minute: if rep_talk_s > 0.0 { round3(rep_words as f64 / (rep_talk_s / 60.0)) } else { 0.0 },
            switches_per_minute: if minutes > 0.0 { round3(switches as f64 / minutes) } else { 0.0 },
            patience_s: if answer_gaps.is_empty() {
                0.0
            } else {
                round3(answer_gaps.iter().sum::<f64>() / answer_gaps.len() as f64)
            },
            silence_ratio: if input.clip.duration_s > 0.0 {
                round3((1.0 - speech_s / input.clip.duration_s).clamp(0.0, 1.0))
            } else {
                0.0
            },
            speakers,
            notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_gaps_are_talk_and_pauses_are_not() {
        // Two words 0.2 s apart, then a 2 s pause, then one word.
        let total = talk_time([(0.0, 0.5), (0.7, 1.0), (3.0, 3.5)].into_iter());
        assert!((total - 1.5).abs() < 1e-9, "{total}");
    }
}
