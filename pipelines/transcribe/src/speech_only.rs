//! Decode only what is speech: voice-active spans are cut out, joined with short gaps into one compact
//! buffer for whisper, and word times are mapped back to the original clip afterwards.
//!
//! Whisper invents or drops words across long silences and its timestamps drift over them (a channel of
//! a stereo call is silent more than half the time), so it never sees them.

use crate::voice_activity::VoiceActivity;

/// Context kept around each active span, so word edges are not clipped.
const PAD_S: f64 = 0.2;
/// Silence put between joined spans, so words of different spans stay apart. Whisper stamps the first
/// words after a gap early; a gap this wide keeps those stamps inside the gap, where they are mapped to
/// the span that follows (0.3 s was too narrow: they fell into the previous span).
const GAP_S: f64 = 1.0;

/// One span of the original audio inside the compact buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Piece {
    compact_start_s: f64,
    original_start_s: f64,
    length_s: f64,
}

/// The compact buffer and how to map its times back.
pub(crate) struct SpeechOnly {
    pub samples: Vec<f32>,
    pieces: Vec<Piece>,
}

impl SpeechOnly {
    pub fn new(samples: &[f32], sample_rate: u32, activity: &VoiceActivity) -> Self {
        let rate = sample_rate as f64;
        let duration_s = samples.len() as f64 / rate;
        // Pad the spans and merge those that now touch.
        let mut spans: Vec<(f64, f64)> = Vec::new();
        for (start, end) in &activity.spans {
            let (start, end) = ((start - PAD_S).max(0.0), (end + PAD_S).min(duration_s));
            match spans.last_mut() {
                Some(last) if start <= last.1 + GAP_S => last.1 = end,
                _ => spans.push((start, end)),
            }
        }
        let gap = vec![0.0f32; (GAP_S * rate) as usize];
        let mut compact = Vec::with_capacity(samples.len());
        let mut pieces = Vec::with_capacity(spans.len());
        for (start, end) in spans {
            let (a, b) = ((start * rate) as usize, ((end * rate) as usize).min(samples.len()));
            if !compact.is_empty() {
                compact.extend_from_slice(&gap);
            }
            pieces.push(Piece {
                compact_start_s: compact.len() as f64 / rate,
                original_start_s: a as f64 / rate,
                length_s: (b - a) as f64 / rate,
            });
            compact.extend_from_slice(&samples[a..b]);
        }
        Self { samples: compact, pieces }
    }

    /// Split the compact buffer into windows of at most `max_s` seconds (sample ranges), cut only in
    /// the gaps between spans, so each can be decoded on its own with an encoder context sized to it.
    /// A span longer than `max_s` is a window of its own (whisper then slides its 30 s window over it).
    pub fn windows(&self, sample_rate: u32, max_s: f64) -> Vec<std::ops::Range<usize>> {
        let rate = sample_rate as f64;
        let at = |s: f64| ((s * rate).round() as usize).min(self.samples.len());
        let mut windows: Vec<(f64, f64)> = Vec::new();
        for piece in &self.pieces {
            let end = piece.compact_start_s + piece.length_s;
            match windows.last_mut() {
                Some(window) if end - window.0 <= max_s => window.1 = end,
                _ => windows.push((piece.compact_start_s, end)),
            }
        }
        windows.into_iter().map(|(a, b)| at(a)..at(b)).filter(|r| !r.is_empty()).collect()
    }

    /// Map a word's compact (start, end) to original times, to the millisecond, with the index of the
    /// span it was spoken in. A word never spans two pieces: between them there was only silence. A word
    /// that starts in a gap belongs to the span after it.
    pub fn to_original(&self, start_s: f64, end_s: f64) -> (f64, f64, usize) {
        let mut index = self.pieces.partition_point(|p| p.compact_start_s <= start_s).saturating_sub(1);
        let in_gap = self.pieces.get(index).is_some_and(|p| start_s >= p.compact_start_s + p.length_s);
        if in_gap && index + 1 < self.pieces.len() {
            index += 1;
        }
        let Some(piece) = self.pieces.get(index) else { return (start_s, end_s, 0) };
        let clamp = |t: f64| {
            let original = (t - piece.compact_start_s).clamp(0.0, piece.length_s) + piece.original_start_s;
            (original * 1000.0).round() / 1000.0
        };
        let start = clamp(start_s);
        (start, clamp(end_s).max(start), index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_map_back_across_removed_silence() {
        let rate = 100u32;
        let samples = vec![0.0f32; 100 * 20]; // 20 s; content does not matter, the spans do
        let activity = VoiceActivity { spans: vec![(1.0, 3.0), (10.0, 12.0)] };
        let speech = SpeechOnly::new(&samples, rate, &activity);
        // Pieces: [0.8, 3.2) at 0, then a 1 s gap, then [9.8, 12.2) at 3.4.
        assert!((speech.samples.len() as f64 / rate as f64 - (2.4 + 1.0 + 2.4)).abs() < 0.02);
        assert_eq!(speech.to_original(0.5, 1.0), (1.3, 1.8, 0));
        assert_eq!(speech.to_original(3.7, 4.2), (10.1, 10.6, 1));
        // A word that runs into the gap ends where its piece ends.
        assert_eq!(speech.to_original(2.0, 2.6), (2.8, 3.2, 0));
        // A word stamped inside the gap belongs to the next piece, at its start.
        assert_eq!(speech.to_original(3.0, 3.6), (9.8, 10.0, 1));
    }

    #[test]
    fn windows_cut_in_gaps_and_stay_under_the_limit() {
        let rate = 100u32;
        let samples = vec![0.0f32; 100 * 120];
        // Three 10 s spans and one 40 s span, far apart.
        let activity = VoiceActivity { spans: vec![(1.0, 11.0), (15.0, 25.0), (30.0, 40.0), (50.0, 90.0)] };
        let speech = SpeechOnly::new(&samples, rate, &activity);
        let windows = speech.windows(rate, 30.0);
        let seconds: Vec<(f64, f64)> = windows.iter().map(|r| (r.start as f64 / 100.0, r.end as f64 / 100.0)).collect();
        // Pieces of 10.4 s with 1 s gaps: the first two fit in 30 s (21.8 s), the third would not (33.2 s).
        assert_eq!(seconds, vec![(0.0, 21.8), (22.8, 33.2), (34.2, 74.6)]);
        assert_eq!(speech.windows(rate, 1000.0), vec![0..speech.samples.len()]);
    }
}
