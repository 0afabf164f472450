//! One strength and one improvement, each concrete and pointing at a moment.
//!
//! Both come from the rubric's signals: the strength is the signal that counts most for this kind of
//! clip among those the rep did well on (0.7 or more); the improvement is the one whose shortfall costs
//! the most (importance x (1 - value)). Suggested wording comes from the playbook's `[coaching]`.

use std::collections::BTreeMap;

use crate::fillers::Fillers;
use crate::frameworks::SpinType;
use crate::questions::{QuestionForm, Questions};
use crate::rubric::Signals;
use crate::text::{Sentence, clock};
use crate::{AnalysisInput, Feedback, Frameworks, Metrics, NextSteps, Objection, ObjectionType, Playbook};

const STRONG: f64 = 0.7;

/// What the feedback can point at.
pub(crate) struct Moments<'a> {
    pub questions: &'a Questions<'a>,
    pub spin_types: &'a [Option<SpinType>],
    pub fillers: &'a Fillers,
    pub frameworks: &'a Frameworks,
    pub objections: &'a [Objection],
    pub next_steps: &'a NextSteps,
    pub value_sentences: &'a [Sentence<'a>],
    pub call_to_action: Option<&'a Sentence<'a>>,
    pub last_rep_sentence: Option<&'a Sentence<'a>>,
}

pub(crate) fn write(
    input: &AnalysisInput,
    metrics: &Metrics,
    signals: &Signals,
    importance: &BTreeMap<String, f64>,
    moments: &Moments,
    playbook: &Playbook,
) -> Feedback {
    if input.words.is_empty() {
        return Feedback {
            strength: String::new(),
            improvement: "No speech was recognised in this clip, so there is nothing to coach yet.".into(),
        };
    }
    let ranked = |key: &dyn Fn(f64, f64) -> f64| {
        let mut candidates: Vec<(&str, f64)> = signals
            .0
            .iter()
            .filter_map(|(name, value)| importance.get(*name).map(|weight| (*name, key(*value, *weight))))
            .collect();
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        candidates
    };
    let strength = ranked(&|value, weight| if value >= STRONG { value * weight } else { -1.0 })
        .into_iter()
        .filter(|(_, key)| *key > 0.0)
        .find_map(|(name, _)| strength_text(name, metrics, moments))
        .unwrap_or_default();
    let improvement = ranked(&|value, weight| (1.0 - value) * weight)
        .into_iter()
        .filter(|(_, key)| *key > 0.0)
        .find_map(|(name, _)| improvement_text(name, metrics, moments, playbook))
        .unwrap_or_else(|| "Keep this standard: every signal the rubric weighs is at or near its best.".into());
    Feedback { strength, improvement }
}

fn quote(sentence: &Sentence) -> String {
    format!("\u{201c}{}\u{201d}", sentence.text())
}

fn strength_text(signal: &str, m: &Metrics, at: &Moments) -> Option<String> {
    let rep_questions = || at.questions.all.iter().zip(at.spin_types.iter());
    match signal {
        "spin_depth" => {
            let (q, kind) = rep_questions()
                .find(|(_, k)| matches!(k, Some(SpinType::Implication | SpinType::NeedPayoff)))
                .or_else(|| rep_questions().find(|(_, k)| k.is_some()))?;
            let name = match kind.expect("filtered to typed questions") {
                SpinType::Implication => "an implication question",
                SpinType::NeedPayoff => "a need-payoff question",
                SpinType::Problem => "a problem question",
                SpinType::Situation => "a situation question",
            };
            Some(format!(
                "At {} you asked {name}: {}. Questions like this make the customer weigh the problem themselves; keep asking them.",
                clock(q.sentence.start_s()),
                quote(&q.sentence)
            ))
        }
        "questions" => {
            let q = at.questions.by_rep().find(|q| q.form == QuestionForm::Open)?;
            Some(format!(
                "At {} you asked an open question: {}. Questions like this get the customer talking; keep opening with what, how and why.",
                clock(q.sentence.start_s()),
                quote(&q.sentence)
            ))
        }
        "talk_ratio" => Some(format!(
            "You listened more than you talked: {:.0}% of the speech was yours, close to what top performers do.",
            m.talk_ratio * 100.0
        )),
        "next_steps" => {
            let e = at.next_steps.evidence.first()?;
            Some(format!("At {} you closed with an agreed next step: \u{201c}{}\u{201d}.", clock(e.start_s), e.text))
        }
        "call_to_action" => {
            let s = at.call_to_action?;
            Some(format!("At {} you ended with a clear ask: {}.", clock(s.start_s()), quote(s)))
        }
        "objections_handled" => {
            let o = at.objections.iter().find(|o| o.handled)?;
            Some(format!(
                "At {} the customer raised {} (\u{201c}{}\u{201d}) and you acknowledged it and answered with value.",
                clock(o.start_s),
                objection_name(o.objection_type),
                o.text
            ))
        }
        "meddicc" => {
            let covered = meddicc_elements(at.frameworks).iter().filter(|(_, c, _)| *c).count();
            let (name, _, when) = meddicc_elements(at.frameworks).into_iter().find(|(_, c, _)| *c)?;
            Some(format!(
                "You covered {covered} of 7 MEDDICC elements, starting with {} at {}.",
                name.replace('_', " "),
                clock(when.unwrap_or(0.0))
            ))
        }
        "value" => {
            let s = at.value_sentences.first()?;
            Some(format!("At {} you tied the offer to an outcome: {}.", clock(s.start_s()), quote(s)))
        }
        "fillers" => Some(format!(
            "Clean delivery: {} filler word{} in {:.0} s of speaking.",
            m.fillers.count,
            if m.fillers.count == 1 { "" } else { "s" },
            at.fillers.talk_s
        )),
        "pace" => Some(format!("Your pace of {:.0} words per minute is easy to follow.", m.words_per_minute)),
        "clarity" => Some(format!(
            "You spoke clearly: the transcript of your {:.0} s of speech was recognised with high confidence.",
            at.fillers.talk_s
        )),
        _ => None,
    }
}

