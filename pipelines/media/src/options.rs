//! What the media stage makes, and how: sizes, rates and encoder settings.

use std::time::Duration;

/// Settings of [`crate::run_media_stage`]. `Default` is what callcoach ships.
#[derive(Debug, Clone)]
pub struct MediaOptions {
    /// `video.mp4` fits in `max_long_side` x `max_short_side` (either way round), aspect kept: 1280 x 720
    /// is "720p" for landscape and portrait alike. Inputs within it are not scaled.
    pub max_long_side: u32,
    pub max_short_side: u32,
    /// Length of the animated preview, in seconds.
    pub preview_seconds: f64,
    /// Longest side of the animated preview, in pixels.
    pub preview_max_side: u32,
    /// Frames per second of the animated preview (and of the frames sampled for all stills).
    pub preview_fps: u32,
    /// Width of one storyboard tile, in pixels (height follows the aspect).
    pub storyboard_tile_width: u32,
    /// Seconds between storyboard tiles; longer clips get a wider spacing so that there are at most
    /// `storyboard_max_tiles` tiles.
    pub storyboard_interval_s: f64,
    pub storyboard_max_tiles: u32,
    /// Tiles per row of the sprite.
    pub storyboard_columns: u32,
    /// x264 constant-quality level (like ffmpeg's `-crf`): lower is better and bigger.
    pub video_quality: u32,
    /// x264 speed preset, e.g. "veryfast" (ffmpeg's `-preset`).
    pub video_preset: &'static str,
    /// Peak video bitrate in kbit/s, enforced with a VBV buffer, or `None` for pure constant quality like
    /// ffmpeg's `-crf`. The VBV costs about 12% more x264 time, measured: see docs/performance.md.
    pub video_max_kbps: Option<u32>,
    /// AAC bitrate in bit/s.
    pub audio_bitrate: i32,
    /// Overrides the watchdog (by default 30 s plus twice the clip's length).
    pub watchdog: Option<Duration>,
}

impl Default for MediaOptions {
    fn default() -> Self {
        Self {
            max_long_side: 1280,
            max_short_side: 720,
            preview_seconds: 3.0,
            preview_max_side: 480,
            preview_fps: 10,
            storyboard_tile_width: 160,
            storyboard_interval_s: 2.0,
            storyboard_max_tiles: 100,
            storyboard_columns: 10,
            video_quality: 23,
            video_preset: "veryfast",
            video_max_kbps: None,
            audio_bitrate: 128_000,
            watchdog: None,
        }
    }
}

/// Scale `(width, height)` so that the longer side is at most `max_long` and the shorter at most
/// `max_short`, keeping the aspect, with even sides (4:2:0 video needs them). Never scales up.
pub(crate) fn fit_within(width: u32, height: u32, max_long: u32, max_short: u32) -> (u32, u32) {
    let (long, short) = (width.max(height).max(1) as f64, width.min(height).max(1) as f64);
    let scale = (max_long as f64 / long).min(max_short as f64 / short).min(1.0);
    let even = |v: f64| ((v / 2.0).round() as u32).max(1) * 2;
    (even(width as f64 * scale), even(height as f64 * scale))
}

#[cfg(test)]
mod tests {
    use super::fit_within;

    #[test]
    fn fits_the_long_side_and_keeps_the_aspect() {
        assert_eq!(fit_within(1920, 1080, 1280, 720), (1280, 720));
        assert_eq!(fit_within(1080, 1920, 1280, 720), (720, 1280));
        assert_eq!(fit_within(7680, 4320, 1280, 720), (1280, 720));
        assert_eq!(fit_within(1280, 1280, 1280, 720), (720, 720), "square: the short side binds");
        assert_eq!(fit_within(1920, 1080, 480, 480), (480, 270), "a preview");
        assert_eq!(fit_within(640, 360, 1280, 720), (640, 360), "never scales up");
        assert_eq!(fit_within(641, 361, 1280, 720), (642, 362), "even sides");
    }
}
