//! Quantizing converted models (q8_0, q5_1) the way whisper.cpp's quantize tool does: a synthetic
//! model checked tensor by tensor, and the real tiny.en when it is installed.

mod common;

use callcoach_models::quantize::NOT_QUANTIZED;
use callcoach_models::{Manifest, ModelError, Quantization, convert_ct2_to_ggml, install_in, quantize_ggml, sha256_file};
use common::*;

fn check_quantized(quantization: Quantization) {
    let tmp = tempfile::tempdir().unwrap();
    let s = Synth { d: 64, ..Synth::default() };
    write_synthetic_model(&tmp.path().join("ct2"), &s);
    let f16_path = tmp.path().join("f16.bin");
    convert_ct2_to_ggml(&tmp.path().join("ct2"), &f16_path).unwrap();
    let out = tmp.path().join("q.bin");
    let report = quantize_ggml(&f16_path, &out, quantization).unwrap();
    assert_eq!(report.sha256, sha256_file(&out).unwrap());

    let f16 = GgmlFile::read(&f16_path);
    let q = GgmlFile::read(&out);
    // Header: only ftype changes, to GGML_QNT_VERSION * 1000 + the ggml ftype.
    let expected_ftype = match quantization {
        Quantization::Q8_0 => 2007,
        Quantization::Q5_1 => 2009,
    };
    assert_eq!(q.hparams[..10], f16.hparams[..10]);
    assert_eq!(q.hparams[10], expected_ftype);
    assert_eq!((q.mel_n, q.mel_bins, &q.mel, &q.vocab), (f16.mel_n, f16.mel_bins, &f16.mel, &f16.vocab));
    assert_eq!(q.tensors.len(), f16.tensors.len());
    let mut quantized = 0;
    for (a, b) in f16.tensors.iter().zip(&q.tensors) {
        assert_eq!((&a.name, &a.ne), (&b.name, &b.ne), "same tensors in the same order");
        let should = a.ne.len() == 2 && !NOT_QUANTIZED.contains(&a.name.as_str());
        if !should {
            assert_eq!(b.ttype, a.ttype, "{} keeps its type", a.name);
            assert_eq!(f16.bytes[a.offset..a.offset + a.len], q.bytes[b.offset..b.offset + b.len], "{} copied", a.name);
            continue;
        }
        quantized += 1;
        assert_eq!(b.ttype, quantization.ggml_type(), "{} is quantized", a.name);
        let (original, restored) = (f16.values(&a.name), q.values(&b.name));
        assert_eq!(original.len(), restored.len());
        // Per block of 32, the error is at most half a quantization step.
        for (x, y) in original.chunks(32).zip(restored.chunks(32)) {
            let (lo, hi) = x.iter().fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
            let step = match quantization {
                Quantization::Q8_0 => lo.abs().max(hi.abs()) / 127.0,
                Quantization::Q5_1 => (hi - lo) / 31.0,
            };
            // Plus what rounding the scale (and q5_1's minimum) to f16 adds: 2^-11 relative.
            let f16_rounding = (127.0 * step + lo.abs()) / 2048.0;
            for (u, v) in x.iter().zip(y) {
                assert!((u - v).abs() <= step * 0.5 + f16_rounding + 1e-6, "{}: {u} became {v}", a.name);
            }
        }
    }
    assert_eq!(report.quantized_tensors, quantized);
    assert!(quantized > 10, "the weight matrices are quantized");
    // Deterministic: the same input gives the same bytes.
    let again = quantize_ggml(&f16_path, &tmp.path().join("again.bin"), quantization).unwrap();
    assert_eq!(again.sha256, report.sha256);
}

#[test]
fn synthetic_model_quantizes_to_q8_0_like_whisper_cpp() {
    check_quantized(Quantization::Q8_0);
}

#[test]
fn synthetic_model_quantizes_to_q5_1_like_whisper_cpp() {
    check_quantized(Quantization::Q5_1);
}

#[test]
fn quantizing_refuses_non_ggml_and_already_quantized_files_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let junk = tmp.path().join("junk.bin");
    std::fs::write(&junk, b"not a model at all").unwrap();
    let out = tmp.path().join("out.bin");
    assert!(matches!(quantize_ggml(&junk, &out, Quantization::Q8_0), Err(ModelError::GgmlFormat { .. })));
    assert!(!out.exists());

    let s = Synth { d: 32, ..Synth::default() };
    write_synthetic_model(&tmp.path().join("ct2"), &s);
    let f16_path = tmp.path().join("f16.bin");
    convert_ct2_to_ggml(&tmp.path().join("ct2"), &f16_path).unwrap();
    let q8 = tmp.path().join("q8.bin");
    quantize_ggml(&f16_path, &q8, Quantization::Q8_0).unwrap();
    let err = quantize_ggml(&q8, &out, Quantization::Q5_1).unwrap_err();
    assert!(err.to_string().contains("already quantized"), "{err}");
    assert!(!out.exists());
}

/// `install` of a derived entry quantizes the installed base model and checks the pinned hash.
#[test]
fn installed_tiny_en_quantizes_to_the_pinned_q8_0_and_q5_1_files() {
    let manifest = Manifest::builtin();
    let base = manifest.get("tiny.en").unwrap();
    let Some(dir) = installed_models_dir(&base.file) else {
        eprintln!("note: tiny.en not installed; skipping");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // The base model is found (and verified) in the target directory, so no download happens.
    std::fs::copy(dir.join(&base.file), tmp.path().join(&base.file)).unwrap();
    for name in ["tiny.en-q8_0", "tiny.en-q5_1"] {
        let entry = manifest.get(name).unwrap();
        let mut log = Vec::new();
        let path = install_in(&manifest, entry, tmp.path(), &mut |m: &str| log.push(m.to_owned())).unwrap();
        assert_eq!(sha256_file(&path).unwrap(), entry.sha256, "{name}");
        let f = GgmlFile::read(&path);
        assert_eq!(f.hparams[10], entry.derive.as_ref().unwrap().quantize.header_ftype());
        assert_eq!(f.tensor("encoder.blocks.0.attn.query.weight").ttype, entry.derive.as_ref().unwrap().quantize.ggml_type());
        assert_eq!(f.tensor("encoder.conv1.weight").ttype, 1);
        assert_eq!(f.tensor("encoder.positional_embedding").ttype, 0);
        assert!(log.iter().any(|m| m.contains("already installed")), "{log:?}");
        // Installing again is a no-op.
        install_in(&manifest, entry, tmp.path(), &mut |_: &str| {}).unwrap();
    }
    let sizes: Vec<u64> = ["ggml-tiny.en-q8_0.bin", "ggml-tiny.en-q5_1.bin"]
        .map(|f| std::fs::metadata(tmp.path().join(f)).unwrap().len())
        .to_vec();
    assert!(sizes[0] < 46_000_000 && sizes[1] < sizes[0], "{sizes:?}");
}
