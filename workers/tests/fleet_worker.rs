//! One worker's behaviour against a real Redis: idle pickup latency, the attempt limit and the
//! dead-letter set, re-driving a dead job, graceful SIGTERM, re-delivery after kill -9.

#[path = "common/fleet.rs"]
mod fleet;

use std::time::{Duration, Instant};

use fleet::{Fleet, wait_for};

#[test]
fn an_idle_worker_picks_a_new_job_up_within_a_second() {
    let fleet = Fleet::start();
    let _worker = fleet.worker(&["--stages", "noop"]);
    let mut worst = Duration::ZERO;
    for round in 1..=3u64 {
        // Idle well past a poll interval, far less than the old 30 s heartbeat.
        std::thread::sleep(Duration::from_millis(1500));
        let pushed = Instant::now();
        fleet.run(&["jobs", "noop"]);
        wait_for(Duration::from_secs(10), "the job done", || fleet.stats("noop").done == round);
        worst = worst.max(pushed.elapsed());
    }
    eprintln!("worst idle pickup (push to done, 3 rounds): {} ms", worst.as_millis());
    assert!(worst < Duration::from_secs(1), "an idle worker took {worst:?} to run a new job");
}

#[test]
fn a_poison_job_gets_exactly_the_configured_attempts_then_dead_letter_then_retry_redrives_it() {
    let mut fleet = Fleet::start();
    fleet.set("CALLCOACH_JOB_ATTEMPTS", 3).set("CALLCOACH_RETRY_BACKOFF_S", 2);
    fleet.run(&["jobs", "noop", "--fail-attempts", "1000"]);
    let worker = fleet.worker(&["--stages", "noop"]);

    // Record when each failed attempt shows up in the worker's log.
    let failures = |log: &str| log.matches("stage failed").count();
    let mut seen_at = Vec::new();
    wait_for(Duration::from_secs(30), "the job dead-lettered", || {
        let dead = fleet.stats("noop").dead == 1;
        let n = failures(&worker.log());
        while seen_at.len() < n {
            seen_at.push(Instant::now());
        }
        dead
    });
    // Never an endless loop: nothing more happens to it.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(failures(&worker.log()), 3, "three attempts, no more: {}", worker.log());
    let stats = fleet.stats("noop");
    assert_eq!((stats.pending, stats.scheduled, stats.running, stats.done, stats.dead), (0, 0, 0, 0, 1), "{stats:?}");

    // Exponential backoff, 2 s then 4 s (whole-second due times: each wait is within 1 s under).
    assert_eq!(seen_at.len(), 3);
    let total = seen_at[2] - seen_at[0];
    assert!(total >= Duration::from_millis(3900) && total < Duration::from_secs(9), "attempts 1 to 3 took {total:?}");

    let failed = fleet.failed();
    assert_eq!(failed.len(), 1, "{failed:?}");
    let dead = &failed[0];
    assert_eq!((dead["stage"].as_str(), dead["attempts"].as_u64(), dead["max_attempts"].as_u64()), (Some("noop"), Some(3), Some(3)));
    assert!(dead["error"].as_str().unwrap().contains("fails attempt 3"), "the last error is kept: {dead}");
    assert_eq!(dead["job"]["clip_id"], "noop-0");

    // Re-drive it: three fresh attempts, then dead again.
    let id = dead["id"].as_str().unwrap();
    assert!(fleet.run(&["jobs", "retry", id]).contains("back on the noop queue"));
    wait_for(Duration::from_secs(30), "three more attempts", || failures(&worker.log()) == 6 && fleet.stats("noop").dead == 1);
    let output = fleet.command(&["jobs", "retry", "no-such-id"]).output().unwrap();
    assert!(!output.status.success() && String::from_utf8_lossy(&output.stderr).contains("no dead job with id no-such-id"));
}

#[test]
fn sigterm_finishes_in_flight_jobs_takes_no_new_ones_and_exits() {
    let fleet = Fleet::start();
    fleet.run(&["jobs", "noop", "--count", "3", "--sleep-ms", "1500"]);
    let mut worker = fleet.worker(&["--stages", "noop", "--concurrency", "2"]);
    wait_for(Duration::from_secs(10), "two jobs running", || fleet.stats("noop").running == 2);

    let stopping = Instant::now();
    worker.signal("TERM");
    let status = worker.wait(Duration::from_secs(10)).expect("the worker exits after SIGTERM");
    assert!(status.success(), "exit status {status:?}: {}", worker.log());
    let took = stopping.elapsed();
    let stats = fleet.stats("noop");
    assert_eq!((stats.done, stats.running, stats.dead), (2, 0, 0), "both in-flight jobs finished: {stats:?}");
    assert_eq!(stats.pending, 1, "the third job was not taken and is still queued: {stats:?}");
    assert_eq!(stats.workers, 0, "the worker deregistered: {stats:?}");
    assert!(worker.log().contains("stopped"), "{}", worker.log());
    eprintln!("SIGTERM to exit with 2 jobs of 1.5 s in flight: {} ms", took.as_millis());
}

#[test]
fn a_killed_workers_job_is_redelivered_to_another_worker() {
    let mut fleet = Fleet::start();
    fleet.set("CALLCOACH_HEARTBEAT_S", 1).set("CALLCOACH_MISSED_HEARTBEATS", 2);
    fleet.run(&["jobs", "noop", "--sleep-ms", "1000"]);
    let mut doomed = fleet.worker(&["--stages", "noop"]);
    wait_for(Duration::from_secs(10), "the job running", || fleet.stats("noop").running == 1);
    doomed.signal("KILL");
    doomed.wait(Duration::from_secs(5)).expect("killed");
    assert_eq!(fleet.stats("noop").done, 0);

    let killed_at = Instant::now();
    let _other = fleet.worker(&["--stages", "noop"]);
    wait_for(Duration::from_secs(20), "the job done by the other worker", || fleet.stats("noop").done == 1);
    let stats = fleet.stats("noop");
    assert_eq!((stats.pending, stats.scheduled, stats.running, stats.dead), (0, 0, 0, 0), "{stats:?}");
    eprintln!("kill -9 to done on another worker: {} ms", killed_at.elapsed().as_millis());
}

#[test]
fn vacuum_removes_finished_jobs_and_keeps_dead_ones() {
    let mut fleet = Fleet::start();
    fleet.set("CALLCOACH_JOB_ATTEMPTS", 1);
    fleet.run(&["jobs", "noop", "--count", "300"]);
    fleet.run(&["jobs", "noop", "--fail-attempts", "5"]);
    let _worker = fleet.worker(&["--stages", "noop", "--concurrency", "8"]);
    wait_for(Duration::from_secs(30), "300 done and 1 dead", || {
        let s = fleet.stats("noop");
        s.done == 300 && s.dead == 1
    });
    // Too recent for the default cut-off (one day): nothing goes.
    assert!(fleet.run(&["jobs", "vacuum"]).contains("noop: removed 0 finished jobs"));
    assert_eq!(fleet.stats("noop").done, 300);
    let printed = fleet.run(&["jobs", "vacuum", "--older-than-s", "0"]);
    assert!(printed.contains("noop: removed 300 finished jobs"), "{printed}");
    let stats = fleet.stats("noop");
    assert_eq!((stats.done, stats.dead), (0, 1), "{stats:?}");
    let failed = fleet.failed();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["job"]["options"]["fail_attempts"], 5, "the dead job keeps its data: {}", failed[0]);
}
