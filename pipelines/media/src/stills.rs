//! The stills branch of the stage: frames from the one decode, thinned to `preview_fps`, feed the poster
//! picker (at video size) and, scaled to preview size, the preview picker and the storyboard. After the
//! pipeline ends, the chosen frames are encoded with GStreamer (`jpegenc`, `webpenc`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::artifacts::Artifacts;
use crate::options::{MediaOptions, fit_within};
use crate::pick::{PosterPicker, PreviewPicker};
use crate::pipeline::make;
use crate::still_encoder::{encode_frames, jpeg_encoder, webp_encoder};
use crate::storyboard::{Storyboard, StoryboardCollector};
use crate::webp::{WebpFrame, animated_webp};
use crate::MediaError;

struct SmallFrames {
    preview: PreviewPicker,
    storyboard: StoryboardCollector,
}

/// What the stills branch chose; artifacts come from [`Stills::finish`].
pub(crate) struct Stills {
    poster: Arc<Mutex<PosterPicker>>,
    /// `None` once taken by `finish` (the appsink callbacks may outlive the pipeline's run).
    small: Arc<Mutex<Option<SmallFrames>>>,
}

/// The stills written for a clip.
#[derive(Default)]
pub(crate) struct StillsOutputs {
    pub poster: Option<(PathBuf, f64)>,
    pub storyboard: Option<Storyboard>,
    pub preview: Option<(PathBuf, f64)>,
}

impl Stills {
    /// Hang the stills branch off `tee`, which carries upright I420 frames of `size`.
    pub(crate) fn attach(
        pipeline: &gst::Pipeline,
        tee: &gst::Element,
        size: (u32, u32),
        duration_s: f64,
        options: &MediaOptions,
    ) -> Result<(Self, Vec<gst::Element>), MediaError> {
        let what = "building the stills branch";
        let err = |e: gst::glib::BoolError| MediaError::pipeline(what, e);
        let preview_size = fit_within(size.0, size.1, options.preview_max_side, options.preview_max_side);
        let tile_w = options.storyboard_tile_width.min(size.0);
        let tile_size = (tile_w, fit_within(size.0, size.1, tile_w, tile_w).1.max(2));

        let thin = queue()?;
        throttle(&thin, options.preview_fps);
        let split = make("tee")?;
        let poster_queue = queue()?;
        let poster_sink = gst_app::AppSink::builder().sync(false).enable_last_sample(false).build();
        let small_queue = queue()?;
        let scale = make("videoscale")?;
        let small_caps = gst::Caps::builder("video/x-raw")
            .field("format", "I420")
            .field("width", preview_size.0 as i32)
            .field("height", preview_size.1 as i32)
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build();
        let small_filter = gst::ElementFactory::make("capsfilter").property("caps", small_caps).build().map_err(err)?;
        let small_sink = gst_app::AppSink::builder().sync(false).enable_last_sample(false).build();

        let elements: Vec<gst::Element> = vec![
            thin.clone(),
            split.clone(),
            poster_queue.clone(),
            poster_sink.clone().upcast(),
            small_queue.clone(),
            scale.clone(),
            small_filter.clone(),
            small_sink.clone().upcast(),
        ];
        pipeline.add_many(&elements).map_err(err)?;
        gst::Element::link_many([tee, &thin, &split]).map_err(err)?;
        gst::Element::link_many([&split, &poster_queue, poster_sink.upcast_ref()]).map_err(err)?;
        gst::Element::link_many([&split, &small_queue, &scale, &small_filter, small_sink.upcast_ref()]).map_err(err)?;

        let poster = Arc::new(Mutex::new(PosterPicker::default()));
        let small = Arc::new(Mutex::new(Some(SmallFrames {
            preview: PreviewPicker::new(options.preview_seconds, options.preview_fps),
            storyboard: StoryboardCollector::new(
                tile_size,
                options.storyboard_interval_s,
                options.storyboard_max_tiles,
                duration_s,
            ),
        })));
        let poster_state = poster.clone();
        poster_sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    poster_state.lock().map_err(|_| gst::FlowError::Error)?.offer(&sample);
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        let small_state = small.clone();
        small_sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    let mut state = small_state.lock().map_err(|_| gst::FlowError::Error)?;
                    let state = state.as_mut().ok_or(gst::FlowError::Eos)?;
                    state.preview.offer(&sample);
                    state.storyboard.offer(&sample);
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        Ok((Stills { poster, small }, elements))
    }

