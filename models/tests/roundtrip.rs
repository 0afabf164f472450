//! CTranslate2 reader and CTranslate2 -> GGML conversion on synthetic models built here.

mod common;

use std::path::Path;

use callcoach_models::ct2::{Ct2Model, DType};
use callcoach_models::mel::whisper_mel_filters;
use callcoach_models::{ModelError, convert_ct2_to_ggml, sha256_file};
use common::*;

#[test]
fn ct2_reader_parses_a_handful_of_variables() {
    let mut b = Ct2Builder::default();
    b.floats(
        "encoder/conv1/weight",
        &[2, 3, 3],
        CT2_F16,
        &(0..18).map(|i| i as f32 / 4.0).collect::<Vec<_>>(),
    );
    b.floats(
        "decoder/embeddings/weight",
        &[4, 2],
        CT2_F32,
        &[0.5, -1.0, 2.0, 3.25, 1e-3, 7.0, -0.0, 9.5],
    );
    b.scalar_i16("encoder/num_heads", 6);
    b.scalar_i16("decoder/alignment_layer", -1);
    b.scalar_i8("decoder/activation", 3);
    b.aliases.push((
        "decoder/projection/weight".into(),
        "decoder/embeddings/weight".into(),
    ));
    let m = Ct2Model::parse(b.bytes(), Path::new("mem.bin")).unwrap();

    assert_eq!(
        (m.version, m.spec.as_str(), m.revision),
        (6, "WhisperSpec", 3)
    );
    let summary: Vec<(&str, &[usize], DType)> = m
        .variables
        .iter()
        .map(|v| (v.name.as_str(), &v.shape[..], v.dtype))
        .collect();
    assert_eq!(
        summary,
        [
            ("encoder/conv1/weight", &[2usize, 3, 3][..], DType::F16),
            ("decoder/embeddings/weight", &[4, 2][..], DType::F32),
            ("encoder/num_heads", &[][..], DType::I16),
            ("decoder/alignment_layer", &[][..], DType::I16),
            ("decoder/activation", &[][..], DType::I8),
        ]
    );
    let conv = m.get("encoder/conv1/weight").unwrap();
    let halves: Vec<f32> = m
        .data(conv)
        .chunks_exact(2)
        .map(|c| f16_bits_to_f32(u16::from_le_bytes([c[0], c[1]])))
        .collect();
    assert_eq!(halves, (0..18).map(|i| i as f32 / 4.0).collect::<Vec<_>>());
    let proj = m.get("decoder/projection/weight").expect("alias resolves");
    assert_eq!(proj.name, "decoder/embeddings/weight");
    assert_eq!(&m.data(proj)[12..16], &3.25f32.to_le_bytes());
    assert_eq!(m.scalar_int("encoder/num_heads"), Some(6));
    assert_eq!(m.scalar_int("decoder/alignment_layer"), Some(-1));
    assert_eq!(m.scalar_int("decoder/activation"), Some(3));
    assert_eq!(m.scalar_int("decoder/embeddings/weight"), None);
    assert!(m.get("nope").is_none());
}

#[test]
fn ct2_reader_rejects_damaged_files() {
    let mut b = Ct2Builder::default();
    b.floats("a", &[2, 2], CT2_F16, &[1.0, 2.0, 3.0, 4.0]);
    let good = b.bytes();
    let parse = |bytes: Vec<u8>| Ct2Model::parse(bytes, Path::new("x/model.bin"));
    assert!(parse(good.clone()).is_ok());

    let err = parse(good[..good.len() - 3].to_vec()).unwrap_err();
    assert!(matches!(err, ModelError::Ct2Format { .. }), "{err}");
    assert!(err.to_string().contains("x/model.bin"), "{err}");

    let mut padded = good.clone();
    padded.push(0);
    assert!(
        parse(padded)
            .unwrap_err()
            .to_string()
            .contains("unexpected bytes")
    );

    let mut v5 = good.clone();
    v5[0] = 5;
    assert!(parse(v5).unwrap_err().to_string().contains("version 5"));

    let mut wrong_size = Ct2Builder::default();
    wrong_size.var("a", &[2, 2], CT2_F16, vec![0; 6]);
    assert!(
        parse(wrong_size.bytes())
            .unwrap_err()
            .to_string()
            .contains("needs 8")
    );
}

fn convert_synthetic(
    s: &Synth,
) -> (
    tempfile::TempDir,
    Ct2Builder,
    GgmlFile,
    callcoach_models::ConvertReport,
) {
    let tmp = tempfile::tempdir().unwrap();
    let ct2 = tmp.path().join("ct2");
    let b = write_synthetic_model(&ct2, s);
    let out = tmp.path().join("ggml.bin");
    let report = convert_ct2_to_ggml(&ct2, &out).unwrap();
    let f = GgmlFile::read(&out);
    (tmp, b, f, report)
}

