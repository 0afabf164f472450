//! Customer objections by type, and whether the rep handled each: acknowledged it and answered with
//! value or evidence (not only a discount) within the playbook's window.

use crate::semantic::{Predictions, Task};
use crate::text::Sentence;
use crate::{AnalysisInput, Objection, ObjectionType, Playbook, Role, round3};

use super::Rules;

const TYPES: [ObjectionType; 5] = [
    ObjectionType::Price,
    ObjectionType::Competition,
    ObjectionType::Timing,
    ObjectionType::InternalAlignment,
    ObjectionType::Roi,
];

/// A second sentence of the same type this soon after the first is the same objection.
const SAME_OBJECTION_S: f64 = 15.0;

pub(crate) fn objections(
    sentences: &[Sentence],
    input: &AnalysisInput,
    rules: &Rules,
    playbook: &Playbook,
    predictions: Option<&Predictions>,
) -> Vec<Objection> {
    let window_s = playbook.objections.handled_window.window_s;
    let verdicts = predictions.and_then(|p| p.task(Task::Objections));
    let mut found: Vec<Objection> = Vec::new();
    for (index, sentence) in sentences.iter().enumerate() {
        let role = input.role_of(sentence.speaker());
        if role != Role::Customer {
            continue;
        }
        // With a head, it decides for every embedded sentence (the head's labels are in `TYPES` order).
        let (kind, confidence) = match verdicts {
            Some(verdicts) => match &verdicts[index] {
                Some(v) => (v.label.map(|l| TYPES[l]), Some(v.probability)),
                None => (None, None),
            },
            None => (rules.best(TYPES.into_iter().zip(&rules.objections), sentence, role), None),
        };
        let Some(kind) = kind else { continue };
        let repeat = found
            .iter()
            .any(|o| o.objection_type == kind && sentence.start_s() - o.start_s < SAME_OBJECTION_S);
        if repeat {
            continue;
        }
        let reply: Vec<&Sentence> = sentences[index + 1..]
            .iter()
            .take_while(|s| s.start_s() <= sentence.end_s() + window_s)
            .filter(|s| input.role_of(s.speaker()) == Role::Rep)
            .collect();
        found.push(Objection {
            objection_type: kind,
            start_s: round3(sentence.start_s()),
            text: sentence.text(),
            handled: handled(&reply, input, rules),
            confidence: confidence.map(round3),
        });
    }
    found
}

/// Acknowledged, and answered with value or evidence in a sentence that is not a discount offer.
fn handled(reply: &[&Sentence], input: &AnalysisInput, rules: &Rules) -> bool {
    let acknowledged = reply.iter().any(|s| rules.hit(&rules.acknowledge, s, input));
    let answered_with_value = reply
        .iter()
        .any(|s| rules.hit(&rules.handled_value, s, input) && !rules.hit(&rules.discount, s, input));
    acknowledged && answered_with_value
}
