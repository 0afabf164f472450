//! The no-op stage: measures the queue itself (drain and latency tests, the benchmark). A job with
//! `options.fail_attempts = n` fails its first n attempts, which is how the tests make a poison job;
//! `options.sleep_ms` holds each attempt that long.

use super::{Outcome, StageError};
use crate::fleet::jobs::StageJob;

pub async fn run(job: &StageJob, attempt: usize) -> Result<Outcome, StageError> {
    if job.options.sleep_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(job.options.sleep_ms.into())).await;
    }
    if attempt <= job.options.fail_attempts as usize {
        return Err(StageError::Retry(anyhow::anyhow!(
            "noop job fails attempt {attempt} as asked (fail_attempts = {})",
            job.options.fail_attempts
        )));
    }
    Ok(Outcome::Done)
}
