//! SPIN: each rep question typed as situation, problem, implication or need-payoff (or none).

use crate::questions::Questions;
use crate::semantic::{Predictions, Task};
use crate::{Role, Spin, SpinCategory};

use super::{MAX_EVIDENCE, Rules};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpinType {
    Situation,
    Problem,
    Implication,
    NeedPayoff,
}

/// In the order of the SPIN head's labels.
const HEAD_ORDER: [SpinType; 4] = [SpinType::Situation, SpinType::Problem, SpinType::Implication, SpinType::NeedPayoff];

/// The SPIN type of each rep question (in order), `None` when it is not a SPIN question, with the
/// head's probability when a head decided.
pub(crate) fn classify(questions: &Questions, rules: &Rules, predictions: Option<&Predictions>) -> (Vec<Option<SpinType>>, Vec<Option<f64>>) {
    let verdicts = predictions.and_then(|p| p.task(Task::Spin));
    questions
        .all
        .iter()
        .map(|q| {
            if q.role != Role::Rep {
                return (None, None);
            }
            if let Some(verdict) = verdicts.and_then(|v| v[q.index].as_ref()) {
                return match verdict.label {
                    Some(label) => (Some(HEAD_ORDER[label]), Some(verdict.probability)),
                    None => (None, None),
                };
            }
            if rules.score(&rules.not_spin, &q.sentence, q.role) > 0.0 {
                return (None, None);
            }
            (rules.best(rules.spin.iter().map(|(kind, set)| (*kind, set)), &q.sentence, q.role), None)
        })
        .unzip()
}

pub(crate) fn spin(questions: &Questions, types: &[Option<SpinType>], confidences: &[Option<f64>]) -> Spin {
    let mut spin = Spin::default();
    for ((question, kind), confidence) in questions.all.iter().zip(types).zip(confidences) {
        let Some(kind) = *kind else { continue };
        let category: &mut SpinCategory = match kind {
            SpinType::Situation => &mut spin.situation,
            SpinType::Problem => &mut spin.problem,
            SpinType::Implication => &mut spin.implication,
            SpinType::NeedPayoff => &mut spin.need_payoff,
        };
        category.count += 1;
        if category.evidence.len() < MAX_EVIDENCE {
            category.evidence.push(question.sentence.evidence_with(*confidence));
        }
    }
    spin
}
