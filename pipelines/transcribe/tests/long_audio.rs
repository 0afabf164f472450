//! A 30-minute recording (fixtures/long_30min.wav: sentences spoken word by word with known times and
//! 5-20 s silences, scripts/fixtures/timing.py) transcribes with bounded memory and without drift.

mod common;

use callcoach_transcribe::{DecodeOptions, Transcriber};
use common::{align, models_dir, quantile, read_truth, read_wav_16k};

/// Peak resident memory of this process so far (VmHWM), in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM");
    line.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()).expect("kB") / 1024.0
}

/// Measured: 474 MB (model ~80 MB, whisper state and buffers, the 30 min as f32 samples, 115 MB, and the
/// speech-only copy made for decoding).
const PEAK_RSS_LIMIT_MB: f64 = 600.0;

#[test]
fn thirty_minutes_transcribe_with_bounded_memory_and_no_drift() {
    let transcriber =
        Transcriber::load(&models_dir().join("ggml-tiny.en.bin")).expect("tiny.en installed (callcoach models install tiny.en)");
    let (audio, truth) = (read_wav_16k("long_30min.wav"), read_truth("long_30min.json"));
    assert!((audio.len() as f64 / 16_000.0 - 1800.0).abs() < 1.0, "30 minutes of audio");
    let started = std::time::Instant::now();
    let transcript = transcriber.transcribe(&audio, &DecodeOptions { threads: 2, ..DecodeOptions::default() }).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let peak = peak_rss_mb();

    let matches = align(&truth, &transcript);
    let recovered = matches.len() as f64 / truth.len() as f64;
    let last: Vec<f64> = matches[matches.len().saturating_sub(20)..].iter().map(|m| m.start_s - m.truth_start_s).collect();
    let last_abs: Vec<f64> = last.iter().map(|e| e.abs()).collect();
    let starts: Vec<f64> = matches.iter().map(|m| m.start_error()).collect();
    eprintln!(
        "long_30min: decoded in {seconds:.1} s ({:.1}x real time), peak RSS {peak:.0} MB; {} truth words, {} recognised, \
         {} matched ({:.1} %)",
        1800.0 / seconds,
        truth.len(),
        transcript.word_count(),
        matches.len(),
        100.0 * recovered
    );
    eprintln!(
        "start error: all matched median {:.3} s p90 {:.3} s; last 20 matched median {:.3} s (signed {:?})",
        quantile(&starts, 0.5),
        quantile(&starts, 0.9),
        quantile(&last_abs, 0.5),
        last.iter().map(|e| (e * 1000.0).round() / 1000.0).collect::<Vec<_>>()
    );
    assert!(recovered >= 0.9, "only {:.1} % of the words recovered", 100.0 * recovered);
    assert!(quantile(&last_abs, 0.5) <= 0.5, "the last words drifted: median {:.3} s", quantile(&last_abs, 0.5));
    assert!(peak < PEAK_RSS_LIMIT_MB, "peak RSS {peak:.0} MB");
}
