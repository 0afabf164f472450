#!/usr/bin/env python3
"""Score callcoach scorecards against the labelled benchmark calls.

  score.py --bench DIR --results DIR [--split dev|test|all] [--json FILE]

DIR/<call>/truth.json comes from synth.py; RESULTS/<call>/{stereo,mono}.scorecard.json from
scripts/bench-analyze.sh. Prints one table per split (stereo and mono side by side, with the targets of
issue 5) and writes a machine-readable summary (default RESULTS/results.json). Matching rules: README.md.
A missing scorecard counts as "nothing detected" (and is listed); its talk ratio is left out.
"""
import argparse
import collections
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import labels  # noqa: E402
from labels import MEDDICC, OBJECTIONS, SPIN  # noqa: E402

MODES = ("stereo", "mono")
# A turn's window is its measured span widened by TOL on each side. The scripts leave at least 0.40 s
# between turns, so with 0.2 s the windows of neighbouring turns never overlap.
TOL = 0.2
# An objection's start_s in a pause goes to the next turn if it starts within this (see assign_point).
POINT_MAX_S = 1.5

TARGETS = {
    "spin_macro_f1": (">=", 0.85),
    "meddicc_accuracy": (">=", 0.90),
    "objection_type_f1": (">=", 0.80),
    "next_steps_accuracy": (">=", 0.90),
    "talk_ratio_mae": ("<=", {"stereo": 0.03, "mono": 0.08}),
    "filler_recall": (">=", 0.80),
}


# ------------------------------------------------------------------------------------------------
# Matching

def window(turn):
    return turn["start_s"] - TOL, turn["end_s"] + TOL


def assign_span(turns, start, end):
    """Index of the turn whose window overlaps [start, end] the most (earliest on ties), or None.
    A zero-length span is a point: the turn whose window contains it."""
    if end < start:
        start, end = end, start
    best, best_ov = None, 0.0
    for i, t in enumerate(turns):
        lo, hi = window(t)
        if end == start:
            ov = 1.0 if lo <= start <= hi else 0.0
        else:
            ov = min(end, hi) - max(start, lo)
        if ov > best_ov:
            best, best_ov = i, ov
    return best


def assign_point(turns, at):
    """Index of the turn whose measured span contains `at`. A point in the pause between two turns
    (or before the first) goes to the next turn if that starts within POINT_MAX_S: a segment's start
    time marks the beginning of an utterance, and whisper puts it early rather than late. Otherwise the
    previous turn if it ended within POINT_MAX_S (a late start time), else None."""
    for i, t in enumerate(turns):
        if t["start_s"] <= at <= t["end_s"]:
            return i
    nxt = [i for i, t in enumerate(turns) if t["start_s"] > at and t["start_s"] - at <= POINT_MAX_S]
    if nxt:
        return nxt[0]
    prv = [i for i, t in enumerate(turns) if t["end_s"] < at and at - t["end_s"] <= POINT_MAX_S]
    return prv[-1] if prv else None


def num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def evidence_items(obj):
    out = []
    for ev in (obj or {}).get("evidence") or []:
        if isinstance(ev, dict) and num(ev.get("start_s")) and num(ev.get("end_s")):
            out.append(ev)
    return out


# ------------------------------------------------------------------------------------------------
# Counting

def prf(tp, fp, fn):
    """Precision is None (n/a) when nothing was predicted, recall None when there is nothing to find;
    F1 then counts the missing side as 0 (so a category never predicted has F1 0)."""
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f = 2 * p * r / (p + r) if p and r else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "support": tp + fn, "precision": p, "recall": r, "f1": f}


class MultiLabel:
    """Per-turn, multi-label counting: a turn predicted with category c is a TP if its truth is c,
    else an FP; a turn whose truth is c and that was not predicted c is an FN. Predictions that could
    not be placed on any turn are FPs."""

    def __init__(self, cats):
        self.cats = cats
        self.c = {k: [0, 0, 0] for k in cats}

    def turn(self, truth, predicted):
        for k in self.cats:
            if k in predicted and k == truth:
                self.c[k][0] += 1
            elif k in predicted:
                self.c[k][1] += 1
            elif k == truth:
                self.c[k][2] += 1

    def unplaced(self, cat):
        self.c[cat][1] += 1

    def result(self):
        per = {k: prf(*v) for k, v in self.c.items()}
        tot = [sum(v[i] for v in self.c.values()) for i in range(3)]
        return {"per_category": per,
                "macro_f1": sum(v["f1"] for v in per.values()) / len(per),
                "micro": prf(*tot)}


