//! Measures the analysis heads on the labelled call scripts of `scripts/analyze-bench/calls/`, without
//! audio or whisper: each script's turns become words with even synthetic times (0.3 s a word, 0.8 s
//! between turns), and every call is analysed with the lexicon, the embedding-only heads and the combined
//! heads. Driven by `scripts/analyze-bench/heads_eval.py`, which scores the output with score.py's rules.
//!
//!     cargo run --release -p callcoach-embed --example heads_eval -- --calls scripts/analyze-bench/calls \
//!         --out /tmp/heads-eval [--folds 4] [--l2 0.01] [--thresholds objections=0.7,...] [--models models/weights]
//!
//! `--write-heads FILE` instead trains on the built-in examples and writes the heads file (as
//! `callcoach playbook train` does). `--lexicon-tasks next_steps` keeps the lexicon for those tasks
//! in `combined`. `--export-examples DIR` writes the dev scripts' labelled turns as example files
//! (`DIR/calls_dev_<task>.toml`, part of the built-in examples) and exits.
//!
//! Writes OUT/truth/<call>.json (the turns with their times and labels), OUT/split/<method>/<call>.json
//! (each split scored by heads trained on the built-in examples minus that split's own sentences: for
//! the test split, the heads as shipped) and OUT/kfold/<fold>/<method>/<call>.json (heads trained on the
//! examples plus the turns of every script outside the fold, minus the fold's sentences: k-fold by
//! script).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use callcoach_analyze::semantic::{Example, ExampleFile, FitOptions, Task, TrainOptions, train};
use callcoach_analyze::{
    AnalysisInput, ClipFacts, ClipKind, Encoder, Method, Playbook, Role, Semantic, SpeakerLabel, SpokenWord, analyze_with,
};
use callcoach_embed::Embedder;
use serde::Deserialize;

#[derive(Deserialize)]
struct Call {
    split: String,
    next_steps_agreed: bool,
    turns: Vec<Turn>,
}

#[derive(Deserialize, Clone)]
struct Turn {
    speaker: Role,
    text: String,
    spin: Option<String>,
    #[serde(default)]
    meddicc: Vec<String>,
    objection: Option<String>,
    handled: Option<bool>,
    #[serde(default)]
    next_step: bool,
}

/// Embeds each distinct sentence once for the whole run.
struct Cached {
    embedder: Embedder,
    cache: Mutex<HashMap<String, Vec<f32>>>,
}

impl Encoder for Cached {
    fn encode(&self, sentences: &[String]) -> Result<Vec<Vec<f32>>, String> {
        let mut cache = self.cache.lock().unwrap();
        let mut missing: Vec<String> = sentences.iter().filter(|s| !cache.contains_key(*s)).cloned().collect();
        missing.sort();
        missing.dedup();
        if !missing.is_empty() {
            let vectors = self.embedder.embed(&missing).map_err(|e| e.to_string())?;
            for (s, v) in missing.into_iter().zip(vectors) {
                cache.insert(s, v);
            }
        }
        Ok(sentences.iter().map(|s| cache[s].clone()).collect())
    }
}

const WORD_S: f64 = 0.3;
const GAP_S: f64 = 0.8;

/// The call as analysis input, and each turn's (start, end).
fn layout(name: &str, call: &Call) -> (AnalysisInput, Vec<(f64, f64)>) {
    let mut words = Vec::new();
    let mut spans = Vec::new();
    let mut t = 0.5;
    for turn in &call.turns {
        let start = t;
        let speaker = if turn.speaker == Role::Rep { "rep" } else { "customer" };
        for token in turn.text.split_whitespace() {
            words.push(SpokenWord { start_s: t, end_s: t + WORD_S * 0.85, text: token.into(), speaker: speaker.into(), probability: 1.0 });
            t += WORD_S;
        }
        spans.push((start, t - WORD_S * 0.15));
        t += GAP_S;
    }
    let input = AnalysisInput {
        clip: ClipFacts { id: name.into(), kind: ClipKind::Call, duration_s: t + 0.5, language: "en".into() },
        speakers: vec![SpeakerLabel { id: "rep".into(), role: Role::Rep }, SpeakerLabel { id: "customer".into(), role: Role::Customer }],
        words,
    };
    (input, spans)
}

fn truth_json(name: &str, call: &Call, spans: &[(f64, f64)], duration_s: f64) -> serde_json::Value {
    let (mut rep, mut customer) = (0.0, 0.0);
    let turns: Vec<serde_json::Value> = call
        .turns
        .iter()
        .zip(spans)
        .enumerate()
        .map(|(i, (turn, (start, end)))| {
            if turn.speaker == Role::Rep { rep += end - start } else { customer += end - start }
            let mut v = serde_json::json!({
                "index": i, "speaker": if turn.speaker == Role::Rep { "rep" } else { "customer" },
                "start_s": start, "end_s": end, "text": turn.text, "fillers": {},
            });
            if let Some(s) = &turn.spin { v["spin"] = s.clone().into(); }
            if !turn.meddicc.is_empty() { v["meddicc"] = turn.meddicc.clone().into(); }
            if let Some(o) = &turn.objection { v["objection"] = o.clone().into(); v["handled"] = turn.handled.unwrap_or(false).into(); }
            if turn.next_step { v["next_step"] = true.into(); }
            v
        })
        .collect();
    serde_json::json!({
        "name": name, "split": call.split, "next_steps_agreed": call.next_steps_agreed, "duration_s": duration_s,
        "talk_ratio": rep / (rep + customer).max(1e-9), "turns": turns,
    })
}

