//! The real stages through the queues: a clip enqueued goes media → transcribe → analyze on a
//! worker and ends as the contract's artifacts under `clips/<id>/` in the object store; an unusable
//! input is dead-lettered at once; re-enqueueing a finished clip redoes nothing.

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
    let modified = |name: &str| std::fs::metadata(clip.join(name)).unwrap().modified().unwrap();
    let before: Vec<_> = ["audio.wav", "stages/transcribe.json", "scorecard.json"].map(modified).into();
    fleet.run(&["enqueue", jfk.to_str().unwrap(), "--kind", "pitch", "--no-wait"]);
    wait_for(Duration::from_secs(60), "the re-run through all stages", || fleet.stats("analyze").done == 2);
    let after: Vec<_> = ["audio.wav", "stages/transcribe.json", "scorecard.json"].map(modified).into();
    assert_eq!(before, after, "outputs of a finished clip are not rewritten");
    assert_eq!(std::fs::read(clip.join("scorecard.json")).unwrap(), scorecard_bytes);
    drop(worker);
}
