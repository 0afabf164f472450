//! The storyboard: one small tile every few seconds, laid out in a sprite JPEG, plus a WebVTT track
//! whose cues point into the sprite (`storyboard.jpg#xywh=x,y,w,h`), as video players expect for
//! thumbnails while scrubbing.

use std::fmt::Write as _;
use std::path::PathBuf;

use gstreamer as gst;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;

/// The storyboard artifacts of a clip.
#[derive(Debug, Clone, PartialEq)]
pub struct Storyboard {
    /// `work_dir/storyboard.jpg`: tiles left to right, top to bottom.
    pub sprite_jpg: PathBuf,
    /// `work_dir/thumbnails.vtt`: one cue per tile.
    pub thumbnails_vtt: PathBuf,
    pub tile_width: u32,
    pub tile_height: u32,
    pub columns: u32,
    pub tiles: u32,
    /// Seconds between tiles.
    pub interval_s: f64,
}

/// Collects tiles as frames stream past: the first frame at or after each multiple of the interval,
/// scaled down at once (GStreamer's scaler), so only small RGB tiles are kept.
pub(crate) struct StoryboardCollector {
    pub tile_size: (u32, u32),
    pub interval_s: f64,
    max_tiles: usize,
    next_at: f64,
    /// (time of the frame, tightly packed RGB)
    tiles: Vec<(f64, Vec<u8>)>,
}

impl StoryboardCollector {
    /// Tiles every `interval_s`, widened so that a clip of `duration_s` has at most `max_tiles`.
    pub(crate) fn new(tile_size: (u32, u32), interval_s: f64, max_tiles: u32, duration_s: f64) -> Self {
        let interval_s = interval_s.max(duration_s / max_tiles.max(1) as f64).max(0.1);
        Self { tile_size, interval_s, max_tiles: max_tiles.max(1) as usize, next_at: 0.0, tiles: Vec::new() }
    }

    pub(crate) fn offer(&mut self, sample: &gst::Sample) {
        let Some(pts) = sample.buffer().and_then(|b| b.pts()).map(|t| t.nseconds() as f64 / 1e9) else { return };
        // The count cap holds even when the probed duration was wrong.
        if pts + 1e-6 < self.next_at || self.tiles.len() >= self.max_tiles {
            return;
        }
        let Some(tile) = self.scale(sample) else { return };
        self.tiles.push((pts, tile));
        self.next_at = ((pts / self.interval_s).floor() + 1.0) * self.interval_s;
    }

    fn scale(&self, sample: &gst::Sample) -> Option<Vec<u8>> {
        let (width, height) = self.tile_size;
        let caps = gst_video::VideoInfo::builder(gst_video::VideoFormat::Rgb, width, height)
            .build()
            .ok()?
            .to_caps()
            .ok()?;
        let scaled = gst_video::convert_sample(sample, &caps, Some(gst::ClockTime::from_seconds(10))).ok()?;
        let info = gst_video::VideoInfo::from_caps(scaled.caps()?).ok()?;
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(scaled.buffer()?, &info).ok()?;
        let stride = frame.plane_stride()[0] as usize;
        let data = frame.plane_data(0).ok()?;
        let row = width as usize * 3;
        let mut tile = Vec::with_capacity(row * height as usize);
        for y in 0..height as usize {
            tile.extend_from_slice(data.get(y * stride..y * stride + row)?);
        }
        Some(tile)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.tiles.is_empty()
    }

    /// The sprite as one RGB sample (`columns` tiles per row) and the WebVTT text; `duration_s` ends the
    /// last cue.
    pub(crate) fn into_sprite(self, columns: u32, duration_s: f64) -> Option<(gst::Sample, String, u32)> {
        let (tw, th) = (self.tile_size.0 as usize, self.tile_size.1 as usize);
        let count = self.tiles.len();
        let columns = (columns.max(1) as usize).min(count.max(1));
        let rows = count.div_ceil(columns);
        let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Rgb, (columns * tw) as u32, (rows * th) as u32)
            .build()
            .ok()?;
        let stride = info.stride()[0] as usize;
        let mut sprite = vec![0u8; info.size()];
        let mut vtt = String::from("WEBVTT\n");
        for (index, (start, tile)) in self.tiles.iter().enumerate() {
            let (x, y) = ((index % columns) * tw, (index / columns) * th);
            for row in 0..th {
                let dst = (y + row) * stride + x * 3;
                sprite[dst..dst + tw * 3].copy_from_slice(&tile[row * tw * 3..(row + 1) * tw * 3]);
            }
            let start = if index == 0 { 0.0 } else { *start };
            let end = self.tiles.get(index + 1).map(|(next, _)| *next).unwrap_or(duration_s.max(start + 0.001));
            let _ = write!(
                vtt,
                "\n{} --> {}\nstoryboard.jpg#xywh={x},{y},{tw},{th}\n",
                vtt_time(start),
                vtt_time(end)
            );
        }
        let caps = info.to_caps().ok()?;
        let sample = gst::Sample::builder().buffer(&gst::Buffer::from_mut_slice(sprite)).caps(&caps).build();
        Some((sample, vtt, columns as u32))
    }
}

/// `HH:MM:SS.mmm`
pub(crate) fn vtt_time(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::vtt_time;

    #[test]
    fn formats_webvtt_timestamps() {
        assert_eq!(vtt_time(0.0), "00:00:00.000");
        assert_eq!(vtt_time(62.5), "00:01:02.500");
        assert_eq!(vtt_time(3725.0015), "01:02:05.002");
    }
}
