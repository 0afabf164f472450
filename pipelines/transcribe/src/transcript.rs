use serde::{Deserialize, Serialize};

/// What was said, as stored in `transcript.json`. Times are seconds from the start of the clip.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// Language code of the speech, e.g. "en".
    pub language: String,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub start_s: f64,
    pub end_s: f64,
    pub text: String,
    /// Who spoke, when known (from the channel of a stereo call); analysis fills it in otherwise.
    pub speaker: Option<String>,
    pub words: Vec<Word>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub start_s: f64,
    pub end_s: f64,
    /// The word as recognised, with its punctuation, without surrounding spaces.
    pub text: String,
    /// Mean token probability, 0 to 1.
    pub probability: f64,
    pub speaker: Option<String>,
}

impl Transcript {
    /// All words in time order.
    pub fn words(&self) -> impl Iterator<Item = &Word> {
        self.segments.iter().flat_map(|s| s.words.iter())
    }

    pub fn word_count(&self) -> usize {
        self.segments.iter().map(|s| s.words.len()).sum()
    }

    /// The plain text, segments joined by spaces.
    pub fn text(&self) -> String {
        self.segments.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// Label every segment and word as spoken by `speaker`.
    pub fn with_speaker(mut self, speaker: &str) -> Self {
        for segment in &mut self.segments {
            segment.speaker = Some(speaker.to_string());
            for word in &mut segment.words {
                word.speaker = Some(speaker.to_string());
            }
        }
        self
    }

    /// Give word i (in [`Transcript::words`] order) the speaker `speakers[i]`, splitting segments where the
    /// speaker changes.
    pub fn relabel_words(self, speakers: &[String]) -> Transcript {
        let mut labels = speakers.iter();
        let mut segments = Vec::new();
        for segment in self.segments {
            let mut current: Option<Segment> = None;
            for mut word in segment.words {
                word.speaker = labels.next().cloned();
                match current.as_mut() {
                    Some(open) if open.speaker == word.speaker => open.words.push(word),
                    _ => {
                        segments.extend(current.take());
                        current = Some(Segment {
                            start_s: word.start_s,
                            end_s: word.end_s,
                            text: String::new(),
                            speaker: word.speaker.clone(),
                            words: vec![word],
                        });
                    }
                }
            }
            segments.extend(current);
        }
        for segment in &mut segments {
            segment.start_s = segment.words.first().map(|w| w.start_s).unwrap_or(segment.start_s);
            segment.end_s = segment.words.last().map(|w| w.end_s).unwrap_or(segment.end_s);
            segment.text = segment.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
        }
        Transcript { language: self.language, segments }
    }

    /// Merge transcripts of separate channels into one, segments ordered by start time.
    pub fn merge_by_time(parts: Vec<Transcript>) -> Transcript {
        let language = parts.iter().map(|t| t.language.clone()).find(|l| !l.is_empty()).unwrap_or_default();
        let mut segments: Vec<Segment> = parts.into_iter().flat_map(|t| t.segments).collect();
        segments.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        Transcript { language, segments }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relabelling_splits_segments_where_the_speaker_changes() {
        let word = |t: f64, text: &str| Word { start_s: t, end_s: t + 0.3, text: text.into(), probability: 0.9, speaker: None };
        let transcript = Transcript {
            language: "en".into(),
            segments: vec![Segment {
                start_s: 0.0,
                end_s: 2.0,
                text: "Hi. Hello there.".into(),
                speaker: None,
                words: vec![word(0.0, "Hi."), word(1.0, "Hello"), word(1.4, "there.")],
            }],
        };
        let labels = ["rep", "customer", "customer"].map(String::from);
        let out = transcript.relabel_words(&labels);
        assert_eq!(out.segments.len(), 2);
        assert_eq!((out.segments[0].speaker.as_deref(), out.segments[0].text.as_str()), (Some("rep"), "Hi."));
        assert_eq!((out.segments[1].speaker.as_deref(), out.segments[1].text.as_str()), (Some("customer"), "Hello there."));
        assert_eq!(out.segments[1].start_s, 1.0);
    }
}
