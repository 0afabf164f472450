#!/usr/bin/env python3
"""Lexicon vs embedding heads vs combined, on the labelled call scripts (issue 8), without audio.

  heads_eval.py [--out DIR] [--folds K] [--l2 X] [--thresholds TASK=P,...] [--no-run]

Runs `cargo run --release -p callcoach-embed --example heads_eval` (the scripts' turns laid out with
even synthetic times and analysed three ways; see that file), then scores every scorecard with
score.py's own rules and prints, per task and method:
  - dev and test splits, each scored by heads trained on the built-in examples minus that split's own
    sentences: test with the heads as shipped (the built-in examples include the dev scripts' turns,
    never the test scripts'), dev as if its turns had not been exported;
  - k-fold cross-validation by script: the heads of fold f are trained on the examples plus the
    labelled turns of the scripts outside f, and scored on f; mean and spread over folds.
Targets (issue 8, held-out scripts): SPIN macro-F1 >= 0.90, MEDDICC accuracy >= 0.95, objection type
F1 >= 0.85, next steps accuracy >= 0.95, and never worse than the lexicon.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import score  # noqa: E402
from labels import MEDDICC, OBJECTIONS, SPIN  # noqa: E402

METHODS = ("lexicon", "embedding", "combined")
TASKS = (("spin_macro_f1", "SPIN macro-F1", 0.90), ("meddicc_accuracy", "MEDDICC accuracy", 0.95),
         ("objection_type_f1", "objection type F1", 0.85), ("next_steps_accuracy", "next steps acc.", 0.95))


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def score_dir(truths, cards_dir):
    cards = {}
    for tr in truths:
        p = os.path.join(cards_dir, tr["name"] + ".json")
        if os.path.isfile(p):
            cards[tr["name"]] = load(p)
    return score.score_mode(truths, cards, "stereo")


def per_category(res):
    rows = []
    for cat in SPIN:
        c = res["spin"]["per_category"][cat] if "per_category" in res["spin"] else res["spin"][cat]
        rows.append((f"spin.{cat}", c))
    for el in MEDDICC:
        rows.append((f"meddicc.{el}", res["meddicc"][el]))
    for t in OBJECTIONS:
        o = res["objections"]
        rows.append((f"objection.{t}", o["per_category"][t] if "per_category" in o else o[t]))
    return rows


def fmt_prf(c):
    if "accuracy" in c and "f1" not in c:
        tp, fp, fn = c.get("tp", 0), c.get("fp", 0), c.get("fn", 0)
        p = tp / (tp + fp) if tp + fp else None
        r = tp / (tp + fn) if tp + fn else None
        f = 2 * p * r / (p + r) if p and r else 0.0
        return f"P {p if p is not None else float('nan'):.2f} R {r if r is not None else float('nan'):.2f} F1 {f:.2f} acc {c['accuracy']:.2f}"
    p, r, f = c.get("precision"), c.get("recall"), c.get("f1")
    s = lambda v: "  n/a" if v is None else f"{v:.2f}"
    return f"P {s(p)} R {s(r)} F1 {s(f)}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/heads-eval")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--l2")
    ap.add_argument("--thresholds", help="per task, e.g. objections=0.7,meddicc=0.6")
    ap.add_argument("--lexicon-tasks", help="tasks on which combined keeps the lexicon, e.g. next_steps")
    ap.add_argument("--no-run", action="store_true", help="score an earlier run's output")
    ap.add_argument("--json", help="write the numbers here")
    a = ap.parse_args()
    if not a.no_run:
        cmd = ["cargo", "run", "--quiet", "--release", "-p", "callcoach-embed", "--example", "heads_eval", "--",
               "--calls", os.path.join(HERE, "calls"), "--out", a.out, "--folds", str(a.folds)]
        if a.l2:
            cmd += ["--l2", a.l2]
        if a.lexicon_tasks:
            cmd += ["--lexicon-tasks", a.lexicon_tasks]
        if a.thresholds:
            cmd += ["--thresholds", a.thresholds]
        subprocess.run(cmd, cwd=ROOT, check=True)

    truth_dir = os.path.join(a.out, "truth")
    truths = [load(os.path.join(truth_dir, n)) for n in sorted(os.listdir(truth_dir))]
    report = {"split": {}, "kfold": {}}
    for split in ("dev", "test"):
        ts = [t for t in truths if t["split"] == split]
        report["split"][split] = {m: score_dir(ts, os.path.join(a.out, "split", m)) for m in METHODS}
    fold_dirs = sorted(os.listdir(os.path.join(a.out, "kfold")), key=int)
    for m in METHODS:
        report["kfold"][m] = []
        for f in fold_dirs:
            d = os.path.join(a.out, "kfold", f, m)
            names = {n[:-5] for n in os.listdir(d)}
            report["kfold"][m].append(score_dir([t for t in truths if t["name"] in names], d))

    n_dev = sum(t["split"] == "dev" for t in truths)
    print(f"\n{len(truths)} scripts ({n_dev} dev, {len(truths) - n_dev} test); {len(fold_dirs)}-fold CV by script\n")
    head = f"{'task':<20}{'target':>7} | " + " | ".join(f"{m:^27}" for m in METHODS)
    print(head)
    print(f"{'':<20}{'':>7} | " + " | ".join(f"{'dev':>6} {'test':>6} {'k-fold':>13}" for _ in METHODS))
    print("-" * len(head))
    summary = {}
    for key, label, target in TASKS:
        cells = []
        for m in METHODS:
            dev = report["split"]["dev"][m][key]
            test = report["split"]["test"][m][key]
            folds = [r[key] for r in report["kfold"][m]]
            mean, sd = statistics.mean(folds), statistics.pstdev(folds)
            summary.setdefault(key, {})[m] = {"dev": dev, "test": test, "kfold_mean": mean, "kfold_sd": sd, "folds": folds}
            cells.append(f"{dev:6.3f} {test:6.3f} {mean:6.3f}±{sd:5.3f}")
        print(f"{label:<20}{target:>7.2f} | " + " | ".join(cells))
    print("\nPer category, held-out test split (the heads as shipped):")
    for m in METHODS:
        print(f"  [{m}]")
        for name, c in per_category(report["split"]["test"][m]):
            print(f"    {name:<32} {fmt_prf(c)}")
    out = a.json or os.path.join(a.out, "heads_eval.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"summary": summary}, f, indent=2, sort_keys=True)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
