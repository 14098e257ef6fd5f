"""status: the campaign's status file, DIR/status.json (written atomically).

    {"format": "cbpf-fuzz-campaign/1", "created", "updated", "seconds",
     "sessions", "next": rotation index,
     "targets": {TARGET: {"runs", "execs", "seconds", "corpus", "features", "cov"}},
     "findings": [{"time", "target", "file", "kind", "note", "signature",
                   "status": untriaged|triaged|duplicate|not-triaged,
                   "triage": {...}, "duplicate_of"}],
     "history": [{"t": campaign seconds, "execs", "corpus", "features", "findings"}]}

Totals are over every session of the campaign: a restart reads the file and
goes on from it."""
import json
import os
import time

from ..atomic import write_atomic

FORMAT = "cbpf-fuzz-campaign/1"


def load(path):
    try:
        with open(path) as f:
            st = json.load(f)
    except FileNotFoundError:
        st = None
    except ValueError as e:
        raise ValueError(f"{path}: not a campaign status file ({e})") from None
    if st is None:
        now = time.time()
        st = {"format": FORMAT, "created": now, "updated": now, "seconds": 0.0, "sessions": 0,
              "next": 0, "targets": {}, "findings": [], "history": []}
    if st.get("format") != FORMAT:
        raise ValueError(f"{path}: format is {st.get('format')!r}, expected {FORMAT}")
    return st


def add_slice(st, target, stats, seconds, corpus_files):
    t = st["targets"].setdefault(target, {"runs": 0, "execs": 0, "seconds": 0.0,
                                          "corpus": 0, "features": 0, "cov": 0})
    t["runs"] += 1
    t["execs"] += stats["execs"]
    t["seconds"] = round(t["seconds"] + seconds, 1)
    if corpus_files is not None:
        t["corpus"] = corpus_files
    elif stats.get("corpus") is not None:
        t["corpus"] = stats["corpus"]
    for k in ("features", "cov"):
        if stats.get(k) is not None:
            t[k] = stats[k]


def snapshot(st, elapsed):
    tg = st["targets"].values()
    st["history"].append({"t": round(elapsed, 1), "execs": sum(t["execs"] for t in tg),
                          "corpus": sum(t["corpus"] for t in tg),
                          "features": sum(t["features"] for t in tg),
                          "findings": sum(1 for f in st["findings"]
                                          if f["status"] != "duplicate")})


def save(path, st):
    st["updated"] = time.time()
    write_atomic(path, json.dumps(st, indent=1, sort_keys=True) + "\n")