def score_mode(truths, cards, mode):
    spin = MultiLabel(SPIN)
    spin_conf = collections.defaultdict(collections.Counter)  # truth label -> predicted label
    med = {el: collections.Counter() for el in MEDDICC}
    obj = MultiLabel(OBJECTIONS)
    handled_det = [0, 0]   # correct, judged (objection turns where something was detected)
    handled_all = [0, 0]   # correct, all labelled objections (undetected = wrong)
    nxt = [0, 0]
    nxt_located = [0, 0]
    talk = []
    fill_truth = collections.Counter()
    fill_pred = collections.Counter()
    fill_hit = collections.Counter()
    fill_cust = collections.Counter()
    fill_excess = collections.Counter()
    missing = []
    per_call = {}

    for tr in truths:
        name = tr["name"]
        turns = tr["turns"]
        card = cards.get(name)
        if card is None:
            missing.append(name)
            card = {}
        fw = card.get("frameworks") or {}
        pc = {}

        # SPIN: evidence -> turns.
        pred = collections.defaultdict(dict)  # turn -> {cat: overlap seconds}
        sp = fw.get("spin") or {}
        for cat in SPIN:
            for ev in evidence_items(sp.get(cat)):
                i = assign_span(turns, ev["start_s"], ev["end_s"])
                if i is None:
                    spin.unplaced(cat)
                    continue
                lo, hi = window(turns[i])
                ov = max(min(ev["end_s"], hi) - max(ev["start_s"], lo), 1e-6)
                pred[i][cat] = pred[i].get(cat, 0.0) + ov
        for i, t in enumerate(turns):
            truth = t.get("spin", "none") if t["speaker"] == "rep" else "none"
            p = pred.get(i, {})
            spin.turn(truth, set(p))
            if "spin" in t:
                top = max(p, key=lambda k: (p[k], -SPIN.index(k))) if p else "none"
                spin_conf[truth][top] += 1

        # MEDDICC coverage per call x element.
        md = fw.get("meddicc") or {}
        covered_truth = {el for t in turns for el in t.get("meddicc", [])}
        pc["meddicc"] = {}
        for el in MEDDICC:
            p = bool((md.get(el) or {}).get("covered"))
            tv = el in covered_truth
            med[el]["tp" if p and tv else "fp" if p else "fn" if tv else "tn"] += 1
            pc["meddicc"][el] = {"truth": tv, "predicted": p}

        # Objections: start_s -> turn.
        placed = collections.defaultdict(list)
        for o in card.get("objections") or []:
            if not isinstance(o, dict) or o.get("type") not in OBJECTIONS or not num(o.get("start_s")):
                continue
            i = assign_point(turns, o["start_s"])
            if i is None:
                obj.unplaced(o["type"])
            else:
                placed[i].append(o)
        for i, t in enumerate(turns):
            got = placed.get(i, [])
            obj.turn(t.get("objection"), {o["type"] for o in got})
            if "objection" in t:
                ok = bool(got) and bool(sorted(got, key=lambda o: o["start_s"])[0].get("handled")) == t["handled"]
                handled_all[1] += 1
                handled_all[0] += ok
                if got:
                    handled_det[1] += 1
                    handled_det[0] += ok

        # Next steps.
        ns = card.get("next_steps") or {}
        p = bool(ns.get("agreed"))
        nxt[1] += 1
        nxt[0] += p == tr["next_steps_agreed"]
        pc["next_steps"] = {"truth": tr["next_steps_agreed"], "predicted": p}
        if p and tr["next_steps_agreed"]:
            # Located: an evidence item lands on the agreeing turn or the turn just before it (the offer).
            want = set()
            for i, t in enumerate(turns):
                if t.get("next_step"):
                    want |= {i, i - 1}
            nxt_located[1] += 1
            nxt_located[0] += any(assign_span(turns, e["start_s"], e["end_s"]) in want for e in evidence_items(ns))

        # Talk ratio.
        m = card.get("metrics") or {}
        if num(m.get("talk_ratio")):
            err = abs(m["talk_ratio"] - tr["talk_ratio"])
            talk.append(err)
            pc["talk_ratio"] = {"truth": tr["talk_ratio"], "predicted": m["talk_ratio"], "abs_error": err}

        # Fillers: rep truth from the script vs the scorecard's by_word.
        ct, cc = collections.Counter(), collections.Counter()
        for t in turns:
            (ct if t["speaker"] == "rep" else cc).update(t["fillers"])
        cp = collections.Counter()
        for w, n in ((m.get("fillers") or {}).get("by_word") or {}).items():
            if num(n):
                cp[labels.norm_filler(w)] += int(n)
        for w in set(ct) | set(cp):
            hit = min(ct[w], cp[w])
            fill_hit[w] += hit
            fill_excess[w] += max(0, cp[w] - ct[w])
        fill_truth.update(ct)
        fill_pred.update(cp)
        fill_cust.update(cc)
        pc["fillers"] = {"truth_rep": dict(ct), "predicted": dict(cp)}
        per_call[name] = pc

    s = spin.result()
    med_tot = collections.Counter()
    for c in med.values():
        med_tot.update(c)
    n_med = sum(med_tot.values())
    o = obj.result()
    tt = sum(fill_truth.values())
    return {
        "calls": len(truths),
        "missing_scorecards": missing,
        "spin": {**s, "confusion": {k: dict(v) for k, v in spin_conf.items()}},
        "spin_macro_f1": s["macro_f1"],
        "meddicc_accuracy": (med_tot["tp"] + med_tot["tn"]) / n_med if n_med else 0.0,
        "meddicc": {el: {**dict(c), "accuracy": (c["tp"] + c["tn"]) / max(1, sum(c.values()))}
                    for el, c in med.items()},
        "objections": o,
        "objection_type_f1": o["micro"]["f1"],
        "objection_macro_f1": o["macro_f1"],
        "handled_accuracy_detected": handled_det[0] / handled_det[1] if handled_det[1] else None,
        "handled_detected": handled_det[1],
        "handled_accuracy_all": handled_all[0] / handled_all[1] if handled_all[1] else None,
        "next_steps_accuracy": nxt[0] / nxt[1] if nxt[1] else 0.0,
        "next_steps_located": nxt_located,
        "talk_ratio_mae": sum(talk) / len(talk) if talk else None,
        "talk_ratio_max_error": max(talk) if talk else None,
        "filler_recall": sum(fill_hit.values()) / tt if tt else None,
        "fillers": {"truth_rep": dict(fill_truth), "truth_customer": dict(fill_cust),
                    "predicted": dict(fill_pred), "matched": dict(fill_hit),
                    "excess_over_rep_truth": dict(fill_excess)},
        "per_call": per_call,
    }


