//! The media stage: everything callcoach needs from a clip, with GStreamer.
//!
//! - [`probe`] reads container, codecs, duration, resolution, rotation and audio layout, and refuses
//!   what cannot be used (empty, not media, truncated, no audio, too long) with one typed error.
//! - [`extract_speech_audio`] decodes only the audio (video decoders are refused) to 16 kHz f32: a mono
//!   mix for transcription and, for stereo calls, each channel on its own.
//! - [`poster_jpeg`] grabs a representative frame, upright, as a JPEG.
//!
//! Every pipeline runs under a watchdog and is set back to `Null` when dropped.

mod audio;
mod error;
mod pipeline;
mod poster;
mod probe;

pub use audio::{SPEECH_SAMPLE_RATE, SpeechAudio, extract_speech_audio};
pub use error::MediaError;
pub use poster::poster_jpeg;
pub use probe::{AudioStream, MediaInfo, VideoStream, probe};

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
