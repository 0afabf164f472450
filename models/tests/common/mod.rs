//! Test helpers written independently of the crate's own code paths:
//! * a GGML whisper file reader and the tensor table whisper.cpp's loader builds,
//! * a CTranslate2 `model.bin` writer and a synthetic Whisper model generator,
//! * IEEE half-precision helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// f16 helpers (only for values exactly representable in f16: multiples of 1/64 below 16)

/// Bits of an f32 that is exactly representable as a normal f16 or zero.
pub fn exact_f16_bits(x: f32) -> u16 {
    if x == 0.0 {
        return if x.is_sign_negative() { 0x8000 } else { 0 };
    }
    let b = x.to_bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    let exp = ((b >> 23) & 0xff) as i32 - 127 + 15;
    let man = b & 0x7f_ffff;
    assert!(
        (1..31).contains(&exp) && man & 0x1fff == 0,
        "{x} is not an exact normal f16"
    );
    sign | ((exp as u16) << 10) | (man >> 13) as u16
}

pub fn f16_bits_to_f32(h: u16) -> f32 {
    // Normal numbers and zero only, which is all the synthetic models use.
    if h & 0x7fff == 0 {
        return if h & 0x8000 != 0 { -0.0 } else { 0.0 };
    }
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    assert!(
        (1..31).contains(&exp),
        "subnormal/inf/nan half {h:#06x} in test data"
    );
    f32::from_bits(sign | ((exp + 112) << 23) | (u32::from(h & 0x3ff) << 13))
}

// ---------------------------------------------------------------------------------------------
// GGML reader

#[derive(Debug, Clone)]
pub struct GgmlTensor {
    pub name: String,
    /// ggml order: innermost dimension first.
    pub ne: Vec<i64>,
    pub ttype: i32,
    pub offset: usize,
    pub len: usize,
}

#[derive(Debug)]
pub struct GgmlFile {
    pub magic: u32,
    /// n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx,
    /// n_text_state, n_text_head, n_text_layer, n_mels, ftype
    pub hparams: [i32; 11],
    pub mel_n: i32,
    pub mel_bins: i32,
    pub mel: Vec<f32>,
    pub vocab: Vec<Vec<u8>>,
    pub tensors: Vec<GgmlTensor>,
    pub bytes: Vec<u8>,
}

fn type_size(ttype: i32) -> usize {
    match ttype {
        0 => 4,
        1 => 2,
        t => panic!("unexpected ggml type {t}"),
    }
}

/// Bytes taken by `elements` values of ggml type `ttype` (f32, f16, or the block-quantized q5_1 / q8_0).
pub fn data_size(ttype: i32, elements: usize) -> usize {
    match ttype {
        7 => elements / 32 * 24, // q5_1: f16 d, f16 m, u32 high bits, 16 bytes of nibbles
        8 => elements / 32 * 34, // q8_0: f16 d, 32 x i8
        t => elements * type_size(t),
    }
}

/// Dequantizes q8_0 (type 8) or q5_1 (type 7) data the way ggml's reference code does.
pub fn dequantize(ttype: i32, data: &[u8]) -> Vec<f32> {
    let h = |b: &[u8]| f16_bits_to_f32(u16::from_le_bytes([b[0], b[1]]));
    let mut out = Vec::new();
    match ttype {
        8 => {
            for block in data.chunks_exact(34) {
                let d = h(&block[0..2]);
                out.extend(block[2..].iter().map(|&q| d * f32::from(q as i8)));
            }
        }
        7 => {
            for block in data.chunks_exact(24) {
                let (d, m) = (h(&block[0..2]), h(&block[2..4]));
                let qh = u32::from_le_bytes(block[4..8].try_into().unwrap());
                let qs = &block[8..24];
                let mut y = [0f32; 32];
                for j in 0..16 {
                    let x0 = u32::from(qs[j] & 0x0f) | (((qh >> j) << 4) & 0x10);
                    let x1 = u32::from(qs[j] >> 4) | ((qh >> (j + 12)) & 0x10);
                    y[j] = x0 as f32 * d + m;
                    y[j + 16] = x1 as f32 * d + m;
                }
                out.extend(y);
            }
        }
        t => panic!("not a quantized type: {t}"),
    }
    out
}

