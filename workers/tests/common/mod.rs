//! Shared by the end-to-end tests: where fixtures are, running the real binary, word error rate.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;

/// whisper.cpp's threads busy-wait: two transcriptions at once on two cores run many times slower.
/// Every test that transcribes holds this lock.
pub static WHISPER: Mutex<()> = Mutex::new(());

pub fn repo_root() -> PathBuf {
    // Read at run time: the shared target dir may hold a test binary compiled in another checkout.
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"));
    manifest_dir.parent().expect("workers/ is inside the repo").to_path_buf()
}

/// The generated fixtures; they must exist (scripts/test.sh makes them).
pub fn fixture(name: &str) -> PathBuf {
    let dir = std::env::var_os("CALLCOACH_FIXTURES").map(PathBuf::from).unwrap_or_else(|| repo_root().join("fixtures"));
    let path = dir.join(name);
    assert!(path.exists(), "fixture {} is missing: run scripts/fixtures.sh", path.display());
    path
}

/// The converted models: `CALLCOACH_MODELS`, else the checkout's `models/weights`.
pub fn models_dir() -> PathBuf {
    std::env::var_os("CALLCOACH_MODELS").map(PathBuf::from).unwrap_or_else(|| repo_root().join("models/weights"))
}

/// Run `callcoach process INPUT --out OUT ARGS...`, holding the whisper lock.
pub fn process(input: &Path, out: &Path, args: &[&str]) -> Output {
    let _guard = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    std::process::Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .arg("process")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(args)
        .env("CALLCOACH_MODELS", models_dir())
        .output()
        .expect("the callcoach binary runs")
}

/// Process `input` and return (clip folder, scorecard JSON), failing the test with stderr if it fails.
pub fn process_ok(input: &Path, out: &Path, args: &[&str]) -> (PathBuf, serde_json::Value) {
    let output = process(input, out, args);
    assert!(
        output.status.success(),
        "process {} failed: {}",
        input.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let scorecard_path = PathBuf::from(printed.trim());
    assert!(scorecard_path.ends_with("scorecard.json"), "prints the scorecard path, got {printed:?}");
    let scorecard = serde_json::from_slice(&std::fs::read(&scorecard_path).expect("scorecard.json exists"))
        .expect("scorecard.json is JSON");
    (scorecard_path.parent().expect("clip folder").to_path_buf(), scorecard)
}

/// The words of a transcript.json, in time order.
pub fn transcript_text(clip_dir: &Path) -> String {
    let transcript: serde_json::Value =
        serde_json::from_slice(&std::fs::read(clip_dir.join("transcript.json")).expect("transcript.json")).expect("json");
    let mut words: Vec<(f64, String)> = transcript["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .flat_map(|s| s["words"].as_array().expect("words").iter())
        .map(|w| (w["start_s"].as_f64().expect("start"), w["text"].as_str().expect("text").to_string()))
        .collect();
    words.sort_by(|a, b| a.0.total_cmp(&b.0));
    words.into_iter().map(|(_, w)| w).collect::<Vec<_>>().join(" ")
}

#[allow(unused_imports)]
pub use callcoach_transcribe::wer::word_error_rate;
