//! Custom trackers from the playbook: every sentence that names one of a tracker's phrases, or (semantic
//! trackers, with the embedding model) says what one of its example sentences says.

use std::collections::BTreeMap;

use crate::matcher::{Classes, Phrase};
use crate::semantic::{Predictions, cosine};
use crate::text::Sentence;
use crate::{Playbook, Tracker, round3};

use super::MAX_EVIDENCE;

/// Cosine similarity to an example a sentence needs when the tracker does not say.
pub(crate) const DEFAULT_TRACKER_THRESHOLD: f64 = 0.6;

pub(crate) fn trackers(
    sentences: &[Sentence],
    playbook: &Playbook,
    classes: &Classes,
    predictions: Option<&Predictions>,
) -> BTreeMap<String, Tracker> {
    let mut out = BTreeMap::new();
    for spec in &playbook.trackers {
        let phrases: Vec<Phrase> = spec.phrases.iter().map(|p| Phrase::parse(p)).collect();
        let examples = predictions.and_then(|p| p.tracker_examples.get(&spec.name));
        let threshold = spec.threshold.unwrap_or(DEFAULT_TRACKER_THRESHOLD);
        let mut tracker = Tracker::default();
        for (index, sentence) in sentences.iter().enumerate() {
            let words = sentence.normalized();
            let named = phrases.iter().any(|p| p.find(&words, classes).is_some());
            let similarity = examples.zip(predictions.and_then(|p| p.vectors[index].as_ref())).map(|(examples, v)| {
                examples.iter().map(|e| cosine(e, v)).fold(f64::NEG_INFINITY, f64::max)
            });
            let similar = similarity.filter(|s| *s >= threshold);
            if named || similar.is_some() {
                tracker.count += 1;
                if tracker.evidence.len() < MAX_EVIDENCE {
                    let confidence = if named { None } else { similar.map(round3) };
                    tracker.evidence.push(sentence.evidence_with(confidence));
                }
            }
        }
        out.insert(spec.name.clone(), tracker);
    }
    out
}
