//! The whole media stage (`run_media_stage`) on generated fixtures: web video that is upright and
//! faststart, remux versus re-encode, stills chosen from the right part of the clip, audio-only inputs,
//! and hostile inputs that must give a correct result or one typed error with nothing left behind.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use callcoach_media::{MediaError, MediaInfo, MediaLimits, MediaOptions, MediaOutputs, probe, run_media_stage};
use image::AnimationDecoder;

fn fixture(name: &str) -> PathBuf {
    let dir = std::env::var_os("CALLCOACH_FIXTURES").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("../../fixtures")
    });
    let path = dir.join(name);
    assert!(path.exists(), "fixture {} is missing: run scripts/fixtures.sh", path.display());
    path
}

fn probed(path: &Path) -> MediaInfo {
    probe(path, &MediaLimits::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Run the stage on a fixture into a fresh temp dir (kept alive by the returned guard).
fn stage(name: &str) -> (tempfile::TempDir, MediaOutputs) {
    stage_with(name, &MediaOptions::default())
}

fn stage_with(name: &str, options: &MediaOptions) -> (tempfile::TempDir, MediaOutputs) {
    let input = fixture(name);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_media_stage(&input, &probed(&input), dir.path(), options).unwrap_or_else(|e| panic!("{name}: {e}"));
    (dir, out)
}

/// poster_pick.mp4 is used by several tests; run it once.
fn poster_pick() -> &'static (tempfile::TempDir, MediaOutputs) {
    static RUN: OnceLock<(tempfile::TempDir, MediaOutputs)> = OnceLock::new();
    RUN.get_or_init(|| stage("poster_pick.mp4"))
}

/// The top-level MP4 boxes (type, size), read from the box headers.
fn top_level_boxes(path: &Path) -> Vec<(String, u64)> {
    let mut file = std::fs::File::open(path).expect("open mp4");
    let len = file.metadata().expect("metadata").len();
    let mut boxes = Vec::new();
    let mut pos = 0u64;
    while pos + 8 <= len {
        let mut header = [0u8; 16];
        file.seek(SeekFrom::Start(pos)).expect("seek");
        file.read_exact(&mut header[..8]).expect("box header");
        let mut size = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as u64;
        let kind = String::from_utf8_lossy(&header[4..8]).to_string();
        if size == 1 {
            file.read_exact(&mut header[8..16]).expect("largesize");
            size = u64::from_be_bytes(header[8..16].try_into().expect("8 bytes"));
        } else if size == 0 {
            size = len - pos;
        }
        assert!(size >= 8, "{}: box {kind} at {pos} has size {size}", path.display());
        boxes.push((kind, size));
        pos += size;
    }
    assert_eq!(pos, len, "{}: boxes do not end at the end of the file", path.display());
    boxes
}

fn assert_faststart(path: &Path) {
    let kinds: Vec<String> = top_level_boxes(path).into_iter().map(|(k, _)| k).collect();
    let moov = kinds.iter().position(|k| k == "moov").unwrap_or_else(|| panic!("no moov in {kinds:?}"));
    let mdat = kinds.iter().position(|k| k == "mdat").unwrap_or_else(|| panic!("no mdat in {kinds:?}"));
    assert_eq!(kinds[0], "ftyp", "{kinds:?}");
    assert!(moov < mdat, "moov must come before mdat (faststart): {kinds:?}");
}

fn mdat_size(path: &Path) -> u64 {
    top_level_boxes(path).into_iter().find(|(k, _)| k == "mdat").map(|(_, s)| s).expect("mdat")
}

/// Names in the work dir, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read work dir")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

fn luma(image: &image::RgbImage) -> Vec<f64> {
    image.pixels().map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64).collect()
}

fn std_dev(values: &[f64]) -> f64 {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / values.len() as f64).sqrt()
}

/// Mean absolute difference between horizontal neighbours: ~8 for the fixture's 8 px checkerboard,
/// ~1 for a blurred picture.
fn sharpness(luma: &[f64], width: usize) -> f64 {
    let diffs: Vec<f64> = luma.chunks(width).flat_map(|row| row.windows(2).map(|w| (w[0] - w[1]).abs())).collect();
    diffs.iter().sum::<f64>() / diffs.len() as f64
}

