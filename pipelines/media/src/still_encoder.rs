//! Encoding stills with GStreamer: raw frames in through `appsrc`, scaled and encoded, bytes out through
//! `appsink`. One short pipeline per artifact (poster, sprite, preview frames), under a watchdog.

use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::MediaError;
use crate::pipeline::{PipelineGuard, make};

/// Encode every sample with `encoder` (e.g. `jpegenc`, `webpenc`), optionally scaled to `size` first;
/// returns one encoded image per sample.
pub(crate) fn encode_frames(
    samples: &[gst::Sample],
    size: Option<(u32, u32)>,
    encoder: gst::Element,
    what: &'static str,
) -> Result<Vec<Vec<u8>>, MediaError> {
    let err = |e: gst::glib::BoolError| MediaError::pipeline(what, e);
    let pipeline = gst::Pipeline::new();
    let guard = PipelineGuard(pipeline.clone());
    let src = gst_app::AppSrc::builder().format(gst::Format::Time).build();
    let convert = make("videoconvert")?;
    let scale = make("videoscale")?;
    let mut caps = gst::Caps::builder("video/x-raw").field("pixel-aspect-ratio", gst::Fraction::new(1, 1));
    if let Some((width, height)) = size {
        caps = caps.field("width", width as i32).field("height", height as i32);
    }
    let filter = gst::ElementFactory::make("capsfilter").property("caps", caps.build()).build().map_err(err)?;
    let sink = gst_app::AppSink::builder().sync(false).build();
    let elements = [src.upcast_ref(), &scale, &convert, &filter, &encoder, sink.upcast_ref()];
    pipeline.add_many(elements).map_err(err)?;
    gst::Element::link_many(elements).map_err(err)?;
    pipeline.set_state(gst::State::Playing).map_err(|_| MediaError::pipeline(what, "could not start"))?;

    for sample in samples {
        src.push_sample(sample).map_err(|e| MediaError::pipeline(what, format!("{e:?}")))?;
    }
    src.end_of_stream().map_err(|e| MediaError::pipeline(what, format!("{e:?}")))?;

    let deadline = Instant::now() + Duration::from_secs(30 + samples.len() as u64);
    let mut out = Vec::with_capacity(samples.len());
    while out.len() < samples.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(MediaError::Timeout { what, seconds: 30 + samples.len() as u64 });
        }
        match sink.try_pull_sample(gst::ClockTime::from_mseconds(left.as_millis().min(200) as u64)) {
            Some(encoded) => {
                let buffer = encoded.buffer().ok_or_else(|| MediaError::pipeline(what, "empty output"))?;
                let map = buffer.map_readable().map_err(err)?;
                out.push(map.as_slice().to_vec());
            }
            None if sink.is_eos() => break,
            None => {
                if let Some(error) = bus_error(&pipeline) {
                    return Err(MediaError::pipeline(what, error));
                }
            }
        }
    }
    drop(guard);
    if out.len() != samples.len() {
        return Err(MediaError::pipeline(what, format!("{} of {} frames encoded", out.len(), samples.len())));
    }
    Ok(out)
}

fn bus_error(pipeline: &gst::Pipeline) -> Option<String> {
    let bus = pipeline.bus()?;
    let msg = bus.pop_filtered(&[gst::MessageType::Error])?;
    match msg.view() {
        gst::MessageView::Error(e) => Some(e.error().to_string()),
        _ => None,
    }
}

/// `jpegenc` at the given quality.
pub(crate) fn jpeg_encoder(quality: i32) -> Result<gst::Element, MediaError> {
    let encoder = make("jpegenc")?;
    encoder.set_property("quality", quality);
    Ok(encoder)
}

/// Lossy `webpenc` at the given quality (0-100).
pub(crate) fn webp_encoder(quality: f32) -> Result<gst::Element, MediaError> {
    let encoder = make("webpenc")?;
    encoder.set_property("quality", quality);
    encoder.set_property("speed", 2u32);
    Ok(encoder)
}
