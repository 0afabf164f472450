//! Word boundaries against generated truth: fixtures/timing_words.wav is espeak-ng speech synthesised word by
//! word (scripts/fixtures/timing.py), so every word's first and last audible sample is known. The recognised
//! words are aligned to the truth by text; on the matched ones the median start and end errors must be
//! within 0.15 s.

mod common;

use callcoach_transcribe::{DecodeOptions, Transcriber};
use common::{align, models_dir, quantile, read_truth, read_wav_16k};

#[test]
fn word_boundaries_are_within_150_ms_of_the_truth() {
    let transcriber =
        Transcriber::load(&models_dir().join("ggml-tiny.en.bin")).expect("tiny.en installed (callcoach models install tiny.en)");
    let (audio, truth) = (read_wav_16k("timing_words.wav"), read_truth("timing_words.json"));
    let started = std::time::Instant::now();
    let transcript = transcriber.transcribe(&audio, &DecodeOptions { threads: 2, ..DecodeOptions::default() }).unwrap();
    let seconds = started.elapsed().as_secs_f64();

    let matches = align(&truth, &transcript);
    let starts: Vec<f64> = matches.iter().map(|m| m.start_error()).collect();
    let ends: Vec<f64> = matches.iter().map(|m| m.end_error()).collect();
    let signed = |f: fn(&common::Match) -> f64| matches.iter().map(f).sum::<f64>() / matches.len().max(1) as f64;
    let match_rate = matches.len() as f64 / truth.len() as f64;
    eprintln!(
        "timing_words: {} truth words, {} recognised, {} matched ({:.1} %), decoded in {seconds:.2} s",
        truth.len(),
        transcript.word_count(),
        matches.len(),
        100.0 * match_rate
    );
    eprintln!(
        "start error: median {:.3} s, p90 {:.3} s, mean signed {:+.3} s; end error: median {:.3} s, p90 {:.3} s, mean signed {:+.3} s",
        quantile(&starts, 0.5),
        quantile(&starts, 0.9),
        signed(|m| m.start_s - m.truth_start_s),
        quantile(&ends, 0.5),
        quantile(&ends, 0.9),
        signed(|m| m.end_s - m.truth_end_s),
    );
    if std::env::var_os("TIMING_DUMP").is_some() {
        for m in &matches {
            eprintln!(
                "{:>14} truth {:7.3}-{:7.3}  got {:7.3}-{:7.3}  ({:+.3} / {:+.3})",
                m.text,
                m.truth_start_s,
                m.truth_end_s,
                m.start_s,
                m.end_s,
                m.start_s - m.truth_start_s,
                m.end_s - m.truth_end_s
            );
        }
    }
    assert!(match_rate >= 0.8, "only {:.1} % of the words were recognised: {}", 100.0 * match_rate, transcript.text());
    assert!(quantile(&starts, 0.5) <= 0.15, "median start error {:.3} s", quantile(&starts, 0.5));
    assert!(quantile(&ends, 0.5) <= 0.15, "median end error {:.3} s", quantile(&ends, 0.5));
}
