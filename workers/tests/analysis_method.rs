//! Which analysis method `callcoach process` runs: the trained heads by default when the embedding
//! model is installed, the lexicons when it is not (and the scorecard says which), a clear error when
//! a method that needs the model is forced without it; the same input gives the same scorecard.

mod common;

use std::path::Path;
use std::process::Command;

/// A models folder with the whisper model but not the embedding model.
fn whisper_only_models(dir: &Path) -> std::path::PathBuf {
    let models = dir.join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::os::unix::fs::symlink(common::models_dir().join("ggml-tiny.en.bin"), models.join("ggml-tiny.en.bin")).unwrap();
    models
}

fn process_with_models(input: &Path, out: &Path, models: &Path, args: &[&str]) -> std::process::Output {
    let _guard = common::WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .arg("process")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(args)
        .env("CALLCOACH_MODELS", models)
        .output()
        .unwrap()
}

fn scorecard_of(output: &std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let path = String::from_utf8(output.stdout.clone()).unwrap();
    serde_json::from_slice(&std::fs::read(path.trim()).unwrap()).unwrap()
}

#[test]
fn trained_heads_by_default_lexicon_without_the_model_and_a_clear_error_when_forced() {
    let dir = tempfile::tempdir().unwrap();
    let call = common::fixture("call_stereo.wav");

    let (_, with_model) = common::process_ok(&call, &dir.path().join("a"), &[]);
    assert_eq!(with_model["analysis"]["method"], "combined", "{}", with_model["analysis"]);
    let evidence = &with_model["frameworks"]["spin"];
    let confidences: Vec<f64> = ["situation", "problem", "implication", "need_payoff"]
        .iter()
        .flat_map(|c| evidence[c]["evidence"].as_array().unwrap().iter())
        .map(|e| e["confidence"].as_f64().expect("each SPIN hit has a confidence"))
        .collect();
    assert!(!confidences.is_empty() && confidences.iter().all(|c| (0.0..=1.0).contains(c)), "{confidences:?}");

    // Deterministic: the same clip again gives the same scorecard, byte for byte.
    let (_, again) = common::process_ok(&call, &dir.path().join("b"), &[]);
    assert_eq!(serde_json::to_string(&with_model).unwrap(), serde_json::to_string(&again).unwrap());

    // Without the embedding model: the lexicons, no error.
    let models = whisper_only_models(dir.path());
    let without = scorecard_of(&process_with_models(&call, &dir.path().join("c"), &models, &[]));
    assert_eq!(without["analysis"]["method"], "lexicon");
    assert_eq!(without["clip"]["id"], with_model["clip"]["id"]);

    // Forcing a method that needs the model: one line naming the install command, nothing written.
    let forced = process_with_models(&call, &dir.path().join("d"), &models, &["--analysis", "embedding"]);
    assert!(!forced.status.success());
    let stderr = String::from_utf8_lossy(&forced.stderr);
    assert!(stderr.contains("callcoach models install all-minilm-l6-v2"), "{stderr}");
    assert!(!dir.path().join("d").exists(), "nothing written");
}
