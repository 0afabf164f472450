#!/usr/bin/env bash
# Benchmark the worker fleet (issue 6): queue overhead against raw Redis, end-to-end throughput with 1 and
# 2 workers, peak RSS per worker.
#
#   scripts/bench-fleet.sh                      20,000 no-op jobs per queue setting; 20 generated clips
#   scripts/bench-fleet.sh --quick              smoke run: 2,000 no-op jobs, 4 clips
#   scripts/bench-fleet.sh --skip-setup         do not run scripts/setup.sh first
#   scripts/bench-fleet.sh --runs 3             the end-to-end phases 3 times, interleaved (1x2 2x1 1x2 ...)
#   scripts/bench-fleet.sh --phases 1x2,2x1,1x1 also 1 worker with 1 thread (WORKERSxTHREADS each)
#   scripts/bench-fleet.sh --noop-jobs 50000 --noop-settings 32:100,64:200,128:500 --clips 10
#
# Everything runs against a private redis-server (no persistence) on a free 127.0.0.1 port and a private
# folder store, both in a temp dir removed on exit; each measurement has its own CALLCOACH_QUEUE_PREFIX
# (and each end-to-end phase its own store, because stage markers would otherwise make the second phase
# skip the work).
#
# 1. Queue overhead. `callcoach jobs noop --count N` pushes N no-op jobs through apalis-redis (the rate is
#    from the time it prints, 10 ms resolution, which excludes process start and connecting); then
#    `callcoach worker --stages noop --concurrency C --batch-size B` drains them: from its "ready" line until
#    the queue's done set holds N (redis-cli SCARD every 5 ms, then checked against `jobs stats --json`),
#    once per C:B setting (--noop-settings). The peer, on the same server in the same run: `redis-benchmark
#    -t lpush,rpop` (50 clients, one command per request, then again pipelined 16 deep), one LPUSH / RPOP
#    per "job". A no-op job costs apalis-redis more than one command each way (task metadata hash, the
#    active list, in-flight and done sets, Lua fetch and ack scripts), so the ratios say what the queue's
#    bookkeeping costs over a bare list. Worker and redis-server CPU seconds of the drain are shown too.
# 2. End to end. N speech clips (espeak-ng, 20-40 s, 16 kHz mono WAV, distinct texts, voices and speeds,
#    deterministic) queued with `callcoach batch DIR --kind call --no-wait`; wall time from that command's
#    start until N analyze jobs are done (SCARD every 0.1 s, checked against `jobs stats`; `batch --resume`
#    then writes the team summary and must exit 0, and there must be N scorecards). Workers
#    (`--stages media,transcribe,analyze --concurrency 1`) are started and ready (model loaded) before the
#    clock starts. Phases (--phases, WORKERSxTHREADS) by default: 1x2, one worker with CALLCOACH_THREADS=2,
#    and 2x1, two workers with CALLCOACH_THREADS=1 each: both give whisper the machine's 2 cores, so 2x1
#    gains only where one worker leaves a core idle (media, analysis, queue hand-offs, whisper's serial
#    stretches) -- or where ggml's busy-waiting threads lose time to other load (a 2-thread whisper waits
#    on its descheduled partner thread; 1-thread workers do not). Figures: audio minutes per wall minute
#    (sum of the clips' durations / wall), the speed-up over the first phase, and per worker its peak RSS
#    (VmHWM from /proc just before SIGTERM) and CPU seconds (user + system, all threads, model load included).
# Workers are stopped with SIGTERM (they finish in-flight jobs and exit 0); an exit status other than 0 is
# reported. Ctrl-C stops everything and removes the temp dir.
#
# ggml's worker threads busy-wait: other whisper jobs on the machine distort the end-to-end figures, and any
# load distorts the queue figures. The script warns when the load average says the machine is busy.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
quick=0
skip_setup=0
noop_jobs=""
noop_settings="32:100,64:200"
clips=""
runs=1
phases="1x2,2x1"
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --skip-setup) skip_setup=1 ;;
    --noop-jobs) noop_jobs="${2:?--noop-jobs N}"; shift ;;
    --noop-settings) noop_settings="${2:?--noop-settings C:B[,C:B...]}"; shift ;;
    --clips) clips="${2:?--clips N}"; shift ;;
    --runs) runs="${2:?--runs N}"; shift ;;
    --phases) phases="${2:?--phases WORKERSxTHREADS[,...]}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) say "bench-fleet: unknown argument $1"; usage >&2; exit 2 ;;
  esac
  shift
