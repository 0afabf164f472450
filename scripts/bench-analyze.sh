#!/usr/bin/env bash
# Accuracy harness for the analysis stage (issue 5, item 10): synthesise the labelled calls in
# scripts/analyze-bench/calls/, run `callcoach process` on each call's stereo.wav and mono.wav, and score
# the scorecards (SPIN, MEDDICC, objections, next steps, talk ratio, fillers) per split.
#
#   scripts/bench-analyze.sh [--split dev|test|all] [--reuse] [--skip-setup] [--reanalyze FROM] [-- ARGS...]
#
#   --split       which calls to run and score (default all: dev and test tables, plus both together)
#   --reuse       keep a call's scorecard when it is newer than the binary and its WAV (default: rerun all)
#   --skip-setup  do not run scripts/setup.sh (use the binary already at $CALLCOACH_BIN)
#   --reanalyze FROM  do not transcribe: analyse again the transcripts kept in the results folder FROM of
#                 an earlier run (`callcoach reanalyze`), about a minute for all 48 calls. For changes to
#                 analysis only (rules, heads, playbook); the figures are those of FROM's recogniser.
#   -- ARGS       extra arguments for `callcoach process` (or `reanalyze`), e.g. -- --playbook my.toml
#
# Audio and truth go to ${CALLCOACH_BENCH_DIR:-<repo>/bench-out/analyze}/<call>/, pipeline output and
# scorecards to ${CALLCOACH_BENCH_OUT:-$CALLCOACH_BENCH_DIR/results}/<call>/{stereo,mono}[.scorecard.json],
# the summary to results.json there. CALLCOACH_THREADS is passed through to whisper.
# See scripts/analyze-bench/README.md for the label format and the matching rules.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
here="$ROOT/scripts/analyze-bench"

split=all
reuse=0
skip_setup=0
from=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --split) split="${2:-}"; shift 2 ;;
    --split=*) split="${1#--split=}"; shift ;;
    --reuse) reuse=1; shift ;;
    --skip-setup) skip_setup=1; shift ;;
    --reanalyze) from="${2:-}"; shift 2 ;;
    --reanalyze=*) from="${1#--reanalyze=}"; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) say "bench-analyze: unknown argument: $1"; exit 2 ;;
  esac
done
case "$split" in dev|test|all) ;; *) say "bench-analyze: --split must be dev, test or all"; exit 2 ;; esac
if [ -n "$from" ]; then
  [ -d "$from" ] || { say "bench-analyze: --reanalyze: no results folder $from"; exit 2; }
  from=$(cd "$from" && pwd)
fi

# Not under fixtures/: scripts/fixtures.sh replaces that folder whole when it rebuilds.
bench="${CALLCOACH_BENCH_DIR:-$ROOT/bench-out/analyze}"
case "$bench" in /*) ;; *) bench="$PWD/$bench" ;; esac
results="${CALLCOACH_BENCH_OUT:-$bench/results}"
case "$results" in /*) ;; *) results="$PWD/$results" ;; esac
t0=$(date +%s)

if [ "$skip_setup" -eq 0 ]; then
  "$ROOT/scripts/setup.sh"
fi
[ -x "$CALLCOACH_BIN" ] || { say "bench-analyze: no binary at $CALLCOACH_BIN (run scripts/setup.sh)"; exit 1; }

# Run a private copy, so a rebuild during the run (cargo writes the same path) cannot mix two binaries.
mkdir -p "$results/.bin"
bin="$results/.bin/callcoach"
cp -f -- "$CALLCOACH_BIN" "$bin.tmp" && mv -f -- "$bin.tmp" "$bin"
say "bench-analyze: binary sha256 $(sha256sum <"$bin" | cut -c1-16) (copy of $CALLCOACH_BIN)"

say "bench-analyze: synthesising calls into $bench"
python3 -B "$here/synth.py" --out "$bench" --split "$split" >/dev/null

mapfile -t calls < <(python3 -B - "$here" "$split" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import os, labels
for c in labels.load_calls(os.path.join(sys.argv[1], "calls")):
    if sys.argv[2] in ("all", c["split"]):
        print(c["name"])
EOF
)
say "bench-analyze: ${#calls[@]} calls, stereo and mono, results in $results"

n=0
failed=0
for call in "${calls[@]}"; do
  n=$((n + 1))
  for mode in stereo mono; do
    wav="$bench/$call/$mode.wav"
    dst="$results/$call/$mode.scorecard.json"
    if [ "$reuse" -eq 1 ] && [ -f "$dst" ] && [ "$dst" -nt "$CALLCOACH_BIN" ] && [ "$dst" -nt "$wav" ]; then
      say "bench-analyze: [$n/${#calls[@]}] $call $mode: reused"
      continue
    fi
    rm -rf -- "$results/$call/$mode" "$dst" "$results/$call/$mode.log"
    mkdir -p "$results/$call"
    s=$(date +%s%N)
    if [ -n "$from" ]; then
      # The kept analysis inputs of the earlier run only (no audio): scorecard, transcript, media facts.
      for kept in "$from/$call/$mode"/*/transcript.json; do
        [ -f "$kept" ] || continue
        clip=$(basename "$(dirname "$kept")")
        mkdir -p "$results/$call/$mode/$clip"
        cp -- "$from/$call/$mode/$clip"/{scorecard,transcript,media}.json "$results/$call/$mode/$clip/"
      done
      run=(reanalyze "$results/$call/$mode"/*/)
    else
      run=(process "$wav" --kind call --out "$results/$call/$mode")
    fi
    if card=$("$bin" "${run[@]}" ${extra[@]+"${extra[@]}"} 2>"$results/$call/$mode.log") && [ -f "$card" ]; then
      cp -- "$card" "$dst"
      status="ok"
    else
      failed=$((failed + 1))
      status="FAILED (see $results/$call/$mode.log)"
    fi
    ms=$(( ($(date +%s%N) - s) / 1000000 ))
    say "$(printf 'bench-analyze: [%d/%d] %-26s %-6s %5.1f s  %s' "$n" "${#calls[@]}" "$call" "$mode" "$((ms / 100))e-1" "$status")"
  done
done

python3 -B "$here/score.py" --bench "$bench" --results "$results" --split "$split" --json "$results/results.json"
note=""
[ "$failed" -eq 0 ] || note=", $failed pipeline run(s) failed"
say "bench-analyze: done in $(( $(date +%s) - t0 )) s$note"
[ "$failed" -eq 0 ]