impl GgmlFile {
    pub fn read(path: &Path) -> GgmlFile {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let mut pos = 0usize;
        let i32_at = |pos: &mut usize| {
            let v = i32::from_le_bytes(bytes[*pos..*pos + 4].try_into().unwrap());
            *pos += 4;
            v
        };
        let magic = i32_at(&mut pos) as u32;
        let mut hparams = [0i32; 11];
        for h in &mut hparams {
            *h = i32_at(&mut pos);
        }
        let mel_n = i32_at(&mut pos);
        let mel_bins = i32_at(&mut pos);
        let mel: Vec<f32> = (0..(mel_n * mel_bins) as usize)
            .map(|_| f32::from_bits(i32_at(&mut pos) as u32))
            .collect();
        let n_vocab = i32_at(&mut pos);
        let mut vocab = Vec::new();
        for _ in 0..n_vocab {
            let len = i32_at(&mut pos) as usize;
            vocab.push(bytes[pos..pos + len].to_vec());
            pos += len;
        }
        let mut tensors = Vec::new();
        // Like whisper_model_load: read tensor records until the end of the file.
        while pos < bytes.len() {
            let n_dims = i32_at(&mut pos);
            let name_len = i32_at(&mut pos) as usize;
            let ttype = i32_at(&mut pos);
            assert!((1..=4).contains(&n_dims), "n_dims {n_dims}");
            let ne: Vec<i64> = (0..n_dims).map(|_| i64::from(i32_at(&mut pos))).collect();
            let name = String::from_utf8(bytes[pos..pos + name_len].to_vec()).unwrap();
            pos += name_len;
            let len = data_size(ttype, ne.iter().product::<i64>() as usize);
            assert!(
                pos + len <= bytes.len(),
                "tensor {name} runs past the end of the file"
            );
            tensors.push(GgmlTensor {
                name,
                ne,
                ttype,
                offset: pos,
                len,
            });
            pos += len;
        }
        assert_eq!(pos, bytes.len());
        GgmlFile {
            magic,
            hparams,
            mel_n,
            mel_bins,
            mel,
            vocab,
            tensors,
            bytes,
        }
    }

    pub fn tensor(&self, name: &str) -> &GgmlTensor {
        self.tensors
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no tensor {name}"))
    }

