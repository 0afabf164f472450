//! The media stage on every generated fixture: what the probe reports, the audio it decodes, the poster,
//! and one typed error for each bad input.

use std::path::{Path, PathBuf};

use callcoach_media::{MediaError, MediaInfo, MediaLimits, SPEECH_SAMPLE_RATE, extract_speech_audio, poster_jpeg, probe};

/// Read at run time: the shared target dir may hold a binary compiled in another checkout.
fn manifest_dir() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    let dir = std::env::var_os("CALLCOACH_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../../fixtures"));
    let path = dir.join(name);
    assert!(path.exists(), "fixture {} is missing: run scripts/fixtures.sh", path.display());
    path
}

fn probed(name: &str) -> MediaInfo {
    probe(&fixture(name), &MediaLimits::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn mp4_probe_reports_codecs_size_and_duration() {
    let info = probed("speech_720p.mp4");
    let video = info.video.as_ref().expect("video stream");
    assert_eq!((video.width, video.height), (1280, 720));
    assert!(video.codec.contains("H.264"), "{}", video.codec);
    assert!((video.frame_rate - 30.0).abs() < 0.01);
    assert_eq!(video.rotation_deg, 0);
    let audio = info.audio.as_ref().expect("audio stream");
    assert!(audio.codec.contains("AAC"), "{}", audio.codec);
    assert!((55.0..=65.0).contains(&info.duration_s), "{}", info.duration_s);
}

#[test]
fn portrait_phone_clip_reports_its_rotation() {
    let info = probed("portrait_phone.mp4");
    let video = info.video.as_ref().expect("video stream");
    assert_eq!((video.width, video.height), (1280, 720), "coded landscape");
    assert_eq!(video.rotation_deg, 90);
    assert_eq!(info.display_size(), Some((720, 1280)), "shown portrait");
}

#[test]
fn every_format_decodes_to_16khz_speech_of_the_probed_length() {
    for name in ["speech_720p.mp4", "portrait_phone.mp4", "clip.webm", "speech.mp3", "speech.m4a", "jfk.wav", "call_mono.wav"] {
        let info = probed(name);
        let audio = extract_speech_audio(&fixture(name), &info).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            (audio.duration_s() - info.duration_s).abs() < 0.5,
            "{name}: decoded {:.2} s, probed {:.2} s",
            audio.duration_s(),
            info.duration_s
        );
        let peak = audio.mono.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.05, "{name}: speech is audible (peak {peak})");
        assert!(audio.channels.is_empty() || audio.channels.len() == 2);
    }
}

#[test]
fn stereo_call_keeps_each_party_on_its_own_channel() {
    let info = probed("call_stereo.wav");
    assert_eq!(info.audio.as_ref().unwrap().channels, 2);
    let audio = extract_speech_audio(&fixture("call_stereo.wav"), &info).unwrap();
    assert!(audio.has_distinct_channels());
    assert_eq!(audio.channels[0].len(), audio.mono.len());
    let truth: Vec<(String, f64, f64)> = {
        let text = std::fs::read_to_string(fixture("call_truth.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["turns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["speaker"].as_str().unwrap().to_string(), t["start_s"].as_f64().unwrap(), t["end_s"].as_f64().unwrap()))
            .collect()
    };
    // During each rep turn the left channel carries the energy, during each customer turn the right one.
    let energy = |channel: &[f32], start: f64, end: f64| {
        let (a, b) = ((start * SPEECH_SAMPLE_RATE as f64) as usize, (end * SPEECH_SAMPLE_RATE as f64) as usize);
        channel[a.min(channel.len())..b.min(channel.len())].iter().map(|s| s * s).sum::<f32>()
    };
    for (speaker, start, end) in truth {
        let (left, right) = (energy(&audio.channels[0], start, end), energy(&audio.channels[1], start, end));
        match speaker.as_str() {
            "rep" => assert!(left > 10.0 * right, "rep turn at {start}: left {left} right {right}"),
            _ => assert!(right > 10.0 * left, "customer turn at {start}: left {left} right {right}"),
        }
    }
    let mono = extract_speech_audio(&fixture("call_mono.wav"), &probed("call_mono.wav")).unwrap();
    assert!(!mono.has_distinct_channels());
}