/// True when `needle` occurs in the file (e.g. x264's settings, which it writes into the stream).
fn file_contains(path: &Path, needle: &str) -> bool {
    let bytes = std::fs::read(path).expect("read file");
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn decode_jpeg(path: &Path) -> image::RgbImage {
    let bytes = std::fs::read(path).expect("read jpeg");
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).expect("a valid JPEG").to_rgb8()
}

#[test]
fn browser_webm_is_transcoded_to_faststart_h264_and_aac() {
    let (dir, out) = stage("clip.webm");
    let video = out.video_mp4.as_deref().expect("video.mp4");
    assert_eq!(video, dir.path().join("video.mp4"));
    assert!(!out.remuxed, "VP8 must be re-encoded");
    assert_faststart(video);
    assert!(file_contains(video, " rc=crf ") && file_contains(video, " crf=23.0 "), "x264 at constant quality, like -crf 23");
    let info = probed(video);
    let v = info.video.as_ref().expect("video stream");
    assert!(v.codec.contains("H.264"), "{}", v.codec);
    assert_eq!((v.width, v.height), (640, 360));
    assert!(info.audio.as_ref().expect("audio stream").codec.contains("AAC"));
    assert!((info.duration_s - 10.0).abs() < 0.2, "{}", info.duration_s);
    assert!((out.audio.duration_s() - 10.0).abs() < 0.1);
    assert!(out.audio_m4a.is_none());
    assert_eq!(
        listing(dir.path()),
        ["poster.jpg", "preview.webp", "storyboard.jpg", "thumbnails.vtt", "video.mp4"],
        "exactly the artifacts, no scratch files"
    );
}

#[test]
fn portrait_phone_clip_comes_out_upright_with_faststart() {
    let (_dir, out) = stage("portrait_phone.mp4");
    let video = out.video_mp4.as_deref().expect("video.mp4");
    assert_faststart(video);
    assert!(!out.remuxed, "rotation has to be applied to the pixels, so no copy");
    let info = probed(video);
    let v = info.video.as_ref().expect("video stream");
    assert_eq!((v.width, v.height, v.rotation_deg), (720, 1280, 0), "upright pixels, no rotation tag");
    assert_eq!(out.video_size, Some((720, 1280)));

    // The picture is SMPTE bars drawn upright: along the top, colours change across x and not down y.
    let poster = decode_jpeg(out.poster_jpg.as_deref().expect("poster"));
    assert_eq!(poster.dimensions(), (720, 1280));
    let row = |y: u32| -> Vec<f64> { (0..720).map(|x| poster.get_pixel(x, y)[1] as f64).collect() };
    let column = |x: u32| -> Vec<f64> { (0..640).map(|y| poster.get_pixel(x, y)[1] as f64).collect() };
    assert!(std_dev(&row(200)) > 60.0, "bars change across the top row");
    assert!(std_dev(&column(360)) < 10.0, "but not down a column of the upper half");
}

#[test]
fn web_ready_h264_with_aac_is_remuxed_not_reencoded() {
    let (_, out) = poster_pick();
    let video = out.video_mp4.as_deref().expect("video.mp4");
    assert!(out.remuxed);
    assert_faststart(video);
    // Copied samples: the stream still carries the settings of the encoder that made the fixture (constant
    // bitrate), not ours (constant quality), and the media data is as large as the input's.
    assert!(file_contains(video, "rc=cbr") && !file_contains(video, "rc=crf"), "the fixture's own H.264");
    let (copied, original) = (mdat_size(video) as f64, mdat_size(&fixture("poster_pick.mp4")) as f64);
    assert!((copied - original).abs() < 0.001 * original, "{copied} vs {original} bytes of media data");
}

#[test]
fn poster_skips_black_fade_and_blur() {
    let (_, out) = poster_pick();
    let at = out.poster_at_s.expect("poster time");
    assert!(at >= 4.5, "poster from the sharp part (from 4.5 s), not {at} s");
    let poster = decode_jpeg(out.poster_jpg.as_deref().expect("poster"));
    assert_eq!(poster.dimensions(), (640, 360));
    let values = luma(&poster);
    // The red/green checkerboard: luma 80/145. The dim fade has a spread of a few units, the blurred
    // bars a sharpness near 1.
    assert!(std_dev(&values) > 25.0, "contrasty, not dim: {}", std_dev(&values));
    assert!(sharpness(&values, 640) > 4.0, "sharp, not blurred: {}", sharpness(&values, 640));
}

