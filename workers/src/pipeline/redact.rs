//! `--redact`: personal data (e-mails, phone and card numbers, long spoken digit runs) replaced by a
//! labelled tag in the transcript, before captions and analysis see it, so evidence and HTML are
//! redacted too. (The audio and video are left as they are.)

use std::collections::BTreeMap;

use callcoach_analyze::redact;
use callcoach_transcribe::{Segment, Transcript};

/// The transcript with each span of personal data replaced by its tag (one word spanning the span's
/// times), and how many of each kind were removed.
pub fn redact(transcript: Transcript) -> (Transcript, BTreeMap<String, u32>) {
    let texts: Vec<String> = transcript.words().map(|w| w.text.clone()).collect();
    let spans = redact::find(&texts.iter().map(String::as_str).collect::<Vec<_>>());
    let mut counts = BTreeMap::new();
    if spans.is_empty() {
        return (transcript, counts);
    }
    // Where each word's span starts and ends, by the word's index in reading order.
    let mut starts = BTreeMap::new();
    let mut inside = vec![false; texts.len()];
    for span in &spans {
        *counts.entry(span.kind.tag().trim_matches(['[', ']']).to_string()).or_insert(0) += 1;
        starts.insert(span.start, span);
        inside[span.start..span.end].iter_mut().for_each(|x| *x = true);
    }
    let ends: Vec<f64> = transcript.words().map(|w| w.end_s).collect();
    let mut index = 0;
    let mut segments = Vec::with_capacity(transcript.segments.len());
    for segment in transcript.segments {
        let mut words = Vec::with_capacity(segment.words.len());
        for mut word in segment.words {
            if let Some(span) = starts.get(&index) {
                word.text = span.kind.tag().to_string();
                word.end_s = ends[span.end - 1].max(word.start_s);
                words.push(word);
            } else if !inside[index] {
                words.push(word);
            }
            index += 1;
        }
        if words.is_empty() {
            continue;
        }
        let text = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
        segments.push(Segment { start_s: words[0].start_s, end_s: words[words.len() - 1].end_s, text, words, ..segment });
    }
    (Transcript { language: transcript.language, segments }, counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use callcoach_transcribe::Word;

    #[test]
    fn spans_become_one_tagged_word_across_segments() {
        let word = |t: f64, text: &str| Word { start_s: t, end_s: t + 0.3, text: text.into(), probability: 0.9, speaker: None };
        let segment = |words: Vec<Word>| Segment { start_s: 0.0, end_s: 0.0, text: String::new(), speaker: Some("customer".into()), words };
        let transcript = Transcript {
            language: "en".into(),
            segments: vec![
                segment(vec![word(0.0, "Call"), word(0.4, "five"), word(0.8, "five"), word(1.2, "five")]),
                segment(vec![word(2.0, "one"), word(2.4, "two"), word(2.8, "three"), word(3.2, "four."), word(3.6, "Thanks.")]),
            ],
        };
        let (out, counts) = redact(transcript);
        assert_eq!(counts.get("phone"), Some(&1));
        assert_eq!(out.segments[0].text, "Call [phone]");
        assert!((out.segments[0].words[1].end_s - 3.5).abs() < 1e-9, "the tag spans the whole number");
        assert_eq!(out.segments[1].text, "Thanks.");
        assert!(!out.text().contains("five") && !out.text().contains("four"));
    }
}
