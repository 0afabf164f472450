//! Analysis that understands paraphrase (issue 8): sentence embeddings, from a model the caller runs
//! behind the [`Encoder`] trait, fed to small linear heads ([`Heads`]) trained on labelled example
//! sentences ([`ExampleFile`]) together with the playbook's lexicon and syntax features.
//!
//! Analysis stays pure and deterministic: it hands the sentences that need it to the encoder and gets
//! vectors back. Without an encoder (or heads), every task falls back to the lexicon rules.

mod examples;
pub(crate) mod logreg;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use examples::{Example, ExampleFile, ExamplesError};
pub use logreg::{FitOptions, Head};

use crate::frameworks::Rules;
use crate::text::Sentence;
use crate::{AnalysisInput, ClipFacts, ClipKind, Playbook, Role, SpeakerLabel, SpokenWord};

/// Turns sentences into vectors (e.g. all-MiniLM-L6-v2 through callcoach-embed). Must return one vector
/// per sentence, all of one length, and the same vectors for the same sentences.
pub trait Encoder: Send + Sync {
    fn encode(&self, sentences: &[String]) -> Result<Vec<Vec<f32>>, String>;
}

/// How frameworks are detected; `analysis.method` in the scorecard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The playbook's word lists and syntax rules only.
    Lexicon,
    /// Heads on the sentence embedding alone.
    Embedding,
    /// Heads on the embedding plus lexicon and syntax features.
    Combined,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Lexicon => "lexicon",
            Method::Embedding => "embedding",
            Method::Combined => "combined",
        }
    }
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "lexicon" => Ok(Method::Lexicon),
            "embedding" => Ok(Method::Embedding),
            "combined" => Ok(Method::Combined),
            other => Err(format!("unknown analysis method `{other}` (expected lexicon, embedding or combined)")),
        }
    }
}

/// What analysis needs to use embeddings: the encoder, the trained heads for the playbook, the method.
/// Build it once per worker and share it.
#[derive(Clone)]
pub struct Semantic {
    pub encoder: Arc<dyn Encoder>,
    /// `None` when the playbook has no trained heads: the tasks use the lexicon (with a note), semantic
    /// trackers still use the encoder.
    pub heads: Option<Arc<Heads>>,
    /// [`Method::Embedding`] or [`Method::Combined`] ([`Method::Lexicon`] embeds nothing).
    pub method: Method,
}

/// A task a head is trained for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Spin,
    Meddicc,
    Objections,
    NextSteps,
}

impl Task {
    pub const ALL: [Task; 4] = [Task::Spin, Task::Meddicc, Task::Objections, Task::NextSteps];

    pub fn name(self) -> &'static str {
        match self {
            Task::Spin => "spin",
            Task::Meddicc => "meddicc",
            Task::Objections => "objections",
            Task::NextSteps => "next_steps",
        }
    }

    /// The labels, in head order; `none` is always last.
    pub fn labels(self) -> &'static [&'static str] {
        match self {
            Task::Spin => &["situation", "problem", "implication", "need_payoff", "none"],
            Task::Meddicc => &[
                "metrics",
                "economic_buyer",
                "decision_criteria",
                "decision_process",
                "identify_pain",
                "champion",
                "competition",
                "none",
            ],
            Task::Objections => &["price", "competition", "timing", "internal_alignment", "roi", "none"],
            Task::NextSteps => &["agreed", "vague", "none"],
        }
    }

    /// Names of the lexicon and syntax features of a combined head (see [`lexicon_features`]).
    pub fn feature_names(self) -> Vec<String> {
        let mut names: Vec<String> = match self {
            Task::Spin => ["situation", "problem", "implication", "need_payoff", "not_spin"]
                .iter()
                .map(|n| format!("lexicon.spin.{n}"))
                .collect(),
            Task::Meddicc => Task::Meddicc.labels()[..7].iter().map(|n| format!("lexicon.meddicc.{n}")).collect(),
            Task::Objections => {
                Task::Objections.labels()[..5].iter().map(|n| format!("lexicon.objections.{n}")).collect()
            }
            Task::NextSteps => ["proposal", "agreement", "commitment", "vague"]
                .iter()
                .map(|n| format!("lexicon.next_steps.{n}"))
                .collect(),
        };
        names.extend(["syntax.question".to_string(), "speaker.rep".to_string()]);
        names
    }
}

