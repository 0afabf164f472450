//! MEDDICC coverage over the whole call: an element is covered when any sentence establishes it, whoever
//! says it.

use crate::text::Sentence;
use crate::{AnalysisInput, Meddicc, MeddiccElement};

use super::{MAX_EVIDENCE, Rules};

pub(crate) fn meddicc(sentences: &[Sentence], input: &AnalysisInput, rules: &Rules) -> Meddicc {
    let mut elements: [MeddiccElement; 7] = Default::default();
    for sentence in sentences {
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
