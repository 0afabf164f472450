//! Fleet test helpers: a real `redis-server` per test on a free loopback port in a temp dir (killed on
//! drop), the `callcoach` binary pointed at it, worker processes, and polling with a deadline.
//! Include with `#[path = "common/fleet.rs"] mod fleet;`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

const REDIS_SERVER: &str = "redis-server";

/// A private redis-server, gone when dropped.
pub struct Redis {
    child: Child,
    pub port: u16,
    aof: bool,
    dir: tempfile::TempDir,
}

impl Redis {
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// With `aof`, every write is appended and fsynced: a restart loses nothing (the fault tests).
    pub fn start_with(aof: bool) -> Self {
        for _ in 0..5 {
            let port = free_port();
            let dir = tempfile::tempdir().expect("temp dir");
            let child = spawn_redis(port, dir.path(), aof);
            let mut redis = Redis { child, port, aof, dir };
            if redis.wait_ready() {
                return redis;
            }
            // The port was taken meanwhile: try another.
        }
        panic!("could not start redis-server");
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.ping() {
                return true;
            }
            if self.child.try_wait().expect("wait").is_some() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Kill the server (SIGKILL: no chance to save) and start it again on the same port and data.
    pub fn restart_after(&mut self, down: Duration) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(down);
        self.child = spawn_redis(self.port, self.dir.path(), self.aof);
        assert!(self.wait_ready(), "redis-server restarts on port {}", self.port);
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        stream.set_read_timeout(Some(Duration::from_millis(500))).ok();
        if stream.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut reply = [0u8; 7];
        stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
    }
}

fn spawn_redis(port: u16, dir: &Path, aof: bool) -> Child {
    let appendonly = if aof { "yes" } else { "no" };
    Command::new(REDIS_SERVER)
        .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--save", ""])
        .args(["--appendonly", appendonly, "--appendfsync", "always"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server runs (apt-get install redis-server)")
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real S3-compatible server (s3s-fs 0.14.1, installed by scripts/setup.sh) on loopback, serving
/// the bucket `callcoach` from a temp folder; killed on drop.
pub struct S3 {
    child: Child,
    pub port: u16,
    pub root: tempfile::TempDir,
}

pub const S3_BUCKET: &str = "callcoach";
const S3_ACCESS_KEY: &str = "callcoach-test";
const S3_SECRET_KEY: &str = "callcoach-test-secret";

fn s3s_fs_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CALLCOACH_S3S_FS") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME").expect("HOME");
    PathBuf::from(home).join(".cache/callcoach-tools/bin/s3s-fs")
}

impl S3 {
    pub fn start() -> Self {
        let binary = s3s_fs_binary();
        assert!(binary.exists(), "{} is missing: run scripts/setup.sh (it installs s3s-fs 0.14.1)", binary.display());
        let mut root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(root.path().join(S3_BUCKET)).expect("bucket folder");
        for _ in 0..5 {
            let port = free_port();
            let child = spawn_s3(port, root.path());
            let mut s3 = S3 { child, port, root };
            if s3.wait_ready() {
                return s3;
            }
            root = s3.into_root();
        }
        panic!("could not start s3s-fs");
    }

    fn into_root(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let root = std::mem::replace(&mut self.root, tempfile::tempdir().expect("temp dir"));
        root
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            if self.child.try_wait().expect("wait").is_some() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Start again on the same port and folder after [`S3::stop`].
    pub fn start_again(&mut self) {
        self.child = spawn_s3(self.port, self.root.path());
        assert!(self.wait_ready(), "s3s-fs restarts on port {}", self.port);
    }

    /// The bucket's folder: objects are plain files under it.
    pub fn bucket_dir(&self) -> PathBuf {
        self.root.path().join(S3_BUCKET)
    }

    /// The environment that points the object_store S3 client at this server.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("CALLCOACH_STORE".into(), format!("s3://{S3_BUCKET}")),
            ("AWS_ENDPOINT_URL".into(), format!("http://127.0.0.1:{}", self.port)),
            ("AWS_ACCESS_KEY_ID".into(), S3_ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY".into(), S3_SECRET_KEY.into()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ALLOW_HTTP".into(), "true".into()),
        ]
    }
}