# ------------------------------------------------------------------------------------------------
# Report

def label_counts(truths):
    c = collections.Counter()
    for tr in truths:
        for t in tr["turns"]:
            c["turns"] += 1
            c[f"turns_{t['speaker']}"] += 1
            if "spin" in t:
                c[f"spin.{t['spin']}"] += 1
            for el in t.get("meddicc", []):
                c[f"meddicc_turns.{el}"] += 1
            if "objection" in t:
                c[f"objection.{t['objection']}"] += 1
                c[f"objection_handled.{str(t['handled']).lower()}"] += 1
            for w, n in t["fillers"].items():
                c[f"fillers_{t['speaker']}.{w}"] += n
        for el in MEDDICC:
            c[f"meddicc_calls.{el}"] += any(el in t.get("meddicc", []) for t in tr["turns"])
        c[f"next_steps_agreed.{str(tr['next_steps_agreed']).lower()}"] += 1
        c["audio_s"] += tr["duration_s"]
    c["audio_s"] = round(c["audio_s"], 1)
    return dict(sorted(c.items()))


def meets(key, val, mode):
    if val is None or key not in TARGETS:
        return ""
    op, tgt = TARGETS[key]
    if isinstance(tgt, dict):
        tgt = tgt[mode]
    ok = val >= tgt if op == ">=" else val <= tgt
    return "ok" if ok else "--"


