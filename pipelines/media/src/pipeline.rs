//! Running a pipeline to its end under a watchdog, and always setting it back to `Null`.

use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

use crate::MediaError;

/// Owns a pipeline and sets it to `Null` when dropped, whatever happened.
pub(crate) struct PipelineGuard(pub gst::Pipeline);

impl Drop for PipelineGuard {
    fn drop(&mut self) {
        let _ = self.0.set_state(gst::State::Null);
    }
}

/// How long a pipeline over `media_s` seconds of input may run before the watchdog stops it.
pub(crate) fn watchdog_for(media_s: f64) -> Duration {
    Duration::from_secs_f64(30.0 + media_s.max(0.0) * 2.0)
}

/// Play the pipeline until end-of-stream; an error message or the deadline ends it with an error.
pub(crate) fn run_to_eos(guard: &PipelineGuard, what: &'static str, limit: Duration) -> Result<(), MediaError> {
    let pipeline = &guard.0;
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|_| first_error(pipeline).unwrap_or_else(|| MediaError::pipeline(what, "could not start playing")))?;
    let bus = pipeline.bus().expect("a pipeline always has a bus");
    let deadline = Instant::now() + limit;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(MediaError::Timeout { what, seconds: limit.as_secs() });
        }
        let wait = gst::ClockTime::from_nseconds((deadline - now).min(Duration::from_millis(200)).as_nanos() as u64);
        let Some(msg) = bus.timed_pop_filtered(wait, &[gst::MessageType::Eos, gst::MessageType::Error]) else {
            continue;
        };
        match msg.view() {
            gst::MessageView::Eos(..) => return Ok(()),
            gst::MessageView::Error(err) => return Err(MediaError::pipeline(what, describe(err))),
            _ => {}
        }
    }
}

/// Bring the pipeline to `Paused` (prerolled), or fail with the first error it posted.
pub(crate) fn preroll(guard: &PipelineGuard, what: &'static str, limit: Duration) -> Result<(), MediaError> {
    let pipeline = &guard.0;
    pipeline
        .set_state(gst::State::Paused)
        .map_err(|_| first_error(pipeline).unwrap_or_else(|| MediaError::pipeline(what, "could not pause")))?;
    let (result, _, _) = pipeline.state(gst::ClockTime::from_nseconds(limit.as_nanos() as u64));
    match result {
        Ok(gst::StateChangeSuccess::Async) => Err(MediaError::Timeout { what, seconds: limit.as_secs() }),
        Ok(_) => Ok(()),
        Err(_) => Err(first_error(pipeline).unwrap_or_else(|| MediaError::pipeline(what, "could not preroll"))),
    }
}

fn first_error(pipeline: &gst::Pipeline) -> Option<MediaError> {
    let bus = pipeline.bus()?;
    while let Some(msg) = bus.pop_filtered(&[gst::MessageType::Error]) {
        if let gst::MessageView::Error(err) = msg.view() {
            return Some(MediaError::pipeline("starting", describe(err)));
        }
    }
    None
}

fn describe(err: &gst::message::Error) -> String {
    let source = err.src().map(|s| s.path_string().to_string()).unwrap_or_default();
    format!("{} (from {source})", err.error())
}

pub(crate) fn make(factory: &str) -> Result<gst::Element, MediaError> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|_| MediaError::pipeline("building the pipeline", format!("GStreamer element `{factory}` is missing; run scripts/setup.sh")))
}

/// Link `pad` to a new fakesink, so that a stream nobody wants never blocks the pipeline.
pub(crate) fn drain(pipeline: &gst::Pipeline, pad: &gst::Pad) {
    if let Ok(fakesink) = gst::ElementFactory::make("fakesink").property("sync", false).build() {
        let _ = pipeline.add(&fakesink);
        let _ = fakesink.sync_state_with_parent();
        if let Some(sinkpad) = fakesink.static_pad("sink") {
            let _ = pad.link(&sinkpad);
        }
    }
}
