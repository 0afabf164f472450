//! A light energy-based voice-activity pass, run before decoding so that silence is never sent to
//! whisper (which invents text for it).

/// Spans of the input that hold sound loud enough to be speech.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceActivity {
    /// (start_s, end_s) of each active span, merged across short gaps.
    pub spans: Vec<(f64, f64)>,
}

impl VoiceActivity {
    pub fn active_s(&self) -> f64 {
        self.spans.iter().map(|(a, b)| b - a).sum()
    }
    pub fn is_silent(&self) -> bool {
        self.spans.is_empty()
    }
}

const FRAME_S: f64 = 0.02;
/// RMS below this (about -46 dBFS) is silence whatever the rest of the clip does.
const ABSOLUTE_FLOOR: f32 = 0.005;
/// Active spans closer than this are joined.
const JOIN_GAP_S: f64 = 0.3;
/// Active spans shorter than this are dropped as clicks.
const MIN_SPAN_S: f64 = 0.1;

pub fn detect_voice_activity(samples: &[f32], sample_rate: u32) -> VoiceActivity {
    let frame = ((sample_rate as f64 * FRAME_S) as usize).max(1);
    let rms: Vec<f32> = samples
        .chunks(frame)
        .map(|c| (c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32).sqrt())
        .collect();
    // Relative threshold: a tenth of the loud frames' level, so quiet recordings still count.
    let mut sorted = rms.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let loud = sorted.get(sorted.len().saturating_sub(1).min(sorted.len() * 95 / 100)).copied().unwrap_or(0.0);
    let threshold = ABSOLUTE_FLOOR.max(loud * 0.1);

    let mut spans: Vec<(f64, f64)> = Vec::new();
    for (i, level) in rms.iter().enumerate() {
        if *level < threshold {
            continue;
        }
        let (start, end) = (i as f64 * FRAME_S, (i + 1) as f64 * FRAME_S);
        match spans.last_mut() {
            Some(last) if start - last.1 <= JOIN_GAP_S => last.1 = end,
            _ => spans.push((start, end)),
        }
    }
    spans.retain(|(a, b)| b - a >= MIN_SPAN_S);
    VoiceActivity { spans }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(seconds: f64, amplitude: f32) -> Vec<f32> {
        (0..(seconds * 16_000.0) as usize)
            .map(|i| amplitude * (i as f32 * 2.0 * std::f32::consts::PI * 220.0 / 16_000.0).sin())
            .collect()
    }

    #[test]
    fn digital_silence_has_no_activity() {
        assert!(detect_voice_activity(&vec![0.0; 16_000 * 5], 16_000).is_silent());
    }

    #[test]
    fn faint_noise_is_not_speech() {
        let noise: Vec<f32> = (0..16_000 * 3).map(|i| if i % 2 == 0 { 0.001 } else { -0.001 }).collect();
        assert!(detect_voice_activity(&noise, 16_000).is_silent());
    }

    #[test]
    fn a_tone_between_silences_is_found_where_it_is() {
        let mut samples = vec![0.0; 16_000];
        samples.extend(tone(2.0, 0.3));
        samples.extend(vec![0.0; 16_000]);
        let activity = detect_voice_activity(&samples, 16_000);
        assert_eq!(activity.spans.len(), 1);
        let (start, end) = activity.spans[0];
        assert!((start - 1.0).abs() < 0.05, "start {start}");
        assert!((end - 3.0).abs() < 0.05, "end {end}");
    }
}
