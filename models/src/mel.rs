//! The mel filterbank stored in every whisper.cpp model file.
//!
//! OpenAI's whisper ships `mel_filters.npz`, made with
//! `librosa.filters.mel(sr=16000, n_fft=400, n_mels=80 or 128)`: Slaney's auditory-toolbox mel
//! scale (linear below 1 kHz, logarithmic above) and "slaney" area normalisation, computed in
//! f64 into an **f32** array. This reproduces that computation step by step, including librosa's
//! two roundings to f32 (once when the triangle weight is stored, once after the normalisation),
//! and numpy's keeping the sign of `max(0, -0.0)`, which makes the result bit-identical to
//! `mel_filters.npz` for both 80 and 128 mels.

/// Sample rate whisper works at.
pub const SAMPLE_RATE: f64 = 16_000.0;
/// Whisper's FFT size (25 ms at 16 kHz).
pub const N_FFT: usize = 400;

// Slaney mel scale constants (librosa.core.convert.hz_to_mel with htk=False).
const F_MIN: f64 = 0.0;
const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = (MIN_LOG_HZ - F_MIN) / F_SP; // 15

fn logstep() -> f64 {
    6.4f64.ln() / 27.0
}

/// Hertz to Slaney mels.
pub fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / logstep()
    } else {
        (hz - F_MIN) / F_SP
    }
}

/// Slaney mels to hertz.
pub fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (logstep() * (mel - MIN_LOG_MEL)).exp()
    } else {
        F_MIN + F_SP * mel
    }
}

/// A mel filterbank: `n_mels` rows of `n_bins` (= n_fft / 2 + 1) weights, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct MelFilters {
    pub n_mels: usize,
    pub n_bins: usize,
    pub data: Vec<f32>,
}

impl MelFilters {
    /// Row `i` (filter `i`).
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.n_bins..(i + 1) * self.n_bins]
    }
}

/// Whisper's filterbank for `n_mels` mel bands (80 for all models up to large-v2, 128 for
/// large-v3): sample rate 16 kHz, n_fft 400, so 201 frequency bins.
pub fn whisper_mel_filters(n_mels: usize) -> MelFilters {
    slaney_mel_filters(n_mels, N_FFT, SAMPLE_RATE)
}

/// librosa's `filters.mel(sr, n_fft, n_mels, fmin=0, fmax=sr/2, htk=False, norm="slaney",
/// dtype=float32)`.
pub fn slaney_mel_filters(n_mels: usize, n_fft: usize, sample_rate: f64) -> MelFilters {
    let n_bins = n_fft / 2 + 1;
    // np.fft.rfftfreq(n_fft, 1/sr): bin k is k * sr / n_fft hertz.
    let fft_freqs: Vec<f64> = (0..n_bins)
        .map(|k| k as f64 * sample_rate / n_fft as f64)
        .collect();

    // mel_frequencies(n_mels + 2, fmin, fmax): mel-spaced band edges, like np.linspace
    // (start + i * step, with the last point set exactly to the end).
    let (lo, hi) = (hz_to_mel(F_MIN), hz_to_mel(sample_rate / 2.0));
    let n_pts = n_mels + 2;
    let step = (hi - lo) / (n_pts - 1) as f64;
    let edges: Vec<f64> = (0..n_pts)
        .map(|i| {
            if i == n_pts - 1 {
                hi
            } else {
                i as f64 * step + lo
            }
        })
        .map(mel_to_hz)
        .collect();

    let mut data = Vec::with_capacity(n_mels * n_bins);
    for i in 0..n_mels {
        let (left, centre, right) = (edges[i], edges[i + 1], edges[i + 2]);
        // Slaney normalisation: each triangle has unit area in hertz.
        let enorm = 2.0 / (right - left);
        for &f in &fft_freqs {
            let lower = -(left - f) / (centre - left);
            let upper = (right - f) / (right - centre);
            // np.maximum(0, np.minimum(lower, upper)), which keeps the sign of a -0.0 (filter 0
            // at 0 Hz), stored in librosa's f32 array.
            let m = lower.min(upper);
            let w = if m < 0.0 { 0.0 } else { m } as f32;
            data.push((f64::from(w) * enorm) as f32); // `weights *= enorm` on that array
        }
    }
    MelFilters {
        n_mels,
        n_bins,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_linear_below_1khz_and_inverts() {
        // 1000 / (200 / 3) is 14.999999999999998 in f64, as in librosa.
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(500.0) - 7.5).abs() < 1e-12);
        for hz in [0.0, 123.0, 999.0, 1000.0, 2500.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9 * hz.max(1.0));
        }
    }
}
