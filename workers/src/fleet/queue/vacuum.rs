//! Housekeeping: apalis-redis keeps every finished job (its id in `:done`, its JSON in `:data`, its
//! `:meta:<id>` hash) forever. [`Queues::vacuum_done`] removes finished jobs older than a cut-off;
//! dead-lettered jobs are kept (they wait for `jobs retry` or a human). Workers call it periodically
//! (`CALLCOACH_KEEP_DONE_S`); `callcoach jobs vacuum` runs it by hand.
//!
//! Not apalis-redis's own `vacuum_before`: that one deletes dead jobs too, leaves their ids in the
//! `:done`/`:dead` sets, and reads the whole data hash in one script call.

use redis::AsyncCommands;

use super::{QueueError, Queues};
use crate::fleet::jobs::Stage;

/// Ids examined per script call, so a large `:done` set never blocks Redis for long.
const CHUNK: usize = 500;

const VACUUM_SCRIPT: &str = r#"
-- KEYS[1] done set, KEYS[2] data hash, KEYS[3] meta hash prefix
-- ARGV[1] cut-off (unix seconds), ARGV[2..] job ids
local cutoff = tonumber(ARGV[1])
local removed = 0
for i = 2, #ARGV do
    local id = ARGV[i]
    local meta = KEYS[3] .. ':' .. id
    local status = redis.call('hget', meta, 'status')
    local done_at = tonumber(redis.call('hget', meta, 'done_at'))
    -- A job with no metadata left was half-vacuumed (or never had any): drop its traces too.
    if (status == 'Done' and done_at and done_at <= cutoff) or status == false then
        redis.call('srem', KEYS[1], id)
        redis.call('hdel', KEYS[2], id)
        redis.call('del', meta)
        removed = removed + 1
    end
end
return removed
"#;

impl Queues {
    /// Delete the jobs of `stage` that finished successfully at least `keep_s` seconds ago.
    /// Returns how many were removed.
    pub async fn vacuum_done(&self, stage: Stage, keep_s: u64) -> Result<u64, QueueError> {
        let config = self.backend_config(stage);
        let mut conn = self.connection();
        let now: (u64, u64) = redis::cmd("TIME").query_async(&mut conn).await?;
        let cutoff = now.0.saturating_sub(keep_s);
        let script = redis::Script::new(VACUUM_SCRIPT);
        let done_set = config.done_jobs_set();
        // Collect the ids first: removing while SSCAN iterates may skip or repeat members.
        let mut ids: Vec<String> = Vec::new();
        {
            let mut iter: redis::AsyncIter<String> = conn.sscan(&done_set).await?;
            while let Some(id) = iter.next_item().await {
                ids.push(id?);
            }
        }
        let mut removed = 0u64;
        for chunk in ids.chunks(CHUNK) {
            let mut invocation = script.key(&done_set);
            invocation.key(config.job_data_hash()).key(config.job_meta_hash()).arg(cutoff);
            for id in chunk {
                invocation.arg(id);
            }
            removed += invocation.invoke_async::<u64>(&mut conn).await?;
        }
        Ok(removed)
    }
}
