//! `callcoach serve`: the HTTP API of the fleet (axum). docs/api.openapi.yaml describes it.
//!
//! - `POST /v1/clips`: JSON pointing at an object key, or the media itself as the body (streamed to a
//!   temp file while hashed, never held in memory); `Idempotency-Key` makes a retried request return
//!   the first one's answer. → 202 with the clip id.
//! - `GET /v1/clips/{id}`: status per stage and artifact links; `.../scorecard`; `.../artifacts/{name}`.
//! - `GET /healthz`, `GET /metrics` (Prometheus), both without authentication.
//!
//! Every `/v1` route needs `Authorization: Bearer <CALLCOACH_API_TOKEN>`. Errors are RFC 9457
//! problem details (`application/problem+json`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use callcoach_analyze::ClipKind;
use clap::Args;
use futures::StreamExt;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::config::Config;
use crate::fleet::jobs::clip_prefix;
use crate::fleet::queue::{QueueSettings, Queues};
use crate::fleet::status::{self, State as ClipState};
use crate::fleet::submit::{self, SubmitOptions};
use crate::pipeline::RepChannel;
use crate::storage::{Storage, StorageError};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CALLCOACH_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Bearer token every `/v1` request must carry.
    #[arg(long, env = "CALLCOACH_API_TOKEN", hide_env_values = true)]
    pub api_token: Option<String>,
    /// Serve without authentication (only sensible on a private, trusted network).
    #[arg(long, conflicts_with = "api_token")]
    pub no_auth: bool,
    /// Largest media upload accepted, in MiB.
    #[arg(long, env = "CALLCOACH_MAX_UPLOAD_MB", default_value_t = 4096)]
    pub max_upload_mb: u64,
}

/// Largest JSON request body.
const MAX_JSON_BYTES: usize = 64 * 1024;
/// How long an `Idempotency-Key` is remembered.
const IDEMPOTENCY_TTL_S: u64 = 24 * 3600;

struct AppState {
    storage: Storage,
    queues: Queues,
    token: Option<String>,
    max_upload_bytes: u64,
}

type Shared = Arc<AppState>;

