//! The dead-letter set: jobs that failed their last attempt (or were aborted as unusable), with
//! their error, and re-driving one of them.

use std::collections::HashMap;

use redis::AsyncCommands;
use serde::Serialize;

use super::{QueueError, Queues};
use crate::fleet::jobs::Stage;

/// A dead job, as `callcoach jobs failed` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeadJob {
    pub id: String,
    pub stage: Stage,
    pub attempts: u32,
    pub max_attempts: u32,
    /// The error of the last attempt.
    pub error: String,
    /// Unix time of the last attempt.
    pub failed_at: Option<u64>,
    /// The job itself, as queued.
    pub job: serde_json::Value,
}

/// Moves a job from the dead set back to the head of the active list with its attempts reset.
const RETRY_SCRIPT: &str = r#"
-- KEYS[1] dead set, KEYS[2] meta hash prefix, KEYS[3] active list, KEYS[4] signal list
-- ARGV[1] job id
if redis.call('srem', KEYS[1], ARGV[1]) == 0 then
    return 0
end
local meta = KEYS[2] .. ':' .. ARGV[1]
local last = redis.call('hget', meta, 'result')
if last then
    redis.call('hset', meta, 'last_dead_result', last)
end
redis.call('hset', meta, 'status', 'Pending', 'attempts', 0)
redis.call('hdel', meta, 'result', 'done_at', 'locked_at', 'locked_by')
redis.call('lpush', KEYS[3], ARGV[1])
redis.call('del', KEYS[4])
redis.call('lpush', KEYS[4], 1)
return 1
"#;

impl Queues {
    /// Every dead job of the given stages, oldest failure first.
    pub async fn dead_jobs(&self, stages: &[Stage]) -> Result<Vec<DeadJob>, QueueError> {
        let mut conn = self.connection();
        let mut dead = Vec::new();
        for &stage in stages {
            let config = self.backend_config(stage);
            let ids: Vec<String> = conn.smembers(config.dead_jobs_set()).await?;
            for id in ids {
                let meta: HashMap<String, String> = conn.hgetall(format!("{}:{id}", config.job_meta_hash())).await?;
                let data: Option<Vec<u8>> = conn.hget(config.job_data_hash(), &id).await?;
                let job = data.and_then(|d| serde_json::from_slice(&d).ok()).unwrap_or(serde_json::Value::Null);
                let number = |key: &str| meta.get(key).and_then(|v| v.parse::<u32>().ok());
                dead.push(DeadJob {
                    stage,
                    attempts: number("attempts").unwrap_or(0),
                    max_attempts: number("max_attempts").unwrap_or(0),
                    error: meta.get("result").map(|r| error_of(r)).unwrap_or_default(),
                    failed_at: meta.get("done_at").and_then(|v| v.parse().ok()),
                    job,
                    id,
                });
            }
        }
        dead.sort_by_key(|d| d.failed_at);
        Ok(dead)
    }

    /// Put a dead job back on its queue with a fresh set of attempts. Returns its stage.
    pub async fn retry_dead(&self, id: &str) -> Result<Stage, QueueError> {
        let mut conn = self.connection();
        let script = redis::Script::new(RETRY_SCRIPT);
        for stage in Stage::ALL {
            let config = self.backend_config(stage);
            let moved: u32 = script
                .key(config.dead_jobs_set())
                .key(config.job_meta_hash())
                .key(config.active_jobs_list())
                .key(config.signal_list())
                .arg(id)
                .invoke_async(&mut conn)
                .await?;
            if moved == 1 {
                return Ok(stage);
            }
        }
        Err(QueueError::NoSuchDeadJob(id.to_string()))
    }
}

/// apalis stores a job's outcome as JSON `{"Err": "..."}` or `{"Ok": ...}`.
fn error_of(result: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(result) {
        Ok(serde_json::Value::Object(map)) => match map.get("Err") {
            Some(serde_json::Value::String(e)) => e.clone(),
            Some(other) => other.to_string(),
            None => result.to_string(),
        },
        _ => result.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::error_of;

    #[test]
    fn error_text_is_taken_out_of_the_stored_result() {
        assert_eq!(error_of(r#"{"Err":"media: not a media file"}"#), "media: not a media file");
        assert_eq!(error_of("garbage"), "garbage");
    }
}
