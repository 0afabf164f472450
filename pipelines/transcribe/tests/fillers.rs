//! Keeping disfluencies: the rep's channel of fixtures/call_stereo.wav (espeak-ng speech of the rep lines of
//! fixtures/call_script.txt, with "um" twice, "you know" and "basically") decoded with the default setup and
//! with `DecodeOptions::keeping_fillers` (an initial prompt written with fillers).

use std::path::PathBuf;

use callcoach_transcribe::{DecodeOptions, SAMPLE_RATE, Transcriber, wer};

/// The checkout, from CARGO_MANIFEST_DIR read at run time (the shared target dir may hold a test binary
/// built in another checkout).
fn repo() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")).join("../..")
}

/// Generated fixtures: `CALLCOACH_FIXTURES`, else the checkout's fixtures/ (scripts/fixtures.sh makes them).
fn fixtures_dir() -> PathBuf {
    std::env::var_os("CALLCOACH_FIXTURES").map(PathBuf::from).unwrap_or_else(|| repo().join("fixtures"))
}

/// Left channel (the rep) at 16 kHz, resampled linearly from the fixture's 22.05 kHz.
fn rep_channel() -> Vec<f32> {
    let mut reader = hound::WavReader::open(fixtures_dir().join("call_stereo.wav")).expect("fixtures/call_stereo.wav");
    let spec = reader.spec();
    assert_eq!(spec.channels, 2);
    let samples: Vec<f32> = reader.samples::<i16>().map(|s| s.expect("sample") as f32 / 32768.0).collect();
    let left: Vec<f32> = samples.chunks_exact(2).map(|frame| frame[0]).collect();
    let ratio = spec.sample_rate as f64 / SAMPLE_RATE as f64;
    (0..(left.len() as f64 / ratio) as usize)
        .map(|i| {
            let t = i as f64 * ratio;
            let (k, frac) = (t as usize, (t - t.floor()) as f32);
            let b = left.get(k + 1).copied().unwrap_or(left[k]);
            left[k] + (b - left[k]) * frac
        })
        .collect()
}

fn rep_script() -> String {
    let script = std::fs::read_to_string(fixtures_dir().join("call_script.txt")).expect("fixtures/call_script.txt");
    script.lines().filter_map(|line| line.strip_prefix("rep: ")).collect::<Vec<_>>().join(" ")
}

#[test]
fn filler_prompt_keeps_fillers_without_costing_accuracy() {
    let models = std::env::var_os("CALLCOACH_MODELS").map(PathBuf::from).unwrap_or_else(|| repo().join("models/weights"));
    let transcriber = Transcriber::load(&models.join("ggml-tiny.en.bin")).expect("tiny.en installed (callcoach models install tiny.en)");
    let (audio, reference) = (rep_channel(), rep_script());
    assert_eq!(wer::filler_counts(&reference, &reference), (4, 4), "the script has 4 fillers");

    let default = DecodeOptions { threads: 2, ..DecodeOptions::default() };
    let plain = transcriber.transcribe(&audio, &default).unwrap().text();
    let kept = transcriber.transcribe(&audio, &default.clone().keeping_fillers()).unwrap().text();
    let (plain_wer, kept_wer) = (wer::word_error_rate(&reference, &plain), wer::word_error_rate(&reference, &kept));
    let (plain_recall, kept_recall) = (wer::filler_recall(&reference, &plain), wer::filler_recall(&reference, &kept));
    eprintln!("default: WER {plain_wer:.3}, filler recall {plain_recall:.2}: {plain}");
    eprintln!("fillers: WER {kept_wer:.3}, filler recall {kept_recall:.2}: {kept}");
    assert!(kept_recall >= 0.75, "filler recall {kept_recall:.2}: {kept}");
    assert!(kept_recall >= plain_recall);
    assert!(kept_wer <= plain_wer + 0.02, "WER {kept_wer:.3} vs {plain_wer:.3} by default");
    assert!(!kept.contains("let me think"), "the prompt itself is not transcribed: {kept}");
}
