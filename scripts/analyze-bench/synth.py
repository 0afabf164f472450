#!/usr/bin/env python3
"""Render the labelled call scripts to audio plus ground truth, deterministically.

  synth.py [--out DIR] [--split dev|test|all] [NAME ...]

For each scripts/analyze-bench/calls/NAME.toml writes DIR/NAME/{stereo.wav, mono.wav, truth.json}
(DIR defaults to ${CALLCOACH_BENCH_DIR:-<repo>/bench-out/analyze}). Voices, speed, pauses and the
turn-time measurement are the ones scripts/fixtures/wavtool.py uses for call_stereo.wav (imported, not
copied): rep en-us+m3 on the LEFT channel, customer en-gb+f3 -p 70 on the RIGHT, -s 175, 0.40-0.90 s
between turns; mono is the sum of the two channels (they never overlap). Turn start/end in truth.json are
measured on the samples written. A call is skipped when its truth.json carries the same version (hash of
the script, this generator, labels.py, wavtool.py and the espeak-ng version) and both WAVs exist.
"""
import argparse
import array
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "scripts", "fixtures"))
sys.dont_write_bytecode = True

import labels  # noqa: E402
import wavtool  # noqa: E402

GENERATOR_FILES = [os.path.abspath(__file__), os.path.join(HERE, "labels.py"), wavtool.__file__]


def espeak_version():
    try:
        return subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"synth: espeak-ng is needed: {e}")


