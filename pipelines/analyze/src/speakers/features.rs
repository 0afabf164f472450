//! Voice features of a stretch of audio: median pitch and mean MFCCs over its voiced frames.

use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

const FRAME: usize = 512; // 32 ms at 16 kHz
const HOP: usize = 160; // 10 ms
const FFT_LEN: usize = 1024; // zero-padded, so autocorrelation is not circular over the lags used
const MEL_BANDS: usize = 26;
pub const MFCCS: usize = 12; // c1..c12 (c0, loudness, says nothing about who speaks)
const PITCH_MIN_HZ: f32 = 60.0;
const PITCH_MAX_HZ: f32 = 400.0;
/// A frame is voiced when its normalised autocorrelation peak reaches this.
const VOICED: f32 = 0.45;

pub(crate) struct Extractor {
    fft: Arc<dyn Fft<f32>>,
    ifft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    mel: Vec<Vec<(usize, f32)>>,
    sample_rate: u32,
}

/// Features of one stretch: `None` when it has no voiced frame.
#[derive(Debug, Clone)]
pub(crate) struct VoiceFeatures {
    pub log_pitch: f32,
    pub mfcc: [f32; MFCCS],
}

impl Extractor {
    pub fn new(sample_rate: u32) -> Self {
        let mut planner = FftPlanner::new();
        let window = (0..FRAME).map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / FRAME as f32).cos()).collect();
        Extractor {
            fft: planner.plan_fft_forward(FFT_LEN),
            ifft: planner.plan_fft_inverse(FFT_LEN),
            window,
            mel: mel_filters(sample_rate as f32),
            sample_rate,
        }
    }

    pub fn features(&self, samples: &[f32]) -> Option<VoiceFeatures> {
        let mut pitches = Vec::new();
        let mut mfcc_sum = [0.0f32; MFCCS];
        let mut voiced = 0usize;
        let mut buffer = vec![Complex32::new(0.0, 0.0); FFT_LEN];
        let min_lag = (self.sample_rate as f32 / PITCH_MAX_HZ) as usize;
        let max_lag = ((self.sample_rate as f32 / PITCH_MIN_HZ) as usize).min(FRAME - 1);
        let mut start = 0;
        while start + FRAME <= samples.len() {
            let frame = &samples[start..start + FRAME];
            start += HOP;
            let energy: f32 = frame.iter().map(|s| s * s).sum();
            if energy < 1e-4 {
                continue;
            }
            for (i, slot) in buffer.iter_mut().enumerate() {
                *slot = Complex32::new(if i < FRAME { frame[i] * self.window[i] } else { 0.0 }, 0.0);
            }
            self.fft.process(&mut buffer);
            let power: Vec<f32> = buffer.iter().map(|c| c.norm_sqr()).collect();
            // MFCCs from the power spectrum.
            let log_mel: Vec<f32> = self
                .mel
                .iter()
                .map(|band| (band.iter().map(|(bin, w)| power[*bin] * w).sum::<f32>() + 1e-10).ln())
                .collect();
            // Pitch: autocorrelation is the inverse FFT of the power spectrum.
            for (slot, p) in buffer.iter_mut().zip(&power) {
                *slot = Complex32::new(*p, 0.0);
            }
            self.ifft.process(&mut buffer);
            let r0 = buffer[0].re.max(f32::EPSILON);
            let (lag, peak) = (min_lag..=max_lag)
                .map(|lag| (lag, buffer[lag].re / r0))
                .fold((0, f32::MIN), |best, c| if c.1 > best.1 { c } else { best });
            if peak < VOICED || lag == 0 {
                continue;
            }
            pitches.push(self.sample_rate as f32 / lag as f32);
            for (k, coefficient) in mfcc_sum.iter_mut().enumerate() {
                *coefficient += dct(&log_mel, k + 1);
            }
            voiced += 1;
        }
        if voiced == 0 {
            return None;
        }
        pitches.sort_by(|a, b| a.total_cmp(b));
        let mfcc = mfcc_sum.map(|c| c / voiced as f32);
        Some(VoiceFeatures { log_pitch: pitches[pitches.len() / 2].ln(), mfcc })
    }
}

fn dct(values: &[f32], k: usize) -> f32 {
    let n = values.len() as f32;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| v * (std::f32::consts::PI * k as f32 * (i as f32 + 0.5) / n).cos())
        .sum()
}

/// Triangular mel filters over the FFT bins up to 8 kHz, as (bin, weight) lists.
fn mel_filters(sample_rate: f32) -> Vec<Vec<(usize, f32)>> {
    let mel = |hz: f32| 2595.0 * (1.0 + hz / 700.0).log10();
    let hz = |m: f32| 700.0 * (10f32.powf(m / 2595.0) - 1.0);
    let top = mel((sample_rate / 2.0).min(8000.0));
    let edges: Vec<f32> = (0..MEL_BANDS + 2).map(|i| hz(top * i as f32 / (MEL_BANDS + 1) as f32)).collect();
    let bin_hz = sample_rate / FFT_LEN as f32;
    (0..MEL_BANDS)
        .map(|b| {
            let (lo, mid, hi) = (edges[b], edges[b + 1], edges[b + 2]);
            (0..FFT_LEN / 2)
                .filter_map(|bin| {
                    let f = bin as f32 * bin_hz;
                    let w = if f > lo && f <= mid { (f - lo) / (mid - lo) } else if f > mid && f < hi { (hi - f) / (hi - mid) } else { 0.0 };
                    (w > 0.0).then_some((bin, w))
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A buzz with harmonics at `f0`, like a voiced vowel.
    fn voice(f0: f32, seconds: f32) -> Vec<f32> {
        (0..(16_000.0 * seconds) as usize)
            .map(|i| {
                let t = i as f32 / 16_000.0;
                (1..8).map(|h| (2.0 * std::f32::consts::PI * f0 * h as f32 * t).sin() / h as f32).sum::<f32>() * 0.2
            })
            .collect()
    }

    #[test]
    fn pitch_is_found_for_low_and_high_voices() {
        let extractor = Extractor::new(16_000);
        for f0 in [110.0f32, 220.0] {
            let found = extractor.features(&voice(f0, 0.5)).expect("voiced").log_pitch.exp();
            assert!((found - f0).abs() / f0 < 0.05, "expected {f0} Hz, found {found}");
        }
        assert!(extractor.features(&vec![0.0; 8000]).is_none(), "silence has no voice");
    }
}
