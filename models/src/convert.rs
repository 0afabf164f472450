//! CTranslate2 Whisper model -> whisper.cpp GGML f16 file.
//!
//! The output is what whisper.cpp's `models/convert-pt-to-ggml.py` writes for OpenAI's PyTorch
//! checkpoint (default f16 mode): same header, same mel filters, same vocabulary, same tensor
//! names, shapes, types and order (PyTorch `state_dict` order).
//!
//! What differs between the two weight layouts, and what this module does about it:
//! * names: CTranslate2 `encoder/layer_0/ffn/linear_0/weight` is whisper `encoder.blocks.0.mlp.0.weight`
//!   (full table in the comment on `plan`);
//! * CTranslate2 fuses self-attention query/key/value into one `3d x d` matrix (`linear_0`), and
//!   cross-attention key/value into one `2d x d` matrix (`linear_1`): they are split by rows,
//!   in that order;
//! * whisper has no key bias; CTranslate2 stores zeros in its place when fusing. It is dropped.
//!   (Even a non-zero key bias would not matter: it adds the same `q . b_k` to every attention
//!   logit of a query, and softmax ignores such a shift.)
//! * conv biases become `(d, 1)` matrices;
//! * tensor types follow convert-pt-to-ggml.py: 1-D tensors (biases, layer norms), conv biases and
//!   positional embeddings are f32, every other matrix f16 (`ftype` = 1).
//! * `decoder/projection/weight` is an alias of the token embedding (tied weights), which is how
//!   whisper.cpp uses it anyway, so nothing is written for it.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::Path;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::ct2::{Ct2Model, DType, Variable};
use crate::error::{ModelError, Result};
use crate::f16::{bf16_to_f32, f16_to_f32, f32_to_f16};
use crate::ggml::{GgmlType, GgmlWriter, Hparams};
use crate::mel::whisper_mel_filters;
use crate::vocab::{END_OF_TEXT, ordinary_token_bytes, read_vocabulary};

/// What a conversion produced.
#[derive(Debug, Clone)]
pub struct ConvertReport {
    pub hparams: Hparams,
    /// Number of tensors written.
    pub tensors: usize,
    /// Number of (ordinary) tokens written.
    pub vocab_tokens: usize,
    /// Size of the output file.
    pub bytes: u64,
    /// Lowercase hex SHA-256 of the output file.
    pub sha256: String,
    pub elapsed: Duration,
}

