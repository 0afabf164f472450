//! Faults in the middle of a batch: Redis killed and restarted (append-only file on) and the S3 server
//! stopped for a few seconds, while `callcoach batch` follows six real speech clips through a
//! worker. The batch must complete with exactly one scorecard per clip and write its team summary.

mod common;
#[path = "common/fleet.rs"]
mod fleet;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fleet::{Fleet, wait_for};

/// Six distinct clips of real speech: jfk.wav with a different length of silence appended to each,
/// filed under two reps' folders.
fn speech_batch(dir: &Path) {
    let mut reader = hound::WavReader::open(common::fixture("jfk.wav")).unwrap();
    let spec = reader.spec();
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    for (i, rep) in ["alice", "alice", "alice", "bob", "bob", "bob"].iter().enumerate() {
        std::fs::create_dir_all(dir.join(rep)).unwrap();
        let mut writer = hound::WavWriter::create(dir.join(rep).join(format!("call-{i}.wav")), spec).unwrap();
        for &s in &samples {
            writer.write_sample(s).unwrap();
        }
        for _ in 0..(i + 1) * spec.sample_rate as usize / 10 * spec.channels as usize {
            writer.write_sample(0i16).unwrap();
        }
        writer.finalize().unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "not media: batch skips it").unwrap();
}

#[test]
fn a_batch_survives_a_redis_restart_and_an_s3_outage() {
    let _whisper = common::WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    let mut fleet = Fleet::start_with(true, true);
    fleet.set("CALLCOACH_MODELS", common::models_dir().display());
    fleet.set("CALLCOACH_RETRY_BACKOFF_S", 1).set("CALLCOACH_RETRY_BACKOFF_MAX_S", 4);
    let batch_dir = fleet.dir.path().join("batch");
    speech_batch(&batch_dir);

    let worker = fleet.worker(&[]);
    let batch_log = fleet.dir.path().join("batch.log");
    let mut batch = fleet
        .command(&["batch", batch_dir.to_str().unwrap(), "--kind", "pitch", "--timeout-s", "400"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&batch_log).unwrap())
        .spawn()
        .expect("batch starts");

    // Redis dies (SIGKILL) once the first clip is through, and comes back 2 s later from its AOF.
    wait_for(Duration::from_secs(120), "the first clip analysed", || fleet.stats("analyze").done >= 1);
    fleet.redis.restart_after(Duration::from_secs(2));
    // Then the S3 server is away for 4 s.
    wait_for(Duration::from_secs(180), "a third clip analysed", || fleet.stats("analyze").done >= 3);
    fleet.s3.as_mut().unwrap().stop();
    std::thread::sleep(Duration::from_secs(4));
    fleet.s3.as_mut().unwrap().start_again();

    let started = Instant::now();
    let status = loop {
        if let Some(status) = batch.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(420), "batch did not finish; worker log:\n{}", worker.log());
        std::thread::sleep(Duration::from_millis(200));
    };
    let log = std::fs::read_to_string(&batch_log).unwrap();
    assert!(status.success(), "batch failed:\n{log}\nworker log:\n{}", worker.log());

    // Exactly one scorecard per clip, nothing dead.
    let clips = fleet.store().join("clips");
    let with_scorecards = std::fs::read_dir(&clips).unwrap().filter(|e| e.as_ref().unwrap().path().join("scorecard.json").is_file()).count();
    assert_eq!(with_scorecards, 6, "{log}");
    assert_eq!(fleet.stats("analyze").dead + fleet.stats("media").dead + fleet.stats("transcribe").dead, 0);

    // The team summary: where batch said it is, per clip and per rep.
    let summary_key = log.split("summary: ").nth(1).and_then(|rest| rest.split_whitespace().next()).expect(&log);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fleet.store().join(summary_key)).unwrap()).unwrap();
    let rows = summary["clips"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r["state"] == "done" && r["score"].as_f64().is_some()), "{summary}");
    let reps = summary["reps"].as_array().unwrap();
    let names: Vec<&str> = reps.iter().map(|r| r["rep_id"].as_str().unwrap()).collect();
    assert_eq!(names, ["alice", "bob"]);
    for rep in reps {
        assert_eq!(rep["clips"], 3);
        assert_eq!(rep["done"], 3);
        assert!(rep["mean_words_per_minute"].as_f64().unwrap() > 60.0, "{rep}");
    }
    let csv = std::fs::read_to_string(fleet.store().join(summary_key.replace("summary.json", "reps.csv"))).unwrap();
    assert!(csv.starts_with("rep_id,clips,done,failed,mean_score"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "{csv}");
    drop(worker);
}

#[test]
fn a_worker_killed_mid_transcription_loses_nothing_and_duplicates_nothing() {
    let _whisper = common::WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    let mut fleet = Fleet::start();
    fleet.set("CALLCOACH_MODELS", common::models_dir().display());
    fleet.set("CALLCOACH_HEARTBEAT_S", 1).set("CALLCOACH_MISSED_HEARTBEATS", 2);
    let _media_and_analysis = fleet.worker(&["--stages", "media,analyze"]);
    let mut doomed = fleet.worker(&["--stages", "transcribe"]);
    let speech = common::fixture("speech_60s.wav");
    let printed = fleet.run(&["enqueue", speech.to_str().unwrap(), "--kind", "pitch", "--no-wait"]);
    let clip_id = printed.split('\t').next().unwrap().to_string();

    wait_for(Duration::from_secs(60), "transcription running", || fleet.stats("transcribe").running == 1);
    std::thread::sleep(Duration::from_millis(1500)); // well into whisper's decoding of 60 s of speech
    let stages = fleet.store().join("clips").join(&clip_id).join("stages");
    let transcribed = || {
        std::fs::read_dir(&stages)
            .map(|d| d.flatten().any(|e| e.file_name().to_string_lossy().starts_with("transcribe.")))
            .unwrap_or(false)
    };
    assert!(!transcribed(), "the transcription was still running when the worker was killed");
    doomed.signal("KILL");
    doomed.wait(Duration::from_secs(5)).expect("killed");

    let _successor = fleet.worker(&["--stages", "transcribe"]);
    wait_for(Duration::from_secs(180), "the clip analysed after the kill", || fleet.stats("analyze").done == 1);
    std::thread::sleep(Duration::from_secs(2)); // time for a duplicate hand-off to show, if there were one
    for stage in ["media", "transcribe", "analyze"] {
        let stats = fleet.stats(stage);
        assert_eq!(
            (stats.done, stats.pending, stats.scheduled, stats.running, stats.dead),
            (1, 0, 0, 0, 0),
            "{stage}: exactly one run, nothing left: {stats:?}"
        );
    }
    let clips: Vec<_> = std::fs::read_dir(fleet.store().join("clips")).unwrap().collect();
    assert_eq!(clips.len(), 1);
    let scorecard: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fleet.store().join("clips").join(&clip_id).join("scorecard.json")).unwrap())
            .unwrap();
    assert_eq!(scorecard["clip"]["id"], clip_id.as_str());
    assert!(common::transcript_text(&fleet.store().join("clips").join(&clip_id)).split_whitespace().count() > 100);
}
