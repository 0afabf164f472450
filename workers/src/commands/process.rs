//! `callcoach process INPUT`: the whole pipeline on one local file, in-process, no queue, no server.
//!
//! Everything is computed in memory first; only then are the artifacts written, scorecard.json last.
//! An input that cannot be used therefore leaves nothing behind.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use callcoach_analyze::{AnalysisInput, ClipFacts, ClipKind, Playbook, Role, Scorecard, SpeakerLabel, SpokenWord};
use callcoach_media::{SPEECH_SAMPLE_RATE, SpeechAudio};
use callcoach_transcribe::{DecodeOptions, Transcriber, Transcript, captions};
use clap::{Args, ValueEnum};
use sha2::{Digest, Sha256};

use crate::config::Config;
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RepChannel {
    Left,
    Right,
}

fn parse_kind(s: &str) -> Result<ClipKind, String> {
    s.parse()
}

pub fn run(config: &Config, args: ProcessArgs) -> Result<()> {
    let playbook = match &args.playbook {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading playbook {}", path.display()))?;
            Playbook::from_toml(&text).with_context(|| format!("playbook {}", path.display()))?
        }
        None => Playbook::default(),
    };
    let steps = Steps::new();
    steps.step("probing");
    let info = callcoach_media::probe(&args.input, &config.media_limits())?;
    if info.audio.is_none() {
        bail!(callcoach_media::MediaError::NoAudio(args.input.clone()));
    }
    let model_path = {
        let manifest = callcoach_models::Manifest::builtin();
        callcoach_models::resolve(manifest.get(&config.model)?, &config.models_dir)?
    };
    let clip_id = clip_id(&args.input)?;

    steps.step("decoding audio");
    let audio = callcoach_media::extract_speech_audio(&args.input, &info)?;
    steps.step("grabbing the poster frame");
    let poster = callcoach_media::poster_jpeg(&args.input, &info)?;

    steps.step(format!("loading whisper model {}", config.model));
    let transcriber = Transcriber::load(&model_path)?;
    let options = DecodeOptions { threads: config.threads(), ..DecodeOptions::default() };
    steps.step("transcribing");
    let stereo_call = audio.has_distinct_channels();
    let (transcript, speakers) = transcribe(&transcriber, &options, &audio, args.kind, stereo_call, args.rep_channel)?;

    steps.step("analysing");
    let input = AnalysisInput {
        clip: ClipFacts {
            id: clip_id.clone(),
            kind: args.kind,
            duration_s: if info.duration_s > 0.0 { info.duration_s } else { audio.duration_s() },
            language: transcript.language.clone(),
        },
        speakers,
        words: spoken_words(&transcript),
    };
    let mut scorecard = callcoach_analyze::analyze(&input, &playbook);

    let mut artifacts = Artifacts::default();
    artifacts.add("transcript.json", serde_json::to_vec_pretty(&transcript)?);
    artifacts.add("captions.vtt", captions::to_webvtt(&transcript));
    artifacts.add("captions.srt", captions::to_srt(&transcript));
    artifacts.add("media.json", serde_json::to_vec_pretty(&info)?);
    artifacts.add("audio.wav", speech_wav(&audio, stereo_call)?);
    if let Some(jpeg) = poster {
        artifacts.add("poster.jpg", jpeg);
    }
    let names: Vec<String> = artifacts.names().map(str::to_string).collect();
    for name in names.iter().map(String::as_str).chain(["scorecard.html", "scorecard.json"]) {
        scorecard.artifacts.insert(name.to_string(), format!("{clip_id}/{name}"));
    }
    artifacts.add("scorecard.html", callcoach_analyze::render_html(&scorecard));
    artifacts.add("scorecard.json", scorecard_json(&scorecard)?);

    steps.step("writing artifacts");
    let store = ArtifactStore::local(&args.out)?;
    store.put_all(&clip_id, artifacts, "scorecard.json")?;
    drop(steps);
    println!("{}", args.out.join(&clip_id).join("scorecard.json").display());
    Ok(())
}

/// A clip's id: the first 16 hex digits of its content's sha256, so the same file always maps to the
/// same id and re-processing it rewrites the same folder.
fn clip_id(path: &Path) -> Result<String> {
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

/// Transcribe, per channel for a stereo call (the speaker is known from the channel), else in one pass.
fn transcribe(
    transcriber: &Transcriber,
    options: &DecodeOptions,
    audio: &SpeechAudio,
    kind: ClipKind,
    stereo_call: bool,
    rep_channel: RepChannel,
) -> Result<(Transcript, Vec<SpeakerLabel>)> {
    let label = |id: &str, role| SpeakerLabel { id: id.to_string(), role };
    if stereo_call {
        let (rep, customer) = match rep_channel {
            RepChannel::Left => (&audio.channels[0], &audio.channels[1]),
            RepChannel::Right => (&audio.channels[1], &audio.channels[0]),
        };
        let rep = transcriber.transcribe(rep, options)?.with_speaker("rep");
        let customer = transcriber.transcribe(customer, options)?.with_speaker("customer");
        return Ok((
            Transcript::merge_by_time(vec![rep, customer]),
            vec![label("rep", Role::Rep), label("customer", Role::Customer)],
        ));
    }
    let transcript = transcriber.transcribe(&audio.mono, options)?;
    // A pitch or recognition clip has one speaker, the rep. A mono call mixes both parties: until
    // diarization lands, its single voice track is labelled but not given a role.
    let (id, role) = match kind {
        ClipKind::Call => ("speaker_1", Role::Unknown),
        ClipKind::Pitch | ClipKind::Recognition => ("rep", Role::Rep),
    };
    Ok((transcript.with_speaker(id), vec![label(id, role)]))
}

fn spoken_words(transcript: &Transcript) -> Vec<SpokenWord> {
    transcript
        .words()
        .map(|w| SpokenWord {
            start_s: w.start_s,
            end_s: w.end_s,
            text: w.text.clone(),
            speaker: w.speaker.clone().unwrap_or_default(),
            probability: w.probability,
        })
        .collect()
}

/// The 16 kHz audio transcription used, as 16-bit PCM WAV: both channels of a stereo call, else mono.
fn speech_wav(audio: &SpeechAudio, stereo_call: bool) -> Result<Vec<u8>> {
    let channels: Vec<&[f32]> =
        if stereo_call { audio.channels.iter().map(Vec::as_slice).collect() } else { vec![&audio.mono] };
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: SPEECH_SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut writer = hound::WavWriter::new(&mut cursor, spec)?;
        for i in 0..channels[0].len() {
            for channel in &channels {
                writer.write_sample((channel[i].clamp(-1.0, 1.0) * i16::MAX as f32) as i16)?;
            }
        }
        writer.finalize()?;
    }
    Ok(cursor.into_inner())
}

fn scorecard_json(scorecard: &Scorecard) -> Result<Vec<u8>> {
    let mut json = serde_json::to_vec_pretty(scorecard)?;
    json.push(b'\n');
    Ok(json)
}
