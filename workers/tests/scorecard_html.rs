//! scorecard.html from real output, rendered in headless Chromium (Debian's package, installed by
//! scripts/setup.sh): no console errors, its script ran, it shows the score; a screenshot is saved.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{fixture, process_ok};

/// Flags for a root, offline machine: no sandbox, no GPU, no background connections.
fn chromium(profile: &Path) -> Command {
    let mut command = Command::new("chromium");
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=3000",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

#[test]
fn the_coach_page_renders_without_console_errors_and_shows_the_score() {
    let out = tempfile::tempdir().unwrap();
    let (clip_dir, scorecard) = process_ok(&fixture("call_stereo.wav"), out.path(), &["--kind", "call"]);
    let page = format!("file://{}", clip_dir.join("scorecard.html").display());
    let profile = tempfile::tempdir().unwrap();

    let dom = chromium(profile.path()).arg("--dump-dom").arg(&page).output().expect(
        "chromium runs (scripts/setup.sh installs Debian's chromium package)",
    );
    let stdout = String::from_utf8_lossy(&dom.stdout);
    let stderr = String::from_utf8_lossy(&dom.stderr);
    assert!(dom.status.success(), "chromium failed: {stderr}");
    let console_errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("Uncaught") || l.contains("Error") || l.contains("error")))
        .collect();
    assert!(console_errors.is_empty(), "console errors: {console_errors:#?}");
    assert!(stdout.contains(r#"data-ready="true""#), "the page's script ran to the end");
    let score = scorecard["score"].as_u64().unwrap();
    assert!(stdout.contains(&format!(r#"id="score">{score}<small>"#)), "the page shows the score {score}");
    assert!(stdout.contains(r##"href="#t="##), "evidence times became seek links");

    let screenshot: PathBuf = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scorecard.png");
    let shot = chromium(profile.path())
        .arg("--window-size=1100,1600")
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(&page)
        .output()
        .unwrap();
    assert!(shot.status.success(), "{}", String::from_utf8_lossy(&shot.stderr));
    let png = std::fs::read(&screenshot).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(png.len() > 20_000, "a rendered page, not a blank one ({} bytes)", png.len());
    eprintln!("screenshot: {}", screenshot.display());
}