def fmt(v, width=7):
    if v is None:
        return f"{'n/a':>{width}}"
    return f"{v:>{width}.3f}"


def target_text(key):
    if key not in TARGETS:
        return ""
    op, tgt = TARGETS[key]
    sym = "\u2265" if op == ">=" else "\u2264"
    if isinstance(tgt, dict):
        return f"{sym} {tgt['stereo']:.2f} st / {tgt['mono']:.2f} mo"
    return f"{sym} {tgt:.2f}"


def print_table(split, truths, res, out):
    counts = label_counts(truths)
    w = out.write
    w(f"\n== split {split}: {len(truths)} calls, {counts['turns']} turns, {counts['audio_s']:.0f} s of audio ==\n")
    for m in MODES:
        if res[m]["missing_scorecards"]:
            w(f"   {m}: no scorecard for {', '.join(res[m]['missing_scorecards'])} (scored as nothing detected)\n")
    w(f"{'':44}{'stereo':>7} {'':2} {'mono':>7} {'':2}  target\n")

    def row(label, key=None, getter=None, indent=0, show_target=True):
        vals = []
        for m in MODES:
            v = getter(res[m]) if getter else res[m][key]
            vals.append(fmt(v) + " " + f"{meets(key, v, m) if show_target else '':2}")
        tgt = target_text(key) if (key and show_target) else ""
        w(f"{' ' * indent}{label:<{44 - indent}}{vals[0]} {vals[1]}  {tgt}\n")

    row("SPIN macro-F1", "spin_macro_f1")
    for cat in SPIN:
        n = res["stereo"]["spin"]["per_category"][cat]["support"]
        for part in ("precision", "recall", "f1"):
            row(f"{cat} {part}" + (f" (n={n})" if part == "precision" else ""),
                getter=lambda r, c=cat, p=part: r["spin"]["per_category"][c][p], indent=2)
    row("MEDDICC coverage accuracy (calls x 7)", "meddicc_accuracy")
    for el in MEDDICC:
        n = counts.get(f"meddicc_calls.{el}", 0)
        row(f"{el} accuracy (covered in {n})", getter=lambda r, e=el: r["meddicc"][e]["accuracy"], indent=2)
    row("Objection type F1 (micro)", "objection_type_f1")
    row("Objection type macro-F1", getter=lambda r: r["objection_macro_f1"], indent=2)
    for t in OBJECTIONS:
        n = res["stereo"]["objections"]["per_category"][t]["support"]
        row(f"{t} P (n={n})", getter=lambda r, t=t: r["objections"]["per_category"][t]["precision"], indent=2)
        row(f"{t} R", getter=lambda r, t=t: r["objections"]["per_category"][t]["recall"], indent=2)
    nd = "/".join(str(res[m]["handled_detected"]) for m in MODES)
    row(f"Objection handled acc. (detected: {nd})", getter=lambda r: r["handled_accuracy_detected"])
    row("Objection handled acc. (all labelled)", getter=lambda r: r["handled_accuracy_all"])
    row("Next steps accuracy", "next_steps_accuracy")
    row("Talk-ratio mean abs error", "talk_ratio_mae")
    row("Talk-ratio max abs error", getter=lambda r: r["talk_ratio_max_error"], indent=2)
    row("Filler recall (rep, script truth)", "filler_recall")
    fr = res["stereo"]["fillers"]
    w(f"  rep filler truth: {json.dumps(fr['truth_rep'], sort_keys=True)}\n")
    for m in MODES:
        f = res[m]["fillers"]
        w(f"  {m}: matched {json.dumps(f['matched'], sort_keys=True)}; "
          f"excess over rep truth {sum(f['excess_over_rep_truth'].values())}\n")
    w("  SPIN confusion, stereo (truth -> predicted, labelled rep questions):\n")
    for tl in SPIN + ("none",):
        row_c = res["stereo"]["spin"]["confusion"].get(tl, {})
        w(f"    {tl:<12} " + " ".join(f"{k}={row_c.get(k, 0)}" for k in SPIN + ("none",)) + "\n")


