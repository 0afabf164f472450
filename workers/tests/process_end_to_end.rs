//! `callcoach process` end to end: real GStreamer, the real converted whisper model, real audio.

mod common;

use common::{fixture, process, process_ok, transcript_text, word_error_rate};

#[test]
fn jfk_transcribes_within_ten_percent_word_error() {
    let out = tempfile::tempdir().unwrap();
    let (clip_dir, scorecard) = process_ok(&fixture("jfk.wav"), out.path(), &["--kind", "pitch"]);
    let reference = std::fs::read_to_string(fixture("jfk.txt")).unwrap();
    let hypothesis = transcript_text(&clip_dir);
    let wer = word_error_rate(&reference, &hypothesis);
    assert!(wer <= 0.10, "WER {wer:.3}: {hypothesis:?}");
    assert_eq!(scorecard["clip"]["language"], "en");
    assert_eq!(scorecard["metrics"]["talk_ratio"], 1.0, "a pitch has one speaker, the rep");
}

#[test]
fn sixty_second_speech_transcribes_within_fifteen_percent_word_error() {
    let out = tempfile::tempdir().unwrap();
    let (clip_dir, scorecard) = process_ok(&fixture("speech_60s.wav"), out.path(), &["--kind", "pitch"]);
    let reference = std::fs::read_to_string(fixture("speech_60s.txt")).unwrap();
    let hypothesis = transcript_text(&clip_dir);
    let wer = word_error_rate(&reference, &hypothesis);
    assert!(wer <= 0.15, "WER {wer:.3}: {hypothesis:?}");
    let wpm = scorecard["metrics"]["words_per_minute"].as_f64().unwrap();
    // espeak-ng was asked for 165 words per minute; pauses are not talk, so the rate is a little higher.
    assert!((130.0..=220.0).contains(&wpm), "words per minute {wpm}");
}