#[test]
fn poster_is_an_upright_jpeg_and_audio_only_clips_have_none() {
    let jpeg = poster_jpeg(&fixture("speech_720p.mp4"), &probed("speech_720p.mp4")).unwrap().expect("a poster");
    assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
    assert_eq!(jpeg_size(&jpeg), Some((1280, 720)));
    let portrait = poster_jpeg(&fixture("portrait_phone.mp4"), &probed("portrait_phone.mp4")).unwrap().expect("a poster");
    assert_eq!(jpeg_size(&portrait), Some((720, 1280)), "rotation applied to the pixels");
    assert!(poster_jpeg(&fixture("speech.m4a"), &probed("speech.m4a")).unwrap().is_none());
}

/// Width and height from a JPEG's start-of-frame marker.
fn jpeg_size(jpeg: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < jpeg.len() {
        if jpeg[i] != 0xFF {
            return None;
        }
        let marker = jpeg[i + 1];
        let length = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        if (0xC0..=0xC3).contains(&marker) {
            let height = u16::from_be_bytes([jpeg[i + 5], jpeg[i + 6]]) as u32;
            let width = u16::from_be_bytes([jpeg[i + 7], jpeg[i + 8]]) as u32;
            return Some((width, height));
        }
        i += 2 + length;
    }
    None
}

#[test]
fn bad_inputs_get_one_typed_error_each() {
    let limits = MediaLimits::default();
    assert!(matches!(probe(&fixture("bad/empty.mp4"), &limits), Err(MediaError::Empty(_))));
    assert!(matches!(probe(&fixture("bad/not_media.mp4"), &limits), Err(MediaError::NotMedia { .. })));
    assert!(matches!(probe(&fixture("bad/truncated.mp4"), &limits), Err(MediaError::NotMedia { .. })));
    assert!(matches!(probe(Path::new("/nonexistent.mp4"), &limits), Err(MediaError::NotFound(_))));

    let no_audio = probed("bad/no_audio.mp4");
    assert!(no_audio.audio.is_none() && no_audio.video.is_some());
    assert!(matches!(extract_speech_audio(&fixture("bad/no_audio.mp4"), &no_audio), Err(MediaError::NoAudio(_))));

    // Half a faststart MP4 declares the full length but decodes to half of it.
    let truncated = probed("bad/truncated_faststart.mp4");
    let result = extract_speech_audio(&fixture("bad/truncated_faststart.mp4"), &truncated);
    assert!(matches!(result, Err(MediaError::Truncated { .. })), "{:?}", result.as_ref().err());

    let short_limit = MediaLimits { max_duration_s: 10.0 };
    assert!(matches!(probe(&fixture("speech_60s.wav"), &short_limit), Err(MediaError::TooLong { .. })));
}

#[test]
fn silence_decodes_to_silence() {
    let info = probed("silence_30s.wav");
    let audio = extract_speech_audio(&fixture("silence_30s.wav"), &info).unwrap();
    assert!((audio.duration_s() - 30.0).abs() < 0.1);
    assert!(audio.mono.iter().all(|s| s.abs() < 1e-4));
}

#[test]
fn telephone_44k1_48k_and_surround_audio_decode_to_16khz_speech() {
    for (name, rate, channels) in
        [("phone_8khz.wav", 8_000, 1), ("speech_44k1.wav", 44_100, 2), ("speech_48k.wav", 48_000, 2), ("surround_5_1.m4a", 48_000, 6)]
    {
        let info = probed(name);
        let stream = info.audio.as_ref().expect("audio stream");
        assert_eq!((stream.sample_rate, stream.channels), (rate, channels), "{name}");
        let audio = extract_speech_audio(&fixture(name), &info).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!((audio.duration_s() - info.duration_s).abs() < 0.2, "{name}: {} s", audio.duration_s());
        let peak = audio.mono.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.05, "{name}: speech is audible after the mix-down (peak {peak})");
        // Identical left and right are one voice, not a two-party call.
        assert!(!audio.has_distinct_channels(), "{name}");
    }
}
