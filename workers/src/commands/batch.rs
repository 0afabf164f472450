//! `callcoach enqueue FILE...` and `callcoach batch DIR|PREFIX`: submit clips to the fleet, follow
//! them with a progress bar until each is done or failed, then write the team summary to the store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use callcoach_analyze::ClipKind;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;
use crate::fleet::jobs::clip_prefix;
use crate::fleet::queue::{QueueSettings, Queues};
use crate::fleet::status::{self, ClipStatus, State};
use crate::fleet::submit::{self, SubmitOptions};
use crate::fleet::summary;
use crate::pipeline::RepChannel;
use crate::storage::Storage;

/// File extensions `batch` picks up in a folder or under a prefix.
const MEDIA_EXTENSIONS: &[&str] =
    &["mp4", "m4v", "mov", "mkv", "webm", "avi", "m4a", "mp3", "wav", "flac", "ogg", "opus", "aac", "wma", "3gp"];

/// How often the progress is polled.
const POLL: Duration = Duration::from_secs(1);
/// How long Redis or the store may stay unreachable before following a batch gives up.
const OUTAGE_LIMIT: Duration = Duration::from_secs(300);

/// Options shared by `enqueue` and `batch`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// What the clips are; decides how they are judged.
    #[arg(long, default_value = "call", value_parser = parse_kind)]
    pub kind: ClipKind,
    /// Which channel of a stereo call recording is the rep.
    #[arg(long, value_enum, default_value_t = RepChannel::Left)]
    pub rep_channel: RepChannel,
    /// Replace e-mails, phone and card numbers and long digit runs by tags (see `process --redact`).
    #[arg(long)]
    pub redact: bool,
    /// Transcribe and analyse again even when the same file finished with the same settings (after
    /// installing new models or heads, or changing the workers' settings); media output is reused.
    #[arg(long)]
    pub fresh: bool,
    /// The rep of every clip (for `batch`, a clip in a sub-folder `REP/…` takes the folder's name instead).
    #[arg(long)]
    pub rep: Option<String>,
    /// Return once queued instead of following the clips and writing a summary.
    #[arg(long)]
    pub no_wait: bool,
    /// Give up following after this many seconds (the clips stay queued); the summary lists them as pending.
    #[arg(long)]
    pub timeout_s: Option<u64>,
}

#[derive(Debug, Args)]
pub struct EnqueueArgs {
    /// Clips to upload to the object store and queue.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub submit: SubmitArgs,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// A local folder (uploaded; sub-folders are rep ids) or a key prefix in the object store
    /// (`recordings/2026-11/`; `<prefix>/<rep>/<file>` names the rep).
    #[arg(required_unless_present = "resume")]
    pub source: Option<String>,
    /// Follow an earlier batch again (by its id) and rewrite its summary.
    #[arg(long, conflicts_with = "source")]
    pub resume: Option<String>,
    #[command(flatten)]
    pub submit: SubmitArgs,
}

fn parse_kind(s: &str) -> Result<ClipKind, String> {
    s.parse()
}

/// A clip to submit: a local file or an object already in the store, and its rep.
enum Source {
    File(PathBuf),
    Object(String),
}

struct Item {
    source: Source,
    rep: Option<String>,
}

pub fn enqueue(config: &Config, args: EnqueueArgs) -> Result<()> {
    for file in &args.files {
        if !file.is_file() {
            bail!("{} is not a file", file.display());
        }
    }
    let rep = args.submit.rep.clone();
    let items = args.files.into_iter().map(|f| Item { source: Source::File(f), rep: rep.clone() }).collect();
    run(config, items, None, &args.submit)
}