#[test]
fn stereo_call_talk_ratio_matches_the_generated_truth() {
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(fixture("call_truth.json")).unwrap()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (clip_dir, scorecard) = process_ok(&fixture("call_stereo.wav"), out.path(), &["--kind", "call"]);
    let expected = truth["talk_ratio"].as_f64().unwrap();
    let measured = scorecard["metrics"]["talk_ratio"].as_f64().unwrap();
    assert!((measured - expected).abs() <= 0.05, "talk ratio {measured:.3}, truth {expected:.3}");

    let roles: Vec<&str> = scorecard["speakers"].as_array().unwrap().iter().map(|s| s["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["rep", "customer"]);
    assert!(scorecard["metrics"]["questions"]["rep"].as_u64().unwrap() >= 2, "the rep asks questions in the script");
    assert!(scorecard["metrics"]["switches_per_minute"].as_f64().unwrap() > 0.0);
    // The rep's channel is the left one: swapping it swaps the roles' talk.
    let swapped = tempfile::tempdir().unwrap();
    let (_, other) = process_ok(&fixture("call_stereo.wav"), swapped.path(), &["--kind", "call", "--rep-channel", "right"]);
    let swapped_ratio = other["metrics"]["talk_ratio"].as_f64().unwrap();
    assert!((swapped_ratio - (1.0 - measured)).abs() <= 0.02, "swapped {swapped_ratio:.3} vs {measured:.3}");
    // Captions and audio are written beside the scorecard.
    let vtt = std::fs::read_to_string(clip_dir.join("captions.vtt")).unwrap();
    assert!(vtt.starts_with("WEBVTT") && vtt.contains("<v rep>") && vtt.contains("<v customer>"));
    let wav = hound::WavReader::open(clip_dir.join("audio.wav")).unwrap();
    assert_eq!((wav.spec().channels, wav.spec().sample_rate), (2, 16_000));
}

#[test]
fn video_clip_gets_poster_and_every_artifact_the_scorecard_lists() {
    let out = tempfile::tempdir().unwrap();
    let (clip_dir, scorecard) = process_ok(&fixture("speech_720p.mp4"), out.path(), &["--kind", "pitch"]);
    let poster = std::fs::read(clip_dir.join("poster.jpg")).unwrap();
    assert_eq!(&poster[..3], &[0xFF, 0xD8, 0xFF], "poster.jpg is a JPEG");
    for (name, key) in scorecard["artifacts"].as_object().unwrap() {
        let path = out.path().join(key.as_str().unwrap());
        assert!(path.is_file(), "artifact {name} listed at {} exists", path.display());
    }
    for name in ["video.mp4", "poster.jpg", "preview.webp", "storyboard.jpg", "thumbnails.vtt", "audio.wav", "captions.vtt"] {
        assert!(scorecard["artifacts"].get(name).is_some(), "{name} is listed for a video clip");
    }
    let video = std::fs::read(clip_dir.join("video.mp4")).unwrap();
    let moov = video.windows(4).position(|w| w == b"moov").expect("moov box");
    let mdat = video.windows(4).position(|w| w == b"mdat").expect("mdat box");
    assert!(moov < mdat, "video.mp4 is faststart");
    let html = std::fs::read_to_string(clip_dir.join("scorecard.html")).unwrap();
    assert!(html.contains(r#"src="video.mp4""#) && html.contains(r#"poster="poster.jpg""#), "the page plays the video");
    assert!(!html.contains("http://") && !html.contains("https://"), "self-contained");
}

#[test]
fn silence_yields_no_invented_words() {
    let out = tempfile::tempdir().unwrap();
    let (clip_dir, scorecard) = process_ok(&fixture("silence_30s.wav"), out.path(), &["--kind", "pitch"]);
    assert_eq!(transcript_text(&clip_dir), "");
    assert_eq!(scorecard["speakers"][0]["words"], 0);
    assert_eq!(scorecard["metrics"]["silence_ratio"], 1.0);
}

#[test]
fn bad_inputs_fail_with_one_line_and_leave_nothing_behind() {
    let cases = [
        ("bad/empty.mp4", "empty"),
        ("bad/truncated.mp4", "not a playable media file"),
        ("bad/truncated_faststart.mp4", "truncated"),
        ("bad/not_media.mp4", "not a playable media file"),
        ("bad/no_audio.mp4", "no audio track"),
    ];
    for (name, expected) in cases {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("out");
        let output = process(&fixture(name), &target, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{name} must fail");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: one line on stderr, got {stderr:?}");
        assert!(stderr.contains(expected), "{name}: {stderr:?} should say {expected:?}");
        assert!(!target.exists(), "{name}: no output folder is left behind");
    }
    let missing = process(std::path::Path::new("/nonexistent/clip.mp4"), std::path::Path::new("/tmp/never"), &[]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not found"));
}

#[test]
fn a_missing_model_names_the_command_that_installs_it() {
    let empty_models = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("out");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(["process", fixture("jfk.wav").to_str().unwrap(), "--out", target.to_str().unwrap()])
        .env("CALLCOACH_MODELS", empty_models.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr:?}");
    assert!(stderr.contains("callcoach models install tiny.en"), "{stderr:?}");
    assert!(!target.exists());
}

#[test]
fn redact_removes_personal_data_from_every_text_artifact() {
    let secrets = ["555", "4876", "acme", "4,111", "@"];
    let read_all = |dir: &std::path::Path| {
        ["transcript.json", "captions.vtt", "captions.srt", "scorecard.json", "scorecard.html"]
            .map(|name| (name, std::fs::read_to_string(dir.join(name)).unwrap()))
    };
    // Without --redact the data is there: the recogniser hears it, so the check below can fail.
    let plain = tempfile::tempdir().unwrap();
    let (plain_dir, _) = process_ok(&fixture("pii.wav"), plain.path(), &["--kind", "pitch"]);
    let transcript = transcript_text(&plain_dir);
    assert!(transcript.contains("555") && transcript.contains("4,111"), "{transcript}");

    let out = tempfile::tempdir().unwrap();
    let (clip_dir, scorecard) = process_ok(&fixture("pii.wav"), out.path(), &["--kind", "pitch", "--redact"]);
    for (name, text) in read_all(&clip_dir) {
        for secret in secrets {
            let visible = if name == "scorecard.html" { text.replace("@media", "") } else { text.clone() };
            assert!(!visible.contains(secret), "{name} still contains {secret:?}");
        }
    }
    let redacted = transcript_text(&clip_dir);
    assert!(redacted.contains("[phone]") && redacted.contains("[email]"), "{redacted}");
    let notes = scorecard["analysis"]["notes"].to_string();
    assert!(notes.contains("personal data redacted"), "{notes}");
}

#[test]
fn reanalyze_applies_a_new_playbook_to_the_kept_transcript_and_keeps_redaction() {
    let out = tempfile::tempdir().unwrap();
    let (clip_dir, before) = process_ok(&fixture("pii.wav"), out.path(), &["--kind", "pitch", "--redact"]);
    let transcript = std::fs::read(clip_dir.join("transcript.json")).unwrap();
    assert!(before["trackers"].get("card_talk").is_none());

    // A playbook with one more tracker, on a word the speaker says ("card"), then analysed again.
    let playbook = out.path().join("playbook.toml");
    let default = std::fs::read_to_string(common::repo_root().join("pipelines/analyze/src/playbook/default.toml")).unwrap();
    std::fs::write(&playbook, default + "\n[[trackers]]\nname = \"card_talk\"\nphrases = [\"card\"]\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_callcoach"))
        .args(["reanalyze", "--analysis", "lexicon", "--playbook"])
        .arg(&playbook)
        .arg(&clip_dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), clip_dir.join("scorecard.json").display().to_string());

    let after: serde_json::Value = serde_json::from_slice(&std::fs::read(clip_dir.join("scorecard.json")).unwrap()).unwrap();
    let hits = after["trackers"]["card_talk"].to_string();
    assert!(hits.contains("card"), "the new tracker finds the spoken word: {hits}");
    assert_eq!(std::fs::read(clip_dir.join("transcript.json")).unwrap(), transcript, "the transcript is only read");
    assert_eq!(after["artifacts"], before["artifacts"]);
    assert_eq!(after["metrics"], before["metrics"], "same words, same measures");
    assert!(after["analysis"]["notes"].to_string().contains("personal data redacted"));
    let html = std::fs::read_to_string(clip_dir.join("scorecard.html")).unwrap();
    assert!(html.contains("card_talk") && !html.contains("4876"), "the page is redone from the redacted transcript");

    // A folder without a transcript: one clear error, its scorecard untouched.
    let broken = out.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::copy(clip_dir.join("scorecard.json"), broken.join("scorecard.json")).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_callcoach")).arg("reanalyze").arg(&broken).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("transcript.json"), "{stderr}");
    assert_eq!(std::fs::read(broken.join("scorecard.json")).unwrap(), std::fs::read(clip_dir.join("scorecard.json")).unwrap());
    assert!(!broken.join("scorecard.html").exists());
}
