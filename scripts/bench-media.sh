#!/usr/bin/env bash
# Benchmark the media stage against the ffmpeg CLI's transcode alone (issue 3).
#
#   scripts/bench-media.sh            3 runs of each, interleaved
#   RUNS=5 scripts/bench-media.sh
#
# Inputs (both 60 s, speech sound track):
#   speech_720p.mp4   the fixture: already H.264 1280x720 + AAC, so callcoach copies the video (remux)
#                     and only decodes it for the stills; ffmpeg still re-encodes it.
#   speech_1080p.mp4  generated here (cached): 1920x1080 H.264, which both must scale to 1280x720 and
#                     re-encode: the like-for-like comparison.
# callcoach: the whole stage via pipelines/media/examples/media_stage.rs (probe, web video, poster,
# storyboard, animated preview, 16 kHz speech), x264 veryfast at constant quality 23, AAC 128k, faststart.
# ffmpeg:    -c:v libx264 -preset veryfast -crf 23 -c:a aac -b:a 128k -movflags +faststart (+ scale to 720p
#            for the 1080p input), nothing else.
# Prints, per tool and input, the median wall and CPU (user+sys) seconds and peak RSS (/usr/bin/time -v),
# and callcoach's wall time as a multiple of ffmpeg's (target: <= 1.0). ffmpeg is only a yardstick: it is
# installed here if missing and used nowhere else.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
runs="${RUNS:-3}"

if ! command -v ffmpeg >/dev/null; then
  say "bench-media: installing ffmpeg (the benchmark's yardstick)"
  as_root apt-get update -qq
  as_root apt-get install -y -qq ffmpeg >/dev/null
fi
[ -x /usr/bin/time ] || { as_root apt-get update -qq; as_root apt-get install -y -qq time >/dev/null; }

"$ROOT/scripts/fixtures.sh" >/dev/null
say "bench-media: building the media_stage example"
cargo build --release --locked -q -p callcoach-media --example media_stage
stage_bin="$CARGO_TARGET_DIR/release/examples/media_stage"

# A 1080p input that forces a re-encode: same recipe as the speech_720p fixture, scaled up. Cached.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/callcoach/bench"
mkdir -p "$cache"
hd="$cache/speech_1080p.mp4"
if [ ! -s "$hd" ]; then
  say "bench-media: generating $hd (once)"
  gst-launch-1.0 -q \
    videotestsrc pattern=smpte horizontal-speed=4 num-buffers=1800 \
    ! video/x-raw,width=1920,height=1080,framerate=30/1,format=I420 \
    ! x264enc speed-preset=superfast threads=2 bitrate=5000 key-int-max=60 ! video/x-h264,profile=high ! h264parse \
    ! queue ! m.video_0 \
    filesrc location="$CALLCOACH_FIXTURES/speech_60s.wav" ! wavparse ! audioconvert ! audioresample \
    ! audio/x-raw,rate=48000,channels=1 ! avenc_aac bitrate=128000 ! aacparse ! queue ! m.audio_0 \
    mp4mux name=m faststart=true ! filesink location="$hd.tmp" >/dev/null
  mv "$hd.tmp" "$hd"
fi

work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT
results="$work/results.tsv"
: >"$results"

measure() {  # TOOL INPUT_NAME COMMAND...: one run, appends "tool input wall cpu rss_kb" to results
  local tool="$1" name="$2"
  shift 2
  /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/out.txt" 2>&1 || {
    cat "$work/out.txt" >&2
    say "bench-media: $tool failed on $name"
    exit 1
  }
  python3 - "$work/time.txt" "$tool" "$name" >>"$results" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def field(label):
    return re.search(re.escape(label) + r":\s*(.+)", text).group(1).strip()
wall = 0.0
for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
    wall = wall * 60 + float(part)
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
print(sys.argv[2], sys.argv[3], f"{wall:.2f}", f"{cpu:.2f}", field("Maximum resident set size (kbytes)"), sep="\t")
PY
}

for input in "$CALLCOACH_FIXTURES/speech_720p.mp4" "$hd"; do
  name="$(basename "$input")"
  scale=()
  [ "$name" = speech_1080p.mp4 ] && scale=(-vf "scale=-2:720")
  for run in $(seq 1 "$runs"); do
    say "bench-media: $name run $run/$runs"
    rm -rf "$work/stage" "$work/ffmpeg.mp4"
    measure callcoach "$name" "$stage_bin" "$input" "$work/stage"
    measure ffmpeg "$name" ffmpeg -nostdin -y -loglevel error -i "$input" "${scale[@]}" \
      -c:v libx264 -preset veryfast -crf 23 -c:a aac -b:a 128k -movflags +faststart "$work/ffmpeg.mp4"
  done
done

python3 - "$results" "$runs" <<'PY'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
med = {}
for tool, name, wall, cpu, rss in rows:
    med.setdefault((tool, name), []).append((float(wall), float(cpu), int(rss)))
print(f"\nmedians of {sys.argv[2]} runs (2 cores; callcoach = whole media stage, ffmpeg = transcode only)\n")
print(f"{'input':<18} {'tool':<10} {'wall s':>7} {'CPU s':>7} {'peak RSS MB':>12}")
names = sorted({n for _, n in med})
for name in names:
    for tool in ("callcoach", "ffmpeg"):
        v = med[(tool, name)]
        print(f"{name:<18} {tool:<10} {statistics.median(x[0] for x in v):7.2f} {statistics.median(x[1] for x in v):7.2f} "
              f"{statistics.median(x[2] for x in v) / 1024:12.0f}")
print()
for name in names:
    c, f = med[("callcoach", name)], med[("ffmpeg", name)]
    wall = statistics.median(x[0] for x in c) / statistics.median(x[0] for x in f)
    cpu = statistics.median(x[1] for x in c) / statistics.median(x[1] for x in f)
    verdict = "meets" if wall <= 1.0 else "MISSES"
    print(f"{name:<18} callcoach/ffmpeg: wall {wall:.2f}x, CPU {cpu:.2f}x  ({verdict} the <= 1.0x wall target)")
PY