#[test]
fn preview_is_a_looping_webp_from_the_moving_part() {
    let (_, out) = poster_pick();
    let start = out.preview_start_s.expect("preview start");
    assert!((4.4..=5.1).contains(&start), "preview starts where the motion is (4.5 s), not at {start} s");
    let path = out.preview.as_deref().expect("preview");
    assert_eq!(path.file_name().and_then(|n| n.to_str()), Some("preview.webp"));
    let bytes = std::fs::read(path).expect("read preview");
    let decoder = image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(bytes)).expect("a WebP");
    assert!(decoder.has_animation());
    let frames = decoder.into_frames().collect_frames().expect("every frame decodes");
    assert!((28..=31).contains(&frames.len()), "~3 s at 10 fps, got {} frames", frames.len());
    let mut total_ms = 0.0;
    let mut moving = 0;
    for frame in &frames {
        let (numer, denom) = frame.delay().numer_denom_ms();
        total_ms += numer as f64 / denom as f64;
        assert_eq!(frame.buffer().dimensions(), (480, 270), "at most 480 px, aspect kept");
        let values = luma(&image::DynamicImage::ImageRgba8(frame.buffer().clone()).to_rgb8());
        if std_dev(&values) > 25.0 && sharpness(&values, 480) > 3.0 {
            moving += 1;
        }
    }
    // The window may open on the last blurred frame, cutting into the motion.
    assert!(moving >= frames.len() - 1, "{moving} of {} frames show the moving checkerboard", frames.len());
    assert!((2800.0..=3200.0).contains(&total_ms), "plays ~3 s, got {total_ms} ms");
}

#[test]
fn storyboard_sprite_and_vtt_cover_the_clip() {
    let (dir, out) = poster_pick();
    let board = out.storyboard.as_ref().expect("storyboard");
    assert_eq!(board.sprite_jpg, dir.path().join("storyboard.jpg"));
    assert_eq!(board.thumbnails_vtt, dir.path().join("thumbnails.vtt"));
    assert_eq!((board.tile_width, board.tile_height), (160, 90));
    assert!((4..=5).contains(&board.tiles), "8 s every 2 s, got {}", board.tiles);
    let sprite = decode_jpeg(&board.sprite_jpg);
    let rows = board.tiles.div_ceil(board.columns);
    assert_eq!(sprite.dimensions(), (board.columns * 160, rows * 90));

    let vtt = std::fs::read_to_string(&board.thumbnails_vtt).expect("read vtt");
    assert!(vtt.starts_with("WEBVTT\n"));
    let seconds = |t: &str| -> f64 {
        let parts: Vec<f64> = t.split(':').map(|p| p.parse().expect("number")).collect();
        parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]
    };
    let mut expected_start = 0.0;
    let cues: Vec<&str> = vtt.split("\n\n").skip(1).collect();
    assert_eq!(cues.len() as u32, board.tiles);
    for cue in cues {
        let (times, target) = cue.trim().split_once('\n').expect("timing line and target");
        let (from, to) = times.split_once(" --> ").expect("cue timing");
        assert!((seconds(from) - expected_start).abs() < 1e-3, "cues are contiguous from 0: {cue}");
        expected_start = seconds(to);
        let xywh: Vec<u32> = target.strip_prefix("storyboard.jpg#xywh=").expect("points into the sprite")
            .split(',').map(|v| v.parse().expect("number")).collect();
        assert!(xywh[0] + xywh[2] <= sprite.width() && xywh[1] + xywh[3] <= sprite.height(), "{cue}");
    }
    assert!(expected_start >= 7.9, "the last cue reaches the end, got {expected_start}");
}

