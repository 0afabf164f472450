//! Times the transcription stage on a WAV file, the way a worker runs it (model loaded once, then
//! `Transcriber::transcribe` per job), and prints one JSON line with medians over the runs:
//!
//! ```text
//! cargo run --release -p callcoach-transcribe --example bench -- \
//!     --model models/weights/ggml-tiny.en-q8_0.bin --threads 2 --runs 3 \
//!     --reference fixtures/jfk.txt fixtures/jfk.wav
//! ```
//! Options: `--full-window` (encode a whole 30 s window whatever the audio's length),
//! `--beam N`, `--prompt TEXT` or `--keep-fillers`, `--channel N` (default: mix all channels).
//! Input that is not 16 kHz is resampled linearly (use a 16 kHz file for exact comparisons).
//! The transcript goes to stderr; `RUST_LOG=callcoach_transcribe=debug` adds every decoded window and segment.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use callcoach_transcribe::{DecodeOptions, SAMPLE_RATE, Transcriber, wer};

struct Args {
    model: PathBuf,
    wav: PathBuf,
    reference: Option<PathBuf>,
    runs: usize,
    options: DecodeOptions,
    channel: Option<usize>,
}

fn parse() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut model, mut wav, mut reference, mut runs, mut channel) = (None, None, None, 3, None);
    let mut options = DecodeOptions::default();
    let number = |v: Option<String>, what: &str| -> Result<usize, String> {
        v.ok_or(format!("{what} needs a value"))?.parse().map_err(|e| format!("{what}: {e}"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--model" => model = args.next().map(PathBuf::from),
            "--reference" => reference = args.next().map(PathBuf::from),
            "--runs" => runs = number(args.next(), "--runs")?.max(1),
            "--threads" => options.threads = number(args.next(), "--threads")?,
            "--beam" => options.beam_size = Some(number(args.next(), "--beam")?),
            "--channel" => channel = Some(number(args.next(), "--channel")?),
            "--prompt" => options.initial_prompt = args.next(),
            "--keep-fillers" => options = options.keeping_fillers(),
            "--full-window" => options.fit_encoder_window = false,
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            _ => wav = Some(PathBuf::from(arg)),
        }
    }
    Ok(Args {
        model: model.ok_or("--model PATH is required")?,
        wav: wav.ok_or("a WAV file is required")?,
        reference,
        runs,
        options,
        channel,
    })
}

/// 16 kHz mono samples from a WAV file: channel `channel` or the mix; other rates resampled linearly.
fn read_wav(path: &PathBuf, channel: Option<usize>) -> Result<Vec<f32>, String> {
    let mut reader = hound::WavReader::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec = reader.spec();
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>(),
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
            reader.samples::<i32>().map(|s| s.map(|v| v as f32 / scale)).collect::<Result<_, _>>()
        }
    }
    .map_err(|e| format!("{}: {e}", path.display()))?;
    let channels = spec.channels as usize;
    let mono: Vec<f32> = interleaved
        .chunks_exact(channels)
        .map(|frame| match channel {
            Some(c) => frame.get(c).copied().unwrap_or(0.0),
            None => frame.iter().sum::<f32>() / channels as f32,
        })
        .collect();
    if spec.sample_rate == SAMPLE_RATE {
        return Ok(mono);
    }
    let ratio = spec.sample_rate as f64 / SAMPLE_RATE as f64;
    let n = (mono.len() as f64 / ratio) as usize;
    Ok((0..n)
        .map(|i| {
            let t = i as f64 * ratio;
            let (k, frac) = (t as usize, (t - t.floor()) as f32);
            let a = mono[k];
            let b = mono.get(k + 1).copied().unwrap_or(a);
            a + (b - a) * frac
        })
        .collect())
}

/// User + system CPU seconds of this process, all threads (from /proc/self/stat, 100 ticks a second).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return f64::NAN };
    let Some((_, rest)) = stat.rsplit_once(')') else { return f64::NAN };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(f64::NAN);
    // After the command name: state is field 0, utime 11, stime 12.
    (ticks(11) + ticks(12)) / 100.0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> ExitCode {
    // RUST_LOG=callcoach_transcribe=debug shows every decoded window and segment on stderr.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = match parse() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}\nusage: bench --model PATH [--threads N] [--runs N] [--reference TXT] [--full-window] [--beam N] [--prompt TEXT | --keep-fillers] [--channel N] WAV");
            return ExitCode::from(2);
        }
    };
    let run = || -> Result<(), String> {
        let samples = read_wav(&args.wav, args.channel)?;
        let audio_s = samples.len() as f64 / SAMPLE_RATE as f64;
        let transcriber = Transcriber::load(&args.model).map_err(|e| e.to_string())?;
        let (mut walls, mut cpus, mut text) = (Vec::new(), Vec::new(), String::new());
        for _ in 0..args.runs {
            let (start, cpu) = (Instant::now(), cpu_seconds());
            let transcript = transcriber.transcribe(&samples, &args.options).map_err(|e| e.to_string())?;
            walls.push(start.elapsed().as_secs_f64());
            cpus.push(cpu_seconds() - cpu);
            text = transcript.words().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
        }
        let reference = match &args.reference {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?),
            None => None,
        };
        let (wall, cpu) = (median(walls), median(cpus));
        let score = |f: fn(&str, &str) -> f64| reference.as_deref().map(|r| f(r, &text));
        let json = |v: Option<f64>| v.map_or("null".to_string(), |v| format!("{v:.4}"));
        eprintln!("{text}");
        println!(
            "{{\"engine\":\"callcoach\",\"model\":\"{}\",\"file\":\"{}\",\"threads\":{},\"runs\":{},\"audio_s\":{audio_s:.2},\
             \"wall_s\":{wall:.3},\"cpu_s\":{cpu:.2},\"x_realtime\":{:.2},\"rtf\":{:.4},\"wer\":{},\"filler_recall\":{}}}",
            args.model.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
            args.wav.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
            args.options.threads,
            args.runs,
            audio_s / wall,
            wall / audio_s,
            json(score(wer::word_error_rate)),
            json(score(wer::filler_recall)),
        );
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
