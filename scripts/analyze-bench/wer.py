#!/usr/bin/env python3
"""Word error rate of the benchmark calls' transcripts, per speaker and mode.

  wer.py --bench DIR --results DIR [--split dev|test|all]

For each call, RESULTS/<call>/<mode>/<clip>/transcript.json (kept by scripts/bench-analyze.sh) against
the script in DIR/<call>/truth.json. Stereo: each speaker's words (the transcript's speaker labels)
against that speaker's turns, in order. Mono: all words against all turns (speakers are assigned by
analysis, not by the recogniser). Normalisation (also used by scripts/bench-transcribe.sh) as pipelines/transcribe/src/wer.rs: lower case,
punctuation dropped, hyphens split, "umm"/"uhh" folded. Prints the pooled WER (edits / reference words
over all calls) for each, so long calls weigh more, as they should.
"""
import argparse
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def normalise(text):
    words = []
    for w in text.lower().replace("-", " ").replace("\u2014", " ").split():
        w = "".join(c for c in w if c.isalnum() or c == "'")
        if not w:
            continue
        squeezed = re.sub(r"(.)\1+", r"\1", w)
        if squeezed in ("um", "hum", "uhm", "erm"):
            w = "um"
        elif squeezed in ("uh", "er", "ah"):
            w = "uh"
        words.append(w)
    return words


def edits(reference, hypothesis):
    r, h = normalise(reference), normalise(hypothesis)
    prev = list(range(len(h) + 1))
    for i, rw in enumerate(r):
        cur = [i + 1] * (len(h) + 1)
        for j, hw in enumerate(h):
            cur[j + 1] = min(prev[j] + (rw != hw), prev[j + 1] + 1, cur[j] + 1)
        prev = cur
    return prev[len(h)], len(r)


def word_error_rate(reference, hypothesis):
    """Edits / reference words (scripts/bench-transcribe.sh imports this too)."""
    e, n = edits(reference, hypothesis)
    return e / max(n, 1)


def transcript_words(path):
    with open(path, encoding="utf-8") as f:
        transcript = json.load(f)
    words = [w for s in transcript["segments"] for w in s["words"]]
    words.sort(key=lambda w: w["start_s"])
    return words


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--split", default="all", choices=("dev", "test", "all"))
    args = parser.parse_args()
    sys.path.insert(0, HERE)
    sys.dont_write_bytecode = True
    import labels

    totals = {}  # (mode, who) -> [edits, reference words]
    missing = []
    for call in labels.load_calls(os.path.join(HERE, "calls")):
        if args.split not in ("all", call["split"]):
            continue
        with open(os.path.join(args.bench, call["name"], "truth.json"), encoding="utf-8") as f:
            truth = json.load(f)
        for mode in ("stereo", "mono"):
            found = glob.glob(os.path.join(args.results, call["name"], mode, "*", "transcript.json"))
            if not found:
                missing.append(f"{call['name']} {mode}")
                continue
            words = transcript_words(found[0])
            groups = [("rep", "rep"), ("customer", "customer")] if mode == "stereo" else [("all", None)]
            for who, speaker in groups:
                reference = " ".join(t["text"] for t in truth["turns"] if speaker in (None, t["speaker"]))
                hypothesis = " ".join(w["text"] for w in words if speaker in (None, w.get("speaker")))
                e, n = edits(reference, hypothesis)
                total = totals.setdefault((mode, who), [0, 0])
                total[0] += e
                total[1] += n
    for (mode, who), (e, n) in totals.items():
        print(f"{mode:<7} {who:<9} WER {e / max(n, 1) * 100:5.1f} %  ({e} edits / {n} words)")
    if missing:
        print("missing transcripts: " + ", ".join(missing))


if __name__ == "__main__":
    main()
