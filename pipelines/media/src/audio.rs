//! Speech audio: 16 kHz f32, a mono mix plus each channel of a stereo call, decoded without
//! touching the video (video decoders are refused in `autoplug-select`, 33x cheaper).

use std::path::Path;
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::pipeline::{PipelineGuard, drain, make, run_to_eos, watchdog_for};
use crate::{MediaError, MediaInfo};

/// Sample rate of all speech audio handed to transcription.
pub const SPEECH_SAMPLE_RATE: u32 = 16_000;

/// Decoded speech audio at [`SPEECH_SAMPLE_RATE`].
#[derive(Debug, Clone, Default)]
pub struct SpeechAudio {
    /// All channels mixed down.
    pub mono: Vec<f32>,
    /// Left and right on their own, for two-channel input; empty otherwise.
    pub channels: Vec<Vec<f32>>,
}

impl SpeechAudio {
    pub fn duration_s(&self) -> f64 {
        self.mono.len() as f64 / SPEECH_SAMPLE_RATE as f64
    }

    /// True when the input has two channels that carry different signals (a stereo call recording with
    /// one party per channel), rather than the same sound twice.
    pub fn has_distinct_channels(&self) -> bool {
        let [left, right] = self.channels.as_slice() else { return false };
        let (mut diff, mut total) = (0.0f64, 0.0f64);
        for (l, r) in left.iter().zip(right) {
            let (l, r) = (*l as f64, *r as f64);
            diff += (l - r) * (l - r);
            total += l * l + r * r;
        }
        total > 0.0 && diff / total > 0.05
    }
}

/// Decode the audio track of `path` (probed as `info`) to 16 kHz f32.
pub fn extract_speech_audio(path: &Path, info: &MediaInfo) -> Result<SpeechAudio, MediaError> {
    crate::init()?;
    let Some(audio) = &info.audio else { return Err(MediaError::NoAudio(path.to_path_buf())) };
    let what = "building the audio pipeline";

    let pipeline = gst::Pipeline::new();
    let guard = PipelineGuard(pipeline.clone());
    let src = gst::ElementFactory::make("filesrc")
        .property("location", path.to_string_lossy().as_ref())
        .build()
        .map_err(|e| MediaError::pipeline(what, e))?;
    let decodebin = make("decodebin")?;
    let speech = SpeechSink::new(audio.channels, info.duration_s)?;
    pipeline.add_many([&src, &decodebin]).map_err(|e| MediaError::pipeline(what, e))?;
    src.link(&decodebin).map_err(|e| MediaError::pipeline(what, e))?;
    speech.add_to(&pipeline)?;

    refuse_video_decoders(&decodebin);
    let audio_in = speech.input();
    let weak_pipeline = pipeline.downgrade();
    decodebin.connect_pad_added(move |_, pad| {
        let is_raw_audio = pad
            .current_caps()
            .and_then(|c| c.structure(0).map(|s| s.name().starts_with("audio/x-raw")))
            .unwrap_or(false);
        if is_raw_audio && !audio_in.is_linked() {
            let _ = pad.link(&audio_in);
        } else if let Some(pipeline) = weak_pipeline.upgrade() {
            // Everything else (a second audio track, undecoded video) drains into a fakesink.
            drain(&pipeline, pad);
        }
    });

    run_to_eos(&guard, "decoding audio", watchdog_for(info.duration_s))?;
    drop(guard);
    speech.finish(path, info)
}

/// The speech branch of a pipeline: `audioconvert ! audioresample ! appsink` at 16 kHz f32, keeping
/// every sample (the one thing the stage keeps in memory for the whole clip: 64 kB per second).
pub(crate) struct SpeechSink {
    convert: gst::Element,
    resample: gst::Element,
    sink: gst_app::AppSink,
    channels: u32,
    samples: Arc<Mutex<Vec<f32>>>,
}

