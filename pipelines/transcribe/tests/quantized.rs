//! The stage on the real converted model and its quantized variants, on real speech (fixtures/jfk.wav).

use std::path::{Path, PathBuf};

use callcoach_models::{Manifest, install_in, verify};
use callcoach_transcribe::{DecodeOptions, Transcriber, wer};

/// The checkout, from CARGO_MANIFEST_DIR read at run time (the shared target dir may hold a test binary
/// built in another checkout).
fn repo() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")).join("../..")
}

/// Generated fixtures: `CALLCOACH_FIXTURES`, else the checkout's fixtures/ (scripts/fixtures.sh makes them).
fn fixtures_dir() -> PathBuf {
    std::env::var_os("CALLCOACH_FIXTURES").map(PathBuf::from).unwrap_or_else(|| repo().join("fixtures"))
}

fn models_dir() -> PathBuf {
    std::env::var_os("CALLCOACH_MODELS").map(PathBuf::from).unwrap_or_else(|| repo().join("models/weights"))
}

fn jfk() -> (Vec<f32>, String) {
    let mut reader = hound::WavReader::open(fixtures_dir().join("jfk.wav")).expect("fixtures/jfk.wav");
    assert_eq!((reader.spec().sample_rate, reader.spec().channels), (16_000, 1));
    let samples = reader.samples::<i16>().map(|s| s.expect("sample") as f32 / 32768.0).collect();
    let reference = std::fs::read_to_string(fixtures_dir().join("jfk.txt")).expect("fixtures/jfk.txt");
    (samples, reference)
}

/// The installed model `name`, or (for a derived one not installed yet) one made in `scratch` from the
/// installed base model, through the same `install` the `callcoach models install` command runs.
fn model(name: &str, scratch: &Path) -> PathBuf {
    let manifest = Manifest::builtin();
    let entry = manifest.get(name).expect("listed in models/manifest.toml");
    let dir = models_dir();
    if verify(entry, &dir).is_ok() {
        return dir.join(&entry.file);
    }
    let base = manifest.get(&entry.derive.as_ref().expect("a derived model").from).expect("base entry");
    verify(base, &dir).unwrap_or_else(|e| panic!("{e} (run `callcoach models install {}`)", base.name));
    std::fs::copy(dir.join(&base.file), scratch.join(&base.file)).expect("copy the base model");
    install_in(&manifest, entry, scratch, &mut |_: &str| {}).expect("quantize")
}

/// ggml's threads busy-wait: two decodes at once on a small machine slow each other down many times
/// over, so the tests here take turns.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn options() -> DecodeOptions {
    DecodeOptions { threads: 2, ..DecodeOptions::default() }
}

#[test]
fn q8_0_model_loads_in_whisper_rs_and_transcribes_jfk_within_ten_percent() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let scratch = tempfile::tempdir().unwrap();
    let path = model("tiny.en-q8_0", scratch.path());
    let transcriber = Transcriber::load(&path).expect("whisper-rs loads the q8_0 file");
    assert!(!transcriber.is_multilingual());
    let (samples, reference) = jfk();
    let transcript = transcriber.transcribe(&samples, &options()).unwrap();
    let text = transcript.text();
    let error = wer::word_error_rate(&reference, &text);
    assert!(error <= 0.10, "WER {error:.3}: {text}");
    // Words keep times inside the clip, in order, with probabilities.
    let words: Vec<_> = transcript.words().collect();
    assert!(words.windows(2).all(|w| w[0].start_s <= w[1].start_s));
    assert!(words.iter().all(|w| w.end_s <= 11.0 && (0.0..=1.0).contains(&w.probability)));
    let country = words.iter().rev().find(|w| w.text.to_lowercase().starts_with("country")).expect("last word");
    assert!((8.5..=11.0).contains(&country.start_s), "'country' at {:.2}", country.start_s);
}

#[test]
fn q5_1_model_loads_and_transcribes_jfk() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let scratch = tempfile::tempdir().unwrap();
    let transcriber = Transcriber::load(&model("tiny.en-q5_1", scratch.path())).unwrap();
    let (samples, reference) = jfk();
    let text = transcriber.transcribe(&samples, &options()).unwrap().text();
    let error = wer::word_error_rate(&reference, &text);
    assert!(error <= 0.10, "WER {error:.3}: {text}");
}
