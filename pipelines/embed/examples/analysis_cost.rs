//! Cost of the embedding pass on a 60-minute call: the labelled call scripts of
//! `scripts/analyze-bench/calls/` laid end to end (even synthetic times, 0.3 s a word) until an hour is
//! filled, analysed with the lexicon or with the trained heads.
//!
//!     /usr/bin/time -v target/release/examples/analysis_cost lexicon|combined [THREADS]
//!
//! Prints the call's size, model load time, analysis time and how many sentences were embedded; run it
//! under `/usr/bin/time -v` for the peak RSS.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use callcoach_analyze::{
    AnalysisInput, ClipFacts, ClipKind, Encoder, Heads, Method, Playbook, Role, Semantic, SpeakerLabel, SpokenWord,
    analyze, analyze_with,
};
use callcoach_embed::Embedder;

struct Counting(Embedder, AtomicUsize);

impl Encoder for Counting {
    fn encode(&self, sentences: &[String]) -> Result<Vec<Vec<f32>>, String> {
        self.1.fetch_add(sentences.len(), Ordering::Relaxed);
        self.0.embed(sentences).map_err(|e| e.to_string())
    }
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "combined".into());
    let threads: usize = std::env::args().nth(2).map_or(2, |t| t.parse().unwrap());
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| "pipelines/embed".into())).join("../..");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(root.join("scripts/analyze-bench/calls"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    scripts.sort();
    let mut words = Vec::new();
    let mut t = 0.5;
    'fill: loop {
        for script in &scripts {
            let call: toml::Value = toml::from_str(&std::fs::read_to_string(script).unwrap()).unwrap();
            for turn in call["turns"].as_array().unwrap() {
                let speaker = turn["speaker"].as_str().unwrap().to_string();
                for token in turn["text"].as_str().unwrap().split_whitespace() {
                    words.push(SpokenWord { start_s: t, end_s: t + 0.25, text: token.into(), speaker: speaker.clone(), probability: 1.0 });
                    t += 0.3;
                }
                t += 0.8;
                if t >= 3600.0 {
                    break 'fill;
                }
            }
        }
    }
    let input = AnalysisInput {
        clip: ClipFacts { id: "hour".into(), kind: ClipKind::Call, duration_s: t, language: "en".into() },
        speakers: vec![SpeakerLabel { id: "rep".into(), role: Role::Rep }, SpeakerLabel { id: "customer".into(), role: Role::Customer }],
        words,
    };
    let playbook = Playbook::default();
    eprintln!("call: {:.0} s, {} words", input.clip.duration_s, input.words.len());
    if mode == "lexicon" {
        let started = Instant::now();
        let card = analyze(&input, &playbook);
        eprintln!("lexicon analysis: {:.2} s (method {})", started.elapsed().as_secs_f64(), card.analysis.method);
        return;
    }
    let models = std::env::var_os("CALLCOACH_MODELS").map(PathBuf::from).unwrap_or_else(|| root.join("models/weights"));
    let started = Instant::now();
    let encoder = Arc::new(Counting(Embedder::load(&models.join("all-minilm-l6-v2"), threads).unwrap(), AtomicUsize::new(0)));
    eprintln!("model load: {:.2} s ({threads} threads)", started.elapsed().as_secs_f64());
    let method: Method = mode.parse().unwrap();
    let semantic = Semantic { encoder: encoder.clone(), heads: Heads::builtin().map(Arc::new), method };
    let started = Instant::now();
    let card = analyze_with(&input, &playbook, Some(&semantic));
    let elapsed = started.elapsed().as_secs_f64();
    let embedded = encoder.1.load(Ordering::Relaxed);
    eprintln!(
        "{mode} analysis: {elapsed:.2} s, {embedded} sentences embedded ({:.0}/s), method {}",
        embedded as f64 / elapsed,
        card.analysis.method
    );
}
