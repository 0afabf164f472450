//! The stages of one clip, as the binary runs them: media → transcribe → analyze.
//!
//! Each stage takes typed input and returns typed output that can also travel through object storage
//! (audio as `audio.wav`, the transcript as `transcript.json`), so `process` runs them back to back in
//! one process and the fleet runs each on its own queue.

pub mod analyze;
pub mod media;
pub mod redact;
pub mod semantic;
pub mod transcribe;

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

/// Which channel of a stereo call recording is the rep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RepChannel {
    #[default]
    Left,
    Right,
}