pub fn run(config: &Config, args: ServeArgs) -> Result<()> {
    let token = match (&args.api_token, args.no_auth) {
        (Some(token), _) if token.len() < 16 => bail!("CALLCOACH_API_TOKEN must be at least 16 characters"),
        (Some(token), _) => Some(token.clone()),
        (None, true) => None,
        (None, false) => bail!("set CALLCOACH_API_TOKEN (or --api-token) for bearer authentication, or pass --no-auth"),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let storage = Storage::open(&config.store).context("opening the object store")?;
        let queues = Queues::connect(&config.redis_url, QueueSettings::from_config(config)).await?;
        let state = Arc::new(AppState { storage, queues, token, max_upload_bytes: args.max_upload_mb * 1024 * 1024 });
        let listener =
            tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
        eprintln!("callcoach serve: listening on http://{}", listener.local_addr()?);
        axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await?;
        eprintln!("callcoach serve: stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

fn router(state: Shared) -> Router {
    let v1 = Router::new()
        .route("/v1/clips", post(create_clip))
        .route("/v1/clips/{id}", get(clip_status))
        .route("/v1/clips/{id}/scorecard", get(scorecard))
        .route("/v1/clips/{id}/artifacts/{*name}", get(artifact))
        // Uploads are streamed and limited by `max_upload_mb` in the handler.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(v1)
        .fallback(|| async { Problem::new(StatusCode::NOT_FOUND, "no such route") })
        .with_state(state)
}

// ---- Errors: problem details ----

/// An RFC 9457 problem: what the client gets for every error.
#[derive(Debug, Serialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

impl Problem {
    fn new(status: StatusCode, title: impl Into<String>) -> Self {
        Self { kind: "about:blank", title: title.into(), status: status.as_u16(), detail: None }
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!("request failed: {err:#}");
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "the queue or the object store failed").detail(format!("{err:#}"))
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response()
    }
}

impl From<anyhow::Error> for Problem {
    fn from(err: anyhow::Error) -> Self {
        Problem::internal(err)
    }
}

impl From<StorageError> for Problem {
    fn from(err: StorageError) -> Self {
        Problem::internal(err)
    }
}

impl From<redis::RedisError> for Problem {
    fn from(err: redis::RedisError) -> Self {
        Problem::internal(err)
    }
}

// ---- Authentication ----

async fn require_token(State(state): State<Shared>, request: Request, next: Next) -> Response {
    if let Some(expected) = &state.token {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes()));
        if !ok {
            let mut response = Problem::new(StatusCode::UNAUTHORIZED, "missing or wrong bearer token").into_response();
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    next.run(request).await
}

/// Compare without revealing where the first difference is through timing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---- POST /v1/clips ----

/// The JSON form: the media is already in the object store.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClipByKey {
    source_key: String,
    #[serde(flatten)]
    options: ClipOptions,
}

/// Options of either form (JSON fields, or query parameters of an upload).
#[derive(Debug, Default, Deserialize)]
struct ClipOptions {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    rep_id: Option<String>,
    #[serde(default)]
    rep_channel: Option<RepChannel>,
    #[serde(default)]
    redact: Option<bool>,
    #[serde(default)]
    fresh: Option<bool>,
    /// Upload only: the original file name (its extension is kept on the stored source).
    #[serde(default)]
    filename: Option<String>,
}

impl ClipOptions {
    fn submit_options(&self) -> Result<SubmitOptions, Problem> {
        let kind = match &self.kind {
            None => ClipKind::Call,
            Some(k) => k.parse().map_err(|e: String| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "bad kind").detail(e))?,
        };
        if let Some(rep) = &self.rep_id
            && (rep.is_empty() || rep.len() > 200)
        {
            return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "bad rep_id").detail("1 to 200 characters"));
        }
        Ok(SubmitOptions {
            kind,
            rep_id: self.rep_id.clone(),
            rep_channel: self.rep_channel.unwrap_or_default(),
            redact: self.redact.unwrap_or(false),
            fresh: self.fresh.unwrap_or(false),
            batch_id: None,
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Accepted {
    clip_id: String,
    status_url: String,
    scorecard_url: String,
    source_key: String,
}

impl Accepted {
    fn new(clip_id: &str, source_key: &str) -> Self {
        Self {
            clip_id: clip_id.to_string(),
            status_url: format!("/v1/clips/{clip_id}"),
            scorecard_url: format!("/v1/clips/{clip_id}/scorecard"),
            source_key: source_key.to_string(),
        }
    }

    fn into_response(self) -> Response {
        let location = HeaderValue::from_str(&self.status_url).expect("ASCII URL");
        let mut response = (StatusCode::ACCEPTED, axum::Json(self)).into_response();
        response.headers_mut().insert(header::LOCATION, location);
        response
    }
}

async fn create_clip(
    State(state): State<Shared>,
    Query(query): Query<ClipOptions>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let idempotency = match headers.get("idempotency-key") {
        None => None,
        Some(value) => {
            let key = value.to_str().ok().filter(|k| !k.is_empty() && k.len() <= 255).ok_or_else(|| {
                Problem::new(StatusCode::BAD_REQUEST, "bad Idempotency-Key").detail("1 to 255 visible ASCII characters")
            })?;
            Some(format!("{}:idempotency:{}", state.queues.settings().prefix, hex::encode(Sha256::digest(key.as_bytes()))))
        }
    };
    if let Some(redis_key) = &idempotency {
        let mut conn = state.queues.connection();
        // Claim the key; a second request with it gets the first one's answer (or 409 while it runs).
        let claimed: bool = redis::cmd("SET")
            .arg(redis_key)
            .arg("pending")
            .arg("NX")
            .arg("EX")
            .arg(IDEMPOTENCY_TTL_S)
            .query_async::<Option<String>>(&mut conn)
            .await?
            .is_some();
        if !claimed {
            let stored: Option<String> = conn.get(redis_key).await?;
            return match stored.as_deref().map(serde_json::from_str::<Accepted>) {
                Some(Ok(accepted)) => Ok(accepted.into_response()),
                _ => Err(Problem::new(StatusCode::CONFLICT, "a request with this Idempotency-Key is still running")),
            };
        }
    }
    let result = accept(&state, query, &headers, body).await;
    if let Some(redis_key) = &idempotency {
        let mut conn = state.queues.connection();
        match &result {
            Ok(accepted) => {
                let json = serde_json::to_string(accepted).expect("JSON");
                let _: () = conn.set_ex(redis_key, json, IDEMPOTENCY_TTL_S).await?;
            }
            // A failed request may be retried with the same key.
            Err(_) => {
                let _: () = conn.del(redis_key).await?;
            }
        }
    }
    Ok(result?.into_response())
}

async fn accept(state: &AppState, query: ClipOptions, headers: &HeaderMap, body: Body) -> Result<Accepted, Problem> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let (clip_id, source_key, options) = if mime == "application/json" {
        let bytes = axum::body::to_bytes(body, MAX_JSON_BYTES)
            .await
            .map_err(|e| Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "JSON body too large").detail(e.to_string()))?;
        let request: ClipByKey = serde_json::from_slice(&bytes)
            .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "invalid JSON body").detail(e.to_string()))?;
        let options = request.options.submit_options()?;
        let key = request.source_key.trim_matches('/').to_string();
        if key.is_empty() || key.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
            return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "bad source_key").detail("an object key like uploads/call.mp4"));
        }
        let clip_id = match submit::clip_id_of_object(&state.storage, &key).await {
            Ok(id) => id,
            Err(StorageError::NotFound(_)) => {
                return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "source_key does not exist")
                    .detail(format!("no object {key} in the store")));
            }
            Err(err) => return Err(err.into()),
        };
        (clip_id, key, options)
    } else if mime == "application/octet-stream" || mime.starts_with("video/") || mime.starts_with("audio/") {
        let options = query.submit_options()?;
        let name = query.filename.as_deref().unwrap_or("");
        let (clip_id, source_key) = receive_upload(state, body, name).await?;
        (clip_id, source_key, options)
    } else {
        return Err(Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported Content-Type").detail(
            "application/json ({\"source_key\": ...}) or the media itself as application/octet-stream, video/* or audio/*",
        ));
    };
    let request = submit::submit(&state.storage, &state.queues, clip_id, source_key, options).await?;
    Ok(Accepted::new(&request.clip_id, &request.source_key))
}

