//! `callcoach reanalyze CLIP_DIR...`: analyse processed clips again from their kept transcripts, with
//! today's playbook and heads, without decoding or transcribing anything. After editing a playbook (a new
//! tracker, a retrained head) a team's scorecards are redone in seconds.
//!
//! Each folder is one clip's output (`callcoach-out/<clip-id>/` of `process`): it needs `scorecard.json`,
//! `transcript.json` and `media.json`. Only `scorecard.html` and `scorecard.json` are rewritten, as
//! `process` writes them (through the artifact store, the JSON last); a folder that cannot be read is
//! reported and left as it was.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use callcoach_analyze::{Playbook, Scorecard, Semantic};
use callcoach_media::MediaInfo;
use callcoach_transcribe::Transcript;
use clap::Args;

use crate::config::Config;
use crate::pipeline;
use crate::storage::{ArtifactStore, Artifacts};

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
    let mut artifacts = Artifacts::default();
    pipeline::analyze::rerun(&previous, &transcript, &info, playbook, semantic, &mut artifacts)?;
    // The clip's folder is a prefix of the output folder above it, as `process` wrote it.
    let folder = std::fs::canonicalize(dir).with_context(|| format!("opening {}", dir.display()))?;
    let (Some(out), Some(clip)) = (folder.parent(), folder.file_name().and_then(|n| n.to_str())) else {
        bail!("{} is not a clip folder inside an output folder", dir.display());
    };
    ArtifactStore::local(out)?.put_all(clip, artifacts, "scorecard.json")?;
    Ok(dir.join("scorecard.json"))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&text).with_context(|| format!("parsing {}", path.display()))
}
