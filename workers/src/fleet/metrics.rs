//! Fleet-wide metrics, kept in Redis so that `GET /metrics` of any API instance shows the whole
//! fleet: every worker adds its stage runs (by outcome) and their durations to one hash per stage;
//! queue depths are read from the queues themselves.
//!
//! The Prometheus text format is written here by hand: the numbers are aggregated in Redis by
//! many processes, which an in-process registry (prometheus-client) does not model, and the format
//! for counters, gauges and one histogram is a dozen lines.

use std::collections::HashMap;
use std::fmt::Write;

use redis::AsyncCommands;

use crate::fleet::jobs::Stage;
use crate::fleet::queue::{QueueError, Queues};

/// Upper bounds of the stage-duration histogram, in seconds.
pub const DURATION_BUCKETS_S: [f64; 10] = [0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0];

/// How a stage run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    Done,
    /// Failed; the backend retries it if attempts remain.
    Retried,
    /// Aborted: dead-lettered at once.
    Aborted,
}

impl RunOutcome {
    fn name(self) -> &'static str {
        match self {
            RunOutcome::Done => "done",
            RunOutcome::Retried => "retry",
            RunOutcome::Aborted => "abort",
        }
    }
}

fn metrics_key(queues: &Queues, stage: Stage) -> String {
    format!("{}:metrics:{}", queues.settings().prefix, stage.name())
}

/// Count one stage run and its duration. Metrics never fail a job: errors are only logged.
pub async fn record_run(queues: &Queues, stage: Stage, outcome: RunOutcome, seconds: f64) {
    let key = metrics_key(queues, stage);
    let mut pipe = redis::pipe();
    pipe.hincr(&key, format!("runs_{}", outcome.name()), 1).ignore();
    pipe.hincr(&key, "duration_count", 1).ignore();
    pipe.cmd("HINCRBYFLOAT").arg(&key).arg("duration_sum").arg(seconds).ignore();
    for bound in DURATION_BUCKETS_S {
        if seconds <= bound {
            pipe.hincr(&key, format!("le_{bound}"), 1).ignore();
        }
    }
    let mut conn = queues.connection();
    if let Err(err) = pipe.query_async::<()>(&mut conn).await {
        tracing::warn!(%stage, "recording metrics: {err}");
    }
}

/// Every metric of the fleet in the Prometheus text exposition format.
pub async fn render(queues: &Queues) -> Result<String, QueueError> {
    let stages = [Stage::Media, Stage::Transcribe, Stage::Analyze];
    let mut out = String::new();
    let mut conn = queues.connection();

    let mut stats = Vec::new();
    for stage in stages {
        stats.push((stage, queues.stats(stage).await?));
    }
    out.push_str("# HELP callcoach_queue_jobs Jobs in a stage queue, by state (done: finished jobs not yet vacuumed).\n# TYPE callcoach_queue_jobs gauge\n");
    for (stage, s) in &stats {
        let states = [("pending", s.pending), ("scheduled", s.scheduled), ("running", s.running), ("done", s.done), ("dead", s.dead)];
        for (state, n) in states {
            let _ = writeln!(out, "callcoach_queue_jobs{{stage=\"{stage}\",state=\"{state}\"}} {n}");
        }
    }
    out.push_str("# HELP callcoach_workers Workers registered on a stage queue.\n# TYPE callcoach_workers gauge\n");
    for (stage, s) in &stats {
        let _ = writeln!(out, "callcoach_workers{{stage=\"{stage}\"}} {}", s.workers);
    }
    let mut hashes = Vec::new();
    for stage in stages {
        let hash: HashMap<String, String> = conn.hgetall(metrics_key(queues, stage)).await?;
        hashes.push((stage, hash));
    }
    let field = |hash: &HashMap<String, String>, name: &str| hash.get(name).cloned().unwrap_or_else(|| "0".into());
    out.push_str(
        "# HELP callcoach_stage_runs_total Stage runs by outcome (retry: failed, retried while attempts remain; abort: dead-lettered at once).\n# TYPE callcoach_stage_runs_total counter\n",
    );
    for (stage, hash) in &hashes {
        for outcome in [RunOutcome::Done, RunOutcome::Retried, RunOutcome::Aborted] {
            let n = field(hash, &format!("runs_{}", outcome.name()));
            let _ = writeln!(out, "callcoach_stage_runs_total{{stage=\"{stage}\",outcome=\"{}\"}} {n}", outcome.name());
        }
    }
    out.push_str("# HELP callcoach_stage_duration_seconds Wall time of stage runs.\n# TYPE callcoach_stage_duration_seconds histogram\n");
    for (stage, hash) in &hashes {
        for bound in DURATION_BUCKETS_S {
            let n = field(hash, &format!("le_{bound}"));
            let _ = writeln!(out, "callcoach_stage_duration_seconds_bucket{{stage=\"{stage}\",le=\"{bound}\"}} {n}");
        }
        let count = field(hash, "duration_count");
        let _ = writeln!(out, "callcoach_stage_duration_seconds_bucket{{stage=\"{stage}\",le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "callcoach_stage_duration_seconds_sum{{stage=\"{stage}\"}} {}", field(hash, "duration_sum"));
        let _ = writeln!(out, "callcoach_stage_duration_seconds_count{{stage=\"{stage}\"}} {count}");
    }
    Ok(out)
}
