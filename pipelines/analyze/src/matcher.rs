//! The playbook's rule language, compiled.
//!
//! A *phrase* is a sequence of words matched against a sentence's normalised words, contiguously:
//! `"what would it mean"`. A word ending in `*` matches any word it starts ("frustrat*" matches
//! "frustrating"). A word `#name` matches any word of the playbook's `[classes]` table `name`, and
//! `#number` also matches any word with a digit.
//!
//! A *rule* matches a sentence when one of its `any` phrases occurs, one of its `and_any` phrases (if
//! given) occurs too, none of its `not_any` phrases occurs, and its `speaker` role (if given) is the
//! sentence's speaker's.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::Role;

/// A rule as written in the playbook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub any: Vec<String>,
    #[serde(default)]
    pub and_any: Vec<String>,
    #[serde(default)]
    pub not_any: Vec<String>,
    /// "rep" or "customer"; either speaker when absent.
    #[serde(default)]
    pub speaker: Option<Role>,
    /// How much a match counts when rules compete (default 1).
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, PartialEq)]
enum WordPattern {
    Exact(String),
    Prefix(String),
    Class(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Phrase(Vec<WordPattern>);

impl Phrase {
    pub fn parse(text: &str) -> Phrase {
        Phrase(
            text.split_whitespace()
                .map(|w| {
                    let w = w.to_lowercase();
                    if let Some(class) = w.strip_prefix('#') {
                        WordPattern::Class(class.to_string())
                    } else if let Some(stem) = w.strip_suffix('*') {
                        WordPattern::Prefix(stem.to_string())
                    } else {
                        WordPattern::Exact(w)
                    }
                })
                .collect(),
        )
    }

    /// Index of the first word where the phrase occurs in `words`.
    pub fn find(&self, words: &[String], classes: &Classes) -> Option<usize> {
        if self.0.is_empty() || self.0.len() > words.len() {
            return None;
        }
        (0..=words.len() - self.0.len())
            .find(|&start| self.0.iter().zip(&words[start..]).all(|(p, w)| classes.word_matches(p, w)))
    }
}

/// Named word lists (`[classes]` in the playbook).
#[derive(Debug, Clone, Default)]
pub(crate) struct Classes(BTreeMap<String, Vec<String>>);

impl Classes {
    pub fn new(map: &BTreeMap<String, Vec<String>>) -> Self {
        Classes(map.iter().map(|(k, v)| (k.to_lowercase(), v.iter().map(|w| w.to_lowercase()).collect())).collect())
    }

    fn word_matches(&self, pattern: &WordPattern, word: &str) -> bool {
        match pattern {
            WordPattern::Exact(w) => w == word,
            WordPattern::Prefix(stem) => word.starts_with(stem.as_str()),
            WordPattern::Class(name) => {
                (name == "number" && word.chars().any(|c| c.is_ascii_digit()))
                    || self.0.get(name).is_some_and(|list| list.iter().any(|w| w == word))
            }
        }
    }
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    any: Vec<Phrase>,
    and_any: Vec<Phrase>,
    not_any: Vec<Phrase>,
    speaker: Option<Role>,
    pub weight: f64,
}

impl Rule {
    pub fn compile(spec: &RuleSpec) -> Rule {
        let phrases = |list: &Vec<String>| list.iter().map(|p| Phrase::parse(p)).collect();
        Rule {
            any: phrases(&spec.any),
            and_any: phrases(&spec.and_any),
            not_any: phrases(&spec.not_any),
            speaker: spec.speaker,
            weight: spec.weight,
        }
    }

    pub fn matches(&self, words: &[String], role: Role, classes: &Classes) -> bool {
        let found = |list: &[Phrase]| list.iter().any(|p| p.find(words, classes).is_some());
        self.speaker.is_none_or(|s| s == role)
            && found(&self.any)
            && (self.and_any.is_empty() || found(&self.and_any))
            && !found(&self.not_any)
    }
}

/// Rules for one category, compiled.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleSet(Vec<Rule>);

impl RuleSet {
    pub fn compile(specs: &[RuleSpec]) -> RuleSet {
        RuleSet(specs.iter().map(Rule::compile).collect())
    }

    /// Sum of the weights of the rules that match (0 when none does).
    pub fn score(&self, words: &[String], role: Role, classes: &Classes) -> f64 {
        self.0.iter().filter(|r| r.matches(words, role, classes)).map(|r| r.weight).sum()
    }

    pub fn matches(&self, words: &[String], role: Role, classes: &Classes) -> bool {
        self.0.iter().any(|r| r.matches(words, role, classes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(crate::text::normalize).collect()
    }

    fn classes() -> Classes {
        Classes::new(&BTreeMap::from([("number".to_string(), vec!["ten".to_string(), "fifty".to_string()])]))
    }

    #[test]
    fn phrases_match_contiguously_with_stems_and_classes() {
        let c = classes();
        assert_eq!(Phrase::parse("what would it mean").find(&words("So what would it mean for you?"), &c), Some(1));
        assert!(Phrase::parse("frustrat*").find(&words("That is frustrating."), &c).is_some());
        assert!(Phrase::parse("#number percent").find(&words("about ten percent"), &c).is_some());
        assert!(Phrase::parse("#number percent").find(&words("about 10 percent"), &c).is_some());
        assert!(Phrase::parse("would it mean").find(&words("would mean it"), &c).is_none());
    }

    #[test]
    fn rules_need_all_parts_and_the_right_speaker() {
        let c = classes();
        let rule = Rule::compile(&RuleSpec {
            any: vec!["budget".into()],
            and_any: vec!["sign*".into(), "approv*".into()],
            not_any: vec!["no budget".into()],
            speaker: Some(Role::Customer),
            weight: 1.0,
        });
        assert!(rule.matches(&words("Our CFO approves any budget above fifty"), Role::Customer, &c));
        assert!(!rule.matches(&words("We have a budget for this"), Role::Customer, &c), "needs and_any");
        assert!(!rule.matches(&words("Our CFO approves the budget"), Role::Rep, &c), "wrong speaker");
        assert!(!rule.matches(&words("There is no budget to approve"), Role::Customer, &c), "excluded");
    }
}
