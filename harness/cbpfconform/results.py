"""results: results.json (schema below), its summary, and merging shards.

results.json:
  {"schema": 1, "generated": ISO-8601 UTC, "corpus": DIR, "shards": ["I/N", ...],
   "env": {...},                                   environment record
   "impls": {NAME: {"reference": bool, "commands": {profile: argv},
                    "available": {profile: bool}, "reasons": {profile: why}}},
   "opcode_names": {"0x00": "ld #0", ...},
   "broken": [{"case": ID, "error": "FILE:LINE: why"}],
   "cases": [{"id", "description", "profile", "tags", "nondeterministic",
              "ninsns", "opcodes": [code, ...], "npackets", "packet_lens",
              "reference": "kernel"|"recorded", "recorded",
              "responses": {NAME: response}, "outcomes": {NAME: {"status",
              "detail", ["outcome", "cause", "mismatches"]}},
              ["program", "asm", "packets"]  (only for cases with a divergence)}],
   "summary": {NAME: {"pass": n, "diverge": n, "skipped": n,
                      "skip_reasons": {why: n}, "causes": {cause: n}}}}
"""
import datetime
import json
import os

from .atomic import write_atomic


def summarize(impl_names, cases):
    s = {n: {"pass": 0, "diverge": 0, "skipped": 0, "skip_reasons": {}, "causes": {}}
         for n in impl_names}
    for c in cases:
        for name, o in c["outcomes"].items():
            e = s.setdefault(name, {"pass": 0, "diverge": 0, "skipped": 0, "skip_reasons": {},
                                    "causes": {}})
            e[o["status"]] += 1
            if o["status"] == "skipped":
                e["skip_reasons"][o["detail"]] = e["skip_reasons"].get(o["detail"], 0) + 1
            elif o["status"] == "diverge" and o.get("cause"):
                e["causes"][o["cause"]] = e["causes"].get(o["cause"], 0) + 1
    return s


def build(env, impls, cases, broken, corpus, shard, opcode_names):
    names = [i.name for i in impls]
    return {"schema": 1,
            "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "corpus": corpus, "shards": [f"{shard[0]}/{shard[1]}" if shard else "1/1"],
            "env": env,
            "impls": {i.name: {"reference": i.reference, "commands": i.describe(),
                               "available": i.available, "reasons": i.reasons} for i in impls},
            "opcode_names": opcode_names,
            "broken": broken, "cases": cases, "summary": summarize(names, cases)}


def merge(docs):
    """Join the results.json of several shards (or machines) into one."""
    if not docs:
        raise ValueError("nothing to merge")
    out = dict(docs[0])
    seen = {}
    for d in docs:
        if d.get("schema") != 1:
            raise ValueError("unknown results.json schema")
        for c in d["cases"]:
            seen[c["id"]] = c
        for name, info in d["impls"].items():
            out["impls"].setdefault(name, info)
    out["cases"] = [seen[k] for k in sorted(seen)]
    out["broken"] = sorted({b["case"]: b for d in docs for b in d["broken"]}.values(),
                           key=lambda b: b["case"])
    out["shards"] = sorted(s for d in docs for s in d.get("shards", []))
    for d in docs:
        out["opcode_names"] = d.get("opcode_names") or out.get("opcode_names")
    out["summary"] = summarize(list(out["impls"]), out["cases"])
    return out


def write_json(path, doc):
    write_atomic(path, json.dumps(doc, indent=1, sort_keys=False) + "\n")


def exit_status(doc):
    """1 when our VM diverges from the kernel or a case is broken, else 0."""
    if doc["broken"]:
        return 1
    vm = doc["summary"].get("vm")
    return 1 if vm and vm["diverge"] else 0
