//! Shared by the timing tests: fixtures and models found at run time, generated truth, word alignment.

#![allow(dead_code)]

use std::path::PathBuf;

use callcoach_transcribe::{SAMPLE_RATE, Transcript, wer};

/// The checkout, from CARGO_MANIFEST_DIR read at run time (the shared target dir may hold a test binary
/// built in another checkout).
pub fn repo() -> PathBuf {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"));
    manifest.join("../..")
}

/// A generated fixture (`CALLCOACH_FIXTURES`, else the checkout's fixtures/); scripts/fixtures.sh makes them.
pub fn fixture(name: &str) -> PathBuf {
    let dir = std::env::var_os("CALLCOACH_FIXTURES").map(PathBuf::from).unwrap_or_else(|| repo().join("fixtures"));
    let path = dir.join(name);
    assert!(path.exists(), "fixture {} is missing: run scripts/fixtures.sh", path.display());
    path
}

pub fn models_dir() -> PathBuf {
    std::env::var_os("CALLCOACH_MODELS").map(PathBuf::from).unwrap_or_else(|| repo().join("models/weights"))
}

/// A 16 kHz mono 16-bit WAV as samples in [-1, 1).
pub fn read_wav_16k(name: &str) -> Vec<f32> {
    let mut reader = hound::WavReader::open(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!((reader.spec().sample_rate, reader.spec().channels), (SAMPLE_RATE, 1), "{name}");
    reader.samples::<i16>().map(|s| s.expect("sample") as f32 / 32768.0).collect()
}

/// A word of a generated truth file (scripts/fixtures/timing.py): first and one-past-last audible sample.
#[derive(Debug, Clone)]
pub struct TruthWord {
    pub text: String,
    pub start_s: f64,
    pub end_s: f64,
}

pub fn read_truth(name: &str) -> Vec<TruthWord> {
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(fixture(name)).expect("truth file")).expect("JSON");
    json["words"]
        .as_array()
        .expect("words")
        .iter()
        .map(|w| TruthWord {
            text: w["text"].as_str().expect("text").to_string(),
            start_s: w["start_s"].as_f64().expect("start_s"),
            end_s: w["end_s"].as_f64().expect("end_s"),
        })
        .collect()
}

/// A truth word and the recognised word aligned to it with the same normalised text.
#[derive(Debug, Clone)]
pub struct Match {
    pub truth: usize,
    pub text: String,
    pub truth_start_s: f64,
    pub truth_end_s: f64,
    pub start_s: f64,
    pub end_s: f64,
}

impl Match {
    pub fn start_error(&self) -> f64 {
        (self.start_s - self.truth_start_s).abs()
    }
    pub fn end_error(&self) -> f64 {
        (self.end_s - self.truth_end_s).abs()
    }
}

/// Align the recognised words to the truth by normalised text (word-level edit distance; a recognised word
/// that normalises to several, "follow-up", gives each its times) and return the pairs whose text is equal.
pub fn align(truth: &[TruthWord], transcript: &Transcript) -> Vec<Match> {
    let truth_text: Vec<String> = truth.iter().map(|w| wer::normalise(&w.text).join(" ")).collect();
    let recognised: Vec<(String, f64, f64)> = transcript
        .words()
        .flat_map(|w| wer::normalise(&w.text).into_iter().map(move |t| (t, w.start_s, w.end_s)))
        .collect();
    let (n, m) = (truth_text.len(), recognised.len());
    // cost[i][j]: edits to turn truth[..i] into recognised[..j]; one flat table.
    let width = m + 1;
    let mut cost = vec![0u32; (n + 1) * width];
    for j in 0..=m {
        cost[j] = j as u32;
    }
    for i in 1..=n {
        cost[i * width] = i as u32;
        for j in 1..=m {
            let same = truth_text[i - 1] == recognised[j - 1].0;
            let diagonal = cost[(i - 1) * width + j - 1] + u32::from(!same);
            cost[i * width + j] = diagonal.min(cost[(i - 1) * width + j] + 1).min(cost[i * width + j - 1] + 1);
        }
    }
    let mut matches = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        let same = truth_text[i - 1] == recognised[j - 1].0;
        if cost[i * width + j] == cost[(i - 1) * width + j - 1] + u32::from(!same) {
            if same {
                let (text, start_s, end_s) = recognised[j - 1].clone();
                let t = &truth[i - 1];
                matches.push(Match { truth: i - 1, text, truth_start_s: t.start_s, truth_end_s: t.end_s, start_s, end_s });
            }
            (i, j) = (i - 1, j - 1);
        } else if cost[i * width + j] == cost[(i - 1) * width + j] + 1 {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    matches.reverse();
    matches
}

/// The q-quantile (0..=1) of `values`, nearest rank.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    assert!(!values.is_empty(), "no values");
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}