/// The question sentence of a rep turn: its last sentence ending with "?", else the whole turn.
fn question_of(text: &str) -> String {
    let mut sentences = Vec::new();
    let mut current = Vec::new();
    for token in text.split_whitespace() {
        current.push(token);
        if token.ends_with(['.', '?', '!']) {
            sentences.push(current.join(" "));
            current.clear();
        }
    }
    if !current.is_empty() {
        sentences.push(current.join(" "));
    }
    sentences.iter().rev().find(|s| s.ends_with('?')).cloned().unwrap_or_else(|| text.to_string())
}

/// Training examples from labelled script turns (used only for scripts outside the scored fold).
fn script_examples(calls: &[(&String, &Call)]) -> Vec<ExampleFile> {
    let mut by_task: BTreeMap<Task, Vec<Example>> = BTreeMap::new();
    for (_, call) in calls {
        let closing = call.turns.len() * 3 / 5;
        for (i, turn) in call.turns.iter().enumerate() {
            let mut add = |task: Task, text: String, label: &str| {
                by_task.entry(task).or_default().push(Example { text, label: label.into(), speaker: turn.speaker });
            };
            if let Some(spin) = &turn.spin {
                add(Task::Spin, question_of(&turn.text), spin);
            }
            if turn.meddicc.is_empty() {
                add(Task::Meddicc, turn.text.clone(), "none");
            }
            for element in &turn.meddicc {
                add(Task::Meddicc, turn.text.clone(), element);
            }
            if turn.speaker == Role::Customer {
                add(Task::Objections, turn.text.clone(), turn.objection.as_deref().unwrap_or("none"));
            }
            if turn.next_step {
                add(Task::NextSteps, turn.text.clone(), "agreed");
            } else if i >= closing {
                add(Task::NextSteps, turn.text.clone(), "none");
            }
        }
    }
    by_task
        .into_iter()
        .map(|(task, examples)| ExampleFile { task, labels: task.labels().iter().map(|s| s.to_string()).collect(), examples })
        .collect()
}

/// `examples` without any sentence that occurs in `scored` (a turn's text, or the question taken from
/// it) and without repeats: the built-in examples include the dev scripts' turns
/// (`--export-examples`), and a head is never scored on a call whose sentences it was trained on.
fn held_out(examples: Vec<ExampleFile>, scored: &[&Call]) -> Vec<ExampleFile> {
    let texts: HashSet<String> =
        scored.iter().flat_map(|c| &c.turns).flat_map(|t| [t.text.trim().to_string(), question_of(&t.text)]).collect();
    let mut seen: HashSet<(&str, String, String)> = HashSet::new();
    examples
        .into_iter()
        .map(|mut file| {
            let task = file.task;
            file.examples.retain(|e| {
                let text = e.text.trim().to_string();
                !texts.contains(&text) && seen.insert((task.name(), text, e.label.clone()))
            });
            file
        })
        .collect()
}

/// Writes the dev scripts' labelled turns as example files, one per task (`DIR/calls_dev_<task>.toml`),
/// the same conversion k-fold training uses. Test scripts are never exported.
fn export_examples(dir: &Path, calls: &BTreeMap<String, Call>) {
    let dev: Vec<(&String, &Call)> = calls.iter().filter(|(_, c)| c.split == "dev").collect();
    for file in script_examples(&dev) {
        let task = file.task.name();
        let mut text = format!(
            "# The labelled turns of the {} dev scripts of scripts/analyze-bench/calls/, as {task} examples.\n\
             # Generated: cargo run --release -p callcoach-embed --example heads_eval -- --export-examples \\\n\
             #     pipelines/analyze/src/playbook/examples   (do not edit by hand; the test scripts are never\n\
             # exported, so the heads stay held out on them). A SPIN example is the turn's question sentence;\n\
             # the other tasks take the whole turn.\n",
            dev.len()
        );
        let quote = |s: &str| serde_json::to_string(s).unwrap();
        text.push_str(&format!("task = {}\nlabels = [{}]\n", quote(task), file.labels.iter().map(|l| quote(l)).collect::<Vec<_>>().join(", ")));
        for e in &file.examples {
            let speaker = if e.speaker == Role::Rep { "rep" } else { "customer" };
            text.push_str(&format!("\n[[example]]\ntext = {}\nlabel = {}\nspeaker = \"{speaker}\"\n", quote(&e.text), quote(&e.label)));
        }
        let path = dir.join(format!("calls_dev_{task}.toml"));
        std::fs::write(&path, text).unwrap();
        eprintln!("wrote {} ({} examples)", path.display(), file.examples.len());
    }
}

