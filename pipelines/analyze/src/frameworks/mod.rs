//! What ground the conversation covered, each finding with its evidence: SPIN question types, MEDDICC
//! coverage, objections (and whether the rep handled them), next steps, custom keyword trackers.
//! Every word list comes from the playbook.

mod meddicc;
mod next_steps;
mod objections;
pub(crate) mod spin;
mod trackers;

pub(crate) use meddicc::meddicc;
pub(crate) use next_steps::next_steps;
pub(crate) use objections::objections;
pub(crate) use spin::{SpinType, spin};
pub(crate) use trackers::trackers;

use crate::matcher::{Classes, RuleSet};
use crate::text::Sentence;
use crate::{AnalysisInput, Playbook, Role};

/// The playbook's rules, compiled once per analysis.
pub(crate) struct Rules {
    pub classes: Classes,
    pub spin: [(SpinType, RuleSet); 4],
    pub not_spin: RuleSet,
    pub meddicc: [RuleSet; 7],
    pub objections: [RuleSet; 5],
    pub acknowledge: RuleSet,
    pub handled_value: RuleSet,
    pub discount: RuleSet,
    pub proposal: RuleSet,
    pub agreement: RuleSet,
    pub commitment: RuleSet,
    pub vague: RuleSet,
    pub value: RuleSet,
    pub call_to_action: RuleSet,
}

impl Rules {
    pub fn compile(playbook: &Playbook) -> Self {
        let c = RuleSet::compile;
        let (s, m, o) = (&playbook.spin, &playbook.meddicc, &playbook.objections);
        Rules {
            classes: Classes::new(&playbook.classes),
            // Tie-break order: the more specific question type first.
            spin: [
                (SpinType::NeedPayoff, c(&s.need_payoff)),
                (SpinType::Implication, c(&s.implication)),
                (SpinType::Problem, c(&s.problem)),
                (SpinType::Situation, c(&s.situation)),
            ],
            not_spin: c(&s.none),
            meddicc: [
                c(&m.metrics),
                c(&m.economic_buyer),
                c(&m.decision_criteria),
                c(&m.decision_process),
                c(&m.identify_pain),
                c(&m.champion),
                c(&m.competition),
            ],
            objections: [c(&o.price), c(&o.competition), c(&o.timing), c(&o.internal_alignment), c(&o.roi)],
            acknowledge: c(&o.handled.acknowledge),
            handled_value: c(&o.handled.value),
            discount: c(&o.handled.discount),
            proposal: c(&playbook.next_steps.proposal),
            agreement: c(&playbook.next_steps.agreement),
            commitment: c(&playbook.next_steps.commitment),
            vague: c(&playbook.next_steps.vague),
            value: c(&playbook.value),
            call_to_action: c(&playbook.call_to_action),
        }
    }

    /// Does `rules` match this sentence, spoken by its speaker?
    pub fn hit(&self, rules: &RuleSet, sentence: &Sentence, input: &AnalysisInput) -> bool {
        rules.matches(&sentence.normalized(), input.role_of(sentence.speaker()), &self.classes)
    }

    pub fn score(&self, rules: &RuleSet, sentence: &Sentence, role: Role) -> f64 {
        rules.score(&sentence.normalized(), role, &self.classes)
    }

    /// The category whose rules match `sentence` with the most weight (the earlier one on a tie);
    /// `None` when no rule matches.
    pub fn best<'r, K: Copy>(
        &self,
        categories: impl IntoIterator<Item = (K, &'r RuleSet)>,
        sentence: &Sentence,
        role: Role,
    ) -> Option<K> {
        let words = sentence.normalized();
        let mut best: Option<(K, f64)> = None;
        for (kind, set) in categories {
            let score = set.score(&words, role, &self.classes);
            if score > 0.0 && best.is_none_or(|(_, s)| score > s) {
                best = Some((kind, score));
            }
        }
        best.map(|(kind, _)| kind)
    }
}

/// At most this many evidence items per finding: enough to check, short enough to read.
pub(crate) const MAX_EVIDENCE: usize = 5;
