//! Checks on the real installed models, when they are present (`$CALLCOACH_MODELS` or
//! `models/weights/`); skipped with a note otherwise. Install them with
//! `cargo run --release -p callcoach-models --example install -- tiny.en models/weights`.

mod common;

use callcoach_models::mel::whisper_mel_filters;
use callcoach_models::{Manifest, resolve, verify};
use common::*;

/// n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx, n_text_state,
/// n_text_head, n_text_layer, n_mels, ftype of OpenAI's published model dimensions.
const TINY_EN: [i32; 11] = [51864, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1];
const BASE: [i32; 11] = [51865, 1500, 512, 8, 6, 448, 512, 8, 6, 80, 1];

/// `the_id`: id of the token " the" (rank in OpenAI's gpt2.tiktoken / multilingual.tiktoken).
fn check_installed(name: &str, hparams: [i32; 11], ordinary_tokens: usize, the_id: usize) {
    let manifest = Manifest::builtin();
    let entry = manifest.get(name).unwrap();
    let Some(dir) = installed_models_dir(&entry.file) else {
        eprintln!(
            "note: {} not installed ($CALLCOACH_MODELS or models/weights); skipping. Install with \
             `cargo run --release -p callcoach-models --example install -- {name} models/weights`",
            entry.file
        );
        return;
    };
    verify(entry, &dir).unwrap();
    let f = GgmlFile::read(&resolve(entry, &dir).unwrap());
    assert_eq!(f.hparams, hparams);
    assert_loadable_by_whisper_cpp(&f);
    assert_eq!(f.mel, whisper_mel_filters(80).data);
    assert_eq!(f.vocab.len(), ordinary_tokens);
    assert_eq!(f.vocab[0], b"!");
    assert_eq!(f.vocab[the_id], b" the");
    if ordinary_tokens == 50257 {
        assert_eq!(f.vocab[50256], b"");
    }
    // Conv biases became (d, 1) f32 matrices.
    assert_eq!(
        f.tensor("encoder.conv1.bias").ne,
        [1, i64::from(hparams[2])]
    );
}

#[test]
fn installed_tiny_en_verifies_and_has_whisper_cpp_layout() {
    check_installed("tiny.en", TINY_EN, 50256, 262);
}

#[test]
fn installed_base_verifies_and_has_whisper_cpp_layout() {
    // The multilingual vocabulary's last ordinary token (50256) is the empty string, as a
    // comment in whisper.cpp's loader notes; it is kept so ids line up.
    check_installed("base", BASE, 50257, 264);
}
