//! Decoded frames kept for stills, and the cheap luma measures that pick them.
//!
//! A [`Frame`] owns a deep copy of its buffer, so holding it never starves a decoder's buffer pool; the
//! stage keeps only a bounded number of them (one poster candidate, one preview window).

use gstreamer as gst;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;

/// One decoded, upright I420 frame and its presentation time.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub pts_s: f64,
    pub sample: gst::Sample,
}

impl Frame {
    /// Copy the frame out of `sample` (the decoder's buffer goes back to its pool at once).
    pub(crate) fn copy_of(sample: &gst::Sample) -> Option<Frame> {
        let buffer = sample.buffer()?;
        let pts_s = buffer.pts().map(|t| t.nseconds() as f64 / 1e9)?;
        let copy = buffer.copy_deep().ok()?;
        let caps = sample.caps()?.to_owned();
        Some(Frame { pts_s, sample: gst::Sample::builder().buffer(&copy).caps(&caps).build() })
    }
}

/// Brightness, contrast and sharpness of a frame's luma plane.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LumaStats {
    /// Mean luma, 0-255.
    pub mean: f64,
    /// Standard deviation of luma: near 0 for black, white or a flat fade.
    pub spread: f64,
    /// Mean absolute difference between neighbouring pixels: low when blurred.
    pub sharpness: f64,
    /// Every `GRID_STEP`-th pixel of every `GRID_STEP`-th row, for comparing frames.
    pub grid: Vec<u8>,
}

const GRID_STEP: usize = 4;

/// Measure `sample` (any 8-bit YUV format whose first plane is luma, e.g. I420).
pub(crate) fn luma_stats(sample: &gst::Sample) -> Option<LumaStats> {
    let caps = sample.caps()?;
    let info = gst_video::VideoInfo::from_caps(caps).ok()?;
    let buffer = sample.buffer()?;
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info).ok()?;
    let stride = frame.plane_stride()[0] as usize;
    let luma = frame.plane_data(0).ok()?;
    let (width, height) = (info.width() as usize, info.height() as usize);
    if width < 2 || height < 2 {
        return None;
    }

    // Every second row is plenty for mean, spread and sharpness.
    let (mut sum, mut sum_sq, mut grad, mut count, mut grad_count) = (0f64, 0f64, 0f64, 0u64, 0u64);
    for y in (0..height - 1).step_by(2) {
        let row = &luma[y * stride..y * stride + width];
        let below = &luma[(y + 1) * stride..(y + 1) * stride + width];
        let mut row_sum = 0u64;
        let mut row_sq = 0u64;
        let mut row_grad = 0u64;
        for x in 0..width - 1 {
            let p = row[x] as i32;
            row_sum += p as u64;
            row_sq += (p * p) as u64;
            row_grad += ((p - row[x + 1] as i32).unsigned_abs() + (p - below[x] as i32).unsigned_abs()) as u64;
        }
        sum += row_sum as f64;
        sum_sq += row_sq as f64;
        grad += row_grad as f64;
        count += (width - 1) as u64;
        grad_count += 2 * (width - 1) as u64;
    }
    let mean = sum / count as f64;
    let spread = (sum_sq / count as f64 - mean * mean).max(0.0).sqrt();
    let sharpness = grad / grad_count as f64;

    // A sparse grid of single pixels (not block means: moving fine texture keeps block means constant).
    let mut grid = Vec::with_capacity((width / GRID_STEP + 1) * (height / GRID_STEP + 1));
    for y in (0..height).step_by(GRID_STEP) {
        grid.extend(luma[y * stride..y * stride + width].iter().step_by(GRID_STEP));
    }
    Some(LumaStats { mean, spread, sharpness, grid })
}

/// How much the picture changed between two frames of the same size: mean absolute difference of the
/// sampled pixels, 0-255.
pub(crate) fn change_between(a: &LumaStats, b: &LumaStats) -> f64 {
    if a.grid.len() != b.grid.len() || a.grid.is_empty() {
        return 0.0;
    }
    let total: u64 = a.grid.iter().zip(&b.grid).map(|(x, y)| x.abs_diff(*y) as u64).sum();
    total as f64 / a.grid.len() as f64
}

/// How good a frame is as a poster: contrasty and sharp, not black, white or faded.
pub(crate) fn poster_score(stats: &LumaStats) -> f64 {
    let exposure = if (24.0..=232.0).contains(&stats.mean) { 1.0 } else { 0.1 };
    stats.spread * stats.sharpness * exposure
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gray_sample(width: u32, height: u32, pixel: impl Fn(u32, u32) -> u8) -> gst::Sample {
        gst::init().expect("gstreamer");
        let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, width, height).build().expect("info");
        let mut data = vec![128u8; info.size()];
        let stride = info.stride()[0] as usize;
        for y in 0..height {
            for x in 0..width {
                data[y as usize * stride + x as usize] = pixel(x, y);
            }
        }
        let caps = info.to_caps().expect("caps");
        gst::Sample::builder().buffer(&gst::Buffer::from_mut_slice(data)).caps(&caps).build()
    }

    #[test]
    fn black_blurred_and_sharp_frames_score_in_that_order() {
        let black = luma_stats(&gray_sample(64, 36, |_, _| 16)).expect("stats");
        let ramp = luma_stats(&gray_sample(64, 36, |x, _| (x * 4) as u8)).expect("stats");
        let checkers = luma_stats(&gray_sample(64, 36, |x, y| if (x / 4 + y / 4) % 2 == 0 { 20 } else { 230 })).expect("stats");
        assert_eq!(poster_score(&black), 0.0);
        assert!(poster_score(&ramp) > 0.0);
        assert!(poster_score(&checkers) > 5.0 * poster_score(&ramp), "{checkers:?} vs {ramp:?}");
        assert!(change_between(&black, &checkers) > 50.0);
        assert_eq!(change_between(&checkers, &checkers), 0.0);
    }
}
