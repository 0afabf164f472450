//! MEDDICC coverage over the whole call: an element is covered when any sentence establishes it, whoever
//! says it. With a trained head, the head decides for every embedded sentence: each element whose
//! probability reaches the head's threshold (a sentence may establish two, "I'll recommend it to our
//! managing director, who signs"), and a customer objection the objection head types as competition
//! names an alternative, so it covers competition too.

use crate::semantic::{Predictions, Task};
use crate::text::Sentence;
use crate::{AnalysisInput, Meddicc, MeddiccElement};

use super::{MAX_EVIDENCE, Rules};

/// Index of competition in MEDDICC order, and of competition among the objection head's labels.
const COMPETITION: usize = 6;
const OBJECTION_COMPETITION: usize = 1;

pub(crate) fn meddicc(sentences: &[Sentence], input: &AnalysisInput, rules: &Rules, predictions: Option<&Predictions>) -> Meddicc {
    let mut elements: [MeddiccElement; 7] = Default::default();
    let verdicts = predictions.and_then(|p| p.task(Task::Meddicc));
    let objections = predictions.and_then(|p| p.task(Task::Objections));
    for (index, sentence) in sentences.iter().enumerate() {
        if let Some(verdicts) = verdicts {
            // The head's label order is MEDDICC order, as `elements`.
            let Some(verdict) = &verdicts[index] else { continue };
            let mut found = verdict.labels_over_threshold();
            if let Some(objection) = objections.and_then(|o| o[index].as_ref())
                && objection.label == Some(OBJECTION_COMPETITION)
                && !found.iter().any(|(l, _)| *l == COMPETITION)
            {
                found.push((COMPETITION, objection.probability));
            }
            for (label, probability) in found {
                let element = &mut elements[label];
                element.covered = true;
                if element.evidence.len() < MAX_EVIDENCE {
                    element.evidence.push(sentence.evidence_with(Some(probability)));
                }
            }
            continue;
        }
        for (element, set) in elements.iter_mut().zip(&rules.meddicc) {
            if rules.hit(set, sentence, input) {
                element.covered = true;
                if element.evidence.len() < MAX_EVIDENCE {
                    element.evidence.push(sentence.evidence());
                }
            }
        }
    }
    let [metrics, economic_buyer, decision_criteria, decision_process, identify_pain, champion, competition] = elements;
    Meddicc { metrics, economic_buyer, decision_criteria, decision_process, identify_pain, champion, competition }
}