/// Converts the CTranslate2 Whisper model in `ct2_dir` (`model.bin`, `config.json`,
/// `vocabulary.txt` or `vocabulary.json`) into a GGML f16 file at `out`, which is created or
/// truncated, flushed and fsynced. On error, a partial `out` is removed.
pub fn convert_ct2_to_ggml(ct2_dir: &Path, out: &Path) -> Result<ConvertReport> {
    let start = Instant::now();
    let file = File::create(out).map_err(|e| ModelError::io("cannot create", out, e))?;
    let result = (|| {
        let sink = HashingWriter {
            inner: BufWriter::with_capacity(1 << 20, file),
            hash: Sha256::new(),
        };
        let (summary, sink) = convert_to_writer(ct2_dir, sink, out)?;
        let HashingWriter { inner, hash } = sink;
        let file = inner
            .into_inner()
            .map_err(|e| ModelError::io("cannot write", out, e.into_error()))?;
        file.sync_all()
            .map_err(|e| ModelError::io("cannot fsync", out, e))?;
        Ok(ConvertReport {
            hparams: summary.hparams,
            tensors: summary.tensors,
            vocab_tokens: summary.vocab_tokens,
            bytes: summary.bytes,
            sha256: hex::encode(hash.finalize()),
            elapsed: start.elapsed(),
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(out);
    }
    result
}

struct Summary {
    hparams: Hparams,
    tensors: usize,
    vocab_tokens: usize,
    bytes: u64,
}

/// Converts into any writer; `out_path` only names the destination in I/O errors.
fn convert_to_writer<W: Write>(ct2_dir: &Path, sink: W, out_path: &Path) -> Result<(Summary, W)> {
    let model_path = ct2_dir.join("model.bin");
    let model = Ct2Model::read(&model_path)?;
    check_config(&ct2_dir.join("config.json"))?;
    let hparams = hparams(&model)?;
    let (vocab_path, tokens) = read_vocabulary(ct2_dir)?;
    let ordinary = check_vocabulary(&hparams, &tokens, &vocab_path)?;
    let plan = plan(&model, &hparams)?;
    let mel = whisper_mel_filters(hparams.n_mels as usize);

    let werr = |e| ModelError::io("cannot write", out_path, e);
    let mut w = GgmlWriter::new(sink);
    w.header(&hparams).map_err(werr)?;
    w.mel_filters(&mel).map_err(werr)?;
    w.vocab(&ordinary).map_err(werr)?;
    let mut buf = Vec::new();
    for t in &plan {
        w.tensor_header(&t.name, &t.shape, t.ttype).map_err(werr)?;
        let elem = t.var.dtype.size();
        let data = &model.data(t.var)[t.elements.start * elem..t.elements.end * elem];
        match (t.var.dtype, t.ttype) {
            (DType::F16, GgmlType::F16) | (DType::F32, GgmlType::F32) => w.raw(data),
            (src, dst) => {
                buf.clear();
                buf.reserve(t.elements.len() * dst.size());
                for chunk in data.chunks_exact(elem) {
                    let x = match src {
                        DType::F16 => f16_to_f32(u16::from_le_bytes([chunk[0], chunk[1]])),
                        DType::BF16 => bf16_to_f32(u16::from_le_bytes([chunk[0], chunk[1]])),
                        DType::F32 => f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]),
                        _ => unreachable!("plan() admits only float variables"),
                    };
                    match dst {
                        GgmlType::F32 => buf.extend_from_slice(&x.to_le_bytes()),
                        GgmlType::F16 => buf.extend_from_slice(&f32_to_f16(x).to_le_bytes()),
                    }
                }
                w.raw(&buf)
            }
        }
        .map_err(werr)?;
    }
    let bytes = w.bytes_written();
    let summary = Summary {
        hparams,
        tensors: plan.len(),
        vocab_tokens: ordinary.len(),
        bytes,
    };
    Ok((summary, w.into_inner()))
}

/// `config.json` holds only decoding hints (alignment heads, suppressed and language token ids);
/// the architecture comes from the weights. It must still be there and be a JSON object, as a
/// sign that the directory really is a CTranslate2 Whisper model.
fn check_config(path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|e| ModelError::io("cannot read", path, e))?;
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err(ModelError::Ct2Format {
            path: path.to_owned(),
            detail: "is not a JSON object".into(),
        }),
        Err(e) => Err(ModelError::Ct2Format {
            path: path.to_owned(),
            detail: format!("is not valid JSON: {e}"),
        }),
    }
}

fn unsupported(model: &Ct2Model, detail: String) -> ModelError {
    ModelError::Unsupported {
        path: model.path.clone(),
        detail,
    }
}

fn var<'m>(model: &'m Ct2Model, name: &str) -> Result<&'m Variable> {
    model
        .get(name)
        .ok_or_else(|| unsupported(model, format!("has no variable `{name}`")))
}

fn shape2(model: &Ct2Model, name: &str) -> Result<[usize; 2]> {
    let v = var(model, name)?;
    match v.shape[..] {
        [a, b] => Ok([a, b]),
        _ => Err(unsupported(
            model,
            format!("`{name}` has shape {:?}, expected 2 dimensions", v.shape),
        )),
    }
}