impl SpeechSink {
    /// A sink for an input with `input_channels` channels: two channels stay apart, anything else is mixed
    /// to mono.
    pub(crate) fn new(input_channels: u32, duration_s: f64) -> Result<Self, MediaError> {
        let channels: u32 = if input_channels == 2 { 2 } else { 1 };
        let caps = gst::Caps::builder("audio/x-raw")
            .field("format", "F32LE")
            .field("layout", "interleaved")
            .field("rate", SPEECH_SAMPLE_RATE as i32)
            .field("channels", channels as i32)
            .build();
        let sink = gst_app::AppSink::builder().caps(&caps).sync(false).build();
        let samples = Arc::new(Mutex::new(Vec::<f32>::with_capacity(
            (duration_s.clamp(1.0, 4.0 * 3600.0) * (SPEECH_SAMPLE_RATE * channels) as f64) as usize + 16_000,
        )));
        let collected = samples.clone();
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    let buffer = sample.buffer().ok_or(gst::FlowError::Error)?;
                    let map = buffer.map_readable().map_err(|_| gst::FlowError::Error)?;
                    let mut out = collected.lock().map_err(|_| gst::FlowError::Error)?;
                    out.extend(map.as_slice().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        Ok(Self { convert: make("audioconvert")?, resample: make("audioresample")?, sink, channels, samples })
    }

    /// Add the branch to `pipeline` (in the state of the pipeline) and link it; raw audio goes to `input()`.
    pub(crate) fn add_to(&self, pipeline: &gst::Pipeline) -> Result<(), MediaError> {
        let what = "building the speech branch";
        let elements = [&self.convert, &self.resample, self.sink.upcast_ref()];
        pipeline.add_many(elements).map_err(|e| MediaError::pipeline(what, e))?;
        gst::Element::link_many(elements).map_err(|e| MediaError::pipeline(what, e))?;
        for element in elements.iter().rev() {
            element.sync_state_with_parent().map_err(|e| MediaError::pipeline(what, e))?;
        }
        Ok(())
    }

    /// Where raw audio goes in.
    pub(crate) fn input(&self) -> gst::Pad {
        self.convert.static_pad("sink").expect("audioconvert has a sink pad")
    }

    /// The decoded audio, once the pipeline has ended; refuses input that decoded to clearly less than the
    /// probed duration (a truncated file can reach end-of-stream cleanly).
    pub(crate) fn finish(self, path: &Path, info: &MediaInfo) -> Result<SpeechAudio, MediaError> {
        let interleaved = std::mem::take(
            &mut *self.samples.lock().map_err(|_| MediaError::pipeline("decoding audio", "sample buffer poisoned"))?,
        );
        let audio = if self.channels == 2 {
            let left: Vec<f32> = interleaved.iter().step_by(2).copied().collect();
            let right: Vec<f32> = interleaved.iter().skip(1).step_by(2).copied().collect();
            let mono = left.iter().zip(&right).map(|(l, r)| 0.5 * (l + r)).collect();
            SpeechAudio { mono, channels: vec![left, right] }
        } else {
            SpeechAudio { mono: interleaved, channels: Vec::new() }
        };
        let decoded_s = audio.duration_s();
        if info.duration_s > 0.0 && decoded_s + (0.05 * info.duration_s).max(1.0) < info.duration_s {
            return Err(MediaError::Truncated { path: path.to_path_buf(), decoded_s, expected_s: info.duration_s });
        }
        Ok(audio)
    }
}

/// Make `decodebin` skip every video decoder so that only audio is decoded.
fn refuse_video_decoders(decodebin: &gst::Element) {
    // The signal returns a `GstAutoplugSelectResult`; glib values are not `Send`, so build it per call.
    let Some(result_type) = gst::glib::Type::from_name("GstAutoplugSelectResult") else { return };
    decodebin.connect("autoplug-select", false, move |values| {
        let factory = values.get(3).and_then(|v| v.get::<gst::ElementFactory>().ok());
        let is_video_decoder = factory
            .map(|f| {
                let klass = f.metadata(gst::ELEMENT_METADATA_KLASS).unwrap_or_default();
                klass.contains("Decoder") && klass.contains("Video")
            })
            .unwrap_or(false);
        gst::glib::EnumClass::with_type(result_type)
            .and_then(|class| class.to_value_by_nick(if is_video_decoder { "skip" } else { "try" }))
    });
}
