//! Writer for whisper.cpp's legacy GGML model file (what `models/convert-pt-to-ggml.py` writes
//! and `whisper_model_load` in `src/whisper.cpp` reads). All integers are little-endian i32.
//!
//! ```text
//! magic 0x67676d6c ("ggml")
//! hparams: n_vocab n_audio_ctx n_audio_state n_audio_head n_audio_layer
//!          n_text_ctx n_text_state n_text_head n_text_layer n_mels ftype
//! mel filters: n_mel, n_fft (number of frequency bins, 201), n_mel * n_fft f32 (row-major)
//! vocabulary: count, then per token: length, bytes
//! tensors until end of file, each:
//!     n_dims, name length, ttype (0 = f32, 1 = f16),
//!     dims innermost first (the reverse of PyTorch order), name bytes, data
//! ```
//! There is no alignment padding, and no end marker: the loader stops at end of file.

use std::io::{self, Write};

use crate::mel::MelFilters;

/// `0x67676d6c`, "ggml" read as a big-endian word, written little-endian.
pub const GGML_MAGIC: u32 = 0x6767_6d6c;

/// Model hyperparameters as whisper.cpp reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    pub n_vocab: i32,
    pub n_audio_ctx: i32,
    pub n_audio_state: i32,
    pub n_audio_head: i32,
    pub n_audio_layer: i32,
    pub n_text_ctx: i32,
    pub n_text_state: i32,
    pub n_text_head: i32,
    pub n_text_layer: i32,
    pub n_mels: i32,
    /// 0 = all f32, 1 = "mostly f16" (big matrices f16, small vectors f32).
    pub ftype: i32,
}

impl Hparams {
    /// Whether whisper.cpp treats the model as multilingual (`n_vocab >= 51865`).
    pub fn is_multilingual(&self) -> bool {
        self.n_vocab >= 51865
    }

    /// The values in file order.
    pub fn as_array(&self) -> [i32; 11] {
        [
            self.n_vocab,
            self.n_audio_ctx,
            self.n_audio_state,
            self.n_audio_head,
            self.n_audio_layer,
            self.n_text_ctx,
            self.n_text_state,
            self.n_text_head,
            self.n_text_layer,
            self.n_mels,
            self.ftype,
        ]
    }
}

/// Element type of a tensor in the file (the `ttype` field, ggml's `ggml_type` numbering).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GgmlType {
    F32 = 0,
    F16 = 1,
}

impl GgmlType {
    pub fn size(self) -> usize {
        match self {
            GgmlType::F32 => 4,
            GgmlType::F16 => 2,
        }
    }
}

/// Streams a GGML whisper model file section by section; the caller writes the parts in order.
pub struct GgmlWriter<W: Write> {
    out: W,
    written: u64,
}

impl<W: Write> GgmlWriter<W> {
    pub fn new(out: W) -> Self {
        GgmlWriter { out, written: 0 }
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn i32(&mut self, v: i32) -> io::Result<()> {
        self.raw(&v.to_le_bytes())
    }

    fn len_i32(&mut self, n: usize, what: &str) -> io::Result<()> {
        let v = i32::try_from(n).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{what} {n} does not fit in i32"),
            )
        })?;
        self.i32(v)
    }

    /// Raw bytes (tensor data already in the right type and little-endian).
    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Magic and hyperparameters.
    pub fn header(&mut self, h: &Hparams) -> io::Result<()> {
        self.raw(&GGML_MAGIC.to_le_bytes())?;
        for v in h.as_array() {
            self.i32(v)?;
        }
        Ok(())
    }

    /// The mel filterbank.
    pub fn mel_filters(&mut self, m: &MelFilters) -> io::Result<()> {
        self.len_i32(m.n_mels, "n_mel")?;
        self.len_i32(m.n_bins, "n_fft")?;
        let mut buf = Vec::with_capacity(m.data.len() * 4);
        for v in &m.data {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        self.raw(&buf)
    }

    /// The vocabulary (raw token bytes in id order).
    pub fn vocab(&mut self, tokens: &[Vec<u8>]) -> io::Result<()> {
        self.len_i32(tokens.len(), "vocabulary size")?;
        for t in tokens {
            self.len_i32(t.len(), "token length")?;
            self.raw(t)?;
        }
        Ok(())
    }

    /// A tensor header; `shape` is in PyTorch (row-major, outermost first) order and is written
    /// reversed, as ggml counts dimensions from the innermost. The caller then writes exactly
    /// `product(shape) * ttype.size()` bytes of data with [`GgmlWriter::raw`].
    pub fn tensor_header(
        &mut self,
        name: &str,
        shape: &[usize],
        ttype: GgmlType,
    ) -> io::Result<()> {
        if shape.is_empty() || shape.len() > 4 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "tensor {name}: whisper.cpp takes 1 to 4 dimensions, not {}",
                    shape.len()
                ),
            ));
        }
        self.len_i32(shape.len(), "n_dims")?;
        self.len_i32(name.len(), "name length")?;
        self.i32(ttype as i32)?;
        for &d in shape.iter().rev() {
            self.len_i32(d, "dimension")?;
        }
        self.raw(name.as_bytes())
    }
}
