//! The transcription stage: 16 kHz speech in, words with times out, with whisper-rs.
//!
//! A [`Transcriber`] holds the loaded model and is shared by every job of a worker (it is `Send + Sync`;
//! each call creates its own decoding state). [`Transcriber::transcribe`] returns a [`Transcript`]: segments
//! of words, each with start, end and probability. Silence is detected before decoding and yields no words;
//! the speech is decoded in windows of at most 30 s cut at pauses, each with an encoder context sized to it
//! (`DecodeOptions::fit_encoder_window`), and repetition loops are dropped. [`wer`] scores transcripts.
//! Benchmark: `scripts/bench-transcribe.sh` (`examples/bench.rs`); figures in docs/performance.md.

pub mod captions;
mod error;
mod speech_only;
mod transcriber;
mod transcript;
mod voice_activity;
mod word_edges;
pub mod wer;

pub use error::TranscribeError;
pub use transcriber::{DecodeOptions, Transcriber};
pub use transcript::{Segment, Transcript, Word};
pub use voice_activity::{VoiceActivity, detect_voice_activity};

/// Sample rate the stage expects.
pub const SAMPLE_RATE: u32 = 16_000;
