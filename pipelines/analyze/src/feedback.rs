//! One strength and one improvement, each concrete and pointing at a moment.

use crate::fillers::Fillers;
use crate::questions::{QuestionForm, Questions};
use crate::text::clock;
use crate::{AnalysisInput, ClipKind, Feedback, Metrics, Role};

/// Discovery guidance: top performers talk well under half the time.
const CALL_TALK_RATIO_MAX: f64 = 0.6;
const CALL_TALK_RATIO_GOOD: f64 = 0.5;
const FILLERS_PER_MINUTE_HIGH: f64 = 3.0;
const FILLERS_PER_MINUTE_LOW: f64 = 1.5;
const PACE_RANGE_WPM: (f64, f64) = (120.0, 175.0);

pub(crate) fn write(input: &AnalysisInput, metrics: &Metrics, fillers: &Fillers, questions: &Questions) -> Feedback {
    if input.words.is_empty() {
        return Feedback {
            strength: String::new(),
            improvement: "No speech was recognised in this clip, so there is nothing to coach yet.".into(),
        };
    }
    Feedback { strength: strength(input, metrics, fillers, questions), improvement: improvement(input, metrics, fillers, questions) }
}

fn strength(input: &AnalysisInput, metrics: &Metrics, fillers: &Fillers, questions: &Questions) -> String {
    let is_call = input.clip.kind == ClipKind::Call;
    if let Some(q) = questions.by_rep().find(|q| q.form == QuestionForm::Open) {
        return format!(
            "At {} you asked an open question: \u{201c}{}\u{201d}. Questions like this get the customer talking; keep opening with what, how and why.",
            clock(q.sentence.start_s()),
            q.sentence.text()
        );
    }
    if is_call && metrics.talk_ratio > 0.0 && metrics.talk_ratio <= CALL_TALK_RATIO_GOOD {
        return format!(
            "You listened more than you talked: {:.0}% of the speech was yours, close to what top performers do.",
            metrics.talk_ratio * 100.0
        );
    }
    if metrics.fillers.per_minute < FILLERS_PER_MINUTE_LOW {
        return format!(
            "Clean delivery: {} filler word{} in {:.0} s of speaking.",
            metrics.fillers.count,
            if metrics.fillers.count == 1 { "" } else { "s" },
            fillers.talk_s
        );
    }
    let wpm = metrics.words_per_minute;
    if wpm >= PACE_RANGE_WPM.0 && wpm <= PACE_RANGE_WPM.1 {
        return format!("Your pace of {wpm:.0} words per minute is easy to follow.");
    }
    format!("You kept going for {:.0} s of speech; the scorecard below shows where to focus next.", fillers.talk_s)
}

fn improvement(input: &AnalysisInput, metrics: &Metrics, fillers: &Fillers, questions: &Questions) -> String {
    let is_call = input.clip.kind == ClipKind::Call;
    if metrics.fillers.per_minute >= FILLERS_PER_MINUTE_HIGH {
        let (word, first) = &fillers.hits[0];
        return format!(
            "You used {} filler words ({:.1} a minute), starting at {} with \u{201c}{}\u{201d}. Replace them with a short pause: it sounds more confident.",
            metrics.fillers.count,
            metrics.fillers.per_minute,
            clock(first.start_s),
            word
        );
    }
    if is_call && metrics.talk_ratio > CALL_TALK_RATIO_MAX {
        return format!(
            "You talked {:.0}% of the time and your longest monologue ran {:.0} s. Stop after each point and ask the customer a question.",
            metrics.talk_ratio * 100.0,
            metrics.longest_monologue_s
        );
    }
    if is_call && metrics.questions.rep == 0 && input.speakers.iter().any(|s| s.role == Role::Rep) {
        return "You asked no questions. Open with what the customer uses today and how it works for them.".into();
    }
    // In a call, closed questions shut the customer down; in a pitch a closed question is the call to action.
    if let Some(q) = questions.by_rep().find(|q| q.form == QuestionForm::Closed).filter(|_| is_call) {
        if metrics.questions.closed > metrics.questions.open {
            return format!(
                "At {} you asked a closed question: \u{201c}{}\u{201d}. Ask it openly instead (\u{201c}How do you ...\u{201d}, \u{201c}What happens when ...\u{201d}) so the customer tells you more.",
                clock(q.sentence.start_s()),
                q.sentence.text()
            );
        }
    }
    let wpm = metrics.words_per_minute;
    if wpm > PACE_RANGE_WPM.1 {
        return format!("You spoke at {wpm:.0} words per minute; slow down to about 150 so every point lands.");
    }
    if wpm > 0.0 && wpm < PACE_RANGE_WPM.0 {
        return format!("You spoke at {wpm:.0} words per minute; pick up the pace a little to keep attention.");
    }
    if let Some((word, first)) = fillers.hits.first() {
        return format!(
            "At {} you said \u{201c}{}\u{201d}; a silent pause would carry the point better.",
            clock(first.start_s),
            word
        );
    }
    "End with a clear call to action: ask for a concrete next step with a date.".into()
}