fn spawn_s3(port: u16, root: &Path) -> Child {
    Command::new(s3s_fs_binary())
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--access-key", S3_ACCESS_KEY, "--secret-key", S3_SECRET_KEY])
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("s3s-fs runs")
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// One test's fleet: its Redis, its object store folder, settings as environment variables.
pub struct Fleet {
    pub redis: Redis,
    /// The S3 server when the fleet stores in S3 instead of a folder.
    pub s3: Option<S3>,
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Fleet {
    pub fn start() -> Self {
        Self::start_with(false, false)
    }

    /// `aof`: Redis appends every write (restart tests); `s3`: the store is a real S3 server.
    pub fn start_with(aof: bool, s3: bool) -> Self {
        let redis = Redis::start_with(aof);
        let dir = tempfile::tempdir().expect("temp dir");
        let mut env = vec![("CALLCOACH_REDIS_URL".into(), redis.url()), ("NO_COLOR".into(), "1".into())];
        let s3 = s3.then(S3::start);
        match &s3 {
            Some(s3) => env.extend(s3.env()),
            None => env.push(("CALLCOACH_STORE".into(), dir.path().join("store").display().to_string())),
        }
        Fleet { redis, s3, dir, env }
    }

    /// Set a `CALLCOACH_*` setting for every command run from now on.
    pub fn set(&mut self, name: &str, value: impl ToString) -> &mut Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    /// The folder holding the store's objects (the S3 server's bucket folder for an S3 fleet).
    pub fn store(&self) -> PathBuf {
        match &self.s3 {
            Some(s3) => s3.bucket_dir(),
            None => self.dir.path().join("store"),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_callcoach"));
        command.args(args).env_remove("RUST_LOG").envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Run a `callcoach` command that must succeed; its stdout.
    pub fn run(&self, args: &[&str]) -> String {
        let output: Output = self.command(args).output().expect("callcoach runs");
        assert!(
            output.status.success(),
            "callcoach {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8")
    }

    /// `jobs stats --json` of one stage queue.
    pub fn stats(&self, stage: &str) -> Stats {
        let all: Value = serde_json::from_str(&self.run(&["jobs", "stats", "--json"])).expect("stats JSON");
        let s = &all[stage];
        let n = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("stats field {k} in {s}"));
        Stats {
            pending: n("pending"),
            scheduled: n("scheduled"),
            running: n("running"),
            done: n("done"),
            dead: n("dead"),
            workers: n("workers"),
        }
    }

    /// `jobs failed --json`, one value per dead job.
    pub fn failed(&self) -> Vec<Value> {
        self.run(&["jobs", "failed", "--json"]).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect()
    }

    /// Start `callcoach worker ARGS`, stderr to a log file; returns once it says it is ready.
    pub fn worker(&self, args: &[&str]) -> Worker {
        let log = self.dir.path().join(format!("worker-{}.log", next_log_number()));
        let mut full = vec!["worker"];
        full.extend_from_slice(args);
        let child = self
            .command(&full)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("worker starts");
        let worker = Worker { child, log };
        wait_for(Duration::from_secs(30), "worker ready", || worker.log().contains(": ready"));
        worker
    }

    /// Start `callcoach serve` on a free port with `token`; returns the process and its port.
    pub fn serve(&self, token: &str) -> (Worker, u16) {
        let port = free_port();
        let log = self.dir.path().join(format!("serve-{}.log", next_log_number()));
        let child = self
            .command(&["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("CALLCOACH_API_TOKEN", token)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("serve starts");
        let server = Worker { child, log };
        wait_for(Duration::from_secs(30), "the API listening", || server.log().contains("listening on"));
        (server, port)
    }
}

/// A minimal HTTP/1.1 client for the API tests (one request per connection).
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("JSON body ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

pub fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the API");
    stream.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    stream.write_all(body).expect("send body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    HttpResponse { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else { break };
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
    out
}

fn next_log_number() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub pending: u64,
    pub scheduled: u64,
    pub running: u64,
    pub done: u64,
    pub dead: u64,
    pub workers: u64,
}

/// A `callcoach worker` process, killed on drop.
pub struct Worker {
    child: Child,
    log: PathBuf,
}

impl Worker {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]).status().expect("kill runs");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Wait for the process to exit, at most `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Poll `condition` every 20 ms until it holds; panic naming `what` after `timeout`.
pub fn wait_for(timeout: Duration, what: &str, mut condition: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if condition() {
            return started.elapsed();
        }
        assert!(started.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
