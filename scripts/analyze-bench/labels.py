"""Labelled call scripts for the analysis benchmark: loading, validation and filler truth.

Shared by synth.py and score.py (stdlib only; Python >= 3.11 for tomllib).
"""
import os
import re
import tomllib

SPEAKERS = ("rep", "customer")
SPIN = ("situation", "problem", "implication", "need_payoff")
SPIN_LABELS = SPIN + ("none",)
MEDDICC = ("metrics", "economic_buyer", "decision_criteria", "decision_process",
           "identify_pain", "champion", "competition")
OBJECTIONS = ("price", "competition", "timing", "internal_alignment", "roi")
SPLITS = ("dev", "test")
TURN_KEYS = {"speaker", "text", "spin", "meddicc", "objection", "handled", "next_step"}
CALL_KEYS = {"title", "split", "industry", "call_type", "next_steps_agreed", "turns"}

# Filler truth, counted on the script text (see README.md, "Filler truth"):
#  - um, uh, erm, hmm, basically, actually, literally: every occurrence;
#  - "kind of", "sort of": every occurrence (the scripts avoid the noun use: "what kinds of", "type of");
#  - "like": only when a comma follows it ("like," = filler); "like" without a comma is a verb,
#    preposition or comparison and is not counted;
#  - "you know", "I mean": only when a comma or sentence end (. ? ! or end of turn) follows;
#  - "right?": only as a tag, i.e. ", right?" ("Is that right?" is a question, not a filler).
FILLERS = ("um", "uh", "erm", "hmm", "like", "you know", "i mean", "sort of", "kind of",
           "basically", "actually", "literally", "right")
_FILLER_RES = [
    ("um", re.compile(r"\bum\b", re.I)),
    ("uh", re.compile(r"\buh\b", re.I)),
    ("erm", re.compile(r"\berm\b", re.I)),
    ("hmm", re.compile(r"\bhmm+\b", re.I)),
    ("basically", re.compile(r"\bbasically\b", re.I)),
    ("actually", re.compile(r"\bactually\b", re.I)),
    ("literally", re.compile(r"\bliterally\b", re.I)),
    ("kind of", re.compile(r"\bkind of\b", re.I)),
    ("sort of", re.compile(r"\bsort of\b", re.I)),
    ("like", re.compile(r"\blike,", re.I)),
    ("you know", re.compile(r"\byou know(?=[,.?!]|\s*$)", re.I)),
    ("i mean", re.compile(r"\bi mean(?=[,.?!]|\s*$)", re.I)),
    ("right", re.compile(r",\s*right\?", re.I)),
]


def filler_counts(text):
    """{filler: count} for one turn's script text, by the rules above."""
    out = {}
    for name, rx in _FILLER_RES:
        n = len(rx.findall(text))
        if n:
            out[name] = n
    return out


def norm_filler(word):
    """Normalise a scorecard by_word key to the names in FILLERS ("Right?" -> "right")."""
    w = re.sub(r"[^a-z' ]", "", word.lower()).strip()
    w = re.sub(r"\s+", " ", w)
    if re.fullmatch(r"hm+", w) or re.fullmatch(r"hmm+", w):
        return "hmm"
    if w in ("umm", "um"):
        return "um"
    return w


class LabelError(Exception):
    pass


def load_call(path):
    """Parse and validate one call script; returns a dict with name, path and the TOML fields."""
    name = os.path.splitext(os.path.basename(path))[0]
    with open(path, "rb") as f:
        try:
            call = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise LabelError(f"{path}: {e}") from None

    def bad(msg):
        raise LabelError(f"{path}: {msg}")

    extra = set(call) - CALL_KEYS
    if extra:
        bad(f"unknown keys {sorted(extra)}")
    if not isinstance(call.get("title"), str):
        bad("title missing")
    if call.get("split") not in SPLITS:
        bad(f"split must be one of {SPLITS}")
    if not isinstance(call.get("next_steps_agreed"), bool):
        bad("next_steps_agreed (true|false) missing")
    turns = call.get("turns") or []
    if not 20 <= len(turns) <= 40:
        bad(f"{len(turns)} turns; a call has 20 to 40")
    next_turns = 0
    for i, t in enumerate(turns, 1):
        where = f"turn {i}"
        extra = set(t) - TURN_KEYS
        if extra:
            bad(f"{where}: unknown keys {sorted(extra)}")
        sp = t.get("speaker")
        if sp not in SPEAKERS:
            bad(f"{where}: speaker must be rep or customer")
        text = t.get("text")
        if not isinstance(text, str) or not text.strip():
            bad(f"{where}: text missing")
        if re.search(r"\d", text):
            bad(f"{where}: write numbers as words (espeak must say them as a person would)")
        if '"' in text:
            bad(f"{where}: no double quotes in spoken text")
        if "spin" in t:
            if sp != "rep":
                bad(f"{where}: spin is for rep questions only")
            if t["spin"] not in SPIN_LABELS:
                bad(f"{where}: spin must be one of {SPIN_LABELS}")
        elif sp == "rep" and "?" in text:
            bad(f"{where}: a rep turn with a question needs a spin label (use \"none\" for non-SPIN questions)")
        for el in t.get("meddicc", []):
            if el not in MEDDICC:
                bad(f"{where}: unknown MEDDICC element {el!r}")
        if "objection" in t:
            if sp != "customer":
                bad(f"{where}: objections are customer turns")
            if t["objection"] not in OBJECTIONS:
                bad(f"{where}: objection must be one of {OBJECTIONS}")
            if not isinstance(t.get("handled"), bool):
                bad(f"{where}: an objection needs handled = true|false")
            if i == len(turns) or not any(u["speaker"] == "rep" for u in turns[i:]):
                bad(f"{where}: an objection needs a rep turn after it")
        elif "handled" in t:
            bad(f"{where}: handled without objection")
        if t.get("next_step"):
            next_turns += 1
    if call["next_steps_agreed"] != (next_turns > 0):
        bad(f"next_steps_agreed = {call['next_steps_agreed']} but {next_turns} turn(s) have next_step = true")
    call["name"] = name
    call["path"] = path
    return call


def load_calls(calls_dir):
    paths = sorted(os.path.join(calls_dir, f) for f in os.listdir(calls_dir) if f.endswith(".toml"))
    return [load_call(p) for p in paths]