fn count_layers(model: &Ct2Model, stack: &str) -> Result<usize> {
    let prefix = format!("{stack}/layer_");
    let ids: HashSet<usize> = model
        .variables
        .iter()
        .filter_map(|v| {
            v.name
                .strip_prefix(&prefix)?
                .split('/')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    let n = ids.len();
    if n == 0 || (0..n).any(|i| !ids.contains(&i)) {
        return Err(unsupported(
            model,
            format!("{stack} layers are not numbered 0..n: {ids:?}"),
        ));
    }
    Ok(n)
}

/// Hyperparameters from the variables themselves.
fn hparams(model: &Ct2Model) -> Result<Hparams> {
    if model.spec != "WhisperSpec" {
        return Err(unsupported(
            model,
            format!("is a {} model, not a WhisperSpec one", model.spec),
        ));
    }
    let [n_audio_ctx, n_audio_state] = shape2(model, "encoder/position_encodings/encodings")?;
    let [n_text_ctx, n_text_state] = shape2(model, "decoder/position_encodings/encodings")?;
    let [n_vocab, emb_state] = shape2(model, "decoder/embeddings/weight")?;
    let conv1 = var(model, "encoder/conv1/weight")?;
    let n_mels = match conv1.shape[..] {
        [d, m, 3] if d == n_audio_state => m,
        _ => {
            return Err(unsupported(
                model,
                format!(
                    "encoder/conv1/weight has shape {:?}, expected [{n_audio_state}, n_mels, 3]",
                    conv1.shape
                ),
            ));
        }
    };
    if n_text_state != n_audio_state || emb_state != n_text_state {
        return Err(unsupported(
            model,
            format!(
                "encoder width {n_audio_state}, decoder width {n_text_state} and embedding width \
                 {emb_state} differ; whisper.cpp needs them equal"
            ),
        ));
    }
    let heads = |name: &str| -> Result<usize> {
        match model.scalar_int(name) {
            Some(h) if h > 0 && n_audio_state % h as usize == 0 => Ok(h as usize),
            Some(h) => Err(unsupported(
                model,
                format!("`{name}` = {h} does not divide width {n_audio_state}"),
            )),
            None => Err(unsupported(
                model,
                format!("has no integer scalar `{name}`"),
            )),
        }
    };
    // Numerics whisper.cpp hard-codes; refuse models that differ rather than produce garbage.
    let expect_flag = |name: &str, want: i64, meaning: &str| -> Result<()> {
        match model.scalar_int(name) {
            Some(v) if v != want => Err(unsupported(
                model,
                format!("`{name}` = {v}, but whisper.cpp assumes {meaning}"),
            )),
            _ => Ok(()),
        }
    };
    expect_flag("decoder/activation", 3, "GELU (3)")?;
    expect_flag("decoder/scale_embeddings", 0, "unscaled embeddings (0)")?;
    expect_flag("decoder/pre_norm", 1, "pre-norm layers (1)")?;
    expect_flag("decoder/alibi", 0, "no ALiBi (0)")?;

    let int = |v: usize, what: &str| {
        i32::try_from(v).map_err(|_| unsupported(model, format!("{what} {v} does not fit in i32")))
    };
    Ok(Hparams {
        n_vocab: int(n_vocab, "n_vocab")?,
        n_audio_ctx: int(n_audio_ctx, "n_audio_ctx")?,
        n_audio_state: int(n_audio_state, "n_audio_state")?,
        n_audio_head: int(heads("encoder/num_heads")?, "n_audio_head")?,
        n_audio_layer: int(count_layers(model, "encoder")?, "n_audio_layer")?,
        n_text_ctx: int(n_text_ctx, "n_text_ctx")?,
        n_text_state: int(n_text_state, "n_text_state")?,
        n_text_head: int(heads("decoder/num_heads")?, "n_text_head")?,
        n_text_layer: int(count_layers(model, "decoder")?, "n_text_layer")?,
        n_mels: int(n_mels, "n_mels")?,
        ftype: 1,
    })
}

/// The ordinary tokens as bytes, after checking the vocabulary fits the model.
fn check_vocabulary(h: &Hparams, tokens: &[String], path: &Path) -> Result<Vec<Vec<u8>>> {
    let verr = |detail: String| ModelError::Vocabulary {
        path: path.to_owned(),
        detail,
    };
    if tokens.len() != h.n_vocab as usize {
        return Err(verr(format!(
            "has {} tokens but the model's embedding has {} rows",
            tokens.len(),
            h.n_vocab
        )));
    }
    let ordinary = ordinary_token_bytes(tokens, path)?;
    // whisper.cpp does not read special token ids from the file: it assumes <|endoftext|> is
    // 50256 (English-only, n_vocab 51864) or 50257 (multilingual). Check real-sized vocabularies.
    if h.n_vocab >= 51864 {
        let want = 50256 + usize::from(h.is_multilingual());
        if ordinary.len() != want {
            return Err(verr(format!(
                "{END_OF_TEXT} is token {} but whisper.cpp assumes {want} for n_vocab {}",
                ordinary.len(),
                h.n_vocab
            )));
        }
    }
    Ok(ordinary)
}

/// One tensor of the output file.
struct Planned<'m> {
    name: String,
    /// PyTorch-order shape as written (after any reshape).
    shape: Vec<usize>,
    ttype: GgmlType,
    var: &'m Variable,
    /// Element range of `var` holding this tensor's data.
    elements: Range<usize>,
}

struct Planner<'m> {
    model: &'m Ct2Model,
    used: HashSet<&'m str>,
    out: Vec<Planned<'m>>,
}

