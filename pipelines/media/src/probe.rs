//! Probing a clip with GStreamer's Discoverer.

use std::path::Path;

use gstreamer as gst;
use gstreamer_pbutils as pbutils;
use gstreamer_pbutils::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{MediaError, MediaLimits};

/// What a clip holds, as stored in `media.json` and the scorecard's `clip`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    /// Container description, e.g. "Quicktime" or "WebM"; `None` for raw streams.
    pub container: Option<String>,
    pub duration_s: f64,
    pub size_bytes: u64,
    pub video: Option<VideoStream>,
    pub audio: Option<AudioStream>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoStream {
    pub codec: String,
    /// Coded size, before rotation.
    pub width: u32,
    pub height: u32,
    pub frame_rate: f64,
    /// Clockwise rotation a player must apply (0, 90, 180, 270), from the `image-orientation` tag.
    pub rotation_deg: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioStream {
    pub codec: String,
    pub channels: u32,
    pub sample_rate: u32,
}

impl MediaInfo {
    /// Displayed size after rotation.
    pub fn display_size(&self) -> Option<(u32, u32)> {
        self.video.as_ref().map(|v| if v.rotation_deg % 180 == 90 { (v.height, v.width) } else { (v.width, v.height) })
    }
}

/// Probe `path`: one typed error for anything callcoach cannot use.
pub fn probe(path: &Path, limits: &MediaLimits) -> Result<MediaInfo, MediaError> {
    crate::init()?;
    let meta = std::fs::metadata(path).map_err(|_| MediaError::NotFound(path.to_path_buf()))?;
    if !meta.is_file() {
        return Err(MediaError::NotFound(path.to_path_buf()));
    }
    if meta.len() == 0 {
        return Err(MediaError::Empty(path.to_path_buf()));
    }
    let abs = path.canonicalize().map_err(|_| MediaError::NotFound(path.to_path_buf()))?;
    let uri = gst::glib::filename_to_uri(&abs, None)
        .map_err(|e| MediaError::pipeline("probing", e))?;
    let discoverer = pbutils::Discoverer::new(gst::ClockTime::from_seconds(30))
        .map_err(|e| MediaError::pipeline("probing", e))?;
    let not_media = |reason: String| MediaError::NotMedia { path: path.to_path_buf(), reason };
    if crate::isobmff::lacks_index(path) == Some(true) {
        return Err(not_media("an MP4 without its index (no moov box): the file is truncated or was never finished".into()));
    }
    let info = discoverer.discover_uri(&uri).map_err(|e| not_media(e.to_string()))?;
    match info.result() {
        pbutils::DiscovererResult::Ok => {}
        pbutils::DiscovererResult::Timeout => return Err(MediaError::Timeout { what: "probing", seconds: 30 }),
        other => return Err(not_media(format!("{other:?}"))),
    }

    let video = info.video_streams().into_iter().find(|v| !v.is_image()).map(|v| {
        let fps = v.framerate();
        let frame_rate = if fps.denom() > 0 { fps.numer() as f64 / fps.denom() as f64 } else { 0.0 };
        VideoStream {
            codec: codec_name(v.caps().as_ref()),
            width: v.width(),
            height: v.height(),
            frame_rate,
            rotation_deg: v.tags().as_ref().and_then(rotation_from_tags).unwrap_or(0),
        }
    });
    let audio = info.audio_streams().into_iter().next().map(|a| AudioStream {
        codec: codec_name(a.caps().as_ref()),
        channels: a.channels(),
        sample_rate: a.sample_rate(),
    });
    if video.is_none() && audio.is_none() {
        return Err(not_media("no audio or video streams".into()));
    }
    let container = info
        .container_streams()
        .into_iter()
        .next()
        .map(|c| codec_name(c.caps().as_ref()));
    let duration_s = info.duration().map(|d| d.nseconds() as f64 / 1e9).unwrap_or(0.0);
    if duration_s > limits.max_duration_s {
        return Err(MediaError::TooLong { duration_s, limit_s: limits.max_duration_s });
    }
    Ok(MediaInfo { container, duration_s, size_bytes: meta.len(), video, audio })
}

fn codec_name(caps: Option<&gst::Caps>) -> String {
    match caps {
        Some(caps) => pbutils::pb_utils_get_codec_description(caps).to_string(),
        None => "unknown".into(),
    }
}

fn rotation_from_tags(tags: &gst::TagList) -> Option<u32> {
    let orientation = tags.get::<gst::tags::ImageOrientation>()?;
    match orientation.get() {
        "rotate-90" => Some(90),
        "rotate-180" => Some(180),
        "rotate-270" => Some(270),
        _ => Some(0),
    }
}