def oracle_card(tr, jitter=0.0):
    """A perfect scorecard built from the truth (times shifted by `jitter` s): --self-test scores
    these and must get 1.0 everywhere and 0 talk-ratio error, which checks the matching rules."""
    turns = tr["turns"]
    ev = lambda t: {"start_s": t["start_s"] + jitter, "end_s": t["end_s"] + jitter,
                    "speaker": t["speaker"], "text": t["text"]}
    spin = {c: {"count": 0, "evidence": []} for c in SPIN}
    med = {e: {"covered": False, "evidence": []} for e in MEDDICC}
    objs, ns, fill = [], [], collections.Counter()
    for t in turns:
        if t.get("spin") in SPIN:
            spin[t["spin"]]["evidence"].append(ev(t))
            spin[t["spin"]]["count"] += 1
        for e in t.get("meddicc", []):
            med[e]["covered"] = True
            med[e]["evidence"].append(ev(t))
        if "objection" in t:
            objs.append({"type": t["objection"], "start_s": t["start_s"] + jitter, "text": t["text"],
                         "handled": t["handled"]})
        if t.get("next_step"):
            ns.append(ev(t))
        if t["speaker"] == "rep":
            fill.update(t["fillers"])
    return {"frameworks": {"spin": spin, "meddicc": med}, "objections": objs,
            "next_steps": {"agreed": tr["next_steps_agreed"], "evidence": ns},
            "metrics": {"talk_ratio": tr["talk_ratio"], "fillers": {"by_word": dict(fill)}}}


def self_test(truths):
    bad = 0
    for jitter in (0.0, 0.15, -0.15, -0.35):
        cards = {tr["name"]: oracle_card(tr, jitter) for tr in truths}
        r = score_mode(truths, cards, "stereo")
        got = {k: r[k] for k in ("spin_macro_f1", "meddicc_accuracy", "objection_type_f1",
                                 "handled_accuracy_all", "next_steps_accuracy", "filler_recall")}
        ok = all(abs(v - 1.0) < 1e-9 for v in got.values()) and r["talk_ratio_mae"] < 1e-9
        print(f"self-test jitter {jitter:+.2f} s: {'ok' if ok else 'FAILED'} {got}")
        bad += not ok
    # An empty scorecard must score 0 on detection (and no crash on missing fields).
    r = score_mode(truths, {tr["name"]: {} for tr in truths}, "stereo")
    ok = r["spin_macro_f1"] == 0 and r["objection_type_f1"] == 0 and r["talk_ratio_mae"] is None
    print(f"self-test empty scorecards: {'ok' if ok else 'FAILED'}")
    return bad + (not ok)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--results")
    ap.add_argument("--self-test", action="store_true", help="score perfect and empty scorecards built from the truth")
    ap.add_argument("--split", choices=("dev", "test", "all"), default="all")
    ap.add_argument("--json")
    a = ap.parse_args()

    truths = []
    for name in sorted(os.listdir(a.bench)):
        p = os.path.join(a.bench, name, "truth.json")
        if os.path.isfile(p):
            with open(p, encoding="utf-8") as f:
                truths.append(json.load(f))
    if not truths:
        sys.exit(f"score: no */truth.json under {a.bench}; run synth.py first")
    if a.self_test:
        sys.exit(1 if self_test(truths) else 0)
    if not a.results:
        ap.error("--results is required")
    splits = ["dev", "test"] if a.split == "all" else [a.split]

    cards = {m: {} for m in MODES}
    for tr in truths:
        for m in MODES:
            p = os.path.join(a.results, tr["name"], f"{m}.scorecard.json")
            if os.path.isfile(p):
                with open(p, encoding="utf-8") as f:
                    cards[m][tr["name"]] = json.load(f)

    report = {"tolerance_s": TOL, "targets": {k: {"op": v[0], "value": v[1]} for k, v in TARGETS.items()},
              "splits": {}}
    groups = [(s, [t for t in truths if t["split"] == s]) for s in splits]
    if a.split == "all":
        groups.append(("all", truths))
    for split, ts in groups:
        if not ts:
            continue
        res = {m: score_mode(ts, cards[m], m) for m in MODES}
        report["splits"][split] = {"calls": [t["name"] for t in ts], "label_counts": label_counts(ts), **res}
        print_table(split, ts, res, sys.stdout)

    out = a.json or os.path.join(a.results, "results.json")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"\nscore: wrote {out}")


if __name__ == "__main__":
    main()
