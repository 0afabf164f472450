//! A poster still: one upright frame from early in the clip, as JPEG.

use std::path::Path;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::pipeline::{PipelineGuard, drain, make, preroll};
use crate::{MediaError, MediaInfo};

/// Grab the frame at `min(2 s, duration / 2)`, rotated upright, encoded as JPEG.
/// Returns `Ok(None)` for clips without video.
pub fn poster_jpeg(path: &Path, info: &MediaInfo) -> Result<Option<Vec<u8>>, MediaError> {
    if info.video.is_none() {
        return Ok(None);
    }
    crate::init()?;
    let what = "grabbing the poster frame";
    let build_err = |e: gst::glib::BoolError| MediaError::pipeline(what, e);
    let pipeline = gst::Pipeline::new();
    let guard = PipelineGuard(pipeline.clone());
    let src = gst::ElementFactory::make("filesrc")
        .property("location", path.to_string_lossy().as_ref())
        .build()
        .map_err(build_err)?;
    let decodebin = make("decodebin")?;
    let convert = make("videoconvert")?;
    let flip = make("videoflip")?;
    flip.set_property_from_str("video-direction", "auto");
    let encode = gst::ElementFactory::make("jpegenc").property("quality", 85i32).build().map_err(build_err)?;
    let sink = gst_app::AppSink::builder().sync(false).max_buffers(1).build();
    pipeline
        .add_many([&src, &decodebin, &convert, &flip, &encode, sink.upcast_ref()])
        .map_err(build_err)?;
    src.link(&decodebin).map_err(build_err)?;
    gst::Element::link_many([&convert, &flip, &encode, sink.upcast_ref()]).map_err(build_err)?;

    let video_in = convert.static_pad("sink").expect("videoconvert has a sink pad");
    let weak_pipeline = pipeline.downgrade();
    decodebin.connect_pad_added(move |_, pad| {
        let is_raw_video = pad
            .current_caps()
            .and_then(|c| c.structure(0).map(|s| s.name().starts_with("video/x-raw")))
            .unwrap_or(false);
        if is_raw_video && !video_in.is_linked() {
            let _ = pad.link(&video_in);
        } else if let Some(pipeline) = weak_pipeline.upgrade() {
            drain(&pipeline, pad);
        }
    });

    let limit = std::time::Duration::from_secs(30);
    preroll(&guard, what, limit)?;
    let at = (info.duration_s / 2.0).min(2.0);
    if at > 0.0 {
        pipeline
            .seek_simple(
                gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE,
                gst::ClockTime::from_nseconds((at * 1e9) as u64),
            )
            .map_err(build_err)?;
        preroll(&guard, what, limit)?;
    }
    let sample = sink
        .pull_preroll()
        .map_err(|_| MediaError::pipeline(what, "no frame could be decoded"))?;
    let buffer = sample.buffer().ok_or_else(|| MediaError::pipeline(what, "empty frame"))?;
    let map = buffer.map_readable().map_err(build_err)?;
    Ok(Some(map.as_slice().to_vec()))
}