/// The two heads of a task: on the embedding alone and combined with the lexicon features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskHeads {
    pub embedding: Head,
    pub combined: Head,
    /// Set when cross-validation found the combined head no better than the lexicon on this task:
    /// `combined` analysis then keeps the lexicon's decision for it (`playbook train --lexicon-tasks`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub combined_uses_lexicon: bool,
}

/// Trained heads for one playbook (`default.heads.json`, or `FILE.heads.json` beside `FILE.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heads {
    pub version: u32,
    /// The embedding model the heads were trained on (its manifest name).
    pub model: String,
    pub dimensions: usize,
    /// How they were made: example counts per task and label, the options.
    pub trained_on: BTreeMap<String, BTreeMap<String, usize>>,
    pub l2: f64,
    pub tasks: BTreeMap<Task, TaskHeads>,
}

#[derive(Debug, thiserror::Error)]
pub enum HeadsError {
    #[error("heads file is not valid: {0}")]
    Invalid(String),
    #[error("training: {0}")]
    Train(String),
}

const DEFAULT_HEADS: &str = include_str!("../playbook/default.heads.json");

/// The embedding model the shipped heads are trained on (`callcoach models install all-minilm-l6-v2`).
pub const MODEL_NAME: &str = "all-minilm-l6-v2";

impl Heads {
    pub fn from_json(text: &str) -> Result<Heads, HeadsError> {
        let heads: Heads = serde_json::from_str(text).map_err(|e| HeadsError::Invalid(e.to_string()))?;
        for (task, pair) in &heads.tasks {
            for (head, lexicon) in [(&pair.embedding, false), (&pair.combined, true)] {
                let expected_features = if lexicon { task.feature_names() } else { Vec::new() };
                let labels: Vec<&str> = head.labels.iter().map(String::as_str).collect();
                if labels != task.labels()
                    || head.features != expected_features
                    || head.embedding_dims != heads.dimensions
                    || head.weights.len() != labels.len()
                    || head.bias.len() != labels.len()
                    || head.weights.iter().any(|w| w.len() != head.width())
                {
                    return Err(HeadsError::Invalid(format!(
                        "task {}: labels, features or weight shapes do not match this version of callcoach; \
                         retrain with `callcoach playbook train`",
                        task.name()
                    )));
                }
            }
        }
        Ok(heads)
    }

    /// Compact JSON, one head row per line.
    pub fn to_json(&self) -> String {
        let text = serde_json::to_string_pretty(self).expect("heads serialise");
        // Keep each weight row on one line: pretty printing puts every number on its own.
        let mut out = String::with_capacity(text.len() / 3);
        let mut depth_in_numbers = false;
        for line in text.lines() {
            let trimmed = line.trim();
            let numeric = trimmed.trim_end_matches(',').parse::<f64>().is_ok();
            if numeric {
                out.push_str(trimmed);
                depth_in_numbers = true;
                continue;
            }
            if depth_in_numbers && trimmed.starts_with(']') {
                out.push_str(trimmed);
                out.push('\n');
                depth_in_numbers = false;
                continue;
            }
            out.push_str(line);
            if !line.ends_with('[') {
                out.push('\n');
            }
        }
        out
    }

    /// The heads trained for the built-in playbook, shipped in the crate; `None` if they are missing.
    pub fn builtin() -> Option<Heads> {
        Heads::from_json(DEFAULT_HEADS).ok().filter(|h| !h.tasks.is_empty())
    }

    pub fn head(&self, task: Task, method: Method) -> Option<&Head> {
        let pair = self.tasks.get(&task)?;
        match method {
            Method::Lexicon => None,
            Method::Embedding => Some(&pair.embedding),
            Method::Combined if pair.combined_uses_lexicon => None,
            Method::Combined => Some(&pair.combined),
        }
    }
}

