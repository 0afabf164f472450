//! The real model, when installed (`$CALLCOACH_MODELS/all-minilm-l6-v2`, or `models/weights/` of the
//! checkout); skipped with a note otherwise. `scripts/test.sh` installs it, so there it always runs.

use std::path::PathBuf;

use callcoach_embed::{DIMENSIONS, Embedder, cosine};

fn model_dir() -> Option<PathBuf> {
    let models = std::env::var_os("CALLCOACH_MODELS").map(PathBuf::from).unwrap_or_else(|| {
        // Read at run time: the checkout's models/weights.
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")).join("../../models/weights")
    });
    let dir = models.join("all-minilm-l6-v2");
    if dir.join("model.safetensors").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "note: all-minilm-l6-v2 is not installed in {}; skipping. Install it with \
             `callcoach models install all-minilm-l6-v2` (scripts/setup.sh does)",
            models.display()
        );
        None
    }
}

#[test]
fn vectors_are_unit_length_ordered_by_meaning_and_independent_of_batching() {
    let Some(dir) = model_dir() else { return };
    let embedder = Embedder::load(&dir, 2).unwrap();
    assert_eq!(embedder.dimensions(), DIMENSIONS);
    let sentences = [
        "What would it mean for your team if onboarding took half the time?",
        "How would cutting onboarding time in half help your team?",
        "The weather in Lisbon was sunny all week.",
        "We already use another vendor for this and we're happy with them.",
        "Honestly, it's more than we budgeted for this year.",
        "ok",
    ];
    let vectors = embedder.embed(&sentences).unwrap();
    assert_eq!(vectors.len(), sentences.len());
    for v in &vectors {
        assert_eq!(v.len(), DIMENSIONS);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    let paraphrase = cosine(&vectors[0], &vectors[1]);
    let unrelated = cosine(&vectors[0], &vectors[2]);
    assert!(paraphrase > 0.6, "paraphrase cosine {paraphrase}");
    assert!(paraphrase > unrelated + 0.3, "paraphrase {paraphrase} vs unrelated {unrelated}");
    // A sentence alone and inside a padded batch of longer and shorter ones: the same vector.
    for (i, sentence) in sentences.iter().enumerate() {
        let alone = &embedder.embed(&[*sentence]).unwrap()[0];
        let c = cosine(alone, &vectors[i]);
        assert!(c > 0.99999, "sentence {i}: cosine {c} alone vs batched");
    }
    // Deterministic: the same input gives the same bits.
    assert_eq!(embedder.embed(&sentences).unwrap(), vectors);
    assert!(embedder.embed::<&str>(&[]).unwrap().is_empty());
}