fn improvement_text(signal: &str, m: &Metrics, at: &Moments, playbook: &Playbook) -> Option<String> {
    let c = &playbook.coaching;
    let end_moment = at.last_rep_sentence.map(|s| clock(s.end_s())).unwrap_or_else(|| "the end".into());
    match signal {
        "spin_depth" => {
            let typed = |kind| at.questions.all.iter().zip(at.spin_types).find(|(_, k)| **k == Some(kind));
            if let Some((q, _)) = typed(SpinType::Problem).or_else(|| typed(SpinType::Situation)) {
                let follow = if typed(SpinType::Implication).is_some() { &c.need_payoff_question } else { &c.implication_question };
                Some(format!(
                    "At {} you asked {}; follow it up by asking what the problem costs them, for example \u{201c}{follow}\u{201d}",
                    clock(q.sentence.start_s()),
                    quote(&q.sentence)
                ))
            } else {
                Some(format!(
                    "Start by asking about the customer's situation, for example \u{201c}{}\u{201d}, then about its problems and what they cost.",
                    c.situation_question
                ))
            }
        }
        "questions" => Some(format!(
            "You asked {} question{}; ask more, and open ones, for example \u{201c}{}\u{201d}",
            m.questions.rep,
            if m.questions.rep == 1 { "" } else { "s" },
            c.situation_question
        )),
        "talk_ratio" => Some(format!(
            "You talked {:.0}% of the time and your longest monologue ran {:.0} s. Stop after each point and ask the customer a question.",
            m.talk_ratio * 100.0,
            m.longest_monologue_s
        )),
        "next_steps" => Some(format!(
            "The call ended at {end_moment} without an agreed next step. Before hanging up, propose a concrete step with a date: \u{201c}{}\u{201d}",
            c.next_step
        )),
        "call_to_action" => Some(format!(
            "You finished at {end_moment} without asking for anything. End with a clear call to action: \u{201c}{}\u{201d}",
            c.call_to_action
        )),
        "objections_handled" => {
            let o = at.objections.iter().find(|o| !o.handled)?;
            Some(format!(
                "At {} the customer raised {} (\u{201c}{}\u{201d}) and it was not answered with value. Acknowledge it, then answer with a result rather than a discount: \u{201c}{}\u{201d}",
                clock(o.start_s),
                objection_name(o.objection_type),
                o.text,
                c.objection_answer
            ))
        }
        "meddicc" => {
            let (name, _, _) = meddicc_elements(at.frameworks).into_iter().find(|(_, covered, _)| !covered)?;
            let suggestion = c.meddicc.get(name)?;
            Some(format!(
                "The call never established the {}. Ask it directly: \u{201c}{suggestion}\u{201d}",
                name.replace('_', " ")
            ))
        }
        "value" => Some(format!(
            "Tie what you offer to an outcome for the customer, in their terms: \u{201c}{}\u{201d}",
            c.value_statement
        )),
        "fillers" => {
            let (word, first) = at.fillers.hits.first()?;
            Some(format!(
                "You used {} filler words ({:.1} a minute), starting at {} with \u{201c}{word}\u{201d}. Replace them with a short pause: it sounds more confident.",
                m.fillers.count,
                m.fillers.per_minute,
                clock(first.start_s)
            ))
        }
        "pace" => {
            let wpm = m.words_per_minute;
            let (best_low, best_high) = (playbook.signals.pace_best[0], playbook.signals.pace_best[1]);
            if wpm > best_high {
                Some(format!("You spoke at {wpm:.0} words per minute; slow down to about {:.0} so every point lands.", (best_low + best_high) / 2.0))
            } else {
                Some(format!("You spoke at {wpm:.0} words per minute; pick up the pace a little to keep attention."))
            }
        }
        "clarity" => Some(
            "Parts of the recording were hard to make out: speak closer to the microphone, in a quiet room.".to_string(),
        ),
        _ => None,
    }
}

fn objection_name(kind: ObjectionType) -> &'static str {
    match kind {
        ObjectionType::Price => "a price objection",
        ObjectionType::Competition => "a competition objection",
        ObjectionType::Timing => "a timing objection",
        ObjectionType::InternalAlignment => "an internal alignment objection",
        ObjectionType::Roi => "an ROI objection",
    }
}

/// (name, covered, first evidence time) for each element, in MEDDICC order.
fn meddicc_elements(f: &Frameworks) -> Vec<(&'static str, bool, Option<f64>)> {
    f.meddicc.elements().into_iter().map(|(name, e)| (name, e.covered, e.evidence.first().map(|e| e.start_s))).collect()
}
