//! The web video branches: when a stream can be copied as it is (remux), and the encoders when not.

use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;

use crate::MediaError;
use crate::options::MediaOptions;
use crate::pipeline::make;

/// H.264 profiles every browser plays (8-bit 4:2:0).
const WEB_H264_PROFILES: [&str; 4] = ["constrained-baseline", "baseline", "main", "high"];

/// True when parsed video with `caps` can go into `video.mp4` unchanged: H.264 in a web profile, no
/// rotation to apply, already within the size limit.
pub(crate) fn video_is_web_ready(caps: &gst::StructureRef, rotation_deg: u32, fits: bool) -> bool {
    caps.name() == "video/x-h264"
        && caps.get::<&str>("profile").is_ok_and(|p| WEB_H264_PROFILES.contains(&p))
        && rotation_deg == 0
        && fits
}

/// True when parsed audio with `caps` can go into the MP4 unchanged: AAC, mono or stereo.
pub(crate) fn audio_is_web_ready(caps: &gst::StructureRef) -> bool {
    caps.name() == "audio/mpeg"
        && caps.get::<i32>("mpegversion").is_ok_and(|v| v == 4)
        && caps.get::<i32>("channels").is_ok_and(|c| (1..=2).contains(&c))
}

/// A queue in front of the muxer. mp4mux interleaves by time, so the side that is ahead (audio, while
/// x264 still holds a second of frames) must be able to wait here without blocking the demuxer.
pub(crate) fn mux_queue() -> Result<gst::Element, MediaError> {
    let queue = make("queue")?;
    queue.set_property("max-size-buffers", 0u32);
    queue.set_property("max-size-bytes", 0u32);
    queue.set_property("max-size-time", Duration::from_secs(10).as_nanos() as u64);
    Ok(queue)
}

/// `x264enc ! video/x-h264,profile=high ! h264parse`, with ffmpeg's settings: the preset, constant
/// quality (`pass=qual` is x264's CRF), a keyframe at least every 250 frames, and no VBV unless a peak
/// bitrate is asked for. Expects I420 in front (without it x264enc picks High 4:4:4).
pub(crate) fn h264_encoder(options: &MediaOptions) -> Result<Vec<gst::Element>, MediaError> {
    let encoder = make("x264enc")?;
    encoder.set_property_from_str("speed-preset", options.video_preset);
    encoder.set_property_from_str("pass", "qual");
    encoder.set_property("quantizer", options.video_quality);
    // In quality mode x264enc still turns `bitrate` into a VBV cap (default 2048 kbit/s); a zero VBV
    // buffer switches the cap off, as with ffmpeg's -crf.
    match options.video_max_kbps {
        Some(kbps) => encoder.set_property("bitrate", kbps),
        None => encoder.set_property("vbv-buf-capacity", 0u32),
    }
    encoder.set_property("key-int-max", 250u32);
    let caps = gst::Caps::builder("video/x-h264").field("profile", "high").build();
    let filter = gst::ElementFactory::make("capsfilter")
        .property("caps", caps)
        .build()
        .map_err(|e| MediaError::pipeline("building the video encoder", e))?;
    Ok(vec![encoder, filter, make("h264parse")?])
}

/// `audioconvert ! audioresample ! audio/x-raw,channels=[1,2],rate={48000,44100} ! avenc_aac ! aacparse`:
/// 5.1 is mixed down to stereo, telephone rates go up to one browsers like.
pub(crate) fn aac_encoder(options: &MediaOptions) -> Result<Vec<gst::Element>, MediaError> {
    let caps = gst::Caps::builder("audio/x-raw")
        .field("channels", gst::IntRange::new(1, 2))
        .field("rate", gst::List::new([48_000i32, 44_100]))
        .build();
    let filter = gst::ElementFactory::make("capsfilter")
        .property("caps", caps)
        .build()
        .map_err(|e| MediaError::pipeline("building the audio encoder", e))?;
    let encoder = make("avenc_aac")?;
    encoder.set_property("bitrate", options.audio_bitrate);
    Ok(vec![make("audioconvert")?, make("audioresample")?, filter, encoder, make("aacparse")?])
}