fn check_synthetic(s: &Synth) {
    let (tmp, b, f, report) = convert_synthetic(s);
    let d = s.d as usize;

    // Header and hparams, taken from the variables.
    let want = [
        s.n_vocab() as i32,
        s.audio_ctx as i32,
        d as i32,
        i32::from(s.heads),
        s.enc_layers as i32,
        s.text_ctx as i32,
        d as i32,
        i32::from(s.heads),
        s.dec_layers as i32,
        s.n_mels as i32,
        1,
    ];
    assert_eq!(f.hparams, want);
    assert_eq!(report.hparams.as_array(), want);

    // Mel filters: whisper's 80 x 201 bank.
    assert_eq!((f.mel_n, f.mel_bins), (80, 201));
    assert_eq!(f.mel, whisper_mel_filters(80).data);

    // Vocabulary: only the ordinary tokens, as raw bytes.
    let want_vocab: Vec<Vec<u8>> = s.ordinary_tokens().into_iter().map(|(_, b)| b).collect();
    assert_eq!(f.vocab, want_vocab);
    assert_eq!(report.vocab_tokens, want_vocab.len());

    // Every tensor whisper.cpp creates, with its shape and type, nothing else.
    assert_loadable_by_whisper_cpp(&f);
    assert_eq!(report.tensors, f.tensors.len());
    assert_eq!(
        f.tensors.len(),
        7 + 15 * s.enc_layers as usize + 4 + 24 * s.dec_layers as usize
    );
    assert_eq!(f.tensors[0].name, "encoder.positional_embedding");
    assert_eq!(f.tensors.last().unwrap().name, "decoder.ln.bias");

    // Data lands where it belongs.
    let src = |n: &str| builder_values(&b, n);
    let rows = |v: Vec<f32>, r: std::ops::Range<usize>, width: usize| {
        v[r.start * width..r.end * width].to_vec()
    };
    for (g, c) in [
        ("encoder.blocks.1", "encoder/layer_1"),
        ("decoder.blocks.0", "decoder/layer_0"),
    ] {
        let w = src(&format!("{c}/self_attention/linear_0/weight"));
        let bias = src(&format!("{c}/self_attention/linear_0/bias"));
        assert_eq!(
            f.values(&format!("{g}.attn.query.weight")),
            rows(w.clone(), 0..d, d)
        );
        assert_eq!(
            f.values(&format!("{g}.attn.key.weight")),
            rows(w.clone(), d..2 * d, d)
        );
        assert_eq!(
            f.values(&format!("{g}.attn.value.weight")),
            rows(w, 2 * d..3 * d, d)
        );
        assert_eq!(f.values(&format!("{g}.attn.query.bias")), bias[..d]);
        assert_eq!(f.values(&format!("{g}.attn.value.bias")), bias[2 * d..]);
        assert_eq!(
            f.values(&format!("{g}.attn.out.weight")),
            src(&format!("{c}/self_attention/linear_1/weight"))
        );
        assert_eq!(
            f.values(&format!("{g}.attn_ln.weight")),
            src(&format!("{c}/self_attention/layer_norm/gamma"))
        );
        assert_eq!(
            f.values(&format!("{g}.attn_ln.bias")),
            src(&format!("{c}/self_attention/layer_norm/beta"))
        );
        assert_eq!(
            f.values(&format!("{g}.mlp.0.weight")),
            src(&format!("{c}/ffn/linear_0/weight"))
        );
        assert_eq!(
            f.values(&format!("{g}.mlp.2.bias")),
            src(&format!("{c}/ffn/linear_1/bias"))
        );
        assert_eq!(
            f.values(&format!("{g}.mlp_ln.bias")),
            src(&format!("{c}/ffn/layer_norm/beta"))
        );
    }
    let c = "decoder/layer_1/attention";
    let kv = src(&format!("{c}/linear_1/weight"));
    let kv_bias = src(&format!("{c}/linear_1/bias"));
    assert_eq!(
        f.values("decoder.blocks.1.cross_attn.key.weight"),
        rows(kv.clone(), 0..d, d)
    );
    assert_eq!(
        f.values("decoder.blocks.1.cross_attn.value.weight"),
        rows(kv, d..2 * d, d)
    );
    assert_eq!(
        f.values("decoder.blocks.1.cross_attn.value.bias"),
        kv_bias[d..]
    );
    assert_eq!(
        f.values("decoder.blocks.1.cross_attn.query.weight"),
        src(&format!("{c}/linear_0/weight"))
    );
    assert_eq!(
        f.values("decoder.blocks.1.cross_attn.out.bias"),
        src(&format!("{c}/linear_2/bias"))
    );
    assert_eq!(
        f.values("decoder.blocks.1.cross_attn_ln.weight"),
        src(&format!("{c}/layer_norm/gamma"))
    );
    assert_eq!(f.values("encoder.conv1.bias"), src("encoder/conv1/bias"));
    assert_eq!(
        f.values("encoder.conv2.weight"),
        src("encoder/conv2/weight")
    );
    assert_eq!(
        f.values("encoder.positional_embedding"),
        src("encoder/position_encodings/encodings")
    );
    assert_eq!(
        f.values("decoder.positional_embedding"),
        src("decoder/position_encodings/encodings")
    );
    assert_eq!(
        f.values("decoder.token_embedding.weight"),
        src("decoder/embeddings/weight")
    );
    assert_eq!(
        f.values("encoder.ln_post.weight"),
        src("encoder/layer_norm/gamma")
    );
    assert_eq!(f.values("decoder.ln.bias"), src("decoder/layer_norm/beta"));

    // The report's hash is the file's, and converting again gives the same bytes.
    let out = tmp.path().join("ggml.bin");
    assert_eq!(report.sha256, sha256_file(&out).unwrap());
    assert_eq!(report.bytes, std::fs::metadata(&out).unwrap().len());
    let again = tmp.path().join("again.bin");
    assert_eq!(
        convert_ct2_to_ggml(&tmp.path().join("ct2"), &again)
            .unwrap()
            .sha256,
        report.sha256
    );
}

