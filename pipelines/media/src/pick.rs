//! Choosing frames as they stream past, in bounded memory: the poster (best single frame) and the
//! preview (liveliest stretch of `preview_seconds`).

use std::collections::VecDeque;
use std::sync::Arc;

use gstreamer as gst;

use crate::frame::{Frame, LumaStats, change_between, luma_stats, poster_score};

/// Seconds between poster candidates: measuring a 720p frame costs ~0.3 ms, four a second is plenty.
const POSTER_CANDIDATE_S: f64 = 0.25;

/// Keeps the best poster candidate seen so far (one frame).
#[derive(Default)]
pub(crate) struct PosterPicker {
    best: Option<(f64, Frame)>,
    next_at: f64,
}

impl PosterPicker {
    pub(crate) fn offer(&mut self, sample: &gst::Sample) {
        let Some(pts) = sample.buffer().and_then(|b| b.pts()).map(|t| t.nseconds() as f64 / 1e9) else { return };
        if pts < self.next_at {
            return;
        }
        self.next_at = pts + POSTER_CANDIDATE_S - 1e-3;
        let Some(stats) = luma_stats(sample) else { return };
        let score = poster_score(&stats);
        if self.best.as_ref().is_none_or(|(best, _)| score > *best)
            && let Some(frame) = Frame::copy_of(sample)
        {
            self.best = Some((score, frame));
        }
    }

    pub(crate) fn into_best(self) -> Option<Frame> {
        self.best.map(|(_, frame)| frame)
    }
}

struct Scored {
    frame: Frame,
    spread: f64,
    /// Change from the frame before it.
    change: f64,
}

/// Slides a window of `seconds` over the frames and keeps the one with the most motion, among windows
/// where every frame is visible (no black or faded frame).
pub(crate) struct PreviewPicker {
    seconds: f64,
    frame_s: f64,
    window: VecDeque<Arc<Scored>>,
    last: Option<LumaStats>,
    best: Option<(f64, Vec<Arc<Scored>>)>,
}

impl PreviewPicker {
    pub(crate) fn new(seconds: f64, fps: u32) -> Self {
        Self { seconds, frame_s: 1.0 / fps.max(1) as f64, window: VecDeque::new(), last: None, best: None }
    }

    pub(crate) fn offer(&mut self, sample: &gst::Sample) {
        let Some(stats) = luma_stats(sample) else { return };
        let Some(frame) = Frame::copy_of(sample) else { return };
        let change = self.last.as_ref().map(|last| change_between(last, &stats)).unwrap_or(0.0);
        let pts = frame.pts_s;
        self.window.push_back(Arc::new(Scored { frame, spread: stats.spread, change }));
        self.last = Some(stats);
        let longest_span = self.seconds - self.frame_s + 1e-6;
        // By time, and by count too, so that timestamps that jump backwards cannot grow the window.
        let most_frames = (self.seconds / self.frame_s).ceil() as usize + 1;
        while self.window.front().is_some_and(|f| pts - f.frame.pts_s > longest_span) || self.window.len() > most_frames {
            self.window.pop_front();
        }
        let span = self.window.front().map(|f| pts - f.frame.pts_s).unwrap_or(0.0);
        if span >= self.seconds - 1.5 * self.frame_s {
            let score = self.window_score();
            if self.best.as_ref().is_none_or(|(best, _)| score > *best) {
                self.best = Some((score, self.window.iter().cloned().collect()));
            }
        }
    }

    /// Motion (sum of changes inside the window) times visibility (the dimmest frame's contrast).
    fn window_score(&self) -> f64 {
        let motion: f64 = self.window.iter().skip(1).map(|f| f.change).sum();
        let least_spread = self.window.iter().map(|f| f.spread).fold(f64::INFINITY, f64::min);
        (motion + 1.0) * (least_spread / 32.0).clamp(0.0, 1.0)
    }

    /// The chosen frames, in order; a clip shorter than the preview gives all its sampled frames.
    pub(crate) fn into_frames(self) -> Vec<Frame> {
        let chosen = match self.best {
            Some((_, frames)) => frames,
            None => self.window.into_iter().collect(),
        };
        chosen.into_iter().map(|f| f.frame.clone()).collect()
    }
}