done
if [ "$quick" = 1 ]; then
  noop_jobs="${noop_jobs:-2000}"
  clips="${clips:-4}"
  bench_requests=50000
else
  noop_jobs="${noop_jobs:-20000}"
  clips="${clips:-20}"
  bench_requests=200000
fi
[[ "$noop_jobs" =~ ^[1-9][0-9]*$ ]] || { say "bench-fleet: --noop-jobs must be a positive number"; exit 2; }
[[ "$clips" =~ ^[1-9][0-9]*$ ]] || { say "bench-fleet: --clips must be a positive number"; exit 2; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { say "bench-fleet: --runs must be a positive number"; exit 2; }
[[ "$phases" =~ ^[1-9][0-9]*x[1-9][0-9]*(,[1-9][0-9]*x[1-9][0-9]*)*$ ]] \
  || { say "bench-fleet: --phases is a comma list of WORKERSxTHREADS (1x2: one worker, CALLCOACH_THREADS=2)"; exit 2; }
[[ "$noop_settings" =~ ^[1-9][0-9]*:[1-9][0-9]*(,[1-9][0-9]*:[1-9][0-9]*)*$ ]] \
  || { say "bench-fleet: --noop-settings is a comma list of CONCURRENCY:BATCH_SIZE"; exit 2; }

if [ "$skip_setup" = 0 ]; then
  "$ROOT/scripts/setup.sh"
fi
for tool in redis-server redis-cli redis-benchmark espeak-ng sox soxi python3; do
  command -v "$tool" >/dev/null || { say "bench-fleet: $tool is missing (scripts/setup.sh installs it; redis-benchmark and redis-cli come with redis-tools)"; exit 1; }
done
[ -x "$CALLCOACH_BIN" ] || { say "bench-fleet: $CALLCOACH_BIN is missing: run scripts/setup.sh"; exit 1; }

load="$(cut -d' ' -f1 /proc/loadavg)"
if awk -v l="$load" 'BEGIN { exit !(l > 1.0) }'; then
  say "bench-fleet: WARNING: load average $load: other jobs are running; figures will be slow and noisy"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/bench-fleet.XXXXXX")"
results="$work/results.tsv"   # kind <TAB> name <TAB> values...
: >"$results"
worker_pids=()
redis_pid=""

stop_pid() {  # PID SECONDS: SIGTERM, then SIGKILL after SECONDS; returns the exit status (137 when killed)
  local pid="$1" grace="$2" i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "bench-fleet: process $pid did not stop within $grace s of SIGTERM: killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  local rc=0
  wait "$pid" 2>/dev/null || rc=$?
  return "$rc"
}

cleanup() {
  local pid
  trap - EXIT INT TERM
  for pid in "${worker_pids[@]}"; do
    kill -0 "$pid" 2>/dev/null && { stop_pid "$pid" 20 || true; }
  done
  if [ -n "$redis_pid" ]; then
    kill -TERM "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'say "bench-fleet: interrupted"; exit 130' INT
trap 'say "bench-fleet: terminated"; exit 143' TERM

now() { printf '%s\n' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# --- A private redis-server -------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mkdir -p "$work/redis"
for attempt in 1 2 3 4 5; do
  port="$(free_port)"
  redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$work/redis" \
    >"$work/redis/server.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 100); do
    redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.05
  done
  redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
  say "bench-fleet: redis-server did not start on port $port (attempt $attempt)"
done
[ -n "$redis_pid" ] || { cat "$work/redis/server.log" >&2; exit 1; }
redis_version="$(redis-server --version | grep -o 'v=[0-9.]*' | cut -d= -f2)"
export CALLCOACH_REDIS_URL="redis://127.0.0.1:$port" NO_COLOR=1
unset RUST_LOG
say "bench-fleet: redis-server $redis_version on 127.0.0.1:$port, work dir $work"

# --- Helpers -----------------------------------------------------------------------------------------
stats_field() {  # JSON STAGE FIELD: one number of `jobs stats --json`
  local re="\"$2\":\\{[^}]*\"$3\":([0-9]+)"
  [[ "$1" =~ $re ]] || { say "bench-fleet: no $2.$3 in: $1"; return 1; }
  printf '%s\n' "${BASH_REMATCH[1]}"
}

start_worker() {  # LOG THREADS ARGS...: start `callcoach worker ARGS` in the background; sets $started_pid
  local log="$1" threads="$2"
  shift 2
  CALLCOACH_THREADS="$threads" "$CALLCOACH_BIN" worker "$@" >/dev/null 2>"$log" &
  started_pid=$!
  worker_pids+=("$started_pid")
}

wait_ready() {  # PID LOG: until the worker prints its ready line (60 s at most)
  local pid="$1" log="$2" i
  for ((i = 0; i < 6000; i++)); do
    grep -q ': ready' "$log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { say "bench-fleet: worker $pid exited before it was ready:"; cat "$log" >&2; exit 1; }
    sleep 0.01
  done
  say "bench-fleet: worker $pid not ready after 60 s:"
  cat "$log" >&2
  exit 1
}

peak_rss_mb() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

stop_worker() {  # PID LOG: SIGTERM; fails the run when it does not exit 0
  local pid="$1" log="$2" rc=0 p
  stop_pid "$pid" 60 || rc=$?
  local kept=()
  for p in "${worker_pids[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  worker_pids=("${kept[@]}")
  if [ "$rc" != 0 ]; then
    say "bench-fleet: worker $pid exited with status $rc after SIGTERM (expected 0):"
    cat "$log" >&2
    exit 1
  fi
}

# Wait until a stage queue's done set (apalis-redis's `<prefix>:<stage>:done`, which `jobs stats` counts)
# holds COUNT jobs. One `redis-cli -r -1 -i INTERVAL scard` process polls, so the clock does not wait for a
# process start per poll and the polling costs next to no CPU. Every 2 s: the workers are alive, no job of
# any stage is dead, `jobs stats` agrees, TIMEOUT_S has not passed. Sets $done_at; returns 1 on a failure.
wait_done() {  # STAGE COUNT INTERVAL TIMEOUT_S PID...
  local stage="$1" count="$2" interval="$3" timeout="$4" fd poller n pid st stats failed=1 started=$SECONDS checked=$SECONDS
  shift 4
  done_at=""
  exec {fd}< <(exec redis-cli -h 127.0.0.1 -p "$port" -r -1 -i "$interval" scard "$CALLCOACH_QUEUE_PREFIX:$stage:done" 2>&1)
  poller=$!
  while read -r -u "$fd" n; do
    [[ "$n" =~ ^[0-9]+$ ]] || { say "bench-fleet: redis-cli: $n"; break; }
    if [ "$n" -ge "$count" ]; then done_at="$EPOCHREALTIME"; failed=0; break; fi
    [ $((SECONDS - checked)) -ge 2 ] || continue
    checked=$SECONDS
    for pid in "$@"; do
      kill -0 "$pid" 2>/dev/null || { say "bench-fleet: worker $pid died"; break 2; }
    done
    stats="$("$CALLCOACH_BIN" jobs stats --json)" || break
    for st in media transcribe analyze noop; do
      [ "$(stats_field "$stats" "$st" dead)" = 0 ] || { say "bench-fleet: $st jobs dead:"; "$CALLCOACH_BIN" jobs failed | head >&2; break 2; }
    done
    if [ "$(stats_field "$stats" "$stage" done)" -ge "$count" ]; then
      say "bench-fleet: jobs stats says $stage is done, but $CALLCOACH_QUEUE_PREFIX:$stage:done holds $n: key name changed?"
      break
    fi
    [ $((SECONDS - started)) -lt "$timeout" ] || { say "bench-fleet: $stage not done after $timeout s: $stats"; break; }
  done
  kill "$poller" 2>/dev/null || true
  wait "$poller" 2>/dev/null || true
  exec {fd}<&-
  return "$failed"
}

# --- 1. Queue overhead -------------------------------------------------------------------------------
say "bench-fleet: queue overhead: redis-benchmark LPUSH/RPOP, $bench_requests requests"
for pipeline in 1 16; do
  redis-benchmark -h 127.0.0.1 -p "$port" -t lpush,rpop -n "$bench_requests" -P "$pipeline" --csv 2>/dev/null \
    | tr -d '"' | awk -F, -v p="$pipeline" 'NR > 1 { print "raw\t" $1 "\t" p "\t" $2 }' >>"$results"
done
grep -q $'^raw\tLPUSH\t1\t' "$results" && grep -q $'^raw\tRPOP\t1\t' "$results" \
  || { say "bench-fleet: redis-benchmark gave no LPUSH/RPOP figures"; exit 1; }
redis-cli -h 127.0.0.1 -p "$port" del mylist >/dev/null

IFS=, read -r -a settings <<<"$noop_settings"
for setting in "${settings[@]}"; do
  concurrency="${setting%%:*}"
  batch_size="${setting##*:}"
  export CALLCOACH_QUEUE_PREFIX="bench-noop-c$concurrency-b$batch_size" CALLCOACH_STORE="$work/store-noop"
  say "bench-fleet: queue overhead: $noop_jobs no-op jobs, worker concurrency $concurrency, batch size $batch_size"
  t0="$(now)"
  push_out="$("$CALLCOACH_BIN" jobs noop --count "$noop_jobs" 2>&1)" || { printf '%s\n' "$push_out" >&2; exit 1; }
  push_wall="$(elapsed "$t0" "$(now)")"
  push_s="$(sed -n 's/^queued [0-9]* noop jobs in \([0-9.]*\) s$/\1/p' <<<"$push_out")"
  [ -n "$push_s" ] || { say "bench-fleet: unexpected output of jobs noop: $push_out"; exit 1; }
  pending="$(stats_field "$("$CALLCOACH_BIN" jobs stats --json)" noop pending)"
  [ "$pending" = "$noop_jobs" ] || { say "bench-fleet: $pending noop jobs pending, expected $noop_jobs"; exit 1; }

  log="$work/worker-noop-c$concurrency-b$batch_size.log"
  start_worker "$log" 1 --stages noop --concurrency "$concurrency" --batch-size "$batch_size"
  pid="$started_pid"
  wait_ready "$pid" "$log"
  redis_cpu0="$(cpu_s "$redis_pid")"
  t0="$(now)"
  wait_done noop "$noop_jobs" 0.005 600 "$pid" || { cat "$log" >&2; exit 1; }
  drain_s="$(elapsed "$t0" "$done_at")"
  done_n="$(stats_field "$("$CALLCOACH_BIN" jobs stats --json)" noop done)"
  [ "$done_n" = "$noop_jobs" ] || { say "bench-fleet: jobs stats: $done_n noop jobs done, expected $noop_jobs"; exit 1; }
  redis_cpu="$(awk -v a="$redis_cpu0" -v b="$(cpu_s "$redis_pid")" 'BEGIN { printf "%.2f", b - a }')"
  rss="$(peak_rss_mb "$pid")"
  cpu="$(cpu_s "$pid")"
  stop_worker "$pid" "$log"
  printf 'noop\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$concurrency" "$batch_size" "$noop_jobs" "$push_s" "$push_wall" \
    "$drain_s" "$rss" "$cpu" "$redis_cpu" >>"$results"
  say "bench-fleet:   pushed in $push_s s ($push_wall s with process start), drained in $drain_s s, worker peak RSS $rss MB"
done

# --- 2. End to end -----------------------------------------------------------------------------------
say "bench-fleet: generating $clips speech clips"
clip_dir="$work/clips"
mkdir -p "$clip_dir" "$work/speech"
cat >"$work/sentences.txt" <<'EOF'
Thanks for taking the time to talk with me today, I know your week is busy.
Before I show you anything, could you walk me through how your team handles renewals right now?
We work with about forty sales teams in logistics, and most of them started exactly where you are.
What happens today when a deal slips from one quarter to the next?
Our platform pulls every call into one place and scores it against the playbook your managers already use.
How many new reps did you bring on over the last six months?
I hear you on the budget, so let me ask what that budget is really protecting.
The pilot runs for thirty days, and you keep every scorecard even if you walk away.
One customer cut their ramp time from five months to a little under three.
Who else would need to be in the room before a decision like this gets made?
If I understood you correctly, the real problem is that coaching only happens when a deal is already lost.
Let me share my screen and show you what a manager sees on Monday morning.
What would have to be true for this to be an easy yes for your team?
Pricing is per seat, billed yearly, and the first ten seats include onboarding.
Can we put thirty minutes on the calendar next Tuesday with your head of enablement?
I will send a short summary after this call with the three points we agreed on.
That is a fair concern, and a few of our customers raised the same question about data privacy.
Recordings stay in your own storage bucket, and nothing leaves your region.
How do your managers decide which calls to review each week?
Most teams find that the talk ratio is the first number that changes.
So the next step is a pilot with two teams, starting on the first of the month.
Does that timeline work for you, or is there something I am missing?
Tell me more about the last deal you lost to a competitor.
We integrate with the calendar and the CRM you already have, so nobody changes their routine.
I noticed your team doubled in size this year, congratulations on that.
What does a great quarter look like for you personally?
Our support team answers within one business hour, every day of the week.
Let me pause there, what questions do you have so far?
If we could show a lift in win rate within the pilot, would you take it to your board?
I appreciate you being candid about the previous vendor.
Your reps would get feedback within minutes of hanging up the phone.
Is it fair to say that forecasting accuracy matters more to you than call volume?
We can start small, with one team and one playbook, and grow from there.
The contract can include an exit clause after the first ninety days.
I will loop in our solutions engineer to answer the integration questions.
Great, I will send the invite for Tuesday at ten and the pilot agreement today.
Honestly, that is the most common thing we hear from sales leaders.
EOF
mapfile -t sentences <"$work/sentences.txt"
n_sentences=${#sentences[@]}
voices=(en-us en-gb en-us+f3 en-gb-x-rp en-us+m3 en-029 en-gb-scotland en-us+f2 en-gb-x-gbcwmd en-us+m5)
audio_s_total=0
for ((i = 0; i < clips; i++)); do
  voice="${voices[$((i % ${#voices[@]}))]}"
  speed=$((150 + (i * 11) % 35))
  target=$((20 + (i * 7) % 15))   # 20..34 s; the last sentence adds at most ~6 s
  stride=$((1 + (i * 5) % (n_sentences - 1)))
  pos=$(((i * 13) % n_sentences))
  parts=()
  total=0
  for ((k = 0; k < n_sentences; k++)); do
    part="$work/speech/$i-$k.wav"
    espeak-ng -v "$voice" -s "$speed" -w "$part" "${sentences[$pos]}"
    parts+=("$part")
    total="$(awk -v t="$total" -v d="$(soxi -D "$part")" 'BEGIN { print t + d }')"
    awk -v t="$total" -v m="$target" 'BEGIN { exit !(t >= m) }' && break
    pos=$(((pos + stride) % n_sentences))
  done
  clip="$clip_dir/$(printf 'call-%02d.wav' "$((i + 1))")"
  sox -V1 "${parts[@]}" -r 16000 -c 1 -b 16 "$clip" trim 0 40
  d="$(soxi -D "$clip")"
  awk -v d="$d" 'BEGIN { exit !(d >= 20 && d <= 40) }' || { say "bench-fleet: $clip is $d s, expected 20-40 s"; exit 1; }
  audio_s_total="$(awk -v t="$audio_s_total" -v d="$d" 'BEGIN { print t + d }')"
done
rm -rf "$work/speech"
distinct="$(sha256sum "$clip_dir"/*.wav | cut -d' ' -f1 | sort -u | wc -l)"
[ "$distinct" = "$clips" ] || { say "bench-fleet: only $distinct of $clips clips are distinct"; exit 1; }
say "bench-fleet: $clips clips, $(awk -v t="$audio_s_total" 'BEGIN { printf "%.1f", t / 60 }') audio minutes"

run_phase() {  # WORKERSxTHREADS RUN
  local phase="$1" run="$2" n_workers="${1%x*}" threads="${1#*x}" name="$1-$2" w pids=() logs=() out batch_id t0 done_n wall
  export CALLCOACH_QUEUE_PREFIX="bench-e2e-$name" CALLCOACH_STORE="$work/store-$name"
  say "bench-fleet: end to end, phase $phase (run $run of $runs): $n_workers worker(s), CALLCOACH_THREADS=$threads"
  for ((w = 1; w <= n_workers; w++)); do
    logs+=("$work/worker-$name-$w.log")
    start_worker "${logs[-1]}" "$threads" --stages media,transcribe,analyze --concurrency 1
    pids+=("$started_pid")
  done
  for ((w = 0; w < n_workers; w++)); do wait_ready "${pids[$w]}" "${logs[$w]}"; done

  t0="$(now)"
  out="$("$CALLCOACH_BIN" batch "$clip_dir" --kind call --no-wait 2>&1)" || { printf '%s\n' "$out" >&2; exit 1; }
  batch_id="$(sed -n 's/^batch \([^ :]*\): .*queued.*/\1/p' <<<"$out" | head -n 1)"
  [ -n "$batch_id" ] || { say "bench-fleet: no batch id in the output of batch:"; printf '%s\n' "$out" >&2; exit 1; }
  wait_done analyze "$clips" 0.1 $((300 + clips * 120)) "${pids[@]}" \
    || { say "bench-fleet: phase $name failed; worker logs:"; tail -n 20 "${logs[@]}" >&2; exit 1; }
  wall="$(elapsed "$t0" "$done_at")"
  done_n="$(stats_field "$("$CALLCOACH_BIN" jobs stats --json)" analyze done)"
  [ "$done_n" = "$clips" ] || { say "bench-fleet: jobs stats: $done_n analyze jobs done, expected $clips"; exit 1; }
  for ((w = 0; w < n_workers; w++)); do
    printf 'worker\t%s\t%s\t%s\t%s\t%s\n' "$phase" "$run" "$((w + 1))" "$(peak_rss_mb "${pids[$w]}")" "$(cpu_s "${pids[$w]}")" >>"$results"
  done
  for ((w = 0; w < n_workers; w++)); do stop_worker "${pids[$w]}" "${logs[$w]}"; done
  printf 'e2e\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$phase" "$run" "$n_workers" "$threads" "$clips" "$audio_s_total" "$wall" >>"$results"
  # The team summary (and the exit status: non-zero when a clip failed or is pending).
  out="$("$CALLCOACH_BIN" batch --resume "$batch_id" --timeout-s 60 2>&1 >/dev/null)" \
    || { say "bench-fleet: phase $name: batch --resume $batch_id failed:"; printf '%s\n' "$out" >&2; exit 1; }
  local scorecards
  scorecards="$(find "$CALLCOACH_STORE/clips" -name scorecard.json | wc -l)"
  [ "$scorecards" = "$clips" ] || { say "bench-fleet: phase $name: $scorecards scorecards, expected $clips"; exit 1; }
  say "bench-fleet:   $clips clips done in $wall s; $(tail -n 1 <<<"$out")"
}

IFS=, read -r -a phase_list <<<"$phases"
for ((run = 1; run <= runs; run++)); do
  for phase in "${phase_list[@]}"; do run_phase "$phase" "$run"; done
done

# --- Report ------------------------------------------------------------------------------------------
repro="scripts/bench-fleet.sh"
[ "${#args[@]}" -gt 0 ] && repro+=" ${args[*]}"
python3 - "$results" "$redis_version" "$(nproc)" "$load" "$repro" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
redis_version, cores, load, repro = sys.argv[2:6]
raw = {(r[1], int(r[2])): float(r[3]) for r in rows if r[0] == "raw"}
noop = [dict(zip(("c", "b", "n", "push_s", "push_wall", "drain_s", "rss", "cpu", "redis_cpu"), r[1:]))
        for r in rows if r[0] == "noop"]
e2e = [dict(zip(("phase", "run", "workers", "threads", "clips", "audio_s", "wall_s"), r[1:])) for r in rows if r[0] == "e2e"]
workers = [dict(zip(("phase", "run", "worker", "rss", "cpu"), r[1:])) for r in rows if r[0] == "worker"]

print(f"\nQueue overhead: no-op jobs through apalis-redis vs redis-benchmark on the same redis-server {redis_version} "
      f"(127.0.0.1, no persistence); {cores} cores, load average {load} at start\n")
w = 56
print(f"{'':<{w}} {'jobs/s':>10} {'/ raw':>8} {'/ raw -P 16':>12}")
for kind, op in (("push", "LPUSH"), ("consume", "RPOP")):
    for depth in (1, 16):
        label = f"redis-benchmark {op}, 50 clients" + (", pipelined 16 deep" if depth == 16 else "")
        print(f"{label:<{w}} {raw[(op, depth)]:>10,.0f}")
    for r in noop:
        n = int(r["n"])
        if kind == "push":
            rate = n / max(float(r["push_s"]), 0.005)
            label = f"callcoach jobs noop --count {n} (before setting {r['c']}:{r['b']})"
        else:
            rate = n / float(r["drain_s"])
            label = f"callcoach worker --concurrency {r['c']} --batch-size {r['b']}"
        print(f"{label:<{w}} {rate:>10,.0f} {rate / raw[(op, 1)]:>7.3f}x {rate / raw[(op, 16)]:>11.3f}x")
    print()
print("push: the time `jobs noop` prints (10 ms resolution; excludes process start and connecting).")
print("consume: from the worker's ready line until the done set holds all jobs (SCARD every 5 ms).\n")
print(f"{'no-op setting (concurrency:batch)':<34} {'push s':>7} {'push s incl. start':>19} {'drain s':>8} "
      f"{'worker CPU s':>13} {'redis CPU s':>12} {'worker peak RSS MB':>19}")
for r in noop:
    print(f"{r['c'] + ':' + r['b']:<34} {float(r['push_s']):>7.2f} {float(r['push_wall']):>19.2f} {float(r['drain_s']):>8.2f} "
          f"{float(r['cpu']):>13.2f} {float(r['redis_cpu']):>12.2f} {float(r['rss']):>19.1f}")
best = max(noop, key=lambda r: int(r["n"]) / float(r["drain_s"]))
rate = int(best["n"]) / float(best["drain_s"])
print(f"best consume setting: concurrency {best['c']}, batch size {best['b']}: {rate:,.0f} jobs/s "
      f"= {rate / raw[('RPOP', 1)]:.3f}x raw RPOP")

first = e2e[0]
runs = max(int(r["run"]) for r in e2e)
phases = list(dict.fromkeys(r["phase"] for r in e2e))
def describe(phase):
    w, t = phase.split("x")
    return f"{w} worker{'s' if w != '1' else ''} x {t} thread{'s' if t != '1' else ''}"
print(f"\nEnd to end: {first['clips']} generated speech clips ({float(first['audio_s']) / 60:.2f} audio minutes), "
      f"media -> transcribe -> analyze, wall time from `batch --no-wait` to the last analyze job done\n")
print(f"{'phase':<26} {'run':>3} {'wall s':>8} {'audio min / wall min':>21} {'peak RSS MB per worker':>23} {'CPU s per worker':>17}")
for r in e2e:
    ws = [x for x in workers if x["phase"] == r["phase"] and x["run"] == r["run"]]
    rss = ", ".join(f"{float(x['rss']):.0f}" for x in ws)
    cpu = ", ".join(f"{float(x['cpu']):.1f}" for x in ws)
    print(f"{describe(r['phase']):<26} {r['run']:>3} {float(r['wall_s']):>8.1f} "
          f"{float(r['audio_s']) / float(r['wall_s']):>21.2f} {rss:>23} {cpu:>17}")
wall = {p: statistics.median(float(r["wall_s"]) for r in e2e if r["phase"] == p) for p in phases}
audio = float(first["audio_s"])
print(f"\n{'median of ' + str(runs) + ' runs' if runs > 1 else 'one run'}:")
for p in phases:
    line = f"  {describe(p):<26} {audio / wall[p]:6.2f} audio min / wall min"
    if p != phases[0]:
        line += f", speed-up vs {describe(phases[0])}: {wall[phases[0]] / wall[p]:.2f}x"
    print(line)
print(f"\nreproduce: {repro}")
PY
