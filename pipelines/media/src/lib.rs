//! The media stage: everything callcoach needs from a clip, with GStreamer.
//!
//! - [`probe`] reads container, codecs, duration, resolution, rotation and audio layout, and refuses
//!   what cannot be used (empty, not media, truncated, no audio, too long) with one typed error.
//! - [`extract_speech_audio`] decodes only the audio (video decoders are refused) to 16 kHz f32: a mono
//!   mix for transcription and, for stereo calls, each channel on its own.
//! - [`poster_jpeg`] grabs a representative frame, upright, as a JPEG.
//!
//! - [`run_media_stage`] is the whole stage in one decode: web video (`video.mp4`, or `audio.m4a` for
//!   audio-only clips), poster, storyboard, animated preview and the speech audio.
//!
//! Every pipeline runs under a watchdog and is set back to `Null` when dropped.

mod artifacts;
mod audio;
mod error;
mod frame;
mod isobmff;
mod options;
mod pick;
mod pipeline;
mod poster;
mod probe;
mod stage;
mod still_encoder;
mod stills;
mod storyboard;
mod web;
mod webp;

pub use audio::{SPEECH_SAMPLE_RATE, SpeechAudio, extract_speech_audio};
pub use error::MediaError;
pub use options::MediaOptions;
pub use poster::poster_jpeg;
pub use probe::{AudioStream, MediaInfo, VideoStream, probe};
pub use stage::{MediaOutputs, run_media_stage};
pub use storyboard::Storyboard;

/// Limits applied to every input.
#[derive(Debug, Clone)]
pub struct MediaLimits {
    /// Longest clip accepted, in seconds.
    pub max_duration_s: f64,
}

impl Default for MediaLimits {
    fn default() -> Self {
        Self { max_duration_s: 2.0 * 3600.0 }
    }
}

/// Initialise GStreamer once; cheap to call again.
pub fn init() -> Result<(), MediaError> {
    gstreamer::init().map_err(|e| MediaError::Init(e.to_string()))
}