/// The lexicon and syntax features of a sentence for `task` (names: [`Task::feature_names`]).
pub(crate) fn lexicon_features(task: Task, rules: &Rules, words: &[String], role: Role, is_question: bool) -> Vec<f64> {
    let c = &rules.classes;
    let hit = |set: &crate::matcher::RuleSet, role: Role| f64::from(u8::from(set.matches(words, role, c)));
    let mut out: Vec<f64> = match task {
        Task::Spin => {
            // rules.spin is in tie-break order: need_payoff, implication, problem, situation.
            let score = |i: usize| rules.spin[i].1.score(words, role, c);
            vec![score(3), score(2), score(1), score(0), hit(&rules.not_spin, role)]
        }
        Task::Meddicc => rules.meddicc.iter().map(|s| hit(s, role)).collect(),
        // Objection rules are written for customer sentences.
        Task::Objections => rules.objections.iter().map(|s| hit(s, Role::Customer)).collect(),
        Task::NextSteps => vec![
            hit(&rules.proposal, role),
            hit(&rules.agreement, role),
            hit(&rules.commitment, role),
            hit(&rules.vague, role),
        ],
    };
    out.push(f64::from(u8::from(is_question)));
    out.push(f64::from(u8::from(role == Role::Rep)));
    out
}

fn feature_row(head: &Head, vector: &[f32], lexicon: &[f64]) -> Vec<f64> {
    let mut x: Vec<f64> = vector.iter().map(|v| f64::from(*v)).collect();
    if !head.features.is_empty() {
        x.extend_from_slice(lexicon);
    }
    x
}

/// Options for [`train`].
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub fit: FitOptions,
    /// Probability a label other than `none` needs to count, per task ([`default_threshold`] for the
    /// others).
    pub thresholds: BTreeMap<Task, f64>,
    /// Tasks on which `combined` analysis keeps the lexicon (see [`TaskHeads::combined_uses_lexicon`]).
    pub lexicon_tasks: Vec<Task>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { fit: FitOptions::default(), thresholds: BTreeMap::new(), lexicon_tasks: Vec::new() }
    }
}

/// The probability a label other than `none` needs, per task, unless [`TrainOptions`] says otherwise.
/// Coverage and objections are decided over every sentence of a call, so one confident mistake costs a
/// whole finding: those need more.
pub fn default_threshold(task: Task) -> f64 {
    match task {
        // A SPIN question takes its most probable type (`none` included).
        Task::Spin => 0.0,
        Task::Meddicc => 0.35,
        Task::Objections => 0.6,
        Task::NextSteps => 0.6,
    }
}

/// Labelled sentences of one task that are, by definition, `none` for another: a customer stating a
/// MEDDICC fact (metrics, buyer, criteria, process, pain, champion) is not objecting; a metric or a
/// decision timeline with a date is not an agreed next step. Added to the other task's training set.
fn cross_task_negative(from: Task, label: &str, role: Role) -> Vec<Task> {
    match (from, label) {
        (Task::Meddicc, "none" | "competition") => Vec::new(),
        (Task::Meddicc, "metrics" | "decision_process") if role == Role::Customer => vec![Task::Objections, Task::NextSteps],
        (Task::Meddicc, "metrics" | "decision_process") => vec![Task::NextSteps],
        (Task::Meddicc, _) if role == Role::Customer => vec![Task::Objections],
        _ => Vec::new(),
    }
}

/// A labelled sentence ready for training: its text, role, words and whether it is a question.
struct Prepared {
    text: String,
    label: usize,
    role: Role,
    words: Vec<String>,
    is_question: bool,
}

/// Words, and whether the text holds a question, of a standalone example sentence.
fn prepare_text(text: &str, role: Role, playbook: &Playbook) -> (Vec<String>, bool) {
    let words: Vec<SpokenWord> = text
        .split_whitespace()
        .enumerate()
        .map(|(i, token)| SpokenWord {
            start_s: i as f64 * 0.4,
            end_s: i as f64 * 0.4 + 0.3,
            text: token.to_string(),
            speaker: "s".into(),
            probability: 1.0,
        })
        .collect();
    let input = AnalysisInput {
        clip: ClipFacts { id: "example".into(), kind: ClipKind::Call, duration_s: 1.0, language: "en".into() },
        speakers: vec![SpeakerLabel { id: "s".into(), role }],
        words,
    };
    let refs: Vec<&SpokenWord> = input.words.iter().collect();
    let sentences = crate::text::sentences(&refs);
    let is_question = !crate::questions::find(&sentences, &input, playbook).all.is_empty();
    let whole = Sentence { words: refs };
    (whole.normalized(), is_question)
}

