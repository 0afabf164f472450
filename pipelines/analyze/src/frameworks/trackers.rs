//! Custom keyword trackers from the playbook: every sentence that names one of a tracker's phrases.

use std::collections::BTreeMap;

use crate::matcher::{Classes, Phrase};
use crate::text::Sentence;
use crate::{Playbook, Tracker};

use super::MAX_EVIDENCE;

pub(crate) fn trackers(sentences: &[Sentence], playbook: &Playbook, classes: &Classes) -> BTreeMap<String, Tracker> {
    let mut out = BTreeMap::new();
    for spec in &playbook.trackers {
        let phrases: Vec<Phrase> = spec.phrases.iter().map(|p| Phrase::parse(p)).collect();
        let mut tracker = Tracker::default();
        for sentence in sentences {
            let words = sentence.normalized();
            if phrases.iter().any(|p| p.find(&words, classes).is_some()) {
                tracker.count += 1;
                if tracker.evidence.len() < MAX_EVIDENCE {
                    tracker.evidence.push(sentence.evidence());
                }
            }
        }
        out.insert(spec.name.clone(), tracker);
    }
    out
}
