//! The real stages through the queues: a clip enqueued goes media → transcribe → analyze on a
//! worker and ends as the contract's artifacts under `clips/<id>/` in the object store; an unusable
//! input is dead-lettered at once; re-enqueueing a finished clip redoes nothing, and with other settings
//! or `--fresh` redoes only transcription and analysis.

mod common;
#[path = "common/fleet.rs"]
mod fleet;

use std::time::Duration;

use fleet::{Fleet, wait_for};

#[test]
fn a_clip_goes_through_every_stage_queue_and_a_bad_one_is_dead_lettered() {
    let _whisper = common::WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    let mut fleet = Fleet::start();
    fleet.set("CALLCOACH_MODELS", common::models_dir().display());
    let jfk = common::fixture("jfk.wav");
    let not_media = common::fixture("bad/not_media.mp4");
    let printed = fleet.run(&["enqueue", jfk.to_str().unwrap(), "--kind", "pitch", "--no-wait"]);
    let (clip_id, scorecard_key) = printed.trim().split_once('\t').expect("clip id and scorecard key");
    assert_eq!(scorecard_key, format!("clips/{clip_id}/scorecard.json"));
    fleet.run(&["enqueue", not_media.to_str().unwrap(), "--no-wait"]);

    let worker = fleet.worker(&[]);
    wait_for(Duration::from_secs(120), "the clip analysed and the bad one dead", || {
        fleet.stats("analyze").done == 1 && fleet.stats("media").dead == 1
    });

    let clip = fleet.store().join("clips").join(clip_id);
    let scorecard_bytes = std::fs::read(clip.join("scorecard.json")).expect("scorecard.json in the store");
    let scorecard: serde_json::Value = serde_json::from_slice(&scorecard_bytes).unwrap();
    assert_eq!(scorecard["clip"]["id"], clip_id);
    assert_eq!(scorecard["clip"]["kind"], "pitch");
    for name in ["transcript.json", "captions.vtt", "captions.srt", "scorecard.html", "audio.wav", "media.json"] {
        assert!(clip.join(name).exists(), "{name} stored");
        assert_eq!(scorecard["artifacts"][name], format!("clips/{clip_id}/{name}"), "the scorecard links {name}");
    }
    let text = common::transcript_text(&clip).to_lowercase();
    assert!(text.contains("country"), "transcribed through the queue: {text}");

    let failed = fleet.failed();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["stage"], "media");
    assert_eq!(failed[0]["attempts"], 1, "an unusable input is not retried: {}", failed[0]);

    // The same clip again: every stage finds its marker and skips; nothing is rewritten.
    let stage_files = || -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(clip.join("stages")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into()).collect();
        names.sort();
        names
    };
    let transcript_key = stage_files().into_iter().find(|n| n.ends_with(".json")).expect("the transcription stage's output");
    let transcript_key = format!("stages/{transcript_key}");
    let modified = |name: &str| std::fs::metadata(clip.join(name)).unwrap().modified().unwrap();
    let before: Vec<_> = ["audio.wav", transcript_key.as_str(), "scorecard.json"].map(modified).into();
    let markers_before = stage_files();
    fleet.run(&["enqueue", jfk.to_str().unwrap(), "--kind", "pitch", "--no-wait"]);
    wait_for(Duration::from_secs(60), "the re-run through all stages", || fleet.stats("analyze").done == 2);
    let after: Vec<_> = ["audio.wav", transcript_key.as_str(), "scorecard.json"].map(modified).into();
    assert_eq!(before, after, "outputs of a finished clip are not rewritten");
    assert_eq!(std::fs::read(clip.join("scorecard.json")).unwrap(), scorecard_bytes);
    assert_eq!(stage_files(), markers_before, "no new markers for the same settings");

    // The same clip with other settings is analysed again (the media stage's work is reused).
    let audio_before = modified("audio.wav");
    fleet.run(&["enqueue", jfk.to_str().unwrap(), "--kind", "recognition", "--no-wait"]);
    wait_for(Duration::from_secs(60), "the run with another kind", || fleet.stats("analyze").done == 3);
    let scorecard: serde_json::Value = serde_json::from_slice(&std::fs::read(clip.join("scorecard.json")).unwrap()).unwrap();
    assert_eq!(scorecard["clip"]["kind"], "recognition", "a new kind gives a new scorecard");
    assert_eq!(modified("audio.wav"), audio_before, "the media stage's outputs are reused");
    assert_eq!(stage_files().len(), markers_before.len() + 3, "a transcript and two markers for the new settings");

    // The same file and settings with --fresh (say, after new models or heads): transcribed and analysed
    // again under the run's own tag; the media stage's output is still reused.
    let scorecard_before = modified("scorecard.json");
    let markers = stage_files().len();
    fleet.run(&["enqueue", jfk.to_str().unwrap(), "--kind", "recognition", "--fresh", "--no-wait"]);
    wait_for(Duration::from_secs(60), "the fresh run", || fleet.stats("analyze").done == 4);
    assert_ne!(modified("scorecard.json"), scorecard_before, "a fresh run rewrites the scorecard");
    assert_eq!(modified("audio.wav"), audio_before, "a fresh run reuses the media stage's outputs");
    assert_eq!(stage_files().len(), markers + 3, "a fresh run has its own transcript and markers");
    drop(worker);
}