def call_version(call, espeak):
    h = hashlib.sha256()
    for p in GENERATOR_FILES + [call["path"]]:
        with open(p, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    h.update(espeak.encode())
    return h.hexdigest()[:16]


def up_to_date(outdir, version):
    try:
        with open(os.path.join(outdir, "truth.json"), encoding="utf-8") as f:
            truth = json.load(f)
    except (OSError, ValueError):
        return False
    return truth.get("version") == version and all(
        os.path.isfile(os.path.join(outdir, n)) for n in ("stereo.wav", "mono.wav"))


def same_bytes(a, b):
    if not os.path.isfile(b) or os.path.getsize(a) != os.path.getsize(b):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def render(call, outdir, version):
    turns = call["turns"]
    rate = None
    clips = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, t in enumerate(turns):
            voice, speed, pitch = wavtool.VOICES[t["speaker"]]
            r, data = wavtool.espeak(t["text"], voice, speed, pitch, os.path.join(tmp, f"turn{i:02d}.wav"))
            if rate is None:
                rate = r
            elif r != rate:
                sys.exit(f"synth: espeak sample rate changed from {rate} to {r}")
            span = wavtool.audible_span(data)
            if span is None:
                sys.exit(f"synth: {call['name']} turn {i + 1}: espeak produced no audible speech")
            clips.append(data[span[0]:span[1]])

    placements = []
    pos = round(wavtool.LEAD_IN_S * rate)
    for i, clip in enumerate(clips):
        placements.append(pos)
        pos += len(clip)
        if i + 1 < len(clips):
            pos += round(wavtool.pause_after(i) * rate)
    total = pos + round(wavtool.TAIL_S * rate)
    left = array.array("h", bytes(2 * total))
    right = array.array("h", bytes(2 * total))
    for t, clip, at in zip(turns, clips, placements):
        ch = left if t["speaker"] == "rep" else right
        ch[at:at + len(clip)] = clip
    stereo = array.array("h", bytes(4 * total))
    stereo[0::2] = left
    stereo[1::2] = right
    mono = array.array("h", (l + r for l, r in zip(left, right)))

    tmpdir = outdir + ".tmp"
    if os.path.isdir(tmpdir):
        for n in os.listdir(tmpdir):
            os.unlink(os.path.join(tmpdir, n))
    os.makedirs(tmpdir, exist_ok=True)
    wavtool.write_wav(os.path.join(tmpdir, "stereo.wav"), rate, 2, stereo)
    wavtool.write_wav(os.path.join(tmpdir, "mono.wav"), rate, 1, mono)

    # Ground truth, measured on the file just written (as wavtool.py does for call_truth.json).
    with wave.open(os.path.join(tmpdir, "stereo.wav"), "rb") as w:
        n = w.getnframes()
        frames = array.array("h", w.readframes(n))
    if sys.byteorder != "little":
        frames.byteswap()
    chans = {"rep": frames[0::2], "customer": frames[1::2]}
    bounds = placements + [n]
    out_turns = []
    talk = {"rep": 0.0, "customer": 0.0}
    for i, t in enumerate(turns):
        sp = t["speaker"]
        lo = 0 if i == 0 else placements[i - 1] + len(clips[i - 1])
        span = wavtool.audible_span(chans[sp], lo, bounds[i + 1])
        other = "customer" if sp == "rep" else "rep"
        if wavtool.audible_span(chans[other], span[0], span[1]) is not None:
            sys.exit(f"synth: {call['name']} turn {i + 1}: the other channel is not silent")
        start_s, end_s = round(span[0] / rate, 3), round(span[1] / rate, 3)
        talk[sp] += end_s - start_s
        rec = {"index": i, "speaker": sp, "start_s": start_s, "end_s": end_s, "text": t["text"],
               "words": len(t["text"].split()), "fillers": labels.filler_counts(t["text"])}
        for k in ("spin", "meddicc", "objection", "handled", "next_step"):
            if k in t:
                rec[k] = t[k]
        out_turns.append(rec)
    talk = {k: round(v, 3) for k, v in talk.items()}
    truth = {
        "version": version,
        "name": call["name"],
        "title": call["title"],
        "split": call["split"],
        "industry": call.get("industry", ""),
        "call_type": call.get("call_type", ""),
        "next_steps_agreed": call["next_steps_agreed"],
        "duration_s": round(n / rate, 3),
        "rep_channel": "left",
        "talk_s": talk,
        "talk_ratio": round(talk["rep"] / (talk["rep"] + talk["customer"]), 4),
        "turns": out_turns,
    }
    with open(os.path.join(tmpdir, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=2)
        f.write("\n")
    # Swap into place; truth.json last, so an interrupted run is never taken as up to date.
    # WAVs whose bytes did not change are kept as they are (mtime too), so a label-only edit does not
    # make bench-analyze.sh --reuse run the pipeline again.
    os.makedirs(outdir, exist_ok=True)
    for name in ("stereo.wav", "mono.wav", "truth.json"):
        src, dst = os.path.join(tmpdir, name), os.path.join(outdir, name)
        if name.endswith(".wav") and same_bytes(src, dst):
            os.unlink(src)
        else:
            os.replace(src, dst)
    os.rmdir(tmpdir)
    return truth


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.environ.get("CALLCOACH_BENCH_DIR") or os.path.join(REPO, "bench-out", "analyze"))
    ap.add_argument("--split", choices=("dev", "test", "all"), default="all")
    ap.add_argument("--calls", default=os.path.join(HERE, "calls"))
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    try:
        calls = labels.load_calls(a.calls)
    except labels.LabelError as e:
        sys.exit(f"synth: {e}")
    if a.names:
        unknown = set(a.names) - {c["name"] for c in calls}
        if unknown:
            sys.exit(f"synth: no such call: {', '.join(sorted(unknown))}")
        calls = [c for c in calls if c["name"] in a.names]
    if a.split != "all":
        calls = [c for c in calls if c["split"] == a.split]
    espeak = espeak_version()
    os.makedirs(a.out, exist_ok=True)
    for c in calls:
        outdir = os.path.join(a.out, c["name"])
        version = call_version(c, espeak)
        if up_to_date(outdir, version):
            print(f"synth: {c['name']}: up to date", file=sys.stderr)
            continue
        truth = render(c, outdir, version)
        print(f"synth: {c['name']}: {truth['duration_s']:.1f} s, {len(truth['turns'])} turns, "
              f"rep talk ratio {truth['talk_ratio']:.3f}", file=sys.stderr)
        print(outdir)


if __name__ == "__main__":
    main()
