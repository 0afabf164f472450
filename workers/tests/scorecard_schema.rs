//! Real output validates against docs/scorecard.schema.json, and the schema is strict enough to reject
//! a broken scorecard.

mod common;

use common::{fixture, process_ok, repo_root};

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo_root().join("docs/scorecard.schema.json")).expect("schema file");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

#[test]
fn real_scorecards_validate_and_broken_ones_do_not() {
    let validator = schema();
    let out = tempfile::tempdir().unwrap();
    for (name, kind) in [("call_mono.wav", "call"), ("speech.m4a", "pitch")] {
        let (_, scorecard) = process_ok(&fixture(name), out.path(), &["--kind", kind]);
        let errors: Vec<String> = validator.iter_errors(&scorecard).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");

        let mut broken = scorecard.clone();
        broken["metrics"]["talk_ratio"] = serde_json::json!(1.5);
        assert!(!validator.is_valid(&broken), "a ratio above 1 is rejected");
        let mut broken = scorecard.clone();
        broken.as_object_mut().unwrap().remove("rubric");
        assert!(!validator.is_valid(&broken), "a missing contract field is rejected");
    }
}
