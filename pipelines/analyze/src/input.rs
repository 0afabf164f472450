use serde::{Deserialize, Serialize};

use crate::{ClipKind, Role};

/// Everything analysis needs, already decoded and transcribed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnalysisInput {
    pub clip: ClipFacts,
    /// Every speaker the words refer to, with their role.
    pub speakers: Vec<SpeakerLabel>,
    pub words: Vec<SpokenWord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClipFacts {
    pub id: String,
    pub kind: ClipKind,
    pub duration_s: f64,
    pub language: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpeakerLabel {
    pub id: String,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpokenWord {
    pub start_s: f64,
    pub end_s: f64,
    pub text: String,
    /// A [`SpeakerLabel::id`].
    pub speaker: String,
    /// The recogniser's confidence in the word, 0 to 1.
    #[serde(default = "certain")]
    pub probability: f64,
}

fn certain() -> f64 {
    1.0
}

impl AnalysisInput {
    pub(crate) fn words_in_time_order(&self) -> Vec<&SpokenWord> {
        let mut words: Vec<&SpokenWord> = self.words.iter().collect();
        words.sort_by(|a, b| a.start_s.total_cmp(&b.start_s).then(a.end_s.total_cmp(&b.end_s)));
        words
    }

    pub(crate) fn role_of(&self, speaker: &str) -> Role {
        self.speakers.iter().find(|s| s.id == speaker).map(|s| s.role).unwrap_or(Role::Unknown)
    }
}
