//! Media stage: probe the input, decode its speech audio, grab the stills.

use std::path::Path;

use anyhow::{Context, Result, bail};
use callcoach_media::{MediaError, MediaInfo, MediaOptions, SPEECH_SAMPLE_RATE, SpeechAudio};

use crate::config::Config;
use crate::storage::Artifacts;

/// Every artifact the media stage may store, by name (which ones depends on the input).
pub const ARTIFACT_NAMES: &[&str] = &[
    "media.json",
    "audio.wav",
    "video.mp4",
    "audio.m4a",
    "poster.jpg",
    "storyboard.jpg",
    "thumbnails.vtt",
    "preview.webp",
    "preview.gif",
];

pub struct MediaResult {
    pub info: MediaInfo,
    pub audio: SpeechAudio,
    /// Two channels that carry different voices: a stereo call with one party per channel.
    pub stereo_call: bool,
}

/// Probe the input; one typed error for anything that cannot be used.
pub fn probe(input: &Path, config: &Config) -> Result<MediaInfo> {
    let info = callcoach_media::probe(input, &config.media_limits())?;
    if info.audio.is_none() {
        bail!(MediaError::NoAudio(input.to_path_buf()));
    }
    Ok(info)
}

/// One decode of the input: web video (or `audio.m4a`), poster, storyboard, animated preview and the
/// speech audio. Large outputs are files in `work_dir`, which must outlive `artifacts`' storing.
/// Adds them with `media.json` and `audio.wav` to `artifacts`.
pub fn run(input: &Path, info: MediaInfo, work_dir: &Path, artifacts: &mut Artifacts) -> Result<MediaResult> {
    let outputs = callcoach_media::run_media_stage(input, &info, work_dir, &MediaOptions::default())?;
    let files = [
        outputs.video_mp4.as_deref(),
        outputs.audio_m4a.as_deref(),
        outputs.poster_jpg.as_deref(),
        outputs.storyboard.as_ref().map(|s| s.sprite_jpg.as_path()),
        outputs.storyboard.as_ref().map(|s| s.thumbnails_vtt.as_path()),
        outputs.preview.as_deref(),
    ];
    for path in files.into_iter().flatten() {
        let name = path.file_name().and_then(|n| n.to_str()).context("media output without a file name")?;
        artifacts.add_file(name, path);
    }
    let audio = outputs.audio;
    let stereo_call = audio.has_distinct_channels();
    artifacts.add("media.json", serde_json::to_vec_pretty(&info)?);
    artifacts.add("audio.wav", speech_wav(&audio, stereo_call)?);
    Ok(MediaResult { info, audio, stereo_call })
}

/// The 16 kHz audio transcription uses, as 16-bit PCM WAV: both channels of a stereo call, else mono.
pub fn speech_wav(audio: &SpeechAudio, stereo_call: bool) -> Result<Vec<u8>> {
    let channels: Vec<&[f32]> =
        if stereo_call { audio.channels.iter().map(Vec::as_slice).collect() } else { vec![&audio.mono] };
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: SPEECH_SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut writer = hound::WavWriter::new(&mut cursor, spec)?;
        for i in 0..channels[0].len() {
            for channel in &channels {
                writer.write_sample((channel[i].clamp(-1.0, 1.0) * i16::MAX as f32) as i16)?;
            }
        }
        writer.finalize()?;
    }
    Ok(cursor.into_inner())
}

/// Read back what [`speech_wav`] wrote (the fleet's transcription stage starts from it).
#[allow(dead_code)] // called by the fleet's transcription stage (issue 6), tested below
pub fn read_speech_wav(bytes: &[u8]) -> Result<(SpeechAudio, bool)> {
    let mut reader = hound::WavReader::new(std::io::Cursor::new(bytes))?;
    let spec = reader.spec();
    if spec.sample_rate != SPEECH_SAMPLE_RATE || spec.bits_per_sample != 16 {
        bail!("audio.wav must be 16 kHz 16-bit PCM, found {} Hz {}-bit", spec.sample_rate, spec.bits_per_sample);
    }
    let samples: Vec<f32> =
        reader.samples::<i16>().map(|s| s.map(|v| v as f32 / i16::MAX as f32)).collect::<Result<_, _>>()?;
    Ok(match spec.channels {
        1 => (SpeechAudio { mono: samples, channels: Vec::new() }, false),
        2 => {
            let left: Vec<f32> = samples.iter().step_by(2).copied().collect();
            let right: Vec<f32> = samples.iter().skip(1).step_by(2).copied().collect();
            let mono = left.iter().zip(&right).map(|(l, r)| 0.5 * (l + r)).collect();
            (SpeechAudio { mono, channels: vec![left, right] }, true)
        }
        n => bail!("audio.wav has {n} channels; expected 1 or 2"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speech_wav_round_trips_mono_and_stereo() {
        let left: Vec<f32> = (0..1600).map(|i| (i as f32 / 50.0).sin() * 0.5).collect();
        let right: Vec<f32> = left.iter().map(|s| -s * 0.5).collect();
        let stereo = SpeechAudio { mono: left.iter().zip(&right).map(|(l, r)| 0.5 * (l + r)).collect(), channels: vec![left.clone(), right] };
        let (back, is_stereo) = read_speech_wav(&speech_wav(&stereo, true).unwrap()).unwrap();
        assert!(is_stereo);
        assert_eq!(back.channels[0].len(), 1600);
        assert!(back.channels[0].iter().zip(&left).all(|(a, b)| (a - b).abs() < 1e-4));
        let (mono, is_stereo) = read_speech_wav(&speech_wav(&stereo, false).unwrap()).unwrap();
        assert!(!is_stereo && mono.channels.is_empty() && mono.mono.len() == 1600);
    }
}
