//! The playbook: word lists and rules analysis applies, loaded from TOML.

use std::collections::BTreeMap;

use serde::Deserialize;

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
        Ok(playbook.lowercased())
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
        assert!(super::Playbook::from_toml("[fillers]\nwords=[]\nphrases=[]\nlike_not_after=[]\ntag_questions=[]\nbogus=1\n[questions]\nopen_starters=[]\nclosed_starters=[]").is_err());
    }
}