#[test]
fn synthetic_f16_model_converts_to_what_whisper_cpp_loads() {
    check_synthetic(&Synth::default());
}

#[test]
fn synthetic_f32_model_is_narrowed_to_f16() {
    check_synthetic(&Synth {
        dtype: CT2_F32,
        enc_layers: 3,
        dec_layers: 2,
        d: 12,
        heads: 3,
        ..Synth::default()
    });
}

/// Writes a synthetic model, lets `edit` damage it, and returns the conversion error.
fn convert_error(edit: impl FnOnce(&mut Ct2Builder, &Path)) -> ModelError {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ct2");
    let mut b = write_synthetic_model(&dir, &Synth::default());
    edit(&mut b, &dir);
    std::fs::write(dir.join("model.bin"), b.bytes()).unwrap();
    let out = tmp.path().join("out.bin");
    let err = convert_ct2_to_ggml(&dir, &out).unwrap_err();
    assert!(!out.exists(), "partial output left behind");
    err
}

#[test]
fn conversion_refuses_what_whisper_cpp_cannot_run() {
    let err = convert_error(|b, _| {
        let v = b
            .vars
            .iter_mut()
            .find(|v| v.0 == "encoder/layer_0/ffn/linear_0/weight")
            .unwrap();
        v.2 = CT2_I8;
        v.3.truncate(v.3.len() / 2);
    });
    assert!(
        matches!(err, ModelError::Unsupported { .. }) && err.to_string().contains("quantized"),
        "{err}"
    );

    let err = convert_error(|b, _| {
        b.vars
            .retain(|v| v.0 != "decoder/layer_1/attention/linear_2/bias")
    });
    assert!(
        err.to_string()
            .contains("decoder/layer_1/attention/linear_2/bias"),
        "{err}"
    );

    let err = convert_error(|b, _| b.floats("encoder/extra/weight", &[2, 2], CT2_F16, &[0.0; 4]));
    assert!(err.to_string().contains("encoder/extra/weight"), "{err}");

    let err = convert_error(|b, _| {
        let v = b
            .vars
            .iter_mut()
            .find(|v| v.0 == "decoder/activation")
            .unwrap();
        v.3 = vec![0]; // ReLU
    });
    assert!(err.to_string().contains("GELU"), "{err}");

    let err = convert_error(|_, dir| {
        let text = std::fs::read_to_string(dir.join("vocabulary.txt")).unwrap();
        std::fs::write(
            dir.join("vocabulary.txt"),
            text.replace("<|endoftext|>", "<|eot|>"),
        )
        .unwrap();
    });
    assert!(
        matches!(err, ModelError::Vocabulary { .. }) && err.to_string().contains("endoftext"),
        "{err}"
    );

    let err = convert_error(|_, dir| {
        let text = std::fs::read_to_string(dir.join("vocabulary.txt")).unwrap();
        std::fs::write(dir.join("vocabulary.txt"), text.replace("Ġthe", "a b")).unwrap();
    });
    assert!(err.to_string().contains("not a GPT-2 byte-level"), "{err}");

    let err = convert_error(|_, dir| std::fs::remove_file(dir.join("config.json")).unwrap());
    assert!(err.to_string().contains("config.json"), "{err}");
}

#[test]
fn vocabulary_json_is_accepted_too() {
    let s = Synth::default();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ct2");
    write_synthetic_model(&dir, &s);
    let txt = std::fs::read_to_string(dir.join("vocabulary.txt")).unwrap();
    let tokens: Vec<&str> = txt.strip_suffix('\n').unwrap().split('\n').collect();
    std::fs::write(dir.join("vocabulary.json"), serde_json_array(&tokens)).unwrap();
    let via_txt = convert_ct2_to_ggml(&dir, &tmp.path().join("a.bin")).unwrap();
    std::fs::remove_file(dir.join("vocabulary.txt")).unwrap();
    let via_json = convert_ct2_to_ggml(&dir, &tmp.path().join("b.bin")).unwrap();
    assert_eq!(via_txt.sha256, via_json.sha256);
}

fn serde_json_array(items: &[&str]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out + "\""
        })
        .collect();
    format!("[{}]", quoted.join(", "))
}
