//! Language detection with the multilingual model: `--model base` records the spoken language in
//! `clip.language` (CALLCOACH_LANGUAGE defaults to `auto`); the English-only default model always says "en".
//! Needs `callcoach models install base` (scripts/test.sh runs it).

mod common;

use common::{fixture, models_dir, process_ok};

fn language_of(clip: &str, args: &[&str]) -> String {
    let out = tempfile::tempdir().unwrap();
    let (_, scorecard) = process_ok(&fixture(clip), out.path(), args);
    scorecard["clip"]["language"].as_str().expect("clip.language is a string").to_string()
}

fn base_installed() {
    assert!(
        models_dir().join("ggml-base.bin").is_file(),
        "the base model is missing from {}: run `callcoach models install base`",
        models_dir().display()
    );
}

#[test]
fn base_model_detects_german() {
    base_installed();
    assert_eq!(language_of("speech_de.wav", &["--kind", "pitch", "--model", "base"]), "de");
}

#[test]
fn base_model_detects_spanish() {
    base_installed();
    assert_eq!(language_of("speech_es.wav", &["--kind", "pitch", "--model", "base"]), "es");
}

#[test]
fn english_only_model_says_english_even_for_german() {
    assert_eq!(language_of("speech_de.wav", &["--kind", "pitch"]), "en");
}
