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
    _dir: tempfile::TempDir,
}

impl Redis {
    pub fn start() -> Self {
        for _ in 0..5 {
            let port = free_port();
            let dir = tempfile::tempdir().expect("temp dir");
            let child = Command::new(REDIS_SERVER)
                .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server runs (apt-get install redis-server)");
            let mut redis = Redis { child, port, _dir: dir };
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if redis.ping() {
                    return redis;
                }
                if redis.child.try_wait().expect("wait").is_some() {
                    break; // the port was taken meanwhile: try another
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("could not start redis-server");
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

impl Drop for Redis {
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
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Fleet {
    pub fn start() -> Self {
        let redis = Redis::start();
        let dir = tempfile::tempdir().expect("temp dir");
        let env = vec![
            ("CALLCOACH_REDIS_URL".into(), redis.url()),
            ("CALLCOACH_STORE".into(), dir.path().join("store").display().to_string()),
            ("NO_COLOR".into(), "1".into()),
        ];
        Fleet { redis, dir, env }
    }

    /// Set a `CALLCOACH_*` setting for every command run from now on.
    pub fn set(&mut self, name: &str, value: impl ToString) -> &mut Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join("store")
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
