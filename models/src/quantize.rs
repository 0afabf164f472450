//! GGML f16 whisper model -> quantized (q8_0, q5_1) model, as whisper.cpp's `quantize` tool writes it
//! (`examples/quantize/quantize.cpp` and `ggml_common_quantize_0` in `examples/common-ggml.cpp`):
//!
//! * header, mel filters and vocabulary are copied; only `ftype` changes, to
//!   `GGML_QNT_VERSION * GGML_QNT_VERSION_FACTOR + ftype` (2007 for q8_0, 2009 for q5_1);
//! * every 2-D tensor is quantized, row by row, with ggml's own `ggml_quantize_chunk` (no
//!   importance matrix), except `encoder.conv{1,2}.bias` and the two positional embeddings;
//! * everything else (1-D biases and layer norms, the 3-D conv kernels) is copied as it was
//!   (f32 or f16).
//!
//! ggml's quantizers are deterministic, so the output has a fixed SHA-256, pinned in the manifest.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::error::{ModelError, Result};
use crate::f16::f16_to_f32;
use crate::ggml::GGML_MAGIC;

/// Tensors whisper.cpp's quantize tool leaves unquantized whatever their shape.
pub const NOT_QUANTIZED: [&str; 4] = [
    "encoder.conv1.bias",
    "encoder.conv2.bias",
    "encoder.positional_embedding",
    "decoder.positional_embedding",
];

/// `GGML_QNT_VERSION * GGML_QNT_VERSION_FACTOR`, added to the ftype of quantized files.
const QNT_VERSION_BASE: i32 =
    (whisper_rs_sys::GGML_QNT_VERSION * whisper_rs_sys::GGML_QNT_VERSION_FACTOR) as i32;

/// A quantization whisper.cpp can load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum Quantization {
    #[serde(rename = "q8_0")]
    Q8_0,
    #[serde(rename = "q5_1")]
    Q5_1,
}

impl Quantization {
    pub fn name(self) -> &'static str {
        match self {
            Quantization::Q8_0 => "q8_0",
            Quantization::Q5_1 => "q5_1",
        }
    }

    /// ggml tensor type (`ggml_type`).
    pub fn ggml_type(self) -> i32 {
        (match self {
            Quantization::Q8_0 => whisper_rs_sys::ggml_type_GGML_TYPE_Q8_0,
            Quantization::Q5_1 => whisper_rs_sys::ggml_type_GGML_TYPE_Q5_1,
        }) as i32
    }

    /// ggml file type (`ggml_ftype`), before the quantization version is added.
    pub fn ggml_ftype(self) -> i32 {
        match self {
            Quantization::Q8_0 => whisper_rs_sys::ggml_ftype_GGML_FTYPE_MOSTLY_Q8_0,
            Quantization::Q5_1 => whisper_rs_sys::ggml_ftype_GGML_FTYPE_MOSTLY_Q5_1,
        }
    }

    /// The `ftype` written in the header of a file quantized this way.
    pub fn header_ftype(self) -> i32 {
        QNT_VERSION_BASE + self.ggml_ftype()
    }
}

/// What a quantization produced.
#[derive(Debug, Clone)]
pub struct QuantizeReport {
    pub tensors: usize,
    pub quantized_tensors: usize,
    pub bytes: u64,
    pub sha256: String,
    pub elapsed: Duration,
}