/// convert-pt-to-ggml.py's type rule for f16 output.
fn ggml_type_for(name: &str, n_dims: usize) -> GgmlType {
    let f32_always = matches!(
        name,
        "encoder.conv1.bias"
            | "encoder.conv2.bias"
            | "encoder.positional_embedding"
            | "decoder.positional_embedding"
    );
    if n_dims < 2 || f32_always {
        GgmlType::F32
    } else {
        GgmlType::F16
    }
}

impl<'m> Planner<'m> {
    fn source(&mut self, ct2: &str, expected: &[usize]) -> Result<&'m Variable> {
        let v = var(self.model, ct2)?;
        if v.shape != expected {
            return Err(unsupported(
                self.model,
                format!(
                    "`{ct2}` has shape {:?}, but whisper.cpp needs {expected:?}",
                    v.shape
                ),
            ));
        }
        if !matches!(v.dtype, DType::F16 | DType::F32 | DType::BF16) {
            return Err(unsupported(
                self.model,
                format!(
                    "`{ct2}` is {:?}: quantized CTranslate2 models cannot be converted; use a \
                     float16 or float32 one",
                    v.dtype
                ),
            ));
        }
        self.used.insert(v.name.as_str());
        Ok(v)
    }

    /// Whole variable, optionally reshaped to `shape` (same element count).
    fn whole(
        &mut self,
        name: &str,
        ct2: &str,
        expected: &[usize],
        shape: Option<&[usize]>,
    ) -> Result<()> {
        let var = self.source(ct2, expected)?;
        let shape = shape.unwrap_or(expected).to_vec();
        let ttype = ggml_type_for(name, shape.len());
        self.out.push(Planned {
            name: name.to_owned(),
            shape,
            ttype,
            var,
            elements: 0..var.num_elements(),
        });
        Ok(())
    }

    /// Rows `rows` (of the outermost dimension) of a fused variable.
    fn rows(
        &mut self,
        name: &str,
        ct2: &str,
        expected: &[usize],
        rows: Range<usize>,
    ) -> Result<()> {
        let var = self.source(ct2, expected)?;
        let row_len: usize = expected[1..].iter().product();
        let mut shape = expected.to_vec();
        shape[0] = rows.len();
        let ttype = ggml_type_for(name, shape.len());
        let elements = rows.start * row_len..rows.end * row_len;
        self.out.push(Planned {
            name: name.to_owned(),
            shape,
            ttype,
            var,
            elements,
        });
        Ok(())
    }

    fn layer_norm(&mut self, name: &str, ct2: &str, d: usize) -> Result<()> {
        self.whole(
            &format!("{name}.weight"),
            &format!("{ct2}/gamma"),
            &[d],
            None,
        )?;
        self.whole(&format!("{name}.bias"), &format!("{ct2}/beta"), &[d], None)
    }

    fn linear(&mut self, name: &str, ct2: &str, d_out: usize, d_in: usize) -> Result<()> {
        self.whole(
            &format!("{name}.weight"),
            &format!("{ct2}/weight"),
            &[d_out, d_in],
            None,
        )?;
        self.whole(
            &format!("{name}.bias"),
            &format!("{ct2}/bias"),
            &[d_out],
            None,
        )
    }

    /// CTranslate2 fused `[q; k; v]` (3d x d) -> `query`, `key` (no bias), `value`. The key
    /// bias rows `d..2d` are simply not copied.
    fn fused_qkv(&mut self, name: &str, ct2: &str, d: usize) -> Result<()> {
        let (w, b) = (format!("{ct2}/weight"), format!("{ct2}/bias"));
        self.rows(&format!("{name}.query.weight"), &w, &[3 * d, d], 0..d)?;
        self.rows(&format!("{name}.query.bias"), &b, &[3 * d], 0..d)?;
        self.rows(&format!("{name}.key.weight"), &w, &[3 * d, d], d..2 * d)?;
        self.rows(
            &format!("{name}.value.weight"),
            &w,
            &[3 * d, d],
            2 * d..3 * d,
        )?;
        self.rows(&format!("{name}.value.bias"), &b, &[3 * d], 2 * d..3 * d)
    }

    /// CTranslate2 fused `[k; v]` (2d x d) -> `key` (no bias), `value`. The key bias rows `0..d`
    /// are simply not copied.
    fn fused_kv(&mut self, name: &str, ct2: &str, d: usize) -> Result<()> {
        let (w, b) = (format!("{ct2}/weight"), format!("{ct2}/bias"));
        self.rows(&format!("{name}.key.weight"), &w, &[2 * d, d], 0..d)?;
        self.rows(&format!("{name}.value.weight"), &w, &[2 * d, d], d..2 * d)?;
        self.rows(&format!("{name}.value.bias"), &b, &[2 * d], d..2 * d)
    }
}

