-- KEYS[1] =  the worker inflight_set
-- KEYS[2] = done_jobs_set
-- KEYS[3] = dead_jobs_set
-- KEYS[4] = scheduled_jobs_set
-- KEYS[5] = job_meta_hash
-- ARGV[1] = emit events
-- ARGV[2] = retry backoff base, seconds: attempt n (1-based) is retried after base * 2^(n-1)
-- ARGV[3] = retry backoff cap, seconds
-- ARGV[4..] = repeating groups of: task_id, timestamp, result_data, status, attempt
local inflight_set = KEYS[1]
local done_jobs_set = KEYS[2]
local dead_jobs_set = KEYS[3]
local scheduled_jobs_set = KEYS[4]
local job_meta_hash = KEYS[5]
local emit_events = ARGV[1] == "1"
local backoff_base = tonumber(ARGV[2]) or 1
local backoff_max = tonumber(ARGV[3]) or 3600

-- A task without a stored max_attempts (pushed by an older client) keeps the old limit.
local DEFAULT_MAX_ATTEMPTS = 25

local args_per_task = 5
local num_tasks = (#ARGV - 3) / args_per_task
local acked = 0

for i = 0, num_tasks - 1 do
    local base = (i * args_per_task + 3)
    local task_id = ARGV[base + 1]
    local timestamp = ARGV[base + 2]
    local result_data = ARGV[base + 3]
    local status = ARGV[base + 4]
    local attempt = ARGV[base + 5]

    local meta_key = job_meta_hash .. ':' .. task_id
    local max_attempts = tonumber(redis.call('HGET', meta_key, 'max_attempts')) or DEFAULT_MAX_ATTEMPTS
    local attempts_made = tonumber(attempt) or 0

    local removed = redis.call('SREM', inflight_set, task_id)
    if removed == 0 then
        error("task not executed by worker")
    end

    if status == 'Done' then
        redis.call('SADD', done_jobs_set, task_id)
        if emit_events then
            redis.call("publish", "tasks:" .. done_jobs_set, task_id)
        end

    elseif (status == 'Failed' or status == 'Pending') and attempts_made < max_attempts then
        -- Retry with exponential backoff: base * 2^(attempts_made - 1), capped.
        -- (AbortError ends as status Killed and goes to the dead set below.)
        local delay = math.min(backoff_base * (2 ^ math.max(attempts_made - 1, 0)), backoff_max)
        redis.call("zadd", scheduled_jobs_set, tonumber(timestamp) + math.floor(delay), task_id)
        if emit_events then
            redis.call("publish", "tasks:" .. scheduled_jobs_set .. ':retry', task_id)
        end
    else
        redis.call('SADD', dead_jobs_set, task_id)
        if emit_events then
            redis.call("publish", "tasks:" .. dead_jobs_set, task_id)
        end
    end

    redis.call('HSET', meta_key, 'result', result_data, 'status', status, 'attempts', attempt, 'done_at', timestamp)

    acked = acked + 1
end

return acked