/// Stream the body to a temp file while hashing it, then store it as `uploads/<clip-id>.<ext>`.
async fn receive_upload(state: &AppState, body: Body, name: &str) -> Result<(String, String), Problem> {
    let temp = tempfile::NamedTempFile::new().map_err(Problem::internal)?;
    let mut file = tokio::fs::File::from_std(temp.reopen().map_err(Problem::internal)?);
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "upload interrupted").detail(e.to_string()))?;
        size += chunk.len() as u64;
        if size > state.max_upload_bytes {
            return Err(Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "upload too large")
                .detail(format!("at most {} MiB", state.max_upload_bytes / (1024 * 1024))));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(Problem::internal)?;
    }
    file.flush().await.map_err(Problem::internal)?;
    if size == 0 {
        return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "empty upload"));
    }
    let clip_id = submit::clip_id_from(hasher);
    let source_key = format!("uploads/{clip_id}.{}", submit::extension_of(name));
    if !state.storage.exists(&source_key).await? {
        state.storage.upload(&source_key, temp.path()).await?;
    }
    Ok((clip_id, source_key))
}

// ---- GET /v1/clips/{id}... ----

fn check_clip_id(id: &str) -> Result<(), Problem> {
    if id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(Problem::new(StatusCode::NOT_FOUND, "no such clip").detail("clip ids are 16 lower-case hex digits"))
    }
}

async fn find_status(state: &AppState, id: &str) -> Result<status::ClipStatus, Problem> {
    check_clip_id(id)?;
    let dead = status::dead_by_clip(&state.queues).await?;
    status::clip_status(&state.storage, id, &dead)
        .await?
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "no such clip").detail(format!("no clip {id} was submitted")))
}

