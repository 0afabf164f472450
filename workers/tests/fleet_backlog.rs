//! The queue under load: 20,000 jobs drain completely, including 20,000 retries that come due at
//! the same moment (the apalis-redis 1.0 backlog fault: past ~8,000 due jobs its fetch script
//! failed on every call, for good).

#[path = "common/fleet.rs"]
mod fleet;

use std::time::{Duration, Instant};

use fleet::{Fleet, wait_for};

const JOBS: u64 = 20_000;

#[test]
fn twenty_thousand_noop_jobs_drain_completely() {
    let fleet = Fleet::start();
    let started = Instant::now();
    fleet.run(&["jobs", "noop", "--count", &JOBS.to_string()]);
    let pushed = started.elapsed();
    assert_eq!(fleet.stats("noop").pending, JOBS, "every job is queued and due");

    let _worker = fleet.worker(&["--stages", "noop", "--concurrency", "50", "--batch-size", "100"]);
    let drained = wait_for(Duration::from_secs(90), "20,000 jobs done", || fleet.stats("noop").done == JOBS);
    let stats = fleet.stats("noop");
    assert_eq!((stats.pending, stats.scheduled, stats.running, stats.dead), (0, 0, 0, 0), "{stats:?}");
    eprintln!(
        "pushed {JOBS} in {:.2} s, drained in {:.2} s ({:.0} jobs/s)",
        pushed.as_secs_f64(),
        drained.as_secs_f64(),
        JOBS as f64 / drained.as_secs_f64()
    );
}

#[test]
fn twenty_thousand_retries_due_at_once_drain_completely() {
    let mut fleet = Fleet::start();
    // Retries wait 8 s: long enough for the first worker to fail all 20,000 before any is due.
    fleet.set("CALLCOACH_RETRY_BACKOFF_S", 8).set("RUST_LOG", "error");
    fleet.run(&["jobs", "noop", "--count", &JOBS.to_string(), "--fail-attempts", "1"]);

    // A first worker fails every job once: all 20,000 wait in the retry set.
    let mut first = fleet.worker(&["--stages", "noop", "--concurrency", "50", "--batch-size", "100"]);
    wait_for(Duration::from_secs(60), "every job fetched once", || fleet.stats("noop").pending == 0);
    first.signal("TERM");
    assert!(first.wait(Duration::from_secs(20)).is_some_and(|s| s.success()), "first worker stops cleanly");
    let failed_all_by = Instant::now();
    let stats = fleet.stats("noop");
    assert!(stats.scheduled > 8_100, "the test needs more than 8,000 retries waiting at once: {stats:?}");

    // Let every retry come due, so the next fetch finds them all due at once.
    std::thread::sleep(Duration::from_secs(9).saturating_sub(failed_all_by.elapsed()));
    let waiting = stats.scheduled;

    let second = fleet.worker(&["--stages", "noop", "--concurrency", "50", "--batch-size", "100"]);
    let drained = wait_for(Duration::from_secs(60), "all retries done", || fleet.stats("noop").done == JOBS);
    let stats = fleet.stats("noop");
    assert_eq!((stats.pending, stats.scheduled, stats.running, stats.dead), (0, 0, 0, 0), "{stats:?}");
    assert!(!second.log().contains("too many results to unpack"), "{}", second.log());
    eprintln!("{waiting} retries due at once drained in {:.2} s", drained.as_secs_f64());
}
