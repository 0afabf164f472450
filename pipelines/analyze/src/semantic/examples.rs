//! Labelled example sentences the heads are trained on: `playbook/examples/*.toml` (compiled in) and any
//! files given to `callcoach playbook train --examples`.
//!
//! ```toml
//! task = "spin"                 # spin | meddicc | objections | next_steps
//! labels = ["situation", "problem", "implication", "need_payoff", "none"]
//! [[example]]
//! text = "How many people are on the support team today?"
//! label = "situation"
//! speaker = "rep"               # rep | customer
//! ```

use serde::Deserialize;

use crate::Role;

use super::Task;

const BUILTIN: [(&str, &str); 16] = [
    ("spin.toml", include_str!("../playbook/examples/spin.toml")),
    ("spin_more.toml", include_str!("../playbook/examples/spin_more.toml")),
    ("spin_process.toml", include_str!("../playbook/examples/spin_process.toml")),
    // Buying-process questions are situation questions (scripts/analyze-bench/README.md); a supplement.
    ("spin_buying.toml", include_str!("examples/spin_buying.toml")),
    ("meddicc.toml", include_str!("../playbook/examples/meddicc.toml")),
    ("meddicc_more.toml", include_str!("../playbook/examples/meddicc_more.toml")),
    ("meddicc_people.toml", include_str!("../playbook/examples/meddicc_people.toml")),
    ("objections.toml", include_str!("../playbook/examples/objections.toml")),
    ("objections_more.toml", include_str!("../playbook/examples/objections_more.toml")),
    ("objections_figures.toml", include_str!("../playbook/examples/objections_figures.toml")),
    ("next_steps.toml", include_str!("../playbook/examples/next_steps.toml")),
    ("next_steps_more.toml", include_str!("../playbook/examples/next_steps_more.toml")),
    // The dev scripts' labelled turns (generated; the test scripts stay held out).
    ("calls_dev_spin.toml", include_str!("../playbook/examples/calls_dev_spin.toml")),
    ("calls_dev_meddicc.toml", include_str!("../playbook/examples/calls_dev_meddicc.toml")),
    ("calls_dev_objections.toml", include_str!("../playbook/examples/calls_dev_objections.toml")),
    ("calls_dev_next_steps.toml", include_str!("../playbook/examples/calls_dev_next_steps.toml")),
];

/// One file of examples for one task.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleFile {
    pub task: Task,
    pub labels: Vec<String>,
    #[serde(rename = "example", default)]
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub text: String,
    pub label: String,
    pub speaker: Role,
}

#[derive(Debug, thiserror::Error)]
#[error("examples {source_name}: {detail}")]
pub struct ExamplesError {
    pub source_name: String,
    pub detail: String,
}

impl ExampleFile {
    /// Parses and checks a file (`name` is only used in errors).
    pub fn from_toml(name: &str, text: &str) -> Result<ExampleFile, ExamplesError> {
        let err = |detail: String| ExamplesError { source_name: name.to_string(), detail };
        let file: ExampleFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let known = file.task.labels();
        if let Some(l) = file.labels.iter().find(|l| !known.contains(&l.as_str())) {
            return Err(err(format!("label `{l}` is not one of {} for task {}", known.join(", "), file.task.name())));
        }
        for example in &file.examples {
            if !file.labels.contains(&example.label) {
                return Err(err(format!("example {:?} has label `{}`, not in `labels`", example.text, example.label)));
            }
            if example.text.split_whitespace().next().is_none() {
                return Err(err("an example has no text".into()));
            }
        }
        Ok(file)
    }

    /// The examples that ship with callcoach (`pipelines/analyze/src/playbook/examples/`).
    pub fn builtin() -> Vec<ExampleFile> {
        BUILTIN
            .iter()
            .map(|(name, text)| ExampleFile::from_toml(name, text).expect("the built-in examples parse"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_examples_parse_and_cover_every_task_and_label() {
        let files = ExampleFile::builtin();
        for task in Task::ALL {
            let examples: Vec<&Example> = files.iter().filter(|f| f.task == task).flat_map(|f| &f.examples).collect();
            for label in task.labels() {
                assert!(examples.iter().filter(|e| e.label == *label).count() >= 10, "{} {label}", task.name());
            }
        }
    }

    #[test]
    fn rejects_unknown_labels() {
        let text = "task = \"spin\"\nlabels = [\"situation\", \"bogus\"]\n";
        assert!(ExampleFile::from_toml("x", text).is_err());
        let text = "task = \"spin\"\nlabels = [\"none\"]\n[[example]]\ntext = \"hi\"\nlabel = \"problem\"\nspeaker = \"rep\"\n";
        assert!(ExampleFile::from_toml("x", text).unwrap_err().to_string().contains("problem"));
    }
}
