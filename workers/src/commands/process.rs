//! `callcoach process INPUT`: the whole pipeline on one local file, in-process, no queue, no server.
//!
//! Everything is computed in memory first; only then are the artifacts written, scorecard.json last.
//! An input that cannot be used therefore leaves nothing behind.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use callcoach_analyze::{ClipKind, Playbook};
use callcoach_transcribe::Transcriber;
use clap::Args;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::pipeline::{self, RepChannel};
use crate::progress::Steps;
use crate::storage::{ArtifactStore, Artifacts};

#[derive(Debug, Args)]
pub struct ProcessArgs {
    /// The clip: any audio or video file GStreamer can read.
    pub input: PathBuf,
    /// What the clip is; decides how it is judged.
    #[arg(long, default_value = "call", value_parser = parse_kind)]
    pub kind: ClipKind,
    /// Which channel of a stereo call recording is the rep.
    #[arg(long, value_enum, default_value_t = RepChannel::Left)]
    pub rep_channel: RepChannel,
    /// Output folder; artifacts go to OUT/<clip-id>/.
    #[arg(long, default_value = "callcoach-out")]
    pub out: PathBuf,
    /// Playbook TOML replacing the built-in one.
    #[arg(long)]
    pub playbook: Option<PathBuf>,
    /// Replace e-mails, phone and card numbers and long digit runs by tags in the transcript, captions,
    /// evidence and HTML.
    #[arg(long)]
    pub redact: bool,
    /// How frameworks are detected: auto (combined when the embedding model is installed, else
    /// lexicon), lexicon, embedding, combined.
    #[arg(long, value_enum, default_value_t = pipeline::semantic::AnalysisChoice::Auto)]
    pub analysis: pipeline::semantic::AnalysisChoice,
}

fn parse_kind(s: &str) -> Result<ClipKind, String> {
    s.parse()
}

pub fn run(config: &Config, args: ProcessArgs) -> Result<()> {
    let playbook = load_playbook(args.playbook.as_deref())?;
    let semantic = pipeline::semantic::semantic_context(config, args.playbook.as_deref(), args.analysis)?;
    let steps = Steps::new();
    steps.step("probing");
    let info = pipeline::media::probe(&args.input, config)?;
    let transcriber = load_transcriber(config, &steps)?;
    let clip_id = clip_id(&args.input)?;

    let mut artifacts = Artifacts::default();
    steps.step("decoding: web video, stills, preview and speech audio");
    let work_dir = tempfile::tempdir().context("creating a work folder")?;
    let media = pipeline::media::run(&args.input, info, work_dir.path(), &mut artifacts)?;
    steps.step("transcribing");
    let options = config.decode_options();
    let mut transcribed =
        pipeline::transcribe::run(&transcriber, &options, &media.audio, media.stereo_call, args.kind, args.rep_channel, &playbook)?;
    if args.redact {
        transcribed = transcribed.redacted();
    }
    steps.step("analysing");
    pipeline::analyze::run(
        &clip_id,
        args.kind,
        &media.info,
        &transcribed,
        &playbook,
        semantic.as_ref(),
        &clip_id,
        &mut artifacts,
    )?;

    steps.step("writing artifacts");
    let store = ArtifactStore::local(&args.out)?;
    store.put_all(&clip_id, artifacts, "scorecard.json")?;
    drop(steps);
    println!("{}", args.out.join(&clip_id).join("scorecard.json").display());
    Ok(())
}

pub fn load_playbook(path: Option<&Path>) -> Result<Playbook> {
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading playbook {}", path.display()))?;
            Ok(Playbook::from_toml(&text).with_context(|| format!("playbook {}", path.display()))?)
        }
        None => Ok(Playbook::default()),
    }
}

/// The configured whisper model, loaded; a missing model names the command that installs it.
pub fn load_transcriber(config: &Config, steps: &Steps) -> Result<Transcriber> {
    let manifest = callcoach_models::Manifest::builtin();
    let model_path = callcoach_models::resolve(manifest.get(&config.model)?, &config.models_dir)?;
    steps.step(format!("loading whisper model {}", config.model));
    Ok(Transcriber::load(&model_path)?)
}

/// A clip's id: the first 16 hex digits of its content's sha256, so the same file always maps to the
/// same id and re-processing it rewrites the same folder.
pub fn clip_id(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(&hasher.finalize()[..8]))
}