pub fn batch(config: &Config, args: BatchArgs) -> Result<()> {
    if let Some(batch_id) = args.resume {
        return runtime()?.block_on(async {
            let (storage, queues) = connect(config).await?;
            let manifest = storage
                .get(&format!("{}/clips.json", summary::summary_prefix(&batch_id)))
                .await
                .with_context(|| format!("batch {batch_id}"))?;
            let clip_ids: Vec<String> = serde_json::from_slice(&manifest)?;
            follow_and_summarize(&storage, &queues, &batch_id, &clip_ids, args.submit.timeout_s).await
        });
    }
    let source = args.source.expect("clap requires a source without --resume");
    let local = Path::new(&source);
    if local.is_dir() {
        let items = files_in(local, args.submit.rep.as_deref())?;
        if items.is_empty() {
            bail!("no media files ({}) in {}", MEDIA_EXTENSIONS.join(", "), local.display());
        }
        return run(config, items, Some(&source), &args.submit);
    }
    if local.exists() {
        bail!("{source} is a file: use `callcoach enqueue {source}`");
    }
    // Not a local folder: a prefix in the object store.
    let items = runtime()?.block_on(async {
        let storage = Storage::open(&config.store).context("opening the object store")?;
        objects_under(&storage, &source, args.submit.rep.as_deref()).await
    })?;
    if items.is_empty() {
        bail!("{source} is neither a local folder nor a prefix with media files in the store");
    }
    run(config, items, Some(&source), &args.submit)
}

fn is_media(name: &str) -> bool {
    let ext = submit::extension_of(name);
    MEDIA_EXTENSIONS.contains(&ext.as_str())
}

/// Media files under `dir`, sorted; a file in `dir/<rep>/…` belongs to that rep.
fn files_in(dir: &Path, default_rep: Option<&str>) -> Result<Vec<Item>> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                folders.push(path);
            } else if is_media(name) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(dir).unwrap_or(&path);
            let rep = (relative.components().count() > 1)
                .then(|| relative.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()))
                .flatten()
                .or_else(|| default_rep.map(str::to_string));
            Item { source: Source::File(path), rep }
        })
        .collect())
}

