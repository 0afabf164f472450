//! The rubric and the score, by the formula documented in docs/analysis.md:
//!
//! - each *signal* is a number from 0 to 1 measured from the call (see [`Signals`]);
//! - each *criterion* is `1 + 4 x` the weighted mean of its signals, rounded (weights per clip kind in the
//!   playbook's `[rubric.<kind>]`); a signal that cannot be measured (e.g. talk ratio when no speaker is
//!   known to be the rep) is left out of the mean, and a criterion with no measurable signal gets 1;
//! - the *score* is `100 x` the weighted mean of `(criterion - 1) / 4`, rounded.

use std::collections::BTreeMap;

use crate::playbook::{KindRubric, SignalShapes};
use crate::{ClipKind, Frameworks, Metrics, NextSteps, Objection, Playbook, Rubric};

/// Every signal a playbook may weigh.
pub const SIGNALS: &[&str] = &[
    "talk_ratio",
    "questions",
    "spin_depth",
    "meddicc",
    "objections_handled",
    "next_steps",
    "value",
    "pace",
    "fillers",
    "clarity",
    "call_to_action",
];

pub const CRITERIA: &[&str] = &["objective_achievement", "question_quality", "value_articulation", "outcome"];

/// Measured signals, 0 (worst) to 1 (best); absent when not measurable for this clip.
#[derive(Debug, Clone, Default)]
pub(crate) struct Signals(pub BTreeMap<&'static str, f64>);

/// Facts the signals are computed from, beyond the metrics and frameworks.
pub(crate) struct SignalInputs<'a> {
    pub kind: ClipKind,
    pub has_rep: bool,
    pub has_words: bool,
    pub metrics: &'a Metrics,
    pub frameworks: &'a Frameworks,
    pub objections: &'a [Objection],
    pub next_steps: &'a NextSteps,
    pub value_statements: usize,
    pub call_to_action: bool,
    pub mean_confidence: Option<f64>,
}

/// 1 at or beyond `best`, 0 at or beyond `worst`, linear between (either direction).
fn ramp(value: f64, best: f64, worst: f64) -> f64 {
    if (best - worst).abs() < f64::EPSILON {
        return if value == best { 1.0 } else { 0.0 };
    }
    ((value - worst) / (best - worst)).clamp(0.0, 1.0)
}

impl Signals {
    pub fn measure(i: &SignalInputs, shapes: &SignalShapes) -> Signals {
        let mut s = BTreeMap::new();
        if !i.has_words {
            return Signals(SIGNALS.iter().map(|name| (*name, 0.0)).collect());
        }
        let m = i.metrics;
        if i.has_rep {
            if i.kind == ClipKind::Call {
                s.insert("talk_ratio", ramp(m.talk_ratio, shapes.talk_ratio_best, shapes.talk_ratio_worst));
            }
            let asked = (m.questions.rep + m.questions.open) as f64;
            s.insert("questions", (asked / shapes.questions_best.max(1) as f64).min(1.0));
            let spin = &i.frameworks.spin;
            let depth = 0.15 * (spin.situation.count > 0) as u8 as f64
                + 0.25 * (spin.problem.count > 0) as u8 as f64
                + 0.3 * (spin.implication.count > 0) as u8 as f64
                + 0.3 * (spin.need_payoff.count > 0) as u8 as f64;
            s.insert("spin_depth", depth);
            s.insert("value", (i.value_statements as f64 / shapes.value_best.max(1) as f64).min(1.0));
            s.insert("call_to_action", if i.call_to_action || i.next_steps.agreed { 1.0 } else { 0.0 });
            let wpm = m.words_per_minute;
            let pace = if wpm < shapes.pace_best[0] {
                ramp(wpm, shapes.pace_best[0], shapes.pace_zero[0])
            } else {
                ramp(wpm, shapes.pace_best[1], shapes.pace_zero[1])
            };
            s.insert("pace", pace);
        }
        let covered: Vec<bool> = i.frameworks.meddicc.elements().iter().map(|(_, e)| e.covered).collect();
        s.insert("meddicc", covered.iter().filter(|c| **c).count() as f64 / covered.len() as f64);
        let handled = i.objections.iter().filter(|o| o.handled).count();
        s.insert(
            "objections_handled",
            if i.objections.is_empty() { 1.0 } else { handled as f64 / i.objections.len() as f64 },
        );
        s.insert("next_steps", if i.next_steps.agreed { 1.0 } else { 0.0 });
        s.insert("fillers", ramp(m.fillers.per_minute, shapes.fillers_best, shapes.fillers_worst));
        if let Some(confidence) = i.mean_confidence {
            s.insert("clarity", ramp(confidence, shapes.clarity_best, shapes.clarity_worst));
        }
        Signals(s)
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.get(name).copied()
    }

