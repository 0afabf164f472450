//! The media stage: one pipeline, one decode, every output.
//!
//! ```text
//! filesrc ! parsebin ─┬─ video ─┬─(H.264 within 1280x720, upright: copy)─────── h264parse ─┐
//!                     │         └─ decodebin ! videoscale ! videoflip ! I420 ─ tee ─┬─ x264enc (if not copied) ─┤
//!                     │                                                             └─ stills (poster, storyboard, preview)
//!                     └─ audio ─┬─(AAC mono/stereo: copy)──────────────── aacparse ─┤
//!                               └─ decodebin ─ tee ─┬─ avenc_aac (if not copied) ───┤
//!                                                   └─ 16 kHz speech appsink        └─ mp4mux faststart ! filesink
//! ```
//! `parsebin` exposes the parsed (still compressed) streams, so a stream that already meets the target is
//! copied while the same stream is decoded once for stills or speech. Branches are built when the streams
//! appear; a stream nobody needs drains into a fakesink undecoded.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;

use crate::artifacts::Artifacts;
use crate::audio::SpeechSink;
use crate::options::{MediaOptions, fit_within};
use crate::pipeline::{PipelineGuard, drain, make, run_to_eos, watchdog_for};
use crate::stills::Stills;
use crate::storyboard::Storyboard;
use crate::web::{aac_encoder, audio_is_web_ready, h264_encoder, mux_queue, video_is_web_ready};
use crate::{MediaError, MediaInfo, SpeechAudio};

/// Everything the media stage produced for one clip. Paths are inside the caller's work dir.
#[derive(Debug, Clone)]
pub struct MediaOutputs {
    /// 16 kHz mono f32, plus each channel for two-channel input.
    pub audio: SpeechAudio,
    /// `video.mp4`: H.264 + AAC, faststart, within 1280x720 either way round, upright.
    pub video_mp4: Option<PathBuf>,
    /// `audio.m4a` (AAC) for audio-only inputs.
    pub audio_m4a: Option<PathBuf>,
    /// `poster.jpg`: the most contrasty, sharp, well-exposed frame sampled.
    pub poster_jpg: Option<PathBuf>,
    /// When the poster frame is, in seconds.
    pub poster_at_s: Option<f64>,
    /// `storyboard.jpg` + `thumbnails.vtt`.
    pub storyboard: Option<Storyboard>,
    /// `preview.webp`: an animated WebP loop of the liveliest `preview_seconds`.
    pub preview: Option<PathBuf>,
    /// Where the preview starts, in seconds.
    pub preview_start_s: Option<f64>,
    /// Upright size of `video.mp4`.
    pub video_size: Option<(u32, u32)>,
    /// True when the output was copied rather than re-encoded: the video stream for clips with video,
    /// the audio stream for audio-only clips.
    pub remuxed: bool,
}