/// Media objects under `prefix` in the store; `<prefix>/<rep>/<file>` belongs to that rep.
async fn objects_under(storage: &Storage, prefix: &str, default_rep: Option<&str>) -> Result<Vec<Item>> {
    let prefix = prefix.trim_matches('/');
    let keys = storage.list(prefix).await.with_context(|| format!("listing {prefix} in the store"))?;
    Ok(keys
        .into_iter()
        .filter(|key| is_media(key))
        .map(|key| {
            let relative = key.strip_prefix(prefix).unwrap_or(&key).trim_start_matches('/');
            let rep = relative.split_once('/').map(|(rep, _)| rep.to_string()).or_else(|| default_rep.map(str::to_string));
            Item { source: Source::Object(key), rep }
        })
        .collect())
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

async fn connect(config: &Config) -> Result<(Storage, Queues)> {
    let storage = Storage::open(&config.store).context("opening the object store")?;
    let queues = Queues::connect(&config.redis_url, QueueSettings::from_config(config)).await?;
    Ok((storage, queues))
}

fn new_batch_id() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format!("{now}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// Submit every item (uploading local files), print one line per clip, then follow them.
fn run(config: &Config, items: Vec<Item>, label: Option<&str>, args: &SubmitArgs) -> Result<()> {
    runtime()?.block_on(async {
        let (storage, queues) = connect(config).await?;
        let batch_id = new_batch_id();
        let bar = bar(items.len() as u64, "uploading and queueing");
        let mut clip_ids = Vec::new();
        for item in items {
            let (clip_id, source_key) = match &item.source {
                Source::File(path) => submit::upload_local(&storage, path).await?,
                Source::Object(key) => {
                    let clip_id = submit::clip_id_of_object(&storage, key).await.with_context(|| format!("reading {key}"))?;
                    (clip_id, key.clone())
                }
            };
            let options = SubmitOptions {
                kind: args.kind,
                rep_id: item.rep,
                rep_channel: args.rep_channel,
                redact: args.redact,
                fresh: args.fresh,
                batch_id: Some(batch_id.clone()),
            };
            submit::submit(&storage, &queues, clip_id.clone(), source_key, options).await?;
            bar.suspend(|| println!("{clip_id}\t{}/scorecard.json", clip_prefix(&clip_id)));
            bar.inc(1);
            if !clip_ids.contains(&clip_id) {
                clip_ids.push(clip_id);
            }
        }
        bar.finish_and_clear();
        let manifest = format!("{}/clips.json", summary::summary_prefix(&batch_id));
        storage.put(&manifest, serde_json::to_vec(&clip_ids)?).await?;
        let what = label.map(|l| format!(" from {l}")).unwrap_or_default();
        eprintln!("batch {batch_id}: {} clips{what} queued", clip_ids.len());
        if args.no_wait {
            eprintln!("follow it with: callcoach batch --resume {batch_id}");
            return Ok(());
        }
        follow_and_summarize(&storage, &queues, &batch_id, &clip_ids, args.timeout_s).await
    })
}

fn bar(len: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:<24} [{bar:30}] {pos}/{len} {elapsed_precise}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Look at every clip not finished yet; returns the clips that failed since the last look.
async fn poll(
    storage: &Storage,
    queues: &Queues,
    clip_ids: &[String],
    finished: &mut BTreeMap<String, ClipStatus>,
    pending: &mut BTreeMap<String, ClipStatus>,
) -> Result<Vec<(String, String)>> {
    let dead = status::dead_by_clip(queues).await?;
    let mut newly_failed = Vec::new();
    let open: Vec<&String> = clip_ids.iter().filter(|id| !finished.contains_key(*id)).collect();
    for clip_id in open {
        let Some(status) = status::clip_status(storage, clip_id, &dead).await? else {
            bail!("clip {clip_id} has no request in the store");
        };
        if status.state == State::Pending {
            pending.insert(clip_id.clone(), status);
        } else {
            pending.remove(clip_id);
            if status.state == State::Failed {
                let error = status.stages.iter().find_map(|s| s.error.clone()).unwrap_or_default();
                newly_failed.push((clip_id.clone(), error));
            }
            finished.insert(clip_id.clone(), status);
        }
    }
    Ok(newly_failed)
}

/// Poll until every clip is done or failed (or the timeout passes), then write the summary.
async fn follow_and_summarize(
    storage: &Storage,
    queues: &Queues,
    batch_id: &str,
    clip_ids: &[String],
    timeout_s: Option<u64>,
) -> Result<()> {
    let started = Instant::now();
    let bar = bar(clip_ids.len() as u64, "processing");
    let mut finished: BTreeMap<String, ClipStatus> = BTreeMap::new();
    let mut pending: BTreeMap<String, ClipStatus> = BTreeMap::new();
    let mut failing_since: Option<Instant> = None;
    loop {
        match poll(storage, queues, clip_ids, &mut finished, &mut pending).await {
            Ok(newly_failed) => {
                failing_since = None;
                for (clip_id, error) in newly_failed {
                    bar.suspend(|| eprintln!("{clip_id}: failed: {error}"));
                }
            }
            // Redis or the store away for a moment (a restart): keep following, give up after a while.
            Err(err) => {
                let since = *failing_since.get_or_insert_with(Instant::now);
                if since.elapsed() > OUTAGE_LIMIT {
                    return Err(err.context(format!("following batch {batch_id} (resume with `callcoach batch --resume {batch_id}`)")));
                }
                bar.suspend(|| eprintln!("warning: checking progress failed, retrying: {err:#}"));
            }
        }
        let failed = finished.values().filter(|s| s.state == State::Failed).count();
        bar.set_position(finished.len() as u64);
        bar.set_message(if failed > 0 { format!("processing ({failed} failed)") } else { "processing".to_string() });
        if finished.len() == clip_ids.len() {
            break;
        }
        if timeout_s.is_some_and(|t| started.elapsed() >= Duration::from_secs(t)) {
            bar.suspend(|| eprintln!("gave up following after {} s: {} clips still pending", started.elapsed().as_secs(), pending.len()));
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    bar.finish_and_clear();
    let statuses: Vec<ClipStatus> =
        clip_ids.iter().filter_map(|id| finished.get(id).or_else(|| pending.get(id)).cloned()).collect();
    let team = summary::build(storage, batch_id, &statuses).await?;
    let key = summary::write(storage, &team).await.context("writing the team summary")?;
    let done = team.clips.iter().filter(|c| c.state == State::Done).count();
    let failed = team.clips.iter().filter(|c| c.state == State::Failed).count();
    eprintln!(
        "batch {batch_id}: {done} done, {failed} failed, {} pending in {:.0} s; summary: {key} (and clips.csv, reps.csv) in {}",
        team.clips.len() - done - failed,
        started.elapsed().as_secs_f64(),
        storage.describe()
    );
    if failed > 0 {
        eprintln!("inspect failures with `callcoach jobs failed`, re-drive one with `callcoach jobs retry ID`");
        bail!("{failed} of {} clips failed", team.clips.len());
    }
    if done < team.clips.len() {
        bail!("{} clips still pending; follow them with `callcoach batch --resume {batch_id}`", team.clips.len() - done);
    }
    Ok(())
}