    /// Weighted mean of the measurable signals among `weights`; `None` when none is measurable.
    fn weighted(&self, weights: &BTreeMap<String, f64>) -> Option<f64> {
        let (mut sum, mut total) = (0.0, 0.0);
        for (name, weight) in weights {
            if let Some(value) = self.get(name) {
                sum += weight * value;
                total += weight;
            }
        }
        (total > 0.0).then(|| sum / total)
    }
}

pub(crate) fn rubric_for(kind: ClipKind, playbook: &Playbook) -> &KindRubric {
    match kind {
        ClipKind::Call => &playbook.rubric.call,
        ClipKind::Pitch => &playbook.rubric.pitch,
        ClipKind::Recognition => &playbook.rubric.recognition,
    }
}

/// The four criteria and the 0-100 score.
pub(crate) fn score(signals: &Signals, rubric: &KindRubric) -> (Rubric, u32) {
    let criterion = |weights| {
        let mean = signals.weighted(weights).unwrap_or(0.0);
        (1.0 + 4.0 * mean).round().clamp(1.0, 5.0) as u8
    };
    let result = Rubric {
        objective_achievement: criterion(&rubric.objective_achievement),
        question_quality: criterion(&rubric.question_quality),
        value_articulation: criterion(&rubric.value_articulation),
        outcome: criterion(&rubric.outcome),
    };
    let values = [
        ("objective_achievement", result.objective_achievement),
        ("question_quality", result.question_quality),
        ("value_articulation", result.value_articulation),
        ("outcome", result.outcome),
    ];
    let (mut sum, mut total) = (0.0, 0.0);
    for (name, value) in values {
        let weight = rubric.weights.get(name).copied().unwrap_or(0.0);
        sum += weight * (value as f64 - 1.0) / 4.0;
        total += weight;
    }
    let score = if total > 0.0 { (100.0 * sum / total).round() as u32 } else { 0 };
    (result, score)
}

/// How much each signal counts for this kind: the sum over criteria of signal weight share x criterion weight.
pub(crate) fn signal_importance(rubric: &KindRubric) -> BTreeMap<String, f64> {
    let mut importance = BTreeMap::new();
    for (name, weights) in [
        ("objective_achievement", &rubric.objective_achievement),
        ("question_quality", &rubric.question_quality),
        ("value_articulation", &rubric.value_articulation),
        ("outcome", &rubric.outcome),
    ] {
        let criterion_weight = rubric.weights.get(name).copied().unwrap_or(0.0);
        let total: f64 = weights.values().sum();
        for (signal, weight) in weights {
            *importance.entry(signal.clone()).or_insert(0.0) += criterion_weight * weight / total.max(f64::EPSILON);
        }
    }
    importance
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_run_both_ways() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(ramp(0.4, 0.45, 0.75), 1.0));
        assert!(close(ramp(0.6, 0.45, 0.75), 0.5));
        assert!(close(ramp(0.9, 0.45, 0.75), 0.0));
        assert!(close(ramp(0.5, 1.0, 6.0), 1.0));
        assert!(close(ramp(3.5, 1.0, 6.0), 0.5));
    }

    #[test]
    fn score_follows_the_documented_formula() {
        let playbook = Playbook::default();
        let rubric = rubric_for(ClipKind::Call, &playbook);
        let all = |v: f64| Signals(SIGNALS.iter().map(|n| (*n, v)).collect());
        let (best, top) = score(&all(1.0), rubric);
        assert_eq!((best.objective_achievement, best.question_quality, best.value_articulation, best.outcome), (5, 5, 5, 5));
        assert_eq!(top, 100);
        let (worst, bottom) = score(&all(0.0), rubric);
        assert_eq!((worst.objective_achievement, worst.outcome), (1, 1));
        assert_eq!(bottom, 0);
        let (half, middle) = score(&all(0.5), rubric);
        assert_eq!(half.question_quality, 3);
        assert_eq!(middle, 50);
    }

    #[test]
    fn unmeasurable_signals_are_left_out_not_counted_as_zero() {
        let playbook = Playbook::default();
        let rubric = rubric_for(ClipKind::Call, &playbook);
        // Only next_steps measured: outcome is 5; criteria with nothing measurable are 1.
        let signals = Signals(BTreeMap::from([("next_steps", 1.0)]));
        let (r, _) = score(&signals, rubric);
        assert_eq!(r.outcome, 5);
        assert_eq!(r.question_quality, 1);
        assert_eq!(r.objective_achievement, 5, "meddicc and talk ratio unmeasured, next steps 1");
    }
}