#[test]
fn audio_only_inputs_make_audio_m4a_and_no_video_artifacts() {
    for (name, copied) in [("speech.m4a", true), ("speech.mp3", false), ("phone_8khz.wav", false), ("surround_5_1.m4a", false)] {
        let (dir, out) = stage(name);
        assert_eq!(listing(dir.path()), ["audio.m4a"], "{name}");
        assert_eq!(out.remuxed, copied, "{name}");
        assert!(out.video_mp4.is_none() && out.poster_jpg.is_none() && out.preview.is_none() && out.storyboard.is_none());
        let m4a = out.audio_m4a.as_deref().expect("audio.m4a");
        assert_faststart(m4a);
        let info = probed(m4a);
        let audio = info.audio.as_ref().expect("audio stream");
        assert!(audio.codec.contains("AAC"), "{name}: {}", audio.codec);
        assert!(audio.channels <= 2, "{name}: {} channels, 5.1 is mixed down", audio.channels);
        assert!([44_100, 48_000].contains(&audio.sample_rate), "{name}: {} Hz", audio.sample_rate);
        let input = probed(&fixture(name));
        assert!((info.duration_s - input.duration_s).abs() < 0.2, "{name}: {} vs {}", info.duration_s, input.duration_s);
        assert!((out.audio.duration_s() - input.duration_s).abs() < 0.2, "{name}");
    }
}

#[test]
fn eight_k_frames_are_scaled_down_to_720p() {
    let (_dir, out) = stage("video_8k.mp4");
    let info = probed(out.video_mp4.as_deref().expect("video.mp4"));
    let v = info.video.as_ref().expect("video stream");
    assert_eq!((v.width, v.height), (1280, 720));
    assert!(!out.remuxed);
    assert_eq!(decode_jpeg(out.poster_jpg.as_deref().expect("poster")).dimensions(), (1280, 720));
}

#[test]
fn variable_frame_rate_keeps_its_timing() {
    let (_dir, out) = stage("vfr.mp4");
    assert!(out.remuxed, "H.264 640x360 + AAC is copied, timestamps and all");
    let info = probed(out.video_mp4.as_deref().expect("video.mp4"));
    assert!((info.duration_s - 10.0).abs() < 0.2, "{}", info.duration_s);
    assert!((out.audio.duration_s() - 10.0).abs() < 0.2);
    // 2 s at 60 fps + 4 s at 30 fps + 4 s at 20 fps sampled at <= 10 fps: the preview has ~3 s of frames.
    assert!(out.preview.is_some() && out.storyboard.as_ref().is_some_and(|b| b.tiles >= 5));
}

#[test]
fn a_corrupt_stretch_mid_stream_still_gives_every_artifact() {
    let (dir, out) = stage("corrupt_middle.mp4");
    assert!((out.audio.duration_s() - 10.0).abs() < 0.3, "decoded {} s", out.audio.duration_s());
    assert_faststart(out.video_mp4.as_deref().expect("video.mp4"));
    assert_eq!(listing(dir.path()), ["poster.jpg", "preview.webp", "storyboard.jpg", "thumbnails.vtt", "video.mp4"]);
}

#[test]
fn unusable_inputs_get_one_typed_error_and_leave_nothing_behind() {
    type Expected = fn(&MediaError) -> bool;
    let cases: [(&str, Expected); 2] = [
        ("bad/no_audio.mp4", |e| matches!(e, MediaError::NoAudio(_))),
        ("bad/truncated_faststart.mp4", |e| matches!(e, MediaError::Truncated { .. })),
    ];
    for (name, expected) in cases {
        let input = fixture(name);
        let dir = tempfile::tempdir().expect("temp dir");
        let result = run_media_stage(&input, &probed(&input), dir.path(), &MediaOptions::default());
        let error = result.err().unwrap_or_else(|| panic!("{name} must fail"));
        assert!(expected(&error), "{name}: {error}");
        assert!(listing(dir.path()).is_empty(), "{name}: left {:?}", listing(dir.path()));
    }
}

#[test]
fn the_watchdog_stops_a_pipeline_and_leaves_nothing_behind() {
    let input = fixture("clip.webm");
    let dir = tempfile::tempdir().expect("temp dir");
    let options = MediaOptions { watchdog: Some(Duration::from_millis(1)), ..MediaOptions::default() };
    let result = run_media_stage(&input, &probed(&input), dir.path(), &options);
    assert!(matches!(result, Err(MediaError::Timeout { .. })), "{:?}", result.err());
    assert!(listing(dir.path()).is_empty(), "left {:?}", listing(dir.path()));
}

#[test]
fn silence_only_is_a_valid_clip() {
    let (dir, out) = stage("silence_30s.wav");
    assert!((out.audio.duration_s() - 30.0).abs() < 0.1);
    assert!(out.audio.mono.iter().all(|s| s.abs() < 1e-4));
    assert_eq!(listing(dir.path()), ["audio.m4a"]);
}