/// Run the whole media stage on `input` (probed as `info`): one decode feeds the web video (or audio),
/// the stills and the speech audio. Writes into `work_dir`; on error nothing is left there that could be
/// taken for a finished artifact.
pub fn run_media_stage(
    input: &Path,
    info: &MediaInfo,
    work_dir: &Path,
    options: &MediaOptions,
) -> Result<MediaOutputs, MediaError> {
    crate::init()?;
    let Some(audio) = &info.audio else { return Err(MediaError::NoAudio(input.to_path_buf())) };
    if !input.is_file() {
        return Err(MediaError::NotFound(input.to_path_buf()));
    }
    let mut artifacts = Artifacts::new(work_dir)?;
    let container = if info.video.is_some() { "video.mp4" } else { "audio.m4a" };
    let container_partial = artifacts.partial(container);
    let moov_scratch = artifacts.scratch("moov");

    let what = "building the media pipeline";
    let err = |e: gst::glib::BoolError| MediaError::pipeline(what, e);
    let pipeline = gst::Pipeline::new();
    let guard = PipelineGuard(pipeline.clone());
    let src = make("filesrc")?;
    src.set_property("location", input.to_string_lossy().as_ref());
    let parsebin = make("parsebin")?;
    let mux = make("mp4mux")?;
    mux.set_property("faststart", true);
    mux.set_property("faststart-file", moov_scratch.to_string_lossy().as_ref());
    let filesink = make("filesink")?;
    filesink.set_property("location", container_partial.to_string_lossy().as_ref());
    pipeline.add_many([&src, &parsebin, &mux, &filesink]).map_err(err)?;
    src.link(&parsebin).map_err(err)?;
    mux.link(&filesink).map_err(err)?;
    let speech = SpeechSink::new(audio.channels, info.duration_s)?;
    speech.add_to(&pipeline)?;

    let router = Arc::new(Router {
        pipeline: pipeline.downgrade(),
        mux,
        speech_input: speech.input(),
        options: options.clone(),
        info: info.clone(),
        routes: Mutex::new(Routes::default()),
    });
    let on_pad = router.clone();
    parsebin.connect_pad_added(move |parsebin, pad| {
        if let Err(e) = on_pad.route(pad) {
            gst::element_error!(parsebin, gst::StreamError::Failed, ("{}", e));
        }
    });
    let on_done = router.clone();
    parsebin.connect_no_more_pads(move |parsebin| {
        if on_done.routes.lock().map(|r| r.audio.is_none()).unwrap_or(true) {
            gst::element_error!(parsebin, gst::StreamError::Failed, ("no usable audio stream was found"));
        }
    });

    let limit = options.watchdog.unwrap_or_else(|| watchdog_for(info.duration_s));
    run_to_eos(&guard, "processing the media", limit)?;
    drop(guard);

    let speech_audio = speech.finish(input, info)?;
    let routes = std::mem::take(&mut *router.routes.lock().map_err(|_| MediaError::pipeline(what, "poisoned"))?);
    let stills = match routes.stills {
        Some(stills) => stills.finish(&mut artifacts, info.duration_s, options)?,
        None => Default::default(),
    };
    if routes.video.is_some() && stills.poster.is_none() {
        return Err(MediaError::NotMedia { path: input.to_path_buf(), reason: "no video frame could be decoded".into() });
    }
    let container_path = artifacts.final_path(container);
    artifacts.commit()?;

    let has_video = info.video.is_some();
    Ok(MediaOutputs {
        audio: speech_audio,
        video_mp4: has_video.then(|| container_path.clone()),
        audio_m4a: (!has_video).then_some(container_path),
        poster_at_s: stills.poster.as_ref().map(|(_, at)| *at),
        poster_jpg: stills.poster.map(|(path, _)| path),
        storyboard: stills.storyboard,
        preview_start_s: stills.preview.as_ref().map(|(_, at)| *at),
        preview: stills.preview.map(|(path, _)| path),
        video_size: routes.video_size,
        remuxed: if has_video { routes.video == Some(true) } else { routes.audio == Some(true) },
    })
}

/// Which streams got a branch, and whether they are copied (`true`) or encoded.
#[derive(Default)]
struct Routes {
    video: Option<bool>,
    audio: Option<bool>,
    video_size: Option<(u32, u32)>,
    stills: Option<Stills>,
}

/// Builds a branch for each stream `parsebin` exposes.
struct Router {
    pipeline: gst::glib::WeakRef<gst::Pipeline>,
    mux: gst::Element,
    speech_input: gst::Pad,
    options: MediaOptions,
    info: MediaInfo,
    routes: Mutex<Routes>,
}

impl Router {
    fn route(&self, pad: &gst::Pad) -> Result<(), MediaError> {
        let Some(pipeline) = self.pipeline.upgrade() else { return Ok(()) };
        let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
        let Some(structure) = caps.structure(0) else {
            drain(&pipeline, pad);
            return Ok(());
        };
        let mut routes = self.routes.lock().map_err(|_| MediaError::pipeline("routing streams", "poisoned"))?;
        if structure.name().starts_with("video/") && self.info.video.is_some() && routes.video.is_none() {
            self.route_video(&pipeline, pad, structure, &mut routes)
        } else if structure.name().starts_with("audio/") && routes.audio.is_none() {
            let copy = audio_is_web_ready(structure);
            routes.audio = Some(copy);
            self.route_audio(&pipeline, pad, copy)
        } else {
            drain(&pipeline, pad);
            Ok(())
        }
    }

