//! The mel filterbank written into every model file.

use callcoach_models::mel::{hz_to_mel, mel_to_hz, whisper_mel_filters};
use sha2::{Digest, Sha256};

#[test]
fn shape_is_80_by_201() {
    let m = whisper_mel_filters(80);
    assert_eq!((m.n_mels, m.n_bins, m.data.len()), (80, 201, 80 * 201));
}

#[test]
fn every_filter_is_a_nonnegative_triangle_with_one_peak() {
    let m = whisper_mel_filters(80);
    let mut last_peak = 0;
    for i in 0..80 {
        let row = m.row(i);
        assert!(
            row.iter().all(|&w| w >= 0.0 && w.is_finite()),
            "filter {i} has a negative weight"
        );
        let nonzero: Vec<usize> = (0..201).filter(|&k| row[k] > 0.0).collect();
        assert!(!nonzero.is_empty(), "filter {i} is all zero");
        // Support is one contiguous run of bins.
        assert_eq!(
            nonzero.len(),
            nonzero.last().unwrap() - nonzero[0] + 1,
            "filter {i} has holes"
        );
        // Rises to a single maximum, then falls: never rises again after falling.
        let support = &row[nonzero[0]..=*nonzero.last().unwrap()];
        let peak = (0..support.len())
            .max_by(|&a, &b| support[a].total_cmp(&support[b]))
            .unwrap();
        assert!(
            support[..=peak].windows(2).all(|w| w[0] <= w[1]),
            "filter {i} not rising to its peak"
        );
        assert!(
            support[peak..].windows(2).all(|w| w[0] >= w[1]),
            "filter {i} not falling after its peak"
        );
        // Centres move up in frequency.
        let peak_bin = nonzero[0] + peak;
        assert!(
            peak_bin >= last_peak,
            "filter {i} peaks below filter {}",
            i.saturating_sub(1)
        );
        last_peak = peak_bin;
    }
    // The bank reaches the top of the spectrum but the Nyquist bin (8 kHz) is the last edge.
    assert!(m.row(79)[199] > 0.0);
    assert!((0..80).all(|i| m.row(i)[200] == 0.0));
}

#[test]
fn spot_values_match_an_independent_derivation() {
    // Derived with a pure-Python (no numpy) one-off written straight from the Slaney formulas:
    //   F_SP = 200/3; min_log_hz = 1000; min_log_mel = 15; logstep = ln(6.4)/27
    //   hz_to_mel(f) = f/F_SP below 1 kHz, else 15 + ln(f/1000)/logstep; mel_to_hz its inverse
    //   edges = [mel_to_hz(i * hz_to_mel(8000) / 81) for i in 0..82]
    //   w(r, c) = max(0, min((40c - e[r]) / (e[r+1] - e[r]), (e[r+2] - 40c) / (e[r+2] - e[r+1])))
    //             * 2 / (e[r+2] - e[r])            (bin c is 40c Hz: 16000 / 400)
    // evaluated in f64 and rounded once to f32. (The crate rounds to f32 twice, as librosa did
    // when making whisper's mel_filters.npz, hence a tolerance of a few ulps.)
    let expected: [(usize, usize, f32); 11] = [
        (0, 1, 0.024_862_594),
        (1, 2, 0.022_871_772),
        (1, 3, 0.0),
        (9, 11, 0.0),
        (20, 26, 0.0),
        (40, 42, 0.005_411_105),
        (40, 43, 0.014_735_566),
        (60, 97, 0.0),
        (79, 186, 0.000_366_741_67),
        (79, 192, 0.003_164_711_6),
        (79, 199, 0.000_448_759_03),
    ];
    let m = whisper_mel_filters(80);
    for (r, c, want) in expected {
        let got = m.row(r)[c];
        assert!(
            (got - want).abs() <= 1e-9 + want * 1e-6,
            "filter {r} bin {c}: {got} vs {want}"
        );
    }
    // Edges of the scale: mel 0 is 0 Hz; 8 kHz is about 45.2456 mels (same one-off).
    assert_eq!(hz_to_mel(0.0), 0.0);
    assert!((hz_to_mel(8000.0) - 45.245_640_471_924_965).abs() < 1e-12);
    assert!((mel_to_hz(45.245_640_471_924_965 / 81.0) - 37.239_210_264_958_82).abs() < 1e-9);
}

fn sha256_le(values: &[f32]) -> String {
    let mut h = Sha256::new();
    for v in values {
        h.update(v.to_le_bytes());
    }
    format!("{:x}", h.finalize())
}

#[test]
fn bit_identical_to_openai_mel_filters_npz() {
    // SHA-256 of the raw little-endian f32 data of `mel_80.npy` and `mel_128.npy` inside
    // openai/whisper's whisper/assets/mel_filters.npz (commit c0d2f62, 2025-06-25), computed
    // with a pure-Python one-off that skips each .npy header. Those are the tables
    // convert-pt-to-ggml.py copies into every official ggml-*.bin.
    assert_eq!(
        sha256_le(&whisper_mel_filters(80).data),
        "4f2701b1d287d74a0dc9871026e9519d98cb76426615f2539b0d151a0ae4ec2e"
    );
    assert_eq!(
        sha256_le(&whisper_mel_filters(128).data),
        "2a5f9822897750e047c85dea37cc268d3be0ecfd23c28a5f10da129d99d05afe"
    );
}