async fn clip_status(State(state): State<Shared>, Path(id): Path<String>) -> Result<Response, Problem> {
    let status = find_status(&state, &id).await?;
    let mut json = serde_json::to_value(&status).map_err(Problem::internal)?;
    let links: serde_json::Map<String, serde_json::Value> = status
        .artifacts
        .keys()
        .map(|name| (name.clone(), format!("/v1/clips/{id}/artifacts/{name}").into()))
        .collect();
    json["links"] = links.into();
    Ok(axum::Json(json).into_response())
}

async fn scorecard(State(state): State<Shared>, Path(id): Path<String>) -> Result<Response, Problem> {
    let status = find_status(&state, &id).await?;
    if status.state != ClipState::Done {
        let state_name = serde_json::to_value(status.state).map_err(Problem::internal)?;
        return Err(Problem::new(StatusCode::CONFLICT, "the scorecard is not ready")
            .detail(format!("clip {id} is {}", state_name.as_str().unwrap_or("?"))));
    }
    stream_object(&state, &status::scorecard_key(&id), "scorecard.json").await
}

async fn artifact(State(state): State<Shared>, Path((id, name)): Path<(String, String)>) -> Result<Response, Problem> {
    check_clip_id(&id)?;
    if name.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return Err(Problem::new(StatusCode::NOT_FOUND, "no such artifact"));
    }
    stream_object(&state, &format!("{}/{name}", clip_prefix(&id)), &name).await
}

async fn stream_object(state: &AppState, key: &str, name: &str) -> Result<Response, Problem> {
    let (size, stream) = match state.storage.get_stream(key).await {
        Ok(found) => found,
        Err(StorageError::NotFound(_)) => {
            return Err(Problem::new(StatusCode::NOT_FOUND, "no such artifact").detail(key.to_string()));
        }
        Err(err) => return Err(err.into()),
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type_of(name))),
        (header::CONTENT_LENGTH, HeaderValue::from(size)),
    ];
    Ok((headers, Body::from_stream(stream)).into_response())
}

fn content_type_of(name: &str) -> &'static str {
    match submit::extension_of(name).as_str() {
        "json" => "application/json",
        "html" => "text/html; charset=utf-8",
        "vtt" => "text/vtt; charset=utf-8",
        "srt" => "application/x-subrip",
        "mp4" => "video/mp4",
        "m4a" => "audio/mp4",
        "wav" => "audio/wav",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "csv" => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

// ---- Operations ----

async fn healthz(State(state): State<Shared>) -> Response {
    let mut conn = state.queues.connection();
    let redis: redis::RedisResult<String> =
        tokio::time::timeout(Duration::from_secs(2), redis::cmd("PING").query_async(&mut conn))
            .await
            .unwrap_or_else(|_| Err(redis::RedisError::from((redis::ErrorKind::Io, "timed out"))));
    let store = tokio::time::timeout(Duration::from_secs(2), state.storage.exists("healthz")).await;
    let redis_ok = redis.is_ok();
    let store_ok = matches!(store, Ok(Ok(_)));
    let status = if redis_ok && store_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = serde_json::json!({
        "status": if status == StatusCode::OK { "ok" } else { "unavailable" },
        "redis": if redis_ok { "ok".to_string() } else { format!("{:?}", redis.err()) },
        "store": if store_ok { "ok" } else { "unreachable" },
    });
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(state): State<Shared>) -> Result<Response, Problem> {
    let text = crate::fleet::metrics::render(&state.queues).await.map_err(Problem::internal)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"secret-token-123", b"secret-token-123"));
        assert!(!constant_time_eq(b"secret-token-123", b"secret-token-124"));
        assert!(!constant_time_eq(b"secret", b"secret-token-123"));
    }

    #[test]
    fn clip_ids_are_checked_before_any_lookup() {
        assert!(check_clip_id("0123456789abcdef").is_ok());
        for bad in ["", "0123456789ABCDEF", "../../etc/passwd", "0123456789abcde"] {
            assert!(check_clip_id(bad).is_err(), "{bad}");
        }
    }
}