/// Every output tensor, in the order of OpenAI whisper's `state_dict`.
///
/// | CTranslate2 | whisper |
/// |---|---|
/// | `encoder/position_encodings/encodings` | `encoder.positional_embedding` (f32) |
/// | `encoder/conv{1,2}/{weight,bias}` | `encoder.conv{1,2}.{weight,bias}` (bias as (d, 1), f32) |
/// | `{enc,dec}oder/layer_N/self_attention/linear_0` (fused) | `….blocks.N.attn.{query,key,value}` |
/// | `…/layer_N/self_attention/linear_1` | `….blocks.N.attn.out` |
/// | `…/layer_N/self_attention/layer_norm/{gamma,beta}` | `….blocks.N.attn_ln.{weight,bias}` |
/// | `decoder/layer_N/attention/linear_0` | `decoder.blocks.N.cross_attn.query` |
/// | `decoder/layer_N/attention/linear_1` (fused) | `decoder.blocks.N.cross_attn.{key,value}` |
/// | `decoder/layer_N/attention/linear_2` | `decoder.blocks.N.cross_attn.out` |
/// | `decoder/layer_N/attention/layer_norm` | `decoder.blocks.N.cross_attn_ln` |
/// | `…/layer_N/ffn/linear_{0,1}` | `….blocks.N.mlp.{0,2}` |
/// | `…/layer_N/ffn/layer_norm` | `….blocks.N.mlp_ln` |
/// | `encoder/layer_norm`, `decoder/layer_norm` | `encoder.ln_post`, `decoder.ln` |
/// | `decoder/embeddings/weight` | `decoder.token_embedding.weight` |
fn plan<'m>(model: &'m Ct2Model, h: &Hparams) -> Result<Vec<Planned<'m>>> {
    let d = h.n_audio_state as usize;
    let mut p = Planner {
        model,
        used: HashSet::new(),
        out: Vec::new(),
    };

    p.whole(
        "encoder.positional_embedding",
        "encoder/position_encodings/encodings",
        &[h.n_audio_ctx as usize, d],
        None,
    )?;
    p.whole(
        "encoder.conv1.weight",
        "encoder/conv1/weight",
        &[d, h.n_mels as usize, 3],
        None,
    )?;
    p.whole(
        "encoder.conv1.bias",
        "encoder/conv1/bias",
        &[d],
        Some(&[d, 1]),
    )?;
    p.whole(
        "encoder.conv2.weight",
        "encoder/conv2/weight",
        &[d, d, 3],
        None,
    )?;
    p.whole(
        "encoder.conv2.bias",
        "encoder/conv2/bias",
        &[d],
        Some(&[d, 1]),
    )?;
    for i in 0..h.n_audio_layer {
        let (g, c) = (format!("encoder.blocks.{i}"), format!("encoder/layer_{i}"));
        p.fused_qkv(
            &format!("{g}.attn"),
            &format!("{c}/self_attention/linear_0"),
            d,
        )?;
        p.linear(
            &format!("{g}.attn.out"),
            &format!("{c}/self_attention/linear_1"),
            d,
            d,
        )?;
        p.layer_norm(
            &format!("{g}.attn_ln"),
            &format!("{c}/self_attention/layer_norm"),
            d,
        )?;
        p.linear(
            &format!("{g}.mlp.0"),
            &format!("{c}/ffn/linear_0"),
            4 * d,
            d,
        )?;
        p.linear(
            &format!("{g}.mlp.2"),
            &format!("{c}/ffn/linear_1"),
            d,
            4 * d,
        )?;
        p.layer_norm(&format!("{g}.mlp_ln"), &format!("{c}/ffn/layer_norm"), d)?;
    }
    p.layer_norm("encoder.ln_post", "encoder/layer_norm", d)?;

    p.whole(
        "decoder.positional_embedding",
        "decoder/position_encodings/encodings",
        &[h.n_text_ctx as usize, d],
        None,
    )?;
    p.whole(
        "decoder.token_embedding.weight",
        "decoder/embeddings/weight",
        &[h.n_vocab as usize, d],
        None,
    )?;
    for i in 0..h.n_text_layer {
        let (g, c) = (format!("decoder.blocks.{i}"), format!("decoder/layer_{i}"));
        p.fused_qkv(
            &format!("{g}.attn"),
            &format!("{c}/self_attention/linear_0"),
            d,
        )?;
        p.linear(
            &format!("{g}.attn.out"),
            &format!("{c}/self_attention/linear_1"),
            d,
            d,
        )?;
        p.layer_norm(
            &format!("{g}.attn_ln"),
            &format!("{c}/self_attention/layer_norm"),
            d,
        )?;
        p.linear(
            &format!("{g}.cross_attn.query"),
            &format!("{c}/attention/linear_0"),
            d,
            d,
        )?;
        p.fused_kv(
            &format!("{g}.cross_attn"),
            &format!("{c}/attention/linear_1"),
            d,
        )?;
        p.linear(
            &format!("{g}.cross_attn.out"),
            &format!("{c}/attention/linear_2"),
            d,
            d,
        )?;
        p.layer_norm(
            &format!("{g}.cross_attn_ln"),
            &format!("{c}/attention/layer_norm"),
            d,
        )?;
        p.linear(
            &format!("{g}.mlp.0"),
            &format!("{c}/ffn/linear_0"),
            4 * d,
            d,
        )?;
        p.linear(
            &format!("{g}.mlp.2"),
            &format!("{c}/ffn/linear_1"),
            d,
            4 * d,
        )?;
        p.layer_norm(&format!("{g}.mlp_ln"), &format!("{c}/ffn/layer_norm"), d)?;
    }
    p.layer_norm("decoder.ln", "decoder/layer_norm", d)?;

    // Anything with data that was not consumed means an architecture we do not understand.
    // Scalars are flags and head counts (checked in `hparams`) or alignment-head hints.
    let leftover: Vec<&str> = model
        .variables
        .iter()
        .filter(|v| !v.shape.is_empty() && !p.used.contains(v.name.as_str()))
        .map(|v| v.name.as_str())
        .collect();
    if !leftover.is_empty() {
        return Err(unsupported(
            model,
            format!(
                "has variables a standard Whisper model does not: {}",
                leftover.join(", ")
            ),
        ));
    }
    Ok(p.out)
}

/// A writer that hashes what passes through.
struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