    fn route_video(
        &self,
        pipeline: &gst::Pipeline,
        pad: &gst::Pad,
        caps: &gst::StructureRef,
        routes: &mut Routes,
    ) -> Result<(), MediaError> {
        let what = "building the video branch";
        let err = |e: gst::glib::BoolError| MediaError::pipeline(what, e);
        let Some(video) = &self.info.video else { return Ok(()) };
        let coded = (
            caps.get::<i32>("width").map(|w| w as u32).unwrap_or(video.width),
            caps.get::<i32>("height").map(|h| h as u32).unwrap_or(video.height),
        );
        let scaled = fit_within(coded.0, coded.1, self.options.max_long_side, self.options.max_short_side);
        let upright = if video.rotation_deg % 180 == 90 { (scaled.1, scaled.0) } else { scaled };
        let copy = video_is_web_ready(caps, video.rotation_deg, scaled == coded);
        routes.video = Some(copy);
        routes.video_size = Some(upright);

        let Entry { entry, decodebin, mut elements } = self.entry(pipeline, copy.then_some(("h264parse", "video_%u")), what)?;

        // Decoded frames: scale while still sideways (cheaper), then turn upright, then I420 for x264.
        let scale = make("videoscale")?;
        // Scaling 1080p runs in the decoder's thread; two threads keep it from holding up x264.
        scale.set_property("n-threads", 2u32);
        let scale_caps = gst::Caps::builder("video/x-raw")
            .field("width", scaled.0 as i32)
            .field("height", scaled.1 as i32)
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build();
        let scale_filter = capsfilter(scale_caps)?;
        // The probed rotation (Discoverer's image-orientation tag), rather than `auto`: the tag may reach
        // videoflip after the first frames.
        let flip = make("videoflip")?;
        flip.set_property_from_str("video-direction", flip_direction(video.rotation_deg));
        let convert = make("videoconvert")?;
        let i420 = capsfilter(gst::Caps::builder("video/x-raw").field("format", "I420").build())?;
        let frames = make("tee")?;
        let raw = [scale.clone(), scale_filter, flip, convert, i420, frames.clone()];
        pipeline.add_many(&raw).map_err(err)?;
        gst::Element::link_many(&raw).map_err(err)?;
        elements.extend(raw);

        if !copy {
            let mut encode = vec![make("queue")?];
            encode.extend(h264_encoder(&self.options)?);
            encode.push(mux_queue()?);
            pipeline.add_many(&encode).map_err(err)?;
            gst::Element::link_many(&encode).map_err(err)?;
            frames.link(&encode[0]).map_err(err)?;
            if let Some(last) = encode.last() {
                link_to_mux(last, &self.mux, "video_%u")?;
            }
            elements.extend(encode);
        }

        let (stills, stills_elements) =
            Stills::attach(pipeline, &frames, upright, self.info.duration_s, &self.options)?;
        routes.stills = Some(stills);
        elements.extend(stills_elements);

        let raw_in = scale.static_pad("sink").expect("videoscale has a sink pad");
        let weak = pipeline.downgrade();
        decodebin.connect_pad_added(move |_, decoded| {
            if is_raw(decoded, "video/x-raw") && !raw_in.is_linked() {
                let _ = decoded.link(&raw_in);
            } else if let Some(pipeline) = weak.upgrade() {
                drain(&pipeline, decoded);
            }
        });
        start(&elements, pad, &entry)
    }

    /// Where a compressed stream enters: straight into a decoder, or, when it is `copy`'d as
    /// `(parser, mux pad template)`, split between the muxer (parsed, not decoded) and the decoder.
    fn entry(&self, pipeline: &gst::Pipeline, copy: Option<(&str, &str)>, what: &'static str) -> Result<Entry, MediaError> {
        let err = |e: gst::glib::BoolError| MediaError::pipeline(what, e);
        let decode_queue = make("queue")?;
        let decodebin = make("decodebin")?;
        let Some((parser, mux_pad)) = copy else {
            let elements = vec![decode_queue.clone(), decodebin.clone()];
            pipeline.add_many(&elements).map_err(err)?;
            decode_queue.link(&decodebin).map_err(err)?;
            return Ok(Entry { entry: decode_queue, decodebin, elements });
        };
        let split = make("tee")?;
        let to_mux = mux_queue()?;
        let parse = make(parser)?;
        let elements = vec![split.clone(), to_mux.clone(), parse.clone(), decode_queue.clone(), decodebin.clone()];
        pipeline.add_many(&elements).map_err(err)?;
        gst::Element::link_many([&split, &to_mux, &parse]).map_err(err)?;
        link_to_mux(&parse, &self.mux, mux_pad)?;
        gst::Element::link_many([&split, &decode_queue, &decodebin]).map_err(err)?;
        Ok(Entry { entry: split, decodebin, elements })
    }

