//! SPIN: each rep question typed as situation, problem, implication or need-payoff (or none).

use crate::questions::Questions;
use crate::{Role, Spin, SpinCategory};

use super::{MAX_EVIDENCE, Rules};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpinType {
    Situation,
    Problem,
    Implication,
    NeedPayoff,
}

/// The SPIN type of each rep question (in order), `None` when no rule matches.
pub(crate) fn classify(questions: &Questions, rules: &Rules) -> Vec<Option<SpinType>> {
    questions
        .all
        .iter()
        .map(|q| {
            if q.role != Role::Rep || rules.score(&rules.not_spin, &q.sentence, q.role) > 0.0 {
                return None;
            }
            rules.best(rules.spin.iter().map(|(kind, set)| (*kind, set)), &q.sentence, q.role)
        })
        .collect()
}

pub(crate) fn spin(questions: &Questions, types: &[Option<SpinType>]) -> Spin {
    let mut spin = Spin::default();
    for (question, kind) in questions.all.iter().zip(types) {
        let Some(kind) = *kind else { continue };
        let category: &mut SpinCategory = match kind {
            SpinType::Situation => &mut spin.situation,
            SpinType::Problem => &mut spin.problem,
            SpinType::Implication => &mut spin.implication,
            SpinType::NeedPayoff => &mut spin.need_payoff,
        };
        category.count += 1;
        if category.evidence.len() < MAX_EVIDENCE {
            category.evidence.push(question.sentence.evidence());
        }
    }
    spin
}