    /// Tensor data as f32 values, whatever its type.
    pub fn values(&self, name: &str) -> Vec<f32> {
        let t = self.tensor(name);
        let d = &self.bytes[t.offset..t.offset + t.len];
        match t.ttype {
            0 => d
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
            1 => d
                .chunks_exact(2)
                .map(|c| f16_bits_to_f32(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
            t => dequantize(t, d),
        }
    }
}

/// The tensors whisper.cpp's `whisper_model_load` creates for these hparams, as
/// name -> (ggml type, ne[0..3]); transcribed from whisper.cpp 1.8.3 `src/whisper.cpp` and
/// `src/whisper-arch.h` (the file must contain each exactly once, with this shape; the loader
/// accepts any type of the same byte size, we require exactly what convert-pt-to-ggml writes).
pub fn whisper_cpp_tensors(h: &[i32; 11]) -> BTreeMap<String, (i32, [i64; 3])> {
    const F32: i32 = 0;
    let wtype = match h[10] {
        0 => 0,
        1 => 1,
        f => panic!("ftype {f}"),
    };
    let vtype = wtype; // conv weights: f32 if wtype is f32, else f16
    let [
        n_vocab,
        n_audio_ctx,
        n_audio_state,
        _,
        n_audio_layer,
        n_text_ctx,
        n_text_state,
        _,
        n_text_layer,
        n_mels,
        _,
    ] = h.map(i64::from);
    let mut m = BTreeMap::new();
    let mut add = |name: String, t: i32, ne: &[i64]| {
        let mut full = [1i64; 3];
        full[..ne.len()].copy_from_slice(ne);
        assert!(m.insert(name, (t, full)).is_none());
    };
    let (a, t) = (n_audio_state, n_text_state);
    add(
        "encoder.positional_embedding".into(),
        F32,
        &[a, n_audio_ctx],
    );
    add("encoder.conv1.weight".into(), vtype, &[3, n_mels, a]);
    add("encoder.conv1.bias".into(), F32, &[1, a]);
    add("encoder.conv2.weight".into(), vtype, &[3, a, a]);
    add("encoder.conv2.bias".into(), F32, &[1, a]);
    add("encoder.ln_post.weight".into(), F32, &[a]);
    add("encoder.ln_post.bias".into(), F32, &[a]);
    let block = |add: &mut dyn FnMut(String, i32, &[i64]), p: &str, s: i64| {
        add(format!("{p}.mlp_ln.weight"), F32, &[s]);
        add(format!("{p}.mlp_ln.bias"), F32, &[s]);
        add(format!("{p}.mlp.0.weight"), wtype, &[s, 4 * s]);
        add(format!("{p}.mlp.0.bias"), F32, &[4 * s]);
        add(format!("{p}.mlp.2.weight"), wtype, &[4 * s, s]);
        add(format!("{p}.mlp.2.bias"), F32, &[s]);
        add(format!("{p}.attn_ln.weight"), F32, &[s]);
        add(format!("{p}.attn_ln.bias"), F32, &[s]);
    };
    let attn = |add: &mut dyn FnMut(String, i32, &[i64]), p: &str, s: i64| {
        add(format!("{p}.query.weight"), wtype, &[s, s]);
        add(format!("{p}.query.bias"), F32, &[s]);
        add(format!("{p}.key.weight"), wtype, &[s, s]);
        add(format!("{p}.value.weight"), wtype, &[s, s]);
        add(format!("{p}.value.bias"), F32, &[s]);
        add(format!("{p}.out.weight"), wtype, &[s, s]);
        add(format!("{p}.out.bias"), F32, &[s]);
    };
    for i in 0..n_audio_layer {
        let p = format!("encoder.blocks.{i}");
        block(&mut add, &p, a);
        attn(&mut add, &format!("{p}.attn"), a);
    }
    add("decoder.positional_embedding".into(), F32, &[t, n_text_ctx]);
    add(
        "decoder.token_embedding.weight".into(),
        wtype,
        &[t, n_vocab],
    );
    add("decoder.ln.weight".into(), F32, &[t]);
    add("decoder.ln.bias".into(), F32, &[t]);
    for i in 0..n_text_layer {
        let p = format!("decoder.blocks.{i}");
        block(&mut add, &p, t);
        attn(&mut add, &format!("{p}.attn"), t);
        add(format!("{p}.cross_attn_ln.weight"), F32, &[t]);
        add(format!("{p}.cross_attn_ln.bias"), F32, &[t]);
        attn(&mut add, &format!("{p}.cross_attn"), t);
    }
    m
}

/// Checks a converted file against what whisper.cpp's loader expects, the way the loader does
/// (and a little more strictly).
pub fn assert_loadable_by_whisper_cpp(f: &GgmlFile) {
    assert_eq!(f.magic, 0x6767_6d6c, "magic");
    let h = f.hparams;
    assert_eq!(
        h[2], h[6],
        "whisper.cpp asserts n_text_state == n_audio_state"
    );
    assert_eq!(h[10], 1, "ftype should be 1 (mostly f16)");
    assert_eq!(
        (f.mel_n, f.mel_bins),
        (h[9], 201),
        "mel filter table is n_mels x 201"
    );
    assert!(
        f.vocab.len() as i32 <= h[0],
        "vocabulary longer than n_vocab"
    );
    let expected = whisper_cpp_tensors(&h);
    let mut seen = std::collections::HashSet::new();
    for t in &f.tensors {
        let (ty, ne) = expected
            .get(&t.name)
            .unwrap_or_else(|| panic!("unknown tensor '{}' in model file", t.name));
        assert!(
            seen.insert(t.name.clone()),
            "tensor {} written twice",
            t.name
        );
        let mut got = [1i64; 3];
        got[..t.ne.len()].copy_from_slice(&t.ne);
        assert_eq!(&got, ne, "shape of {}", t.name);
        assert_eq!(t.ttype, *ty, "type of {}", t.name);
        assert_eq!(
            t.len,
            ne.iter().product::<i64>() as usize * type_size(*ty),
            "size of {}",
            t.name
        );
    }
    assert_eq!(seen.len(), expected.len(), "not all tensors present");
}

// ---------------------------------------------------------------------------------------------
// CTranslate2 writer

pub const CT2_F32: u8 = 0;
pub const CT2_I8: u8 = 1;
pub const CT2_I16: u8 = 2;
pub const CT2_F16: u8 = 4;

#[derive(Default, Clone)]
pub struct Ct2Builder {
    pub vars: Vec<(String, Vec<u32>, u8, Vec<u8>)>,
    pub aliases: Vec<(String, String)>,
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&((s.len() + 1) as u16).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

impl Ct2Builder {
    pub fn var(&mut self, name: &str, shape: &[u32], dtype: u8, data: Vec<u8>) {
        self.vars
            .push((name.to_owned(), shape.to_vec(), dtype, data));
    }

    pub fn floats(&mut self, name: &str, shape: &[u32], dtype: u8, values: &[f32]) {
        let data = match dtype {
            CT2_F16 => values
                .iter()
                .flat_map(|&v| exact_f16_bits(v).to_le_bytes())
                .collect(),
            CT2_F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            d => panic!("dtype {d}"),
        };
        self.var(name, shape, dtype, data);
    }

    pub fn scalar_i16(&mut self, name: &str, v: i16) {
        self.var(name, &[], CT2_I16, v.to_le_bytes().to_vec());
    }

    pub fn scalar_i8(&mut self, name: &str, v: i8) {
        self.var(name, &[], CT2_I8, vec![v as u8]);
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&6u32.to_le_bytes());
        put_str(&mut out, "WhisperSpec");
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(self.vars.len() as u32).to_le_bytes());
        for (name, shape, dtype, data) in &self.vars {
            put_str(&mut out, name);
            out.push(shape.len() as u8);
            for d in shape {
                out.extend_from_slice(&d.to_le_bytes());
            }
            out.push(*dtype);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(data);
        }
        out.extend_from_slice(&(self.aliases.len() as u32).to_le_bytes());
        for (a, t) in &self.aliases {
            put_str(&mut out, a);
            put_str(&mut out, t);
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic Whisper model

#[derive(Clone, Copy, Debug)]
pub struct Synth {
    pub d: u32,
    pub heads: i16,
    pub n_mels: u32,
    pub enc_layers: u32,
    pub dec_layers: u32,
    pub audio_ctx: u32,
    pub text_ctx: u32,
    /// Number of ordinary tokens (before <|endoftext|>).
    pub ordinary: u32,
    /// Special tokens after them (including <|endoftext|>).
    pub specials: u32,
    pub dtype: u8,
}

impl Default for Synth {
    fn default() -> Self {
        Synth {
            d: 8,
            heads: 2,
            n_mels: 80,
            enc_layers: 2,
            dec_layers: 2,
            audio_ctx: 6,
            text_ctx: 5,
            ordinary: 7,
            specials: 3,
            dtype: CT2_F16,
        }
    }
}

impl Synth {
    pub fn n_vocab(&self) -> u32 {
        self.ordinary + self.specials
    }

    /// The ordinary tokens in byte-level form and the raw bytes they stand for.
    pub fn ordinary_tokens(&self) -> Vec<(String, Vec<u8>)> {
        let base: [(&str, &[u8]); 7] = [
            ("!", b"!"),
            ("Ġthe", b" the"),
            ("", b""),
            ("Ċ", b"\n"),
            ("ĠÃ©t", " ét".as_bytes()),
            ("Ā", b"\0"),
            ("ÿ", b"\xff"),
        ];
        (0..self.ordinary as usize)
            .map(|i| {
                let (s, b) = base[i % base.len()];
                // Keep them distinct like a real vocabulary.
                if i < base.len() {
                    (s.to_owned(), b.to_vec())
                } else {
                    (format!("{s}{i}"), [b, i.to_string().as_bytes()].concat())
                }
            })
            .collect()
    }
}

/// Deterministic, distinct, f16-exact value for element `i` of variable number `v`.
pub fn synth_value(v: usize, i: usize) -> f32 {
    ((v * 131 + i * 7) % 2001) as f32 / 64.0 - 15.625
}

/// Builds the CTranslate2 variables of a Whisper model with the given sizes, every element
/// distinct-ish so that misplaced data shows.
pub fn synth_builder(s: &Synth) -> Ct2Builder {
    let mut b = Ct2Builder::default();
    let d = s.d;
    let mut counter = 0usize;
    let mut add = |b: &mut Ct2Builder, name: &str, shape: &[u32]| {
        counter += 1;
        let n: u32 = shape.iter().product();
        let vals: Vec<f32> = (0..n as usize).map(|i| synth_value(counter, i)).collect();
        b.floats(name, shape, s.dtype, &vals);
    };
    let ln = |b: &mut Ct2Builder, add: &mut dyn FnMut(&mut Ct2Builder, &str, &[u32]), p: &str| {
        add(b, &format!("{p}/gamma"), &[d]);
        add(b, &format!("{p}/beta"), &[d]);
    };
    let lin = |b: &mut Ct2Builder,
               add: &mut dyn FnMut(&mut Ct2Builder, &str, &[u32]),
               p: &str,
               o: u32,
               i: u32| {
        add(b, &format!("{p}/weight"), &[o, i]);
        add(b, &format!("{p}/bias"), &[o]);
    };
    b.scalar_i8("decoder/activation", 3);
    b.scalar_i8("decoder/alibi", 0);
    b.scalar_i16("decoder/alignment_heads", 1);
    b.scalar_i16("decoder/alignment_layer", -1);
    add(&mut b, "decoder/embeddings/weight", &[s.n_vocab(), d]);
    for l in 0..s.dec_layers {
        let p = format!("decoder/layer_{l}");
        ln(&mut b, &mut add, &format!("{p}/attention/layer_norm"));
        lin(&mut b, &mut add, &format!("{p}/attention/linear_0"), d, d);
        lin(
            &mut b,
            &mut add,
            &format!("{p}/attention/linear_1"),
            2 * d,
            d,
        );
        lin(&mut b, &mut add, &format!("{p}/attention/linear_2"), d, d);
        ln(&mut b, &mut add, &format!("{p}/ffn/layer_norm"));
        lin(&mut b, &mut add, &format!("{p}/ffn/linear_0"), 4 * d, d);
        lin(&mut b, &mut add, &format!("{p}/ffn/linear_1"), d, 4 * d);
        ln(&mut b, &mut add, &format!("{p}/self_attention/layer_norm"));
        lin(
            &mut b,
            &mut add,
            &format!("{p}/self_attention/linear_0"),
            3 * d,
            d,
        );
        lin(
            &mut b,
            &mut add,
            &format!("{p}/self_attention/linear_1"),
            d,
            d,
        );
    }
    ln(&mut b, &mut add, "decoder/layer_norm");
    b.scalar_i16("decoder/num_heads", s.heads);
    add(
        &mut b,
        "decoder/position_encodings/encodings",
        &[s.text_ctx, d],
    );
    b.scalar_i8("decoder/pre_norm", 1);
    b.scalar_i8("decoder/scale_embeddings", 0);
    b.scalar_i8("decoder/start_from_zero_embedding", 0);
    add(&mut b, "encoder/conv1/bias", &[d]);
    add(&mut b, "encoder/conv1/weight", &[d, s.n_mels, 3]);
    add(&mut b, "encoder/conv2/bias", &[d]);
    add(&mut b, "encoder/conv2/weight", &[d, d, 3]);
    for l in 0..s.enc_layers {
        let p = format!("encoder/layer_{l}");
        ln(&mut b, &mut add, &format!("{p}/ffn/layer_norm"));
        lin(&mut b, &mut add, &format!("{p}/ffn/linear_0"), 4 * d, d);
        lin(&mut b, &mut add, &format!("{p}/ffn/linear_1"), d, 4 * d);
        ln(&mut b, &mut add, &format!("{p}/self_attention/layer_norm"));
        lin(
            &mut b,
            &mut add,
            &format!("{p}/self_attention/linear_0"),
            3 * d,
            d,
        );
        lin(
            &mut b,
            &mut add,
            &format!("{p}/self_attention/linear_1"),
            d,
            d,
        );
    }
    ln(&mut b, &mut add, "encoder/layer_norm");
    b.scalar_i16("encoder/num_heads", s.heads);
    add(
        &mut b,
        "encoder/position_encodings/encodings",
        &[s.audio_ctx, d],
    );
    b.aliases.push((
        "decoder/projection/weight".into(),
        "decoder/embeddings/weight".into(),
    ));
    b
}

/// Writes vocabulary.txt (byte-level tokens, then specials) and config.json into `dir`.
pub fn write_vocab_and_config(dir: &Path, s: &Synth) {
    let mut lines: Vec<String> = s.ordinary_tokens().into_iter().map(|(t, _)| t).collect();
    lines.push("<|endoftext|>".into());
    for i in 1..s.specials {
        lines.push(format!("<|special{i}|>"));
    }
    std::fs::write(dir.join("vocabulary.txt"), lines.join("\n") + "\n").unwrap();
    std::fs::write(
        dir.join("config.json"),
        r#"{"alignment_heads": [[0, 0]], "lang_ids": []}"#,
    )
    .unwrap();
}

/// A complete synthetic CTranslate2 model directory.
pub fn write_synthetic_model(dir: &Path, s: &Synth) -> Ct2Builder {
    std::fs::create_dir_all(dir).unwrap();
    let b = synth_builder(s);
    std::fs::write(dir.join("model.bin"), b.bytes()).unwrap();
    write_vocab_and_config(dir, s);
    b
}

/// Looks a variable of the builder up and decodes it to f32.
pub fn builder_values(b: &Ct2Builder, name: &str) -> Vec<f32> {
    let (_, _, dtype, data) = b
        .vars
        .iter()
        .find(|v| v.0 == name)
        .unwrap_or_else(|| panic!("no {name}"));
    match *dtype {
        CT2_F16 => data
            .chunks_exact(2)
            .map(|c| f16_bits_to_f32(u16::from_le_bytes([c[0], c[1]])))
            .collect(),
        CT2_F32 => data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect(),
        d => panic!("dtype {d}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Installed models

/// Where an installed model might be: `$CALLCOACH_MODELS`, then `models/weights/`.
pub fn installed_models_dir(file: &str) -> Option<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("CALLCOACH_MODELS") {
        dirs.push(PathBuf::from(d));
    }
    dirs.push(Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")).join("weights"));
    dirs.into_iter().find(|d| d.join(file).is_file())
}
