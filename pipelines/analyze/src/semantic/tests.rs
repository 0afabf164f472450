//! The semantic path with a fake encoder (hashed bag of words): fallback, determinism, confidences.
//! The real model is exercised by callcoach-embed's and the callcoach binary's tests.

use std::sync::Arc;

use super::*;
use crate::testing::input;

/// Each word (lower-cased, without punctuation) adds to one of 64 hashed dimensions; unit length.
struct BagOfWords;

impl Encoder for BagOfWords {
    fn encode(&self, sentences: &[String]) -> Result<Vec<Vec<f32>>, String> {
        Ok(sentences
            .iter()
            .map(|s| {
                let mut v = vec![0f32; 64];
                for w in s.split_whitespace().map(crate::text::normalize) {
                    let h = w.bytes().fold(1469598103934665603u64, |h, b| (h ^ u64::from(b)).wrapping_mul(1099511628211));
                    v[(h % 64) as usize] += 1.0;
                }
                let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                v.iter().map(|x| x / n).collect()
            })
            .collect())
    }
}

struct Broken;

impl Encoder for Broken {
    fn encode(&self, _: &[String]) -> Result<Vec<Vec<f32>>, String> {
        Err("model file unreadable".into())
    }
}

fn heads() -> Arc<Heads> {
    let options = TrainOptions { fit: FitOptions { max_iterations: 300, ..Default::default() }, ..Default::default() };
    Arc::new(train(&Playbook::default(), &ExampleFile::builtin(), &BagOfWords, "bag-of-words", &options).unwrap())
}

fn call() -> AnalysisInput {
    input(
        ClipKind::Call,
        &[
            ("rep", "Thanks for making time. How many people are on your support team today?"),
            ("customer", "About forty agents, and honestly the ticket backlog keeps growing every week."),
            ("rep", "What happens to renewals when customers wait that long for an answer?"),
            ("customer", "We lose some of them. It is too expensive for us right now though."),
            ("rep", "I understand. Customers like you usually save ten hours a week, for example Acme cut costs by half."),
            ("rep", "Can we book a demo for Tuesday at ten?"),
            ("customer", "Yes, Tuesday at ten works for me."),
        ],
    )
}

#[test]
fn heads_train_deterministically_and_round_trip_through_json() {
    let a = heads();
    let b = heads();
    assert_eq!(a, b);
    let text = a.to_json();
    let back = Heads::from_json(&text).unwrap();
    assert_eq!(back.tasks.len(), 4);
    assert_eq!(back.to_json(), text);
    for task in Task::ALL {
        let pair = &back.tasks[&task];
        assert_eq!(pair.combined.features, task.feature_names());
        assert!(pair.embedding.features.is_empty());
    }
}

#[test]
fn same_input_same_scorecard_and_method_is_reported() {
    let semantic = Semantic { encoder: Arc::new(BagOfWords), heads: Some(heads()), method: Method::Combined };
    let playbook = Playbook::default();
    let first = crate::analyze_with(&call(), &playbook, Some(&semantic));
    let second = crate::analyze_with(&call(), &playbook, Some(&semantic));
    assert_eq!(first, second);
    assert_eq!(first.analysis.method, "combined");
    // Findings the heads made carry their probability.
    let confidences: Vec<f64> = first
        .frameworks
        .spin
        .situation
        .evidence
        .iter()
        .chain(&first.next_steps.evidence)
        .filter_map(|e| e.confidence)
        .collect();
    assert!(confidences.iter().all(|c| (0.0..=1.0).contains(c)));
    let embedding = Semantic { method: Method::Embedding, ..semantic };
    assert_eq!(crate::analyze_with(&call(), &playbook, Some(&embedding)).analysis.method, "embedding");
}