/// Fits both heads of every task that has examples, on `examples` (all files; several files of one
/// task add up), using `encoder` for the vectors and `playbook`'s rules for the lexicon features.
/// Deterministic: the same examples, playbook and vectors give the same heads.
pub fn train(
    playbook: &Playbook,
    examples: &[ExampleFile],
    encoder: &dyn Encoder,
    model: &str,
    options: &TrainOptions,
) -> Result<Heads, HeadsError> {
    let rules = Rules::compile(playbook);
    let mut by_task: BTreeMap<Task, Vec<Prepared>> = BTreeMap::new();
    for file in examples {
        for example in &file.examples {
            let label = file.task.labels().iter().position(|l| *l == example.label).ok_or_else(|| {
                HeadsError::Train(format!("label `{}` is not a {} label", example.label, file.task.name()))
            })?;
            let (words, is_question) = prepare_text(&example.text, example.speaker, playbook);
            let prepared = |label: usize| Prepared {
                text: example.text.trim().to_string(),
                label,
                role: example.speaker,
                words: words.clone(),
                is_question,
            };
            by_task.entry(file.task).or_default().push(prepared(label));
            for other in cross_task_negative(file.task, &example.label, example.speaker) {
                let none = other.labels().len() - 1;
                by_task.entry(other).or_default().push(prepared(none));
            }
        }
    }
    // Embed every distinct text once, in a fixed order.
    let mut texts: Vec<String> = by_task.values().flatten().map(|p| p.text.clone()).collect();
    texts.sort();
    texts.dedup();
    let vectors = encoder.encode(&texts).map_err(HeadsError::Train)?;
    if vectors.len() != texts.len() {
        return Err(HeadsError::Train("the encoder returned the wrong number of vectors".into()));
    }
    let dimensions = vectors.first().map_or(0, Vec::len);
    let vector_of = |text: &str| &vectors[texts.binary_search_by(|t| t.as_str().cmp(text)).expect("embedded above")];

    let mut tasks = BTreeMap::new();
    let mut trained_on = BTreeMap::new();
    for (task, prepared) in &by_task {
        let labels: Vec<String> = task.labels().iter().map(|s| s.to_string()).collect();
        let counts: BTreeMap<String, usize> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), prepared.iter().filter(|p| p.label == i).count()))
            .collect();
        if let Some((label, _)) = counts.iter().find(|(_, n)| **n == 0) {
            return Err(HeadsError::Train(format!("task {}: no example of `{label}`", task.name())));
        }
        trained_on.insert(task.name().to_string(), counts);
        let y: Vec<usize> = prepared.iter().map(|p| p.label).collect();
        let lexicon: Vec<Vec<f64>> =
            prepared.iter().map(|p| lexicon_features(*task, &rules, &p.words, p.role, p.is_question)).collect();
        let make = |features: Vec<String>| -> Head {
            let template = Head {
                labels: labels.clone(),
                embedding_dims: dimensions,
                features,
                weights: Vec::new(),
                bias: Vec::new(),
                threshold: options.thresholds.get(task).copied().unwrap_or_else(|| default_threshold(*task)),
            };
            let x: Vec<Vec<f64>> =
                prepared.iter().zip(&lexicon).map(|(p, lex)| feature_row(&template, vector_of(&p.text), lex)).collect();
            let (weights, bias) = logreg::fit(&x, &y, labels.len(), options.fit);
            let round = |v: Vec<f64>| v.into_iter().map(|w| logreg::round_sig(w, 4)).collect::<Vec<f64>>();
            Head { weights: weights.into_iter().map(round).collect(), bias: round(bias), ..template }
        };
        tasks.insert(
            *task,
            TaskHeads {
                embedding: make(Vec::new()),
                combined: make(task.feature_names()),
                combined_uses_lexicon: options.lexicon_tasks.contains(task),
            },
        );
    }
    Ok(Heads { version: 1, model: model.to_string(), dimensions, trained_on, l2: options.fit.l2, tasks })
}

/// A head's verdict on one sentence.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    /// Index into the task's labels; `None` when the head says none (or is not confident enough).
    pub label: Option<usize>,
    /// Probability of the label (of `none` when there is none).
    pub probability: f64,
    /// Every label's probability, in head order.
    pub probabilities: Vec<f64>,
    /// The head's threshold.
    pub threshold: f64,
}

impl Verdict {
    /// Every label other than `none` whose probability reaches the threshold (several when the
    /// threshold is below one half), most probable first.
    pub fn labels_over_threshold(&self) -> Vec<(usize, f64)> {
        let none = self.probabilities.len() - 1;
        let mut out: Vec<(usize, f64)> =
            self.probabilities[..none].iter().copied().enumerate().filter(|(_, p)| *p >= self.threshold).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }
}

