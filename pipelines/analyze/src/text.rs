//! Words as text: normalising tokens and grouping them into sentences.

use crate::{Evidence, SpokenWord, round3};

/// Lower-case, without surrounding punctuation (apostrophes inside a word are kept).
pub(crate) fn normalize(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
        .trim_matches('\'')
        .to_lowercase()
        .replace('’', "'")
}

pub(crate) fn ends_sentence(word: &str) -> bool {
    word.trim_end_matches(['"', '\'', ')']).ends_with(['.', '?', '!'])
}

/// A pause longer than this ends a sentence even without punctuation.
const SENTENCE_GAP_S: f64 = 1.0;

/// Consecutive words of one speaker up to terminal punctuation, a long pause or a change of speaker.
#[derive(Debug, Clone)]
pub(crate) struct Sentence<'a> {
    pub words: Vec<&'a SpokenWord>,
}

impl Sentence<'_> {
    pub fn speaker(&self) -> &str {
        &self.words[0].speaker
    }
    pub fn start_s(&self) -> f64 {
        self.words[0].start_s
    }
    pub fn end_s(&self) -> f64 {
        self.words.last().map(|w| w.end_s).unwrap_or(0.0)
    }
    pub fn evidence(&self) -> Evidence {
        Evidence {
            start_s: round3(self.start_s()),
            end_s: round3(self.end_s()),
            speaker: self.speaker().to_string(),
            text: self.text(),
            confidence: None,
        }
    }
    /// Evidence carrying a head's probability (rounded to 3 decimals).
    pub fn evidence_with(&self, confidence: Option<f64>) -> Evidence {
        Evidence { confidence: confidence.map(round3), ..self.evidence() }
    }
    pub fn text(&self) -> String {
        self.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ")
    }
    pub fn ends_with_question_mark(&self) -> bool {
        self.words.last().map(|w| w.text.trim_end().ends_with('?')).unwrap_or(false)
    }
    pub fn normalized(&self) -> Vec<String> {
        self.words.iter().map(|w| normalize(&w.text)).filter(|w| !w.is_empty()).collect()
    }
}

pub(crate) fn sentences<'a>(words: &[&'a SpokenWord]) -> Vec<Sentence<'a>> {
    let mut out: Vec<Sentence<'a>> = Vec::new();
    let mut open = false;
    for word in words {
        let continues = open
            && out.last().is_some_and(|s| {
                let last = s.words.last().expect("sentences are never empty");
                last.speaker == word.speaker && word.start_s - last.end_s <= SENTENCE_GAP_S
            });
        if continues {
            out.last_mut().expect("checked above").words.push(word);
        } else {
            out.push(Sentence { words: vec![word] });
        }
        open = !ends_sentence(&word.text);
    }
    out
}

/// "01:42" for 102 s.
pub(crate) fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{:02}:{:02}", s / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(start_s: f64, text: &str, speaker: &str) -> SpokenWord {
        SpokenWord { start_s, end_s: start_s + 0.3, text: text.into(), speaker: speaker.into(), probability: 1.0 }
    }

    #[test]
    fn normalizes_punctuation_and_case() {
        assert_eq!(normalize("Um,"), "um");
        assert_eq!(normalize("\"Don't?\""), "don't");
        assert_eq!(normalize("..."), "");
    }

    #[test]
    fn sentences_split_on_punctuation_speaker_and_pause() {
        let words = [w(0.0, "Hello.", "a"), w(0.4, "How", "a"), w(0.8, "are", "a"), w(1.2, "you?", "a"),
                     w(1.6, "Fine", "b"), w(4.0, "thanks", "b")];
        let refs: Vec<&SpokenWord> = words.iter().collect();
        let texts: Vec<String> = sentences(&refs).iter().map(|s| s.text()).collect();
        assert_eq!(texts, ["Hello.", "How are you?", "Fine", "thanks"]);
    }

    #[test]
    fn clock_formats_minutes_and_seconds() {
        assert_eq!(clock(102.4), "01:42");
        assert_eq!(clock(0.0), "00:00");
    }
}
