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

    /// Merge transcripts of separate channels into one, segments ordered by start time.
    pub fn merge_by_time(parts: Vec<Transcript>) -> Transcript {
        let language = parts.iter().map(|t| t.language.clone()).find(|l| !l.is_empty()).unwrap_or_default();
        let mut segments: Vec<Segment> = parts.into_iter().flat_map(|t| t.segments).collect();
        segments.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        Transcript { language, segments }
    }
}