#[test]
fn falls_back_to_the_lexicon_without_heads_or_when_the_encoder_fails() {
    let playbook = Playbook::default();
    let lexicon = crate::analyze(&call(), &playbook);
    assert_eq!(lexicon.analysis.method, "lexicon");
    assert!(lexicon.frameworks.spin.situation.evidence.iter().all(|e| e.confidence.is_none()));

    let broken = Semantic { encoder: Arc::new(Broken), heads: Some(heads()), method: Method::Combined };
    let card = crate::analyze_with(&call(), &playbook, Some(&broken));
    assert_eq!(card.analysis.method, "lexicon");
    assert!(card.analysis.notes.iter().any(|n| n.contains("model file unreadable")), "{:?}", card.analysis.notes);
    assert_eq!(card.frameworks, lexicon.frameworks);

    let no_heads = Semantic { encoder: Arc::new(BagOfWords), heads: None, method: Method::Combined };
    let card = crate::analyze_with(&call(), &playbook, Some(&no_heads));
    assert_eq!(card.analysis.method, "lexicon");
    assert!(card.analysis.notes.iter().any(|n| n.contains("playbook train")));
    assert_eq!(card.frameworks, lexicon.frameworks);
}

#[test]
fn semantic_trackers_match_by_similarity_and_need_phrases_or_examples() {
    let text = include_str!("../playbook/default.toml").to_string()
        + "\n[[trackers]]\nname = \"backlog\"\nexamples = [\"the ticket backlog keeps growing\"]\nthreshold = 0.5\n";
    let playbook = Playbook::from_toml(&text).unwrap();
    let semantic = Semantic { encoder: Arc::new(BagOfWords), heads: None, method: Method::Combined };
    let card = crate::analyze_with(&call(), &playbook, Some(&semantic));
    let tracker = &card.trackers["backlog"];
    assert_eq!(tracker.count, 1, "{tracker:?}");
    assert!(tracker.evidence[0].confidence.unwrap() >= 0.5);
    // Without the model, a tracker with only examples finds nothing (and is no error).
    assert_eq!(crate::analyze(&call(), &playbook).trackers["backlog"].count, 0);
    let empty = include_str!("../playbook/default.toml").to_string() + "\n[[trackers]]\nname = \"nothing\"\n";
    assert!(Playbook::from_toml(&empty).is_err());
}

#[test]
fn shipped_heads_parse_when_present() {
    if let Some(heads) = Heads::builtin() {
        assert_eq!(heads.model, MODEL_NAME);
        assert_eq!(heads.tasks.len(), 4);
    }
}

#[test]
fn explain_gives_the_decision_analysis_makes_for_a_sentence_alone() {
    let semantic = Semantic { encoder: Arc::new(BagOfWords), heads: Some(heads()), method: Method::Combined };
    let playbook = Playbook::default();
    for text in ["It is far too expensive for a team our size.", "We already use another vendor and we are happy with them.", "The weather is lovely today."] {
        let (task, e) = explain(&semantic, &playbook, &[Task::Objections], text, Role::Customer).unwrap().remove(0);
        assert_eq!(task, Task::Objections);
        let e = e.expect("an objections head");
        assert!((e.probabilities.iter().map(|(_, p)| p).sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(e.probabilities.last().unwrap().0, "none");
        assert!(e.features_fired.is_some(), "combined heads use the lexicon features");
        let card = crate::analyze_with(&input(ClipKind::Call, &[("customer", text)]), &playbook, Some(&semantic));
        let found: Vec<String> = card.objections.iter().map(|o| serde_json::to_value(o.objection_type).unwrap().as_str().unwrap().to_string()).collect();
        assert_eq!(found, e.labels, "{text}");
    }
    let fired = explain(&semantic, &playbook, &[Task::Objections], "It is far too expensive for a team our size.", Role::Customer)
        .unwrap()
        .remove(0)
        .1
        .unwrap()
        .features_fired
        .unwrap();
    assert!(fired.contains(&"lexicon.objections.price".to_string()), "{fired:?}");
    // Without heads for the method, the lexicon decides.
    let lexicon_only = Semantic { heads: None, ..semantic };
    assert_eq!(explain(&lexicon_only, &playbook, &[Task::Spin], "How big is the team?", Role::Rep).unwrap(), vec![(Task::Spin, None)]);
}
