//! The analysis stage: pure Rust, no I/O, deterministic.
//!
//! Input: the clip's facts and its words with times and speakers ([`AnalysisInput`]).
//! Output: the [`Scorecard`] of `docs/scorecard.schema.json`, and its HTML rendering.
//! Every word list, rule and weight comes from the [`Playbook`] (TOML), never from code.
//! How each number is computed: docs/analysis.md.

mod feedback;
mod fillers;
mod frameworks;
mod html;
mod input;
mod matcher;
mod playbook;
mod questions;
pub mod redact;
pub mod rubric;
mod scorecard;
pub mod semantic;
pub mod speakers;
mod talk;
mod text;
#[cfg(test)]
mod testing;

pub use html::{HtmlError, render_html};
pub use input::{AnalysisInput, ClipFacts, SpeakerLabel, SpokenWord};
pub use matcher::RuleSpec;
pub use playbook::{Playbook, PlaybookError};
pub use scorecard::*;
pub use semantic::{Encoder, Heads, Method, Semantic};

use frameworks::Rules;

/// Work the contract names that this version does not do yet; listed in `analysis.pending` so that a
/// reader never mistakes an empty list for a finding.
pub const PENDING: &[&str] = &["diarization"];

/// The last this share of a clip is where a pitch's call to action belongs.
const CALL_TO_ACTION_SHARE: f64 = 0.4;

/// Analyse one clip with the playbook's lexicon rules only.
pub fn analyze(input: &AnalysisInput, playbook: &Playbook) -> Scorecard {
    analyze_with(input, playbook, None)
}

/// Analyse one clip; with `semantic`, SPIN, MEDDICC, objections and next steps are decided by the
/// trained heads on sentence embeddings (and semantic trackers match by similarity). Falls back to the
/// lexicon, with a note, when the encoder fails or the playbook has no heads.
pub fn analyze_with(input: &AnalysisInput, playbook: &Playbook, semantic: Option<&Semantic>) -> Scorecard {
    let rules = Rules::compile(playbook);
    let words = input.words_in_time_order();
    let sentences = text::sentences(&words);
    let turns = talk::turns(&words);
    let talk = talk::TalkStats::measure(input, &words, &turns);
    let fillers = fillers::count(&words, input, playbook);
    let questions = questions::find(&sentences, input, playbook);
    let metrics = Metrics {
        talk_ratio: talk.talk_ratio,
        longest_monologue_s: talk.longest_monologue_s,
        longest_customer_story_s: talk.longest_customer_story_s,
        words_per_minute: talk.rep_words_per_minute,
        switches_per_minute: talk.switches_per_minute,
        patience_s: talk.patience_s,
        silence_ratio: talk.silence_ratio,
        fillers: fillers.summary(),
        questions: questions.counts(),
    };

    let predictions = semantic.map(|s| {
        let question_indices: Vec<usize> = questions.all.iter().map(|q| q.index).collect();
        semantic::predict(s, &sentences, &question_indices, input, playbook, &rules)
    });
    let predictions = predictions.as_ref();
    let (spin_types, spin_confidences) = frameworks::spin::classify(&questions, &rules, predictions);
    let frameworks = Frameworks {
        spin: frameworks::spin(&questions, &spin_types, &spin_confidences),
        meddicc: frameworks::meddicc(&sentences, input, &rules, predictions),
    };
    let discovery_questions: Vec<usize> =
        questions.all.iter().zip(&spin_types).filter(|(_, t)| t.is_some()).map(|(q, _)| q.index).collect();
    let objections = frameworks::objections(&sentences, input, &rules, playbook, predictions, &discovery_questions);
    let next_steps = frameworks::next_steps(&sentences, input, &rules, playbook, predictions);
    let trackers = frameworks::trackers(&sentences, playbook, &rules.classes, predictions);

    let is_rep = |s: &&text::Sentence| input.role_of(s.speaker()) == Role::Rep;
    let value_sentences: Vec<text::Sentence> =
        sentences.iter().filter(is_rep).filter(|s| rules.hit(&rules.value, s, input)).cloned().collect();
    let closing_from_s = input.clip.duration_s * (1.0 - CALL_TO_ACTION_SHARE);
    let call_to_action = sentences
        .iter()
        .filter(is_rep)
        .filter(|s| s.start_s() >= closing_from_s)
        .find(|s| rules.hit(&rules.call_to_action, s, input));
    let has_rep = input.speakers.iter().any(|s| s.role == Role::Rep);
    let mean_confidence = (!words.is_empty())
        .then(|| words.iter().map(|w| w.probability).sum::<f64>() / words.len() as f64);
    let signals = rubric::Signals::measure(
        &rubric::SignalInputs {
            kind: input.clip.kind,
            has_rep,
            has_words: !words.is_empty(),
            metrics: &metrics,
            frameworks: &frameworks,
            objections: &objections,
            next_steps: &next_steps,
            value_statements: value_sentences.len(),
            call_to_action: call_to_action.is_some(),
            mean_confidence,
        },
        &playbook.signals,
    );
    let kind_rubric = rubric::rubric_for(input.clip.kind, playbook);
    let (rubric, score) = rubric::score(&signals, kind_rubric);
    let moments = feedback::Moments {
        questions: &questions,
        spin_types: &spin_types,
        fillers: &fillers,
        frameworks: &frameworks,
        objections: &objections,
        next_steps: &next_steps,
        value_sentences: &value_sentences,
        call_to_action,
        last_rep_sentence: sentences.iter().filter(is_rep).last(),
    };
    let feedback =
        feedback::write(input, &metrics, &signals, &rubric::signal_importance(kind_rubric), &moments, playbook);

    let mut notes = talk.notes;
    let method = predictions.and_then(|p| p.method).unwrap_or(Method::Lexicon);
    notes.extend(predictions.iter().flat_map(|p| p.notes.iter().cloned()));
    if input.clip.kind != ClipKind::Call && !(input.speakers.len() == 1 && input.speakers[0].role == Role::Rep) {
        notes.push("a pitch or recognition clip is expected to have one speaker, the rep".to_string());
    }
    let pending = if has_rep || words.is_empty() { Vec::new() } else { PENDING.iter().map(|s| s.to_string()).collect() };
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
        frameworks,
        objections,
        next_steps,
        rubric,
        score,
        feedback,
        trackers,
        artifacts: Default::default(),
        analysis: AnalysisNotes {
            method: method.name().into(),
            signals: signals.0.iter().map(|(k, v)| (k.to_string(), round3(*v))).collect(),
            pending,
            notes,
        },
    }
}

pub(crate) fn round3(x: f64) -> f64 {
    // `+ 0.0` turns the -0.0 of an empty float sum into 0.0.
    (x * 1000.0).round() / 1000.0 + 0.0
}