/// Quantizes the GGML f16 (or f32) whisper model `input` into `out` (created or truncated, flushed,
/// fsynced; removed on error).
pub fn quantize_ggml(input: &Path, out: &Path, quantization: Quantization) -> Result<QuantizeReport> {
    let start = Instant::now();
    let data = std::fs::read(input).map_err(|e| ModelError::io("cannot read", input, e))?;
    let file = File::create(out).map_err(|e| ModelError::io("cannot create", out, e))?;
    let result = (|| {
        let mut sink = BufWriter::with_capacity(1 << 20, file);
        let (tensors, quantized_tensors, bytes, hash) = quantize_bytes(&data, input, quantization, &mut sink, out)?;
        let file = sink.into_inner().map_err(|e| ModelError::io("cannot write", out, e.into_error()))?;
        file.sync_all().map_err(|e| ModelError::io("cannot fsync", out, e))?;
        Ok(QuantizeReport { tensors, quantized_tensors, bytes, sha256: hash, elapsed: start.elapsed() })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(out);
    }
    result
}

/// Reads a GGML whisper file from a byte slice.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    fn bad(&self, detail: String) -> ModelError {
        ModelError::GgmlFormat { path: self.path.to_owned(), detail }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len()).ok_or_else(|| {
            self.bad(format!("file ends inside {what} (offset {}, {n} bytes wanted)", self.pos))
        })?;
        let slice = &self.data[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn i32(&mut self, what: &str) -> Result<i32> {
        let b = self.take(4, what)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn count(&mut self, what: &str) -> Result<usize> {
        let v = self.i32(what)?;
        usize::try_from(v).map_err(|_| self.bad(format!("negative {what}: {v}")))
    }
}

/// A `Write` that counts and hashes what goes through it.
struct Tee<'w, W: Write> {
    inner: &'w mut W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Tee<'_, W> {
    fn put(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(b)?;
        self.hash.update(b);
        self.bytes += b.len() as u64;
        Ok(())
    }
}

fn quantize_bytes<W: Write>(
    data: &[u8],
    input: &Path,
    quantization: Quantization,
    sink: &mut W,
    out: &Path,
) -> Result<(usize, usize, u64, String)> {
    let werr = |e| ModelError::io("cannot write", out, e);
    let mut c = Cursor { data, pos: 0, path: input };
    let mut w = Tee { inner: sink, hash: Sha256::new(), bytes: 0 };

    let magic = c.i32("magic")? as u32;
    if magic != GGML_MAGIC {
        return Err(c.bad(format!("bad magic {magic:#010x}: not a GGML whisper model")));
    }
    w.put(&magic.to_le_bytes()).map_err(werr)?;
    let mut hparams = [0i32; 11];
    for h in &mut hparams {
        *h = c.i32("hparams")?;
    }
    if !matches!(hparams[10], 0 | 1) {
        return Err(c.bad(format!("ftype {} is not f32 or f16: already quantized?", hparams[10])));
    }
    hparams[10] = quantization.header_ftype();
    for h in hparams {
        w.put(&h.to_le_bytes()).map_err(werr)?;
    }
    // Mel filters: n_mel, n_fft, n_mel * n_fft f32.
    let start = c.pos;
    let n_mel = c.count("n_mel")?;
    let n_fft = c.count("n_fft")?;
    c.take(n_mel * n_fft * 4, "mel filters")?;
    // Vocabulary: count, then length + bytes each.
    let n_vocab = c.count("vocabulary size")?;
    for _ in 0..n_vocab {
        let len = c.count("token length")?;
        c.take(len, "token")?;
    }
    w.put(&data[start..c.pos]).map_err(werr)?;

    let (mut tensors, mut quantized) = (0usize, 0usize);
    let mut values: Vec<f32> = Vec::new();
    let mut work: Vec<u8> = Vec::new();
    while c.pos < data.len() {
        let n_dims = c.count("n_dims")?;
        let name_len = c.count("tensor name length")?;
        let ttype = c.i32("tensor type")?;
        if !(1..=4).contains(&n_dims) {
            return Err(c.bad(format!("tensor with {n_dims} dimensions")));
        }
        let mut ne = [1usize; 4];
        for d in ne.iter_mut().take(n_dims) {
            *d = c.count("dimension")?;
        }
        let name_bytes = c.take(name_len, "tensor name")?;
        let name = String::from_utf8_lossy(name_bytes).into_owned();
        let elements: usize = ne.iter().product();
        let elem = match ttype {
            0 => 4,
            1 => 2,
            t => return Err(c.bad(format!("tensor {name} has type {t}; only f32 (0) and f16 (1) can be quantized"))),
        };
        let raw = c.take(elements * elem, "tensor data")?;
        let quantize = n_dims == 2 && !NOT_QUANTIZED.contains(&name.as_str());

        let out_type = if quantize { quantization.ggml_type() } else { ttype };
        w.put(&(n_dims as i32).to_le_bytes()).map_err(werr)?;
        w.put(&(name_len as i32).to_le_bytes()).map_err(werr)?;
        w.put(&out_type.to_le_bytes()).map_err(werr)?;
        for d in &ne[..n_dims] {
            w.put(&(*d as i32).to_le_bytes()).map_err(werr)?;
        }
        w.put(name_bytes).map_err(werr)?;
        if quantize {
            values.clear();
            values.extend(raw.chunks_exact(elem).map(|b| match elem {
                4 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                _ => f16_to_f32(u16::from_le_bytes([b[0], b[1]])),
            }));
            let row = ne[0];
            let block = quantization.block_size();
            if row % block != 0 {
                return Err(c.bad(format!("tensor {name}: row length {row} is not a multiple of {block}")));
            }
            // As in ggml_common_quantize_0: a buffer of as many f32 as there are elements is ample.
            work.clear();
            work.resize(elements * 4, 0);
            // SAFETY: `values` holds `elements` = rows * row f32; `work` has elements * 4 bytes, more
            // than any quantized type needs for them (q8_0: 34 bytes per 32 values); row is a
            // multiple of the block size, as ggml_quantize_chunk requires; no importance matrix.
            let size = unsafe {
                whisper_rs_sys::ggml_quantize_chunk(
                    quantization.ggml_type() as whisper_rs_sys::ggml_type,
                    values.as_ptr(),
                    work.as_mut_ptr().cast(),
                    0,
                    (elements / row) as i64,
                    row as i64,
                    std::ptr::null(),
                )
            };
            if size > work.len() || size != elements / block * quantization.block_bytes() {
                return Err(c.bad(format!("tensor {name}: ggml_quantize_chunk returned {size} bytes")));
            }
            w.put(&work[..size]).map_err(werr)?;
            quantized += 1;
        } else {
            w.put(raw).map_err(werr)?;
        }
        tensors += 1;
    }
    Ok((tensors, quantized, w.bytes, hex::encode(w.hash.finalize())))
}

impl Quantization {
    /// Values per block.
    pub fn block_size(self) -> usize {
        32
    }

    /// Bytes per block: q8_0 = f16 scale + 32 i8; q5_1 = f16 scale + f16 min + 4 bytes of high bits +
    /// 16 bytes of nibbles.
    pub fn block_bytes(self) -> usize {
        match self {
            Quantization::Q8_0 => 34,
            Quantization::Q5_1 => 24,
        }
    }
}