/// The heads' verdicts for one analysis, by sentence index.
#[derive(Default)]
pub(crate) struct Predictions {
    pub method: Option<Method>,
    pub tasks: BTreeMap<Task, Vec<Option<Verdict>>>,
    /// Sentence vectors (for semantic trackers), by sentence index.
    pub vectors: Vec<Option<Vec<f32>>>,
    /// Tracker name → its example vectors.
    pub tracker_examples: BTreeMap<String, Vec<Vec<f32>>>,
    pub notes: Vec<String>,
}

impl Predictions {
    /// The verdicts of `task`'s head, when it ran.
    pub fn task(&self, task: Task) -> Option<&[Option<Verdict>]> {
        self.tasks.get(&task).map(Vec::as_slice)
    }
}

/// Sentences shorter than this (in words) are not embedded unless they are rep questions: "Yes.",
/// "Okay, great." establish nothing.
const MIN_WORDS: usize = 3;

/// A head's decision from its probabilities: the most probable label, when it is not `none` and reaches
/// the threshold. `asked`: the sentence is a question, and a question proposes; it never settles a next
/// step by itself. (Counting an objection when its types *together* reach the threshold was measured
/// and dropped: more false alarms than catches, docs/analysis.md.)
fn decide(task: Task, head: &Head, probabilities: Vec<f64>, asked: bool) -> Verdict {
    let vetoed = task == Task::NextSteps && asked;
    let p = probabilities;
    let none = p.len() - 1;
    let best = (0..p.len()).fold(0, |b, j| if p[j] > p[b] { j } else { b });
    let (label, probability) =
        if best != none && p[best] >= head.threshold && !vetoed { (Some(best), p[best]) } else { (None, p[none]) };
    Verdict { label, probability, probabilities: p, threshold: head.threshold }
}

/// How a task's head judges one standalone sentence (`callcoach playbook explain`).
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Every label with its probability, in head order (`none` last).
    pub probabilities: Vec<(String, f64)>,
    pub threshold: f64,
    /// What analysis would count for the sentence (empty for none): for MEDDICC every element at the
    /// threshold or more, for the other tasks the most probable label when it is not `none` and reaches it.
    pub labels: Vec<String>,
    /// Whether the lexicon and syntax features were used (`combined`), and which of them fired.
    pub features_fired: Option<Vec<String>>,
}

/// Judges `text`, said by `role`, with each of `tasks`' heads for `semantic.method`, as analysis judges
/// a sentence on its own (no neighbouring sentences; a next step asked as a question is still vetoed).
/// The text is embedded once. A task's explanation is `None` when there is no head for it and the
/// method (the lexicon decides).
pub fn explain(
    semantic: &Semantic,
    playbook: &Playbook,
    tasks: &[Task],
    text: &str,
    role: Role,
) -> Result<Vec<(Task, Option<Explanation>)>, String> {
    let head_of = |task: Task| semantic.heads.as_deref().and_then(|h| h.head(task, semantic.method));
    if tasks.iter().all(|t| head_of(*t).is_none()) {
        return Ok(tasks.iter().map(|t| (*t, None)).collect());
    }
    let vector = semantic.encoder.encode(&[text.trim().to_string()])?.pop().ok_or("the encoder returned no vector")?;
    let rules = Rules::compile(playbook);
    let (words, is_question) = prepare_text(text, role, playbook);
    let asked = is_question || text.trim_end().ends_with('?');
    let mut out = Vec::with_capacity(tasks.len());
    for &task in tasks {
        let Some(head) = head_of(task) else {
            out.push((task, None));
            continue;
        };
        if vector.len() != head.embedding_dims {
            return Err(format!("the heads expect {}-dimensional vectors, the model gave {}", head.embedding_dims, vector.len()));
        }
        let lexicon = lexicon_features(task, &rules, &words, role, is_question);
        let verdict = decide(task, head, head.probabilities(&feature_row(head, &vector, &lexicon)), asked);
        let explanation = Explanation {
            probabilities: head.labels.iter().cloned().zip(verdict.probabilities.iter().copied()).collect(),
            threshold: head.threshold,
            labels: if task == Task::Meddicc {
                verdict.labels_over_threshold().into_iter().map(|(l, _)| head.labels[l].clone()).collect()
            } else {
                verdict.label.map(|l| head.labels[l].clone()).into_iter().collect()
            },
            features_fired: (!head.features.is_empty()).then(|| {
                task.feature_names().into_iter().zip(&lexicon).filter(|(_, v)| **v > 0.0).map(|(n, _)| n).collect()
            }),
        };
        out.push((task, Some(explanation)));
    }
    Ok(out)
}

