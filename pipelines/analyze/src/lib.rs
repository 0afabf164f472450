//! The analysis stage: pure Rust, no I/O, deterministic.
//!
//! Input: the clip's facts and its words with times and speakers ([`AnalysisInput`]).
//! Output: the [`Scorecard`] of `docs/scorecard.schema.json`, and its HTML rendering.
//! What counts as a filler or a question comes from the [`Playbook`], never from code.

mod feedback;
mod fillers;
mod html;
mod input;
mod playbook;
mod questions;
mod scorecard;
mod talk;
mod text;

pub use html::render_html;
pub use input::{AnalysisInput, ClipFacts, SpeakerLabel, SpokenWord};
pub use playbook::{Playbook, PlaybookError};
pub use scorecard::*;

/// Work the contract names that this version does not do yet; listed in `analysis.pending` so that a
/// reader never mistakes an empty list for a finding.
pub const PENDING: &[&str] = &["diarization", "spin", "meddicc", "objections", "next_steps", "rubric"];

/// Analyse one clip.
pub fn analyze(input: &AnalysisInput, playbook: &Playbook) -> Scorecard {
    let words = input.words_in_time_order();
    let turns = talk::turns(&words);
    let talk = talk::TalkStats::measure(input, &words, &turns);
    let fillers = fillers::count(&words, input, playbook);
    let questions = questions::find(&words, input, playbook);
    let metrics = Metrics {
        talk_ratio: talk.talk_ratio,
        longest_monologue_s: talk.longest_monologue_s,
        longest_customer_story_s: talk.longest_customer_story_s,
        words_per_minute: talk.rep_words_per_minute,
        switches_per_minute: talk.switches_per_minute,
        patience_s: talk.patience_s,
        silence_ratio: talk.silence_ratio,
        fillers: fillers.summary(input.clip.duration_s),
        questions: questions.counts(),
    };
    let feedback = feedback::write(input, &metrics, &fillers, &questions);
    let single_speaker_rep = input.speakers.len() == 1 && input.speakers[0].role == Role::Rep;
    Scorecard {
        schema_version: SCHEMA_VERSION.to_string(),
        clip: Clip {
            id: input.clip.id.clone(),
            kind: input.clip.kind,
            duration_s: round3(input.clip.duration_s),
            language: input.clip.language.clone(),
        },
        speakers: talk.speakers,
        metrics,
        frameworks: Frameworks::default(),
        objections: Vec::new(),
        next_steps: NextSteps::default(),
        // Not scored yet: the minimum on every criterion and a zero score, flagged in `analysis.pending`.
        rubric: Rubric::default(),
        score: 0,
        feedback,
        artifacts: Default::default(),
        analysis: AnalysisNotes {
            method: "lexicon".into(),
            pending: PENDING.iter().map(|s| s.to_string()).collect(),
            notes: talk
                .notes
                .into_iter()
                .chain((!single_speaker_rep && input.clip.kind != ClipKind::Call).then(|| {
                    "a pitch or recognition clip is expected to have one speaker, the rep".to_string()
                }))
                .collect(),
        },
    }
}

pub(crate) fn round3(x: f64) -> f64 {
    // `+ 0.0` turns the -0.0 of an empty float sum into 0.0.
    (x * 1000.0).round() / 1000.0 + 0.0
}
