"""results: results.json (schema below), its summary, checking one that
was read back, merging shards, and the run's exit status.

results.json:
  {"schema": 1, "generated": ISO-8601 UTC, "corpus": DIR, "shards": ["I/N", ...],
   "env": {...},                                   environment record
   "impls": {NAME: {"reference": bool, "commands": {profile: argv},
                    "available": {profile: bool}, "reasons": {profile: why}}},
   "opcode_names": {"0x00": "ld #0", ...},
   "broken": [{"case": ID, "status": "broken", "error": "FILE:LINE: why"}],
   "cases": [{"id", "description", "profile", "tags", "nondeterministic",
              "ninsns", "opcodes": [code, ...], "npackets", "packet_lens",
              "reference": "kernel"|"recorded", "recorded",
              "responses": {NAME: response}, "outcomes": {NAME: {"status",
              "detail", ["outcome", "cause", "mismatches"]}},
              ["program", "asm", "packets", "case_file", "case_text"]
                                   (only for cases with a divergence)}],
   "summary": {NAME: {"pass": n, "diverge": n, "skipped": n, "broken": n,
                      "skip_reasons": {why: n}, "causes": {cause: n}}}}

A broken case is in "broken" only: it is not run, so it is no
implementation's pass, divergence or skip; each implementation's "broken"
count is the number of broken cases, so that its four counts add up to the
cases selected.
"""
import datetime
import json
import re

from .atomic import write_atomic

STATUSES = ("pass", "diverge", "skipped")


def _entry():
    return {"pass": 0, "diverge": 0, "skipped": 0, "broken": 0, "skip_reasons": {}, "causes": {}}


def summarize(impl_names, cases, nbroken=0):
    s = {n: _entry() for n in impl_names}
    for c in cases:
        for name, o in c["outcomes"].items():
            e = s.setdefault(name, _entry())
            e[o["status"]] += 1
            if o["status"] == "skipped":
                e["skip_reasons"][o["detail"]] = e["skip_reasons"].get(o["detail"], 0) + 1
            elif o["status"] == "diverge" and o.get("cause"):
                e["causes"][o["cause"]] = e["causes"].get(o["cause"], 0) + 1
    for e in s.values():
        e["broken"] = nbroken
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
            "broken": broken, "cases": cases, "summary": summarize(names, cases, len(broken))}


def merge(docs, names=None):
    """Join the results.json of the shards of one run into one. ValueError
    when they are not exactly the shards 1/N..N/N of one N."""
    if not docs:
        raise ValueError("nothing to merge")
    names = names or [f"#{i + 1}" for i in range(len(docs))]
    check_shards(docs, names)
    out = dict(docs[0])
    out["impls"] = dict(docs[0]["impls"])
    seen = {}
    for d in docs:
        for c in d["cases"]:
            seen[c["id"]] = c
        for name, info in d["impls"].items():
            out["impls"].setdefault(name, info)
    out["cases"] = [seen[k] for k in sorted(seen)]
    out["broken"] = sorted({b["case"]: b for d in docs for b in d["broken"]}.values(),
                           key=lambda b: b["case"])
    out["shards"] = sorted((s for d in docs for s in d["shards"]), key=_shard)
    for d in docs:
        out["opcode_names"] = d.get("opcode_names") or out.get("opcode_names")
    out["summary"] = summarize(list(out["impls"]), out["cases"], len(out["broken"]))
    return out


def _shard(label):
    m = re.fullmatch(r"(\d+)/(\d+)", str(label))
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise ValueError(f"shard {label!r} is not I/N")
    return int(m.group(1)), int(m.group(2))


def check_shards(docs, names):
    """The shards of the documents must be 1/N..N/N, each exactly once."""
    owner = {}
    total = None
    for d, name in zip(docs, names):
        if not d["shards"]:
            raise ValueError(f"{name}: lists no shard")
        for label in d["shards"]:
            try:
                i, n = _shard(label)
            except ValueError as e:
                raise ValueError(f"{name}: {e}") from None
            if total is None:
                total = (n, name, label)
            elif n != total[0]:
                raise ValueError(f"{name}: shard {label} and {total[1]}: shard {total[2]} are "
                                 f"not shards of the same run")
            if i in owner:
                raise ValueError(f"shard {label} given twice ({owner[i]}, {name})")
            owner[i] = name
    missing = [f"{i}/{total[0]}" for i in range(1, total[0] + 1) if i not in owner]
    if missing:
        raise ValueError(f"shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing")


def _expect(cond, what):
    if not cond:
        raise ValueError(f"not a results.json: {what}")


TOP = {"schema": int, "generated": str, "corpus": str, "shards": list, "env": dict,
       "impls": dict, "opcode_names": dict, "broken": list, "cases": list}
