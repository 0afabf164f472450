//! The playbook: word lists and rules analysis applies, loaded from TOML.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::matcher::RuleSpec;

const DEFAULT_PLAYBOOK: &str = include_str!("playbook/default.toml");

#[derive(Debug, thiserror::Error)]
pub enum PlaybookError {
    #[error("playbook is not valid: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub fillers: FillerRules,
    pub questions: QuestionRules,
    /// Word classes usable as `#name` in any phrase.
    #[serde(default)]
    pub classes: BTreeMap<String, Vec<String>>,
    pub spin: SpinRules,
    pub meddicc: MeddiccRules,
    pub objections: ObjectionRules,
    pub next_steps: NextStepRules,
    /// Rep sentences that tie the offer to an outcome.
    pub value: Vec<RuleSpec>,
    /// The rep asking for a concrete next step.
    pub call_to_action: Vec<RuleSpec>,
    #[serde(default)]
    pub trackers: Vec<TrackerSpec>,
    pub rubric: RubricRules,
    pub signals: SignalShapes,
    pub coaching: Coaching,
}

/// Example wording the feedback suggests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coaching {
    pub implication_question: String,
    pub need_payoff_question: String,
    pub situation_question: String,
    pub next_step: String,
    pub call_to_action: String,
    pub value_statement: String,
    pub objection_answer: String,
    /// Per MEDDICC element, a question that would establish it.
    pub meddicc: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpinRules {
    /// Questions that are not SPIN questions whatever else they match.
    #[serde(default)]
    pub none: Vec<RuleSpec>,
    pub situation: Vec<RuleSpec>,
    pub problem: Vec<RuleSpec>,
    pub implication: Vec<RuleSpec>,
    pub need_payoff: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeddiccRules {
    pub metrics: Vec<RuleSpec>,
    pub economic_buyer: Vec<RuleSpec>,
    pub decision_criteria: Vec<RuleSpec>,
    pub decision_process: Vec<RuleSpec>,
    pub identify_pain: Vec<RuleSpec>,
    pub champion: Vec<RuleSpec>,
    pub competition: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionRules {
    pub price: Vec<RuleSpec>,
    pub competition: Vec<RuleSpec>,
    pub timing: Vec<RuleSpec>,
    pub internal_alignment: Vec<RuleSpec>,
    pub roi: Vec<RuleSpec>,
    pub handled: HandledRules,
    pub handled_window: HandledWindow,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandledRules {
    pub acknowledge: Vec<RuleSpec>,
    pub value: Vec<RuleSpec>,
    pub discount: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandledWindow {
    pub window_s: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextStepRules {
    /// Only the last this fraction of the call is searched.
    pub final_share: f64,
    /// How soon the other party must agree.
    pub reply_window_s: f64,
    pub proposal: Vec<RuleSpec>,
    pub agreement: Vec<RuleSpec>,
    pub commitment: Vec<RuleSpec>,
    pub vague: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackerSpec {
    pub name: String,
    /// Keyword phrases (the rule language's phrases).
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Example sentences of a semantic tracker: with the embedding model installed, a sentence also
    /// counts when its cosine similarity to one of them reaches `threshold`.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Cosine similarity a sentence needs to one example (default 0.6).
    #[serde(default)]
    pub threshold: Option<f64>,
}

/// Signal weights per criterion, and criterion weights, for each clip kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricRules {
    pub call: KindRubric,
    pub pitch: KindRubric,
    pub recognition: KindRubric,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindRubric {
    pub objective_achievement: BTreeMap<String, f64>,
    pub question_quality: BTreeMap<String, f64>,
    pub value_articulation: BTreeMap<String, f64>,
    pub outcome: BTreeMap<String, f64>,
    pub weights: BTreeMap<String, f64>,
}

/// Where each measured value earns full marks and where none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalShapes {
    pub talk_ratio_best: f64,
    pub talk_ratio_worst: f64,
    pub pace_best: [f64; 2],
    pub pace_zero: [f64; 2],
    pub fillers_best: f64,
    pub fillers_worst: f64,
    pub questions_best: u32,
    pub clarity_best: f64,
    pub clarity_worst: f64,
    pub value_best: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FillerRules {
    pub words: Vec<String>,
    pub phrases: Vec<String>,
    pub like_not_after: Vec<String>,
    pub tag_questions: Vec<String>,
    #[serde(default)]
    pub variants: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionRules {
    pub open_starters: Vec<String>,
    pub closed_starters: Vec<String>,
}

impl Playbook {
    /// Parse a playbook from TOML text (the caller reads the file).
    pub fn from_toml(text: &str) -> Result<Self, PlaybookError> {
        let playbook: Playbook = toml::from_str(text).map_err(|e| PlaybookError::Invalid(e.to_string()))?;
        playbook.check()?;
        Ok(playbook.lowercased())
    }

    /// Rubric signal names must be known, so a typo is an error rather than a silent zero.
    fn check(&self) -> Result<(), PlaybookError> {
        for tracker in &self.trackers {
            if tracker.phrases.is_empty() && tracker.examples.is_empty() {
                return Err(PlaybookError::Invalid(format!("tracker `{}` needs phrases or examples", tracker.name)));
            }
            if tracker.threshold.is_some_and(|t| !(0.0..=1.0).contains(&t)) {
                return Err(PlaybookError::Invalid(format!("tracker `{}`: threshold must be between 0 and 1", tracker.name)));
            }
        }
        for (kind, rubric) in [("call", &self.rubric.call), ("pitch", &self.rubric.pitch), ("recognition", &self.rubric.recognition)] {
            for (criterion, signals) in [
                ("objective_achievement", &rubric.objective_achievement),
                ("question_quality", &rubric.question_quality),
                ("value_articulation", &rubric.value_articulation),
                ("outcome", &rubric.outcome),
            ] {
                if let Some(unknown) = signals.keys().find(|k| !crate::rubric::SIGNALS.contains(&k.as_str())) {
                    return Err(PlaybookError::Invalid(format!(
                        "rubric.{kind}.{criterion}: unknown signal `{unknown}` (known: {})",
                        crate::rubric::SIGNALS.join(", ")
                    )));
                }
                if signals.values().sum::<f64>() <= 0.0 {
                    return Err(PlaybookError::Invalid(format!("rubric.{kind}.{criterion}: weights must add up to more than 0")));
                }
            }
            if let Some(unknown) = rubric.weights.keys().find(|k| !crate::rubric::CRITERIA.contains(&k.as_str())) {
                return Err(PlaybookError::Invalid(format!("rubric.{kind}.weights: unknown criterion `{unknown}`")));
            }
        }
        Ok(())
    }

    fn lowercased(mut self) -> Self {
        let lower = |v: &mut Vec<String>| v.iter_mut().for_each(|s| *s = s.to_lowercase());
        lower(&mut self.fillers.words);
        lower(&mut self.fillers.phrases);
        lower(&mut self.fillers.like_not_after);
        lower(&mut self.fillers.tag_questions);
        lower(&mut self.questions.open_starters);
        lower(&mut self.questions.closed_starters);
        self
    }
}

impl Default for Playbook {
    fn default() -> Self {
        Self::from_toml(DEFAULT_PLAYBOOK).expect("the built-in playbook parses")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn default_playbook_parses_and_rejects_unknown_sections() {
        let playbook = super::Playbook::default();
        assert!(playbook.fillers.words.contains(&"um".to_string()));
        let default_text = super::DEFAULT_PLAYBOOK;
        let with_unknown = default_text.replace("[questions]", "[questions]\nbogus = 1");
        assert!(super::Playbook::from_toml(&with_unknown).is_err());
        let with_typo = default_text.replace("outcome = { next_steps = 1.0 }", "outcome = { next_step = 1.0 }");
        let err = super::Playbook::from_toml(&with_typo).unwrap_err().to_string();
        assert!(err.contains("unknown signal `next_step`"), "{err}");
    }
}