    fn route_audio(&self, pipeline: &gst::Pipeline, pad: &gst::Pad, copy: bool) -> Result<(), MediaError> {
        let what = "building the audio branch";
        let err = |e: gst::glib::BoolError| MediaError::pipeline(what, e);
        let Entry { entry, decodebin, mut elements } = self.entry(pipeline, copy.then_some(("aacparse", "audio_%u")), what)?;

        let samples = make("tee")?;
        let speech_queue = make("queue")?;
        pipeline.add_many([&samples, &speech_queue]).map_err(err)?;
        samples.link(&speech_queue).map_err(err)?;
        speech_queue
            .static_pad("src")
            .expect("queue has a src pad")
            .link(&self.speech_input)
            .map_err(|e| MediaError::pipeline(what, e))?;
        elements.extend([samples.clone(), speech_queue]);

        if !copy {
            let mut encode = vec![make("queue")?];
            encode.extend(aac_encoder(&self.options)?);
            encode.push(mux_queue()?);
            pipeline.add_many(&encode).map_err(err)?;
            gst::Element::link_many(&encode).map_err(err)?;
            samples.link(&encode[0]).map_err(err)?;
            if let Some(last) = encode.last() {
                link_to_mux(last, &self.mux, "audio_%u")?;
            }
            elements.extend(encode);
        }

        let raw_in = samples.static_pad("sink").expect("tee has a sink pad");
        let weak = pipeline.downgrade();
        decodebin.connect_pad_added(move |_, decoded| {
            if is_raw(decoded, "audio/x-raw") && !raw_in.is_linked() {
                let _ = decoded.link(&raw_in);
            } else if let Some(pipeline) = weak.upgrade() {
                drain(&pipeline, decoded);
            }
        });
        start(&elements, pad, &entry)
    }
}

/// A branch's first elements: where the stream enters, its decoder, and everything added so far.
struct Entry {
    entry: gst::Element,
    decodebin: gst::Element,
    elements: Vec<gst::Element>,
}

/// Bring new elements to the pipeline's state (downstream first), then let the stream in.
fn start(elements: &[gst::Element], pad: &gst::Pad, entry: &gst::Element) -> Result<(), MediaError> {
    for element in elements.iter().rev() {
        element.sync_state_with_parent().map_err(|e| MediaError::pipeline("starting a branch", e))?;
    }
    let sink = entry.static_pad("sink").ok_or_else(|| MediaError::pipeline("starting a branch", "no sink pad"))?;
    pad.link(&sink).map(|_| ()).map_err(|e| MediaError::pipeline("starting a branch", format!("{e:?}")))
}

fn link_to_mux(from: &gst::Element, mux: &gst::Element, template: &str) -> Result<(), MediaError> {
    let what = "linking to the muxer";
    let sink = mux.request_pad_simple(template).ok_or_else(|| MediaError::pipeline(what, "mp4mux refused a pad"))?;
    let src = from.static_pad("src").ok_or_else(|| MediaError::pipeline(what, "no src pad"))?;
    src.link(&sink).map(|_| ()).map_err(|e| MediaError::pipeline(what, format!("{e:?}")))
}

fn capsfilter(caps: gst::Caps) -> Result<gst::Element, MediaError> {
    gst::ElementFactory::make("capsfilter")
        .property("caps", caps)
        .build()
        .map_err(|e| MediaError::pipeline("building the pipeline", e))
}

fn is_raw(pad: &gst::Pad, name: &str) -> bool {
    pad.current_caps()
        .and_then(|c| c.structure(0).map(|s| s.name().starts_with(name)))
        .unwrap_or(false)
}

/// videoflip direction that undoes a clockwise display rotation.
fn flip_direction(rotation_deg: u32) -> &'static str {
    match rotation_deg % 360 {
        90 => "90r",
        180 => "180",
        270 => "90l",
        _ => "identity",
    }
}
