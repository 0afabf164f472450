//! `callcoach playbook train`: fit the analysis heads on labelled example sentences; `callcoach playbook
//! explain`: show how the heads judge a sentence (docs/analysis.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use callcoach_analyze::semantic::{ExampleFile, FitOptions, MODEL_NAME, Task, TrainOptions, explain, train};
use callcoach_analyze::{Method, Role, Semantic};
use clap::{Args, Subcommand, ValueEnum};

use crate::commands::process::load_playbook;
use crate::config::Config;
use crate::pipeline::semantic::{heads_path, load_encoder, load_heads};

/// Where the built-in playbook's heads live in a checkout (compiled into the binary from there).
const DEFAULT_HEADS: &str = "pipelines/analyze/src/playbook/default.heads.json";

#[derive(Subcommand)]
pub enum PlaybookCommand {
    /// Train the SPIN, MEDDICC, objection and next-step heads on the built-in example sentences (plus
    /// `--examples`) and write them next to the playbook.
    Train(TrainArgs),
    /// Show how the trained heads judge sentences on their own: every label's probability, the
    /// threshold, the decision and the lexicon features that fired. For writing examples and
    /// finding out why a sentence was (not) counted.
    Explain(ExplainArgs),
}

#[derive(Args)]
pub struct ExplainArgs {
    /// The sentences to judge, each as one argument.
    #[arg(required = true)]
    pub sentences: Vec<String>,
    /// Who says them.
    #[arg(long, value_enum, default_value_t = SpeakerArg::Customer)]
    pub speaker: SpeakerArg,
    /// Only these tasks (comma-separated; default: every task analysis runs for that speaker).
    #[arg(long, value_delimiter = ',', value_parser = parse_task)]
    pub task: Vec<Task>,
    /// Playbook whose heads (FILE.heads.json beside it) and lexicon to use (default: the built-in one).
    #[arg(long)]
    pub playbook: Option<PathBuf>,
    /// Heads on the embedding alone, or with the lexicon and syntax features (what `process` uses).
    #[arg(long, value_enum, default_value_t = HeadsArg::Combined)]
    pub heads: HeadsArg,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpeakerArg {
    Rep,
    Customer,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeadsArg {
    Embedding,
    Combined,
}

#[derive(Args)]
pub struct TrainArgs {
    /// Playbook whose lexicon features the heads use (default: the built-in one).
    #[arg(long)]
    pub playbook: Option<PathBuf>,
    /// More example files (TOML, as in pipelines/analyze/src/playbook/examples/), or folders of them.
    #[arg(long = "examples")]
    pub examples: Vec<PathBuf>,
    /// Output (default: FILE.heads.json beside --playbook FILE.toml; for the built-in playbook,
    /// pipelines/analyze/src/playbook/default.heads.json of the checkout in the current directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// L2 penalty on the standardised weights.
    #[arg(long, default_value_t = FitOptions::default().l2)]
    pub l2: f64,
    /// Probability a label other than `none` needs to count, per task: `objections=0.7,meddicc=0.6`
    /// (default: callcoach_analyze::semantic::default_threshold).
    #[arg(long, value_parser = parse_thresholds, default_value = "")]
    pub thresholds: BTreeMap<Task, f64>,
    /// Tasks on which `--analysis combined` keeps the lexicon's decision (comma-separated), for tasks
    /// where cross-validation (scripts/analyze-bench/heads_eval.py) finds the head no better.
    #[arg(long, value_delimiter = ',', value_parser = parse_task)]
    pub lexicon_tasks: Vec<Task>,
}

fn parse_task(name: &str) -> Result<Task, String> {
    Task::ALL
        .into_iter()
        .find(|t| t.name() == name.trim())
        .ok_or_else(|| format!("unknown task `{name}` (spin, meddicc, objections, next_steps)"))
}

/// `spin=0.5,objections=0.7` → per-task thresholds.
pub fn parse_thresholds(text: &str) -> Result<BTreeMap<Task, f64>, String> {
    let mut out = BTreeMap::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').ok_or_else(|| format!("`{part}`: expected TASK=PROBABILITY"))?;
        let task = parse_task(name)?;
        let value: f64 = value.trim().parse().map_err(|e| format!("`{part}`: {e}"))?;
        if !(0.0..=1.0).contains(&value) {
            return Err(format!("`{part}`: a probability is between 0 and 1"));
        }
        out.insert(task, value);
    }
    Ok(out)
}

pub fn run(config: &Config, command: PlaybookCommand) -> Result<()> {
    match command {
        PlaybookCommand::Train(args) => train_command(config, args),
        PlaybookCommand::Explain(args) => explain_command(config, args),
    }
}

fn explain_command(config: &Config, args: ExplainArgs) -> Result<()> {
    let playbook = load_playbook(args.playbook.as_deref())?;
    let Some(heads) = load_heads(args.playbook.as_deref())? else {
        match args.playbook.as_deref() {
            Some(path) => bail!(
                "{} has no trained heads ({} is missing): run `callcoach playbook train --playbook {}` first",
                path.display(),
                heads_path(path).display(),
                path.display()
            ),
            None => bail!("this build of callcoach ships no trained heads: run `callcoach playbook train` and rebuild"),
        }
    };
    let method = match args.heads {
        HeadsArg::Embedding => Method::Embedding,
        HeadsArg::Combined => Method::Combined,
    };
    let semantic = Semantic { encoder: load_encoder(config)?, heads: Some(heads), method };
    let role = match args.speaker {
        SpeakerArg::Rep => Role::Rep,
        SpeakerArg::Customer => Role::Customer,
    };
    // SPIN types rep questions and objections are the customer's; MEDDICC and next steps are anyone's.
    let tasks: Vec<Task> = if args.task.is_empty() {
        Task::ALL.into_iter().filter(|t| !matches!((t, role), (Task::Spin, Role::Customer) | (Task::Objections, Role::Rep))).collect()
    } else {
        args.task.clone()
    };
    for sentence in &args.sentences {
        println!("{sentence:?}");
        for (task, explanation) in explain(&semantic, &playbook, &tasks, sentence, role).map_err(anyhow::Error::msg)? {
            match explanation {
                None => println!("  {:<11} the lexicon decides (no {} head)", task.name(), method.name()),
                Some(e) => {
                    let decision = if e.labels.is_empty() { "none".to_string() } else { e.labels.join("+") };
                    let probabilities: Vec<String> = e.probabilities.iter().map(|(l, p)| format!("{l} {p:.2}")).collect();
                    println!("  {:<11} -> {decision:<18} (threshold {:.2})  {}", task.name(), e.threshold, probabilities.join("  "));
                    if let Some(fired) = e.features_fired.filter(|f| !f.is_empty()) {
                        println!("  {:<11}    features: {}", "", fired.join(", "));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The example files of `path`: the file itself, or every `*.toml` in the folder, sorted.
fn example_files(path: &Path) -> Result<Vec<ExampleFile>> {
    let mut files = if path.is_dir() {
        let mut found: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("listing {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        found.sort();
        found
    } else {
        vec![path.to_owned()]
    };
    files
        .drain(..)
        .map(|f| {
            let text = std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
            Ok(ExampleFile::from_toml(&f.display().to_string(), &text)?)
        })
        .collect()
}

fn train_command(config: &Config, args: TrainArgs) -> Result<()> {
    let out = match (&args.out, &args.playbook) {
        (Some(out), _) => out.clone(),
        (None, Some(playbook)) => heads_path(playbook),
        (None, None) => {
            let default = PathBuf::from(DEFAULT_HEADS);
            if !default.parent().is_some_and(Path::is_dir) {
                bail!("run from the checkout's root to retrain the built-in heads, or give --out FILE");
            }
            default
        }
    };
    let playbook = load_playbook(args.playbook.as_deref())?;
    let mut examples = ExampleFile::builtin();
    for path in &args.examples {
        examples.extend(example_files(path)?);
    }
    let count: usize = examples.iter().map(|f| f.examples.len()).sum();
    eprintln!("training on {count} example sentences ({} files) with {MODEL_NAME}", examples.len());
    let encoder = load_encoder(config)?;
    let started = std::time::Instant::now();
    let options = TrainOptions { fit: FitOptions { l2: args.l2, ..Default::default() }, thresholds: args.thresholds.clone(), lexicon_tasks: args.lexicon_tasks.clone() };
    let heads = train(&playbook, &examples, encoder.as_ref(), MODEL_NAME, &options)?;
    let text = heads.to_json();
    std::fs::write(&out, &text).with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "trained {} tasks in {:.1} s: {} ({} kB){}",
        heads.tasks.len(),
        started.elapsed().as_secs_f64(),
        out.display(),
        text.len() / 1000,
        if args.playbook.is_none() && args.out.is_none() { "; rebuild callcoach to ship them" } else { "" }
    );
    println!("{}", out.display());
    Ok(())
}