/// Embeds the sentences that need it and runs the heads.
pub(crate) fn predict(
    semantic: &Semantic,
    sentences: &[Sentence],
    question_indices: &[usize],
    input: &AnalysisInput,
    playbook: &Playbook,
    rules: &Rules,
) -> Predictions {
    let method = semantic.method;
    let mut out = Predictions { vectors: vec![None; sentences.len()], ..Default::default() };
    if method == Method::Lexicon {
        return out;
    }
    let heads = semantic.heads.as_deref().filter(|h| Task::ALL.iter().any(|t| h.head(*t, method).is_some()));
    let trackers: Vec<&crate::playbook::TrackerSpec> = playbook.trackers.iter().filter(|t| !t.examples.is_empty()).collect();
    if heads.is_none() {
        out.notes.push(format!(
            "no trained heads for this playbook: frameworks used the lexicon (run `callcoach playbook train`); \
             method {} requested",
            method.name()
        ));
        if trackers.is_empty() {
            return out;
        }
    }
    let mut is_question = vec![false; sentences.len()];
    for &i in question_indices {
        is_question[i] = true;
    }
    let words: Vec<Vec<String>> = sentences.iter().map(Sentence::normalized).collect();
    // Rep statements before the closing part carry little a head decides (MEDDICC is usually
    // established by the customer's answer; next steps are looked for in the closing part): skipping
    // them keeps the embedding pass cheap.
    let closing_from_s = input.clip.duration_s * (1.0 - playbook.next_steps.final_share.clamp(0.0, 1.0));
    let needed: Vec<usize> = (0..sentences.len())
        .filter(|&i| {
            let rep = input.role_of(sentences[i].speaker()) == Role::Rep;
            (rep && is_question[i])
                || (words[i].len() >= MIN_WORDS && (!rep || sentences[i].start_s() >= closing_from_s || !trackers.is_empty()))
        })
        .collect();
    let mut texts: Vec<String> = needed.iter().map(|&i| sentences[i].text()).collect();
    let tracker_texts: Vec<(String, usize)> = trackers
        .iter()
        .flat_map(|t| t.examples.iter().map(move |e| (t.name.clone(), e.len())))
        .collect();
    texts.extend(trackers.iter().flat_map(|t| t.examples.iter().cloned()));
    let vectors = match semantic.encoder.encode(&texts) {
        Ok(v) if v.len() == texts.len() => v,
        Ok(_) => {
            out.notes.push("the embedding model returned the wrong number of vectors: the lexicon was used".into());
            return out;
        }
        Err(e) => {
            out.notes.push(format!("the embedding model failed ({e}): the lexicon was used"));
            return out;
        }
    };
    let (sentence_vectors, example_vectors) = vectors.split_at(needed.len());
    for ((name, _), vector) in tracker_texts.iter().zip(example_vectors) {
        out.tracker_examples.entry(name.clone()).or_default().push(vector.clone());
    }
    for (&i, vector) in needed.iter().zip(sentence_vectors) {
        out.vectors[i] = Some(vector.clone());
    }
    let Some(heads) = heads else { return out };
    if heads.dimensions != sentence_vectors.first().map_or(heads.dimensions, Vec::len) {
        out.notes.push(format!(
            "the heads expect {}-dimensional vectors from {}, the model gave others: the lexicon was used",
            heads.dimensions, heads.model
        ));
        return out;
    }
    out.method = Some(method);
    for task in Task::ALL {
        let Some(head) = heads.head(task, method) else { continue };
        let verdicts = (0..sentences.len())
            .map(|i| {
                let vector = out.vectors[i].as_ref()?;
                let role = input.role_of(sentences[i].speaker());
                let lexicon = lexicon_features(task, rules, &words[i], role, is_question[i]);
                let p = head.probabilities(&feature_row(head, vector, &lexicon));
                let asked = is_question[i] || sentences[i].ends_with_question_mark();
                Some(decide(task, head, p, asked))
            })
            .collect();
        out.tasks.insert(task, verdicts);
    }
    out
}

/// Cosine of two vectors.
pub(crate) fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb).max(1e-12)
}
