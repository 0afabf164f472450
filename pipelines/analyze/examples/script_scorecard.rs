//! Analyse a labelled call script directly, without audio or recognition: the analysis stage's own
//! accuracy, separate from the recogniser's. Reads the benchmark's `truth.json` (turns with speaker,
//! times and text), spreads each turn's words evenly over its measured span, and prints the scorecard.
//!
//!     cargo run --release -p callcoach-analyze --example script_scorecard -- bench-out/analyze/<call>/truth.json
//!
//! Over every call, then scored by the harness (after `scripts/bench-analyze.sh` has synthesised them):
//!
//!     for d in bench-out/analyze/*/; do n=$(basename $d); mkdir -p /tmp/script/$n
//!       script_scorecard $d/truth.json > /tmp/script/$n/stereo.scorecard.json; done
//!     python3 scripts/analyze-bench/score.py --bench bench-out/analyze --results /tmp/script --split dev

use callcoach_analyze::{AnalysisInput, ClipFacts, ClipKind, Playbook, Role, SpeakerLabel, SpokenWord, analyze};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: script_scorecard TRUTH.json [PLAYBOOK.toml]")?;
    let playbook = match std::env::args().nth(2) {
        Some(p) => Playbook::from_toml(&std::fs::read_to_string(p)?)?,
        None => Playbook::default(),
    };
    let truth: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let mut words = Vec::new();
    for turn in truth["turns"].as_array().ok_or("truth.json has no turns")? {
        let (start, end) = (turn["start_s"].as_f64().unwrap_or(0.0), turn["end_s"].as_f64().unwrap_or(0.0));
        let speaker = turn["speaker"].as_str().unwrap_or("rep").to_string();
        let tokens: Vec<&str> = turn["text"].as_str().unwrap_or("").split_whitespace().collect();
        let step = (end - start) / tokens.len().max(1) as f64;
        for (i, token) in tokens.iter().enumerate() {
            let t = start + i as f64 * step;
            words.push(SpokenWord { start_s: t, end_s: t + step * 0.9, text: token.to_string(), speaker: speaker.clone(), probability: 1.0 });
        }
    }
    let input = AnalysisInput {
        clip: ClipFacts {
            id: truth["name"].as_str().unwrap_or("script").to_string(),
            kind: ClipKind::Call,
            duration_s: truth["duration_s"].as_f64().unwrap_or(0.0),
            language: "en".into(),
        },
        speakers: vec![
            SpeakerLabel { id: "rep".into(), role: Role::Rep },
            SpeakerLabel { id: "customer".into(), role: Role::Customer },
        ],
        words,
    };
    println!("{}", serde_json::to_string_pretty(&analyze(&input, &playbook))?);
    Ok(())
}
