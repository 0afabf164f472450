//! The HTTP API and the object store in S3: `callcoach serve` in front of a fleet whose store is a real
//! S3 server (s3s-fs) on loopback. 50 clips uploaded concurrently end as 50 scorecards, none lost or
//! duplicated; authentication, idempotency, problem details, artifacts and metrics.

mod common;
#[path = "common/fleet.rs"]
mod fleet;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fleet::{Fleet, http, wait_for};

const TOKEN: &str = "test-token-0123456789";

/// `count` distinct one-second WAVs of digital silence (one sample differs): real media that the
/// whole pipeline processes quickly (the voice-activity pass finds nothing to decode).
fn silent_clips(dir: &Path, count: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let path = dir.join(format!("clip-{i:02}.wav"));
            let spec = hound::WavSpec { channels: 1, sample_rate: 16_000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
            let mut writer = hound::WavWriter::create(&path, spec).unwrap();
            for n in 0..16_000 {
                writer.write_sample(if n == i { 1i16 } else { 0 }).unwrap();
            }
            writer.finalize().unwrap();
            path
        })
        .collect()
}

fn auth() -> (&'static str, String) {
    ("Authorization", format!("Bearer {TOKEN}"))
}

#[test]
fn fifty_concurrent_uploads_over_http_become_fifty_scorecards_in_s3() {
    let mut fleet = Fleet::start_with(false, true);
    fleet.set("CALLCOACH_MODELS", common::models_dir().display());
    let (_server, port) = fleet.serve(TOKEN);
    let (auth_name, auth_value) = auth();
    let authed = [(auth_name, auth_value.as_str())];

    // Operations routes are open; every /v1 route needs the token.
    let health = http(port, "GET", "/healthz", &[], b"");
    assert_eq!(health.status, 200, "{}", String::from_utf8_lossy(&health.body));
    assert_eq!(health.json()["store"], "ok");
    for headers in [vec![], vec![("Authorization", "Bearer wrong-token-000000")]] {
        let denied = http(port, "GET", "/v1/clips/0123456789abcdef", &headers, b"");
        assert_eq!(denied.status, 401);
        assert_eq!(denied.header("content-type"), Some("application/problem+json"));
        assert_eq!(denied.json()["status"], 401);
    }
    // Problems, not crashes, for bad requests.
    assert_eq!(http(port, "GET", "/v1/clips/0123456789abcdef", &authed, b"").status, 404);
    assert_eq!(http(port, "GET", "/v1/clips/..%2F..%2Fetc", &authed, b"").status, 404);
    let json = [authed[0], ("Content-Type", "application/json")];
    let missing = http(port, "POST", "/v1/clips", &json, br#"{"source_key":"uploads/nothing.mp4"}"#);
    assert_eq!(missing.status, 422, "{}", String::from_utf8_lossy(&missing.body));
    assert!(missing.json()["detail"].as_str().unwrap().contains("uploads/nothing.mp4"));
    let bad_kind = http(port, "POST", "/v1/clips?kind=webinar", &[authed[0], ("Content-Type", "audio/wav")], b"RIFF");
    assert_eq!(bad_kind.status, 422);
    assert_eq!(http(port, "POST", "/v1/clips", &[authed[0], ("Content-Type", "text/plain")], b"hi").status, 415);
    assert_eq!(http(port, "POST", "/v1/clips", &json, b"{not json").status, 400);

    // 50 uploads at once, each with its own Idempotency-Key.
    let clips = silent_clips(fleet.dir.path(), 50);
    let accepted: Vec<(String, u16)> = std::thread::scope(|scope| {
        let handles: Vec<_> = clips
            .iter()
            .enumerate()
            .map(|(i, path)| {
                let auth_value = auth_value.clone();
                scope.spawn(move || {
                    let body = std::fs::read(path).unwrap();
                    let key = format!("upload-{i}");
                    let headers = [
                        ("Authorization", auth_value.as_str()),
                        ("Content-Type", "audio/wav"),
                        ("Idempotency-Key", key.as_str()),
                    ];
                    let target = format!("/v1/clips?kind=call&rep_id=rep-{}&filename=clip-{i}.wav", i % 5);
                    let response = http(port, "POST", &target, &headers, &body);
                    assert_eq!(response.status, 202, "{}", String::from_utf8_lossy(&response.body));
                    let id = response.json()["clip_id"].as_str().unwrap().to_string();
                    assert_eq!(response.header("location"), Some(format!("/v1/clips/{id}").as_str()));
                    (id, response.status)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ids: BTreeSet<String> = accepted.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids.len(), 50, "50 distinct clips accepted");

    // A retried request with the same Idempotency-Key gets the first answer and queues nothing new.
    let body = std::fs::read(&clips[7]).unwrap();
    let headers = [authed[0], ("Content-Type", "audio/wav"), ("Idempotency-Key", "upload-7")];
    let again = http(port, "POST", "/v1/clips?kind=call&rep_id=rep-2&filename=clip-7.wav", &headers, &body);
    assert_eq!(again.status, 202);
    assert_eq!(again.json()["clip_id"].as_str().unwrap(), accepted[7].0);
    assert_eq!(fleet.stats("media").pending, 50, "the retried request queued nothing");

    let _worker = fleet.worker(&["--concurrency", "2"]);
    wait_for(Duration::from_secs(300), "50 clips analysed", || fleet.stats("analyze").done >= 50);
    std::thread::sleep(Duration::from_millis(500));
    for stage in ["media", "transcribe", "analyze"] {
        let stats = fleet.stats(stage);
        assert_eq!((stats.done, stats.dead), (50, 0), "{stage}: each clip once, none dead");
    }

    // Every clip: done on every stage, its scorecard and artifacts through the API, stored in S3.
    for id in &ids {
        let status = http(port, "GET", &format!("/v1/clips/{id}"), &authed, b"");
        assert_eq!(status.status, 200);
        let status = status.json();
        assert_eq!(status["state"], "done", "{status}");
        assert!(status["stages"].as_array().unwrap().iter().all(|s| s["state"] == "done"), "{status}");
        assert!(status["request"]["rep_id"].as_str().unwrap().starts_with("rep-"));
        let scorecard = http(port, "GET", &format!("/v1/clips/{id}/scorecard"), &authed, b"");
        assert_eq!(scorecard.status, 200);
        assert_eq!(scorecard.json()["clip"]["id"], id.as_str());
        assert!(fleet.store().join("clips").join(id).join("scorecard.json").is_file());
    }
    let scorecards = std::fs::read_dir(fleet.store().join("clips")).unwrap().count();
    assert_eq!(scorecards, 50, "one folder per clip in the bucket");
    let first = ids.iter().next().unwrap();
    let transcript = http(port, "GET", &format!("/v1/clips/{first}/artifacts/transcript.json"), &authed, b"");
    assert_eq!(transcript.status, 200);
    assert_eq!(transcript.header("content-type"), Some("application/json"));
    assert!(transcript.json().is_object());
    assert_eq!(http(port, "GET", &format!("/v1/clips/{first}/artifacts/nope.txt"), &authed, b"").status, 404);

    let metrics = String::from_utf8(http(port, "GET", "/metrics", &[], b"").body).unwrap();
    for line in [
        "callcoach_stage_runs_total{stage=\"analyze\",outcome=\"done\"} 50",
        "callcoach_stage_duration_seconds_count{stage=\"media\"} 50",
        "callcoach_queue_jobs{stage=\"transcribe\",state=\"pending\"} 0",
        "callcoach_queue_jobs{stage=\"analyze\",state=\"done\"} 50",
    ] {
        assert!(metrics.lines().any(|l| l == line), "metrics have {line:?}:\n{metrics}");
    }

    // The same upload with `fresh`: transcribed and analysed again, and its status (which names the
    // run's own stage markers) reads done.
    let body = std::fs::read(&clips[7]).unwrap();
    let headers = [authed[0], ("Content-Type", "audio/wav")];
    let fresh = http(port, "POST", "/v1/clips?kind=call&rep_id=rep-2&filename=clip-7.wav&fresh=true", &headers, &body);
    assert_eq!(fresh.status, 202);
    assert_eq!(fresh.json()["clip_id"].as_str().unwrap(), accepted[7].0);
    wait_for(Duration::from_secs(60), "the fresh run analysed", || fleet.stats("analyze").done >= 51);
    let status = http(port, "GET", &format!("/v1/clips/{}", accepted[7].0), &authed, b"").json();
    assert_eq!(status["request"]["fresh"], true, "{status}");
    assert_eq!(status["state"], "done", "{status}");
    assert!(status["stages"].as_array().unwrap().iter().all(|s| s["state"] == "done"), "{status}");
}

#[test]
fn a_large_source_goes_to_s3_in_parts_and_arrives_whole() {
    let fleet = Fleet::start_with(false, true);
    // 20 MiB: more than two 8 MiB parts of the streamed multipart upload.
    let path = fleet.dir.path().join("long-call.wav");
    let spec = hound::WavSpec { channels: 1, sample_rate: 16_000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(&path, spec).unwrap();
    let mut x: u32 = 1;
    for _ in 0..(10 * 1024 * 1024) {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223); // varied bytes, so a misplaced part shows
        writer.write_sample((x >> 20) as i16 - 2048).unwrap();
    }
    writer.finalize().unwrap();
    let printed = fleet.run(&["enqueue", path.to_str().unwrap(), "--no-wait", "--rep", "dana"]);
    let clip_id = printed.split('\t').next().unwrap();
    let stored = fleet.store().join("uploads").join(format!("{clip_id}.wav"));
    assert_eq!(std::fs::read(&stored).unwrap(), std::fs::read(&path).unwrap(), "the object is the file, byte for byte");
    let request: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fleet.store().join("clips").join(clip_id).join("request.json")).unwrap()).unwrap();
    assert_eq!(request["rep_id"], "dana");
    assert_eq!(request["source_key"], format!("uploads/{clip_id}.wav"));
    assert_eq!(fleet.stats("media").pending, 1);
}
