//! `callcoach reanalyze CLIP_DIR...`: analyse processed clips again from their kept transcripts, with
//! today's playbook and heads, without decoding or transcribing anything. After editing a playbook (a new
//! tracker, a retrained head) a team's scorecards are redone in seconds.
//!
//! Each folder is one clip's output (`callcoach-out/<clip-id>/` of `process`): it needs `scorecard.json`,
//! `transcript.json` and `media.json`. Only `scorecard.html` and `scorecard.json` are rewritten, each
//! through a temporary file and a rename, the JSON last; a folder that cannot be read is reported and
//! left as it was.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use callcoach_analyze::{Playbook, Scorecard, Semantic};
use callcoach_media::MediaInfo;
use callcoach_transcribe::Transcript;
use clap::Args;

use crate::config::Config;
use crate::pipeline;

#[derive(Debug, Args)]
pub struct ReanalyzeArgs {
    /// Output folders of processed clips (each with scorecard.json, transcript.json and media.json).
    #[arg(required = true)]
    pub clips: Vec<PathBuf>,
    /// Playbook TOML replacing the built-in one.
    #[arg(long)]
    pub playbook: Option<PathBuf>,
    /// How frameworks are detected: auto (combined when the embedding model is installed, else
    /// lexicon), lexicon, embedding, combined.
    #[arg(long, value_enum, default_value_t = pipeline::semantic::AnalysisChoice::Auto)]
    pub analysis: pipeline::semantic::AnalysisChoice,
}

pub fn run(config: &Config, args: ReanalyzeArgs) -> Result<()> {
    let playbook = super::process::load_playbook(args.playbook.as_deref())?;
    let semantic = pipeline::semantic::semantic_context(config, args.playbook.as_deref(), args.analysis)?;
    let mut failed = 0;
    for dir in &args.clips {
        match reanalyze(dir, &playbook, semantic.as_ref()) {
            Ok(path) => println!("{}", path.display()),
            Err(err) => {
                eprintln!("callcoach: {}: {err:#}", dir.display());
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} clips could not be analysed again", args.clips.len());
    }
    Ok(())
}

/// Analyse the clip in `dir` again; the path of its new scorecard.json.
fn reanalyze(dir: &Path, playbook: &Playbook, semantic: Option<&Semantic>) -> Result<PathBuf> {
    let previous: Scorecard = read_json(&dir.join("scorecard.json"))?;
    let transcript: Transcript = read_json(&dir.join("transcript.json"))?;
    let info: MediaInfo = read_json(&dir.join("media.json"))?;
    let (scorecard, html) = pipeline::analyze::rerun(&previous, &transcript, &info, playbook, semantic)?;
    let mut json = serde_json::to_vec_pretty(&scorecard)?;
    json.push(b'\n');
    replace(&dir.join("scorecard.html"), html.as_bytes())?;
    let path = dir.join("scorecard.json");
    replace(&path, &json)?;
    Ok(path)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Write `path` whole or not at all: a temporary file beside it, then a rename.
fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("writing in {}", dir.display()))?;
    std::io::Write::write_all(&mut file, bytes).with_context(|| format!("writing {}", path.display()))?;
    // A temporary file is private; the new one keeps the old one's permissions.
    if let Ok(old) = std::fs::metadata(path) {
        file.as_file().set_permissions(old.permissions()).with_context(|| format!("writing {}", path.display()))?;
    }
    file.persist(path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}
