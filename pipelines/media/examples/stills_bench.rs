//! Which is faster for stills: GStreamer (videoscale + jpegenc, in C with SIMD via libjpeg-turbo and
//! ORC) or the `image` crate (pure Rust resize + JPEG encoder)? Times both on one decoded 1280x720 frame.
//!
//!     cargo run --release -p callcoach-media --example stills_bench -- fixtures/speech_720p.mp4
//!
//! Results are in docs/performance.md ("Media stage").

use std::time::Instant;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;
use image::ImageEncoder;

const RUNS: u32 = 20;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    gst::init()?;
    let input = std::env::args().nth(1).ok_or("usage: stills_bench VIDEO")?;
    let frame = first_frame(&input)?;
    let info = gst_video::VideoInfo::from_caps(frame.caps().ok_or("no caps")?)?;
    let (width, height) = (info.width(), info.height());
    println!("frame: {width}x{height} I420, {RUNS} runs each, milliseconds per still (median)\n");

    let gst_jpeg = |w: u32, h: u32| -> Result<usize, Box<dyn std::error::Error>> {
        let caps = gst::Caps::builder("image/jpeg").field("width", w as i32).field("height", h as i32).build();
        let out = gst_video::convert_sample(&frame, &caps, Some(gst::ClockTime::from_seconds(5)))?;
        Ok(out.buffer().map(|b| b.size()).unwrap_or(0))
    };
    let image_jpeg = |w: u32, h: u32| -> Result<usize, Box<dyn std::error::Error>> {
        // Conversion from the decoder's I420 is part of the cost: the image crate works on RGB.
        let rgb = image::RgbImage::from_raw(width, height, i420_to_rgb(&frame, &info)?).ok_or("size")?;
        let scaled = if (w, h) == (width, height) { rgb } else { image::imageops::resize(&rgb, w, h, image::imageops::FilterType::Triangle) };
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).write_image(
            scaled.as_raw(),
            w,
            h,
            image::ExtendedColorType::Rgb8,
        )?;
        Ok(out.len())
    };
    let convert = time(|| Ok(i420_to_rgb(&frame, &info)?.len()))?;
    println!("(of the image crate's times, {:.1} ms is converting I420 to RGB, which it cannot do itself)\n", convert.0);

    for (label, w, h) in [("poster 1280x720", width, height), ("scaled to 480x270", 480, 270), ("tile 160x90", 160, 90)] {
        let g = time(|| gst_jpeg(w, h))?;
        let i = time(|| image_jpeg(w, h))?;
        println!("{label:<18} GStreamer {:6.1} ms ({} bytes)   image crate {:6.1} ms ({} bytes)", g.0, g.1, i.0, i.1);
    }
    Ok(())
}

fn time(mut f: impl FnMut() -> Result<usize, Box<dyn std::error::Error>>) -> Result<(f64, usize), Box<dyn std::error::Error>> {
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        size = f()?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    Ok((times[times.len() / 2], size))
}

fn first_frame(path: &str) -> Result<gst::Sample, Box<dyn std::error::Error>> {
    let pipeline = gst::parse::launch(&format!(
        "filesrc location={path} ! decodebin ! videoconvert ! video/x-raw,format=I420 ! appsink name=sink"
    ))?
    .downcast::<gst::Pipeline>()
    .map_err(|_| "not a pipeline")?;
    let sink = pipeline.by_name("sink").ok_or("no sink")?.downcast::<gst_app::AppSink>().map_err(|_| "not appsink")?;
    pipeline.set_state(gst::State::Paused)?;
    let sample = sink.pull_preroll()?;
    pipeline.set_state(gst::State::Null)?;
    Ok(sample)
}

/// BT.601 limited-range I420 to packed RGB.
fn i420_to_rgb(sample: &gst::Sample, info: &gst_video::VideoInfo) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(sample.buffer().ok_or("no buffer")?, info)?;
    let (w, h) = (info.width() as usize, info.height() as usize);
    let strides = frame.plane_stride();
    let (y, u, v) = (frame.plane_data(0)?, frame.plane_data(1)?, frame.plane_data(2)?);
    let mut out = vec![0u8; w * h * 3];
    for row in 0..h {
        for col in 0..w {
            let yy = 1.164 * (y[row * strides[0] as usize + col] as f32 - 16.0);
            let uu = u[(row / 2) * strides[1] as usize + col / 2] as f32 - 128.0;
            let vv = v[(row / 2) * strides[2] as usize + col / 2] as f32 - 128.0;
            let px = &mut out[(row * w + col) * 3..(row * w + col) * 3 + 3];
            px[0] = (yy + 1.596 * vv).clamp(0.0, 255.0) as u8;
            px[1] = (yy - 0.392 * uu - 0.813 * vv).clamp(0.0, 255.0) as u8;
            px[2] = (yy + 2.017 * uu).clamp(0.0, 255.0) as u8;
        }
    }
    Ok(out)
}