CASE = {"id": str, "description": str, "profile": str, "tags": list, "ninsns": int,
        "npackets": int, "packet_lens": list, "responses": dict, "outcomes": dict}


def _ints(v):
    return isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in v)


def _opt_str(d, k):
    return d.get(k) is None or isinstance(d.get(k), str)


HEX_NAME = re.compile(r"0x[0-9a-f]{2}")


def _check_outcome(where, o):
    _expect(isinstance(o, dict) and o.get("status") in STATUSES and
            isinstance(o.get("detail"), str),
            f"{where} needs a status ({', '.join(STATUSES)}) and a detail")
    _expect(_opt_str(o, "cause"), f"{where}.cause: a string is expected")
    m = o.get("mismatches", [])
    _expect(isinstance(m, list) and all(isinstance(x, dict) and isinstance(x.get("packet"), int)
                                        for x in m),
            f"{where}.mismatches: a list of objects with an integer packet is expected")


def _check_response(where, r):
    _expect(isinstance(r, dict), f"{where}: an object is expected")
    res = r.get("results", [])
    _expect(res is None or (isinstance(res, list) and all(isinstance(x, dict) for x in res)),
            f"{where}.results: a list of objects is expected")


def _check_case(i, c):
    """What the renderers read of one case (results.json schema above)."""
    w = f"cases[{i}]"
    _expect(isinstance(c, dict), f"{w} is not an object")
    for k, t in CASE.items():
        _expect(isinstance(c.get(k), t), f"{w}.{k} missing or not {t.__name__}")
    _expect(c["npackets"] >= 0 and _ints(c["packet_lens"]), f"{w}.packet_lens: a list of "
                                                            f"integers is expected")
    _expect(len(c["packet_lens"]) >= c["npackets"],
            f"{w}.packet_lens: {c['npackets']} packets, {len(c['packet_lens'])} lengths")
    _expect(_ints(c.get("opcodes", [])), f"{w}.opcodes: a list of integers is expected")
    for t in c["tags"]:
        _expect(isinstance(t, str), f"{w}.tags: a list of strings is expected")
        if t.startswith("opcode="):
            _expect(re.fullmatch(r"opcode=0x[0-9a-fA-F]{1,4}", t) is not None,
                    f"{w}.tags: {t!r} is not opcode=0xNN")
    for k in ("asm", "case_file", "case_text", "description"):
        _expect(_opt_str(c, k), f"{w}.{k}: a string is expected")
    _expect(c.get("packets") is None or (isinstance(c["packets"], list) and
                                         all(isinstance(p, str) for p in c["packets"])),
            f"{w}.packets: a list of strings is expected")
    _expect(c.get("program") is None or isinstance(c["program"], list),
            f"{w}.program: a list is expected")
    for name, r in c["responses"].items():
        _check_response(f"{w}.responses.{name}", r)
    for name, o in c["outcomes"].items():
        _check_outcome(f"{w}.outcomes.{name}", o)


def check(doc):
    """Raise ValueError('not a results.json: why') unless doc has, with the
    right types, everything the renderers read; then recompute its summary
    (from its cases)."""
    _expect(isinstance(doc, dict), f"a JSON object is expected, got {type(doc).__name__}")
    for k, t in TOP.items():
        _expect(isinstance(doc.get(k), t), f"'{k}' missing or not {t.__name__}")
    _expect(doc["schema"] == 1, f"unknown schema {doc['schema']}")
    _expect(all(isinstance(x, str) for x in doc["shards"]), "shards: a list of strings is "
                                                            "expected")
    for name, info in doc["impls"].items():
        _expect(isinstance(info, dict) and isinstance(info.get("commands"), dict) and
                isinstance(info.get("reasons"), dict), f"impls.{name} malformed")
    for k, v in doc["opcode_names"].items():
        _expect(HEX_NAME.fullmatch(k) is not None, f"opcode_names: {k!r} is not 0xNN")
        _expect(isinstance(v, str), f"opcode_names.{k}: a string is expected")
    for b in doc["broken"]:
        _expect(isinstance(b, dict) and isinstance(b.get("case"), str) and
                isinstance(b.get("error"), str), "broken: entries need 'case' and 'error'")
    for i, c in enumerate(doc["cases"]):
        _check_case(i, c)
    doc["summary"] = summarize(list(doc["impls"]), doc["cases"], len(doc["broken"]))
    return doc


def write_json(path, doc):
    write_atomic(path, json.dumps(doc, indent=1, sort_keys=False) + "\n")


def exit_status(doc, fail_on=("vm",), allow_broken=False):
    """1 when our VM (or an implementation of fail_on) diverges from the
    reference, or a case is broken (unless allow_broken), else 0."""
    if doc["broken"] and not allow_broken:
        return 1
    for name in fail_on:
        s = doc["summary"].get(name)
        if s and s["diverge"]:
            return 1
    return 0