    /// Encode the chosen frames into `poster.jpg`, `storyboard.jpg` + `thumbnails.vtt` and `preview.webp`.
    pub(crate) fn finish(
        self,
        artifacts: &mut Artifacts,
        duration_s: f64,
        options: &MediaOptions,
    ) -> Result<StillsOutputs, MediaError> {
        let poisoned = || MediaError::pipeline("choosing stills", "state poisoned by a panic");
        let poster = std::mem::take(&mut *self.poster.lock().map_err(|_| poisoned())?).into_best();
        let small = self
            .small
            .lock()
            .map_err(|_| poisoned())?
            .take()
            .ok_or_else(|| MediaError::pipeline("choosing stills", "frames already taken"))?;
        let mut out = StillsOutputs::default();

        if let Some(frame) = poster {
            let jpeg = encode_frames(&[frame.sample], None, jpeg_encoder(85)?, "encoding the poster")?;
            let bytes = jpeg.first().ok_or_else(|| MediaError::pipeline("encoding the poster", "no output"))?;
            out.poster = Some((artifacts.write("poster.jpg", bytes)?, frame.pts_s));
        }

        if !small.storyboard.is_empty() {
            let (tile_width, tile_height) = small.storyboard.tile_size;
            let interval_s = small.storyboard.interval_s;
            if let Some((sprite, vtt, columns)) = small.storyboard.into_sprite(options.storyboard_columns, duration_s) {
                let tiles = vtt.matches(" --> ").count() as u32;
                let jpeg = encode_frames(&[sprite], None, jpeg_encoder(80)?, "encoding the storyboard")?;
                let bytes = jpeg.first().ok_or_else(|| MediaError::pipeline("encoding the storyboard", "no output"))?;
                out.storyboard = Some(Storyboard {
                    sprite_jpg: artifacts.write("storyboard.jpg", bytes)?,
                    thumbnails_vtt: artifacts.write("thumbnails.vtt", vtt.as_bytes())?,
                    tile_width,
                    tile_height,
                    columns,
                    tiles,
                    interval_s,
                });
            }
        }

        let frames = small.preview.into_frames();
        if let Some(first) = frames.first() {
            let samples: Vec<gst::Sample> = frames.iter().map(|f| f.sample.clone()).collect();
            let encoded = encode_frames(&samples, None, webp_encoder(70.0)?, "encoding the preview")?;
            let (width, height) = frame_size(&first.sample)
                .ok_or_else(|| MediaError::pipeline("encoding the preview", "frame without size"))?;
            let default_ms = 1000 / options.preview_fps.max(1);
            let webp_frames: Vec<WebpFrame<'_>> = encoded
                .iter()
                .enumerate()
                .map(|(i, webp)| {
                    let duration_ms = frames
                        .get(i + 1)
                        .map(|next| ((next.pts_s - frames[i].pts_s) * 1000.0).round().clamp(20.0, 1000.0) as u32)
                        .unwrap_or(default_ms);
                    WebpFrame { webp, width, height, duration_ms }
                })
                .collect();
            let animation = animated_webp(&webp_frames).map_err(|e| MediaError::pipeline("encoding the preview", e))?;
            out.preview = Some((artifacts.write("preview.webp", &animation)?, first.pts_s));
        }
        Ok(out)
    }
}

fn frame_size(sample: &gst::Sample) -> Option<(u32, u32)> {
    let s = sample.caps()?.structure(0)?;
    Some((s.get::<i32>("width").ok()? as u32, s.get::<i32>("height").ok()? as u32))
}

fn queue() -> Result<gst::Element, MediaError> {
    make("queue")
}

/// Let through at most `fps` frames per second (by timestamp, so variable frame rates work), before
/// anything is scaled or copied.
fn throttle(queue: &gst::Element, fps: u32) {
    let step = 1.0 / fps.max(1) as f64;
    let next = Mutex::new(0.0f64);
    if let Some(pad) = queue.static_pad("src") {
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            let Some(pts) = info.buffer().and_then(|b| b.pts()).map(|t| t.nseconds() as f64 / 1e9) else {
                return gst::PadProbeReturn::Ok;
            };
            let Ok(mut next) = next.lock() else { return gst::PadProbeReturn::Ok };
            if pts + 0.2 * step < *next {
                return gst::PadProbeReturn::Drop;
            }
            *next = if pts > *next + step { pts + step } else { *next + step };
            gst::PadProbeReturn::Ok
        });
    }
}
