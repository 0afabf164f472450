//! No invented text (issue 4, item 4): audio without speech gives no words, whether the voice-activity
//! gate removes it (silence) or it reaches whisper (tones and noise loud enough to pass the gate, where
//! whisper is prone to annotate "[Music]" or hallucinate a closing "Thank you.").

mod common;

use callcoach_transcribe::{DecodeOptions, SAMPLE_RATE, Transcriber};

fn transcriber() -> Transcriber {
    let model = common::models_dir().join("ggml-tiny.en.bin");
    Transcriber::load(&model).unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup.sh)", model.display()))
}

fn options() -> DecodeOptions {
    DecodeOptions { threads: 2, ..Default::default() }
}

/// A deterministic pseudo-random generator (xorshift), so the noise is the same on every run.
fn noise(seconds: f64, amplitude: f32) -> Vec<f32> {
    let mut state: u32 = 0x9e37_79b9;
    (0..(seconds * SAMPLE_RATE as f64) as usize)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state as f32 / u32::MAX as f32 * 2.0 - 1.0) * amplitude
        })
        .collect()
}

/// A chord of steady tones switching every 0.7 s (a hold-music-like signal with speech-like energy).
fn tones(seconds: f64) -> Vec<f32> {
    let chords = [[220.0, 277.2, 329.6], [196.0, 246.9, 293.7], [174.6, 220.0, 261.6], [164.8, 207.7, 246.9]];
    (0..(seconds * SAMPLE_RATE as f64) as usize)
        .map(|i| {
            let t = i as f64 / SAMPLE_RATE as f64;
            let chord = chords[(t / 0.7) as usize % chords.len()];
            (chord.iter().map(|f| (2.0 * std::f64::consts::PI * f * t).sin()).sum::<f64>() * 0.12) as f32
        })
        .collect()
}

#[test]
fn audio_without_speech_gives_no_words() {
    let transcriber = transcriber();
    let silence = common::read_wav_16k("silence_30s.wav");
    let cases: [(&str, Vec<f32>); 3] =
        [("30 s digital silence", silence), ("20 s of loud white noise", noise(20.0, 0.3)), ("20 s of tone chords", tones(20.0))];
    for (name, samples) in cases {
        let transcript = transcriber.transcribe(&samples, &options()).expect("transcribes");
        let words: Vec<&str> = transcript.segments.iter().flat_map(|s| s.words.iter().map(|w| w.text.as_str())).collect();
        assert!(words.is_empty(), "{name} gave words: {words:?}");
    }
}