fn write(path: &Path, value: &impl serde::Serialize) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut lexicon_tasks = Vec::new();
    let mut write_heads: Option<PathBuf> = None;
    let mut export: Option<PathBuf> = None;
    let (mut calls_dir, mut out, mut folds, mut l2, mut thresholds, mut models) =
        (PathBuf::from("scripts/analyze-bench/calls"), PathBuf::from("/tmp/heads-eval"), 4usize, FitOptions::default().l2, BTreeMap::new(), None);
    while let Some(a) = args.next() {
        let v = args.next().expect("flag value");
        match a.as_str() {
            "--calls" => calls_dir = v.into(),
            "--out" => out = v.into(),
            "--folds" => folds = v.parse().unwrap(),
            "--l2" => l2 = v.parse().unwrap(),
            "--thresholds" => {
                for part in v.split(',').filter(|p| !p.is_empty()) {
                    let (name, value) = part.split_once('=').expect("TASK=P");
                    let task = Task::ALL.into_iter().find(|t| t.name() == name).expect("task name");
                    thresholds.insert(task, value.parse::<f64>().unwrap());
                }
            }
            "--models" => models = Some(PathBuf::from(v)),
            "--lexicon-tasks" => {
                lexicon_tasks = v.split(',').map(|n| Task::ALL.into_iter().find(|t| t.name() == n).expect("task name")).collect()
            }
            "--write-heads" => write_heads = Some(PathBuf::from(v)),
            "--export-examples" => export = Some(PathBuf::from(v)),
            other => panic!("unknown flag {other}"),
        }
    }
    let read_calls = |dir: &Path| -> BTreeMap<String, Call> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), toml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()))
            .collect()
    };
    if let Some(dir) = export {
        export_examples(&dir, &read_calls(&calls_dir));
        return;
    }
    let models = models.or_else(|| std::env::var_os("CALLCOACH_MODELS").map(PathBuf::from)).unwrap_or_else(|| "models/weights".into());
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let encoder = Arc::new(Cached {
        embedder: Embedder::load(&models.join("all-minilm-l6-v2"), threads).expect("embedding model installed"),
        cache: Mutex::new(HashMap::new()),
    });
    let calls = read_calls(&calls_dir);
    let playbook = Playbook::default();
    let inputs: BTreeMap<&String, AnalysisInput> = calls
        .iter()
        .map(|(name, call)| {
            let (input, spans) = layout(name, call);
            write(&out.join("truth").join(format!("{name}.json")), &truth_json(name, call, &spans, input.clip.duration_s));
            (name, input)
        })
        .collect();
    let options = TrainOptions { fit: FitOptions { l2, ..Default::default() }, thresholds, lexicon_tasks };
    if let Some(path) = write_heads {
        // What `callcoach playbook train` does for the built-in playbook.
        let heads = train(&playbook, &ExampleFile::builtin(), encoder.as_ref(), "all-minilm-l6-v2", &options).unwrap();
        std::fs::write(&path, heads.to_json()).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    let builtin = ExampleFile::builtin();
    let run = |dir: &Path, examples: &[ExampleFile], which: &[&String]| {
        let started = std::time::Instant::now();
        let heads = Arc::new(train(&playbook, examples, encoder.as_ref(), "all-minilm-l6-v2", &options).unwrap());
        eprintln!("{}: trained in {:.1} s", dir.display(), started.elapsed().as_secs_f64());
        for method in [Method::Lexicon, Method::Embedding, Method::Combined] {
            let semantic = Semantic { encoder: encoder.clone(), heads: Some(heads.clone()), method };
            for name in which {
                let card = analyze_with(&inputs[name], &playbook, (method != Method::Lexicon).then_some(&semantic));
                write(&dir.join(method.name()).join(format!("{name}.json")), &card);
            }
        }
    };
    let all: Vec<&String> = calls.keys().collect();
    let calls_of = |names: &[&String]| -> Vec<&Call> { names.iter().map(|n| &calls[*n]).collect() };
    // Each split scored by heads trained on the built-in examples minus its own sentences: the test
    // split with the heads as shipped, the dev split as if its turns had not been exported.
    for split in ["dev", "test"] {
        let scored: Vec<&String> = calls.iter().filter(|(_, c)| c.split == split).map(|(n, _)| n).collect();
        run(&out.join("split"), &held_out(builtin.clone(), &calls_of(&scored)), &scored);
    }
    for fold in 0..folds {
        let scored: Vec<&String> = all.iter().enumerate().filter(|(i, _)| i % folds == fold).map(|(_, n)| *n).collect();
        let rest: Vec<(&String, &Call)> = calls.iter().filter(|(n, _)| !scored.contains(n)).collect();
        let mut examples = builtin.clone();
        examples.extend(script_examples(&rest));
        run(&out.join("kfold").join(fold.to_string()), &held_out(examples, &calls_of(&scored)), &scored);
    }
    eprintln!("wrote {}", out.display());
}
