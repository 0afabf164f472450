#!/usr/bin/env bash
# Set up (idempotently), generate the sample clips, process them and print a one-screen summary.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"
"$ROOT/scripts/fixtures.sh" >/dev/null
out="${CALLCOACH_OUT:-$ROOT/callcoach-out}"

samples=(
  "speech_720p.mp4:pitch"
  "call_stereo.wav:call"
  "jfk.wav:recognition"
)
scorecards=()
for sample in "${samples[@]}"; do
  file="${sample%%:*}"; kind="${sample##*:}"
  say "demo: processing $file as a $kind"
  scorecards+=("$("$CALLCOACH_BIN" process "$CALLCOACH_FIXTURES/$file" --kind "$kind" --out "$out")")
done

python3 - "${scorecards[@]}" <<'PY'
import json, sys
for path in sys.argv[1:]:
    card = json.load(open(path))
    m = card["metrics"]
    print(f"\n{card['clip']['kind']} {card['clip']['id']} ({card['clip']['duration_s']:.0f} s)")
    speakers = ", ".join(f"{s['id']} {s['talk_s']:.0f} s/{s['words']} words" for s in card["speakers"])
    print(f"  speakers     {speakers}")
    print(f"  talk ratio   {m['talk_ratio']:.0%}   pace {m['words_per_minute']:.0f} wpm   silence {m['silence_ratio']:.0%}")
    print(f"  fillers      {m['fillers']['count']} ({m['fillers']['per_minute']:.1f}/min) {m['fillers']['by_word']}")
    q = m["questions"]
    print(f"  questions    rep {q['rep']}  customer {q['customer']}  open {q['open']}  closed {q['closed']}")
    print(f"  strength     {card['feedback']['strength']}")
    print(f"  improve      {card['feedback']['improvement']}")
    print(f"  scorecard    {path.replace('.json', '.html')}")
PY
echo
echo "Scorecards are in $out/"
