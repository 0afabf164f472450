//! The scorecard, exactly as `../shared/scorecard-contract.md` names it (schema_version "1").
//! Fields may be added; none may be renamed or removed without a new schema version.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: &str = "1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClipKind {
    #[default]
    Call,
    Pitch,
    Recognition,
}

impl std::str::FromStr for ClipKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "call" => Ok(ClipKind::Call),
            "pitch" => Ok(ClipKind::Pitch),
            "recognition" => Ok(ClipKind::Recognition),
            other => Err(format!("unknown clip kind `{other}` (expected call, pitch or recognition)")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Rep,
    Customer,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    pub schema_version: String,
    pub clip: Clip,
    pub speakers: Vec<Speaker>,
    pub metrics: Metrics,
    pub frameworks: Frameworks,
    pub objections: Vec<Objection>,
    pub next_steps: NextSteps,
    pub rubric: Rubric,
    pub score: u32,
    pub feedback: Feedback,
    /// Custom keyword trackers from the playbook (an addition to the contract).
    pub trackers: BTreeMap<String, Tracker>,
    /// Artifact name → storage key, filled in by whoever stores them.
    pub artifacts: BTreeMap<String, String>,
    /// How the analysis was made and what it did not cover (an addition to the contract).
    pub analysis: AnalysisNotes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clip {
    pub id: String,
    pub kind: ClipKind,
    pub duration_s: f64,
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Speaker {
    pub id: String,
    pub role: Role,
    pub talk_s: f64,
    pub words: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub talk_ratio: f64,
    pub longest_monologue_s: f64,
    pub longest_customer_story_s: f64,
    pub words_per_minute: f64,
    pub switches_per_minute: f64,
    pub patience_s: f64,
    pub silence_ratio: f64,
    pub fillers: FillerCounts,
    pub questions: QuestionCounts,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FillerCounts {
    pub count: u32,
    pub per_minute: f64,
    pub by_word: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuestionCounts {
    pub rep: u32,
    pub customer: u32,
    pub open: u32,
    pub closed: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub start_s: f64,
    pub end_s: f64,
    pub speaker: String,
    pub text: String,
    /// The trained head's probability for this finding (absent when the lexicon found it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Frameworks {
    pub spin: Spin,
    pub meddicc: Meddicc,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpinCategory {
    pub count: u32,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Spin {
    pub situation: SpinCategory,
    pub problem: SpinCategory,
    pub implication: SpinCategory,
    pub need_payoff: SpinCategory,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MeddiccElement {
    pub covered: bool,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meddicc {
    pub metrics: MeddiccElement,
    pub economic_buyer: MeddiccElement,
    pub decision_criteria: MeddiccElement,
    pub decision_process: MeddiccElement,
    pub identify_pain: MeddiccElement,
    pub champion: MeddiccElement,
    pub competition: MeddiccElement,
}

impl Meddicc {
    /// The elements in MEDDICC order, with their contract names.
    pub fn elements(&self) -> [(&'static str, &MeddiccElement); 7] {
        [
            ("metrics", &self.metrics),
            ("economic_buyer", &self.economic_buyer),
            ("decision_criteria", &self.decision_criteria),
            ("decision_process", &self.decision_process),
            ("identify_pain", &self.identify_pain),
            ("champion", &self.champion),
            ("competition", &self.competition),
        ]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionType {
    Price,
    Competition,
    Timing,
    InternalAlignment,
    Roi,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objection {
    #[serde(rename = "type")]
    pub objection_type: ObjectionType,
    pub start_s: f64,
    pub text: String,
    pub handled: bool,
    /// The trained head's probability of this objection type (absent when the lexicon found it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tracker {
    pub count: u32,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NextSteps {
    pub agreed: bool,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rubric {
    pub objective_achievement: u8,
    pub question_quality: u8,
    pub value_articulation: u8,
    pub outcome: u8,
}

impl Default for Rubric {
    /// The lowest mark on every criterion: nothing has been established.
    fn default() -> Self {
        Self { objective_achievement: 1, question_quality: 1, value_articulation: 1, outcome: 1 }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub strength: String,
    pub improvement: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalysisNotes {
    /// "lexicon" (playbook word lists and syntax rules), "embedding" (trained heads on sentence
    /// embeddings) or "combined" (heads on embeddings plus lexicon and syntax features).
    pub method: String,
    /// The rubric's signals, 0 to 1, as measured (absent: not measurable for this clip).
    pub signals: BTreeMap<String, f64>,
    /// Parts of the contract this version leaves at their empty value.
    pub pending: Vec<String>,
    /// Anything a coach should know about how far to trust the numbers.
    pub notes: Vec<String>,
}
