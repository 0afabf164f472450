//! Filler words, from the playbook's lexicon and its context rules.

use std::collections::BTreeMap;

use crate::text::normalize;
use crate::{AnalysisInput, Evidence, FillerCounts, Playbook, Role, SpokenWord, round3};

pub(crate) struct Fillers {
    /// Each filler heard from the rep (or from everyone when no rep is known), in time order.
    pub hits: Vec<(String, Evidence)>,
    /// Rep talk time the rate is taken over (all talk when no rep is known).
    pub talk_s: f64,
}

impl Fillers {
    /// Counts, and the rate per minute of the speaker's own talk time.
    pub fn summary(&self) -> FillerCounts {
        let mut by_word = BTreeMap::new();
        for (word, _) in &self.hits {
            *by_word.entry(word.clone()).or_insert(0) += 1;
        }
        let count = self.hits.len() as u32;
        FillerCounts {
            count,
            per_minute: if self.talk_s > 0.0 { round3(count as f64 / (self.talk_s / 60.0)) } else { 0.0 },
            by_word,
        }
    }
}

pub(crate) fn count(words: &[&SpokenWord], input: &AnalysisInput, playbook: &Playbook) -> Fillers {
    let has_rep = input.speakers.iter().any(|s| s.role == Role::Rep);
    let counted: Vec<&SpokenWord> = words
        .iter()
        .copied()
        .filter(|w| !has_rep || input.role_of(&w.speaker) == Role::Rep)
        .collect();
    let talk_s = crate::talk::talk_time(counted.iter().map(|w| (w.start_s, w.end_s)));
    let rules = &playbook.fillers;
    let normalized: Vec<String> = counted.iter().map(|w| normalize(&w.text)).collect();
    let phrases: Vec<Vec<&str>> = rules.phrases.iter().map(|p| p.split_whitespace().collect()).collect();

    let mut hits = Vec::new();
    let mut i = 0;
    while i < counted.len() {
        let evidence = |len: usize| Evidence {
            start_s: round3(counted[i].start_s),
            end_s: round3(counted[i + len - 1].end_s),
            speaker: counted[i].speaker.clone(),
            text: counted[i..i + len].iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" "),
            confidence: None,
        };
        // Phrases first, longest first, and only within one speaker's run of words.
        let phrase = phrases
            .iter()
            .filter(|p| {
                i + p.len() <= counted.len()
                    && p.iter().enumerate().all(|(k, part)| normalized[i + k] == *part)
                    && counted[i..i + p.len()].iter().all(|w| w.speaker == counted[i].speaker)
            })
            .max_by_key(|p| p.len());
        if let Some(phrase) = phrase {
            hits.push((phrase.join(" "), evidence(phrase.len())));
            i += phrase.len();
            continue;
        }
        let word = rules.variants.get(&normalized[i]).cloned().unwrap_or_else(|| normalized[i].clone());
        let previous = (i > 0 && counted[i - 1].speaker == counted[i].speaker).then(|| i - 1);
        let is_filler = if rules.words.contains(&word) {
            true
        } else if word == "like" {
            let after_pause = previous.is_none_or(|p| counted[p].text.trim_end().ends_with([',', '.', '?', '!']));
            let set_off = counted[i].text.trim_end().ends_with(',');
            let after_verb_or_subject = previous.is_some_and(|p| rules.like_not_after.contains(&normalized[p]));
            (after_pause || set_off) && !after_verb_or_subject
        } else {
            rules.tag_questions.contains(&word) && counted[i].text.trim_end().ends_with('?') && previous.is_some()
        };
        if is_filler {
            hits.push((word, evidence(1)));
        }
        i += 1;
    }
    Fillers { hits, talk_s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fillers_of(text: &str) -> Vec<String> {
        let input = crate::testing::rep_says(text);
        let words = input.words_in_time_order();
        count(&words, &input, &Playbook::default()).hits.into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn counts_words_phrases_and_variants() {
        assert_eq!(fillers_of("Umm, so we, you know, basically ship it."), ["um", "you know", "basically"]);
    }

    #[test]
    fn like_as_a_verb_or_comparison_is_not_a_filler() {
        assert!(fillers_of("I like the product and it looks like rain.").is_empty());
        assert!(fillers_of("We would like a demo.").is_empty());
        assert_eq!(fillers_of("It was, like, really fast."), ["like"]);
        assert_eq!(fillers_of("Like, we ship daily."), ["like"]);
    }

    #[test]
    fn right_counts_only_as_a_tag_question() {
        assert_eq!(fillers_of("That makes sense, right?"), ["right"]);
        assert!(fillers_of("Turn right at the door.").is_empty());
    }
}
