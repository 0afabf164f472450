//! The worker fleet: one Redis queue per pipeline stage (apalis on apalis-redis), stage handlers
//! that read their inputs from object storage and write their outputs back, and the tools around
//! them. docs/fleet.md is the overview; each folder here is one concept:
//!
//! - [`jobs`]: what a queued job carries, and which stage follows which.
//! - [`queue`]: the Redis side: connecting, pushing, queue statistics, the dead-letter set.
//! - [`stages`]: the handlers, one file per stage, and how their errors map to retry or dead-letter.
//! - [`worker`]: running handlers for some stages under unique worker ids, stopping gracefully.
//! - [`submit`]: hashing, uploading, recording and queueing a clip (enqueue, batch, the API).
//! - [`status`]: where a clip stands, from stage markers and the dead-letter sets.
//! - [`metrics`]: fleet-wide counters and stage durations kept in Redis, in Prometheus format.
//! - [`summary`]: the team summary of a batch (per clip and per rep), CSV and JSON.

pub mod jobs;
pub mod metrics;
pub mod queue;
pub mod stages;
pub mod status;
pub mod submit;
pub mod summary;
pub mod worker;
