"""runner: runs the selected cases on every available implementation and
compares each with the reference.

Every implementation runs in its own thread (one plugin process per
profile, all of its requests streamed at once); the main thread shows
progress, and a plugin that is slow to answer is named with its case. Then each case gets, per implementation, a status (pass /
diverge / skipped) with a detail, and each peer divergence a cause.
"""
import sys
import threading
import time

from . import classify, compare, kernels
from .casefile import lane


def request(case, idx, reference=False):
    """The plugin request of a case. The kernel reports the context it
    really had instead of taking one (recorded in `hook: packet` cases),
    except that on the packet hook it puts the ctx's VLAN tag (vlan_avail)
    on the wire, so that the program sees the case's bytes with that tag."""
    r = {"id": idx, "profile": case.profile, "program": case.program,
         "packets": [p.hex() for p in case.packets]}
    if case.ctx is not None and (not reference or case.hook == "packet"):
        r["ctx"] = case.ctx
    return r


class Progress:
    def __init__(self, totals, stream=sys.stderr):
        self.totals = totals
        self.done = {k: 0 for k in totals}
        self.stream = stream
        self.tty = stream.isatty()
        self.lock = threading.Lock()

    def tick(self, name):
        with self.lock:
            self.done[name] += 1

    def note(self, msg):
        """One line of its own (above the progress line on a terminal)."""
        with self.lock:
            self.stream.write(("\r\x1b[K" if self.tty else "") + msg + "\n")
            self.stream.flush()

    def show(self, final=False):
        """The progress line, on a terminal only (a log or a CI job gets
        none: the summary and the reports follow)."""
        if not self.tty:
            return
        parts = "  ".join(f"{k} {self.done[k]}/{self.totals[k]}" for k in self.totals)
        self.stream.write(f"\r\x1b[Kconform: {parts}")
        if final:
            self.stream.write("\n")
        self.stream.flush()


def run_impl(impl, cases, progress, sink):
    """Run every case this implementation supports; sink[name][idx] = response."""
    out = sink.setdefault(impl.name, {})
    for ln, plug in impl.plugins.items():
        idxs = [i for i, c in enumerate(cases) if lane(c) == ln]
        reqs = [request(cases[i], i, impl.reference) for i in idxs]
        if not reqs:
            continue
        def on_resp(_r, name=impl.name):
            progress.tick(name)

        def on_wait(req, secs, name=impl.name, lane=ln, plug=plug):
            progress.note(f"conform: waiting for {name} ({lane}): case {cases[req['id']].id} "
                          f"has had no answer for {secs:g} s (a hang after {plug.timeout:g} s)")
        for resp, i in zip(plug.run(reqs, on_resp, on_wait), idxs):
            out[i] = resp


def run_all(impls, cases, log_dir=None):
    totals = {}
    for impl in impls:
        totals[impl.name] = sum(1 for c in cases if impl.available.get(lane(c)))
    progress = Progress(totals)
    sink = {}
    threads = [threading.Thread(target=kernels.run_guest if kernels.is_guest(i) else run_impl,
                                args=(i, cases, progress, sink) +
                                ((log_dir,) if kernels.is_guest(i) else ()), daemon=True)
               for i in impls if any(i.available.values())]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        progress.show()
        time.sleep(0.5)
    progress.show(final=True)
    return sink


def evaluate(impls, cases, sink, rules):
    """Per case and implementation: status, detail, cause. Returns the case
    records (without packets) for results.json."""
    kernel = next((i for i in impls if i.reference), None)
    records = []
    for idx, c in enumerate(cases):
        recorded = compare.expected_response(c)
        live = sink.get(kernel.name, {}).get(idx) if kernel else None
        ref = live if live is not None and live.get("load") != "error" else recorded
        ref_name = "kernel" if ref is live and live is not None else "recorded"
        rec = {"id": c.id, "description": c.description, "profile": c.profile, "hook": c.hook,
               "tags": c.tags,
               "nondeterministic": c.nondeterministic, "ninsns": len(c.program),
               "opcodes": sorted({i[0] for i in c.program}),
               "npackets": len(c.packets), "packet_lens": [len(p) for p in c.packets],
               "reference": ref_name, "recorded": recorded, "responses": {}, "outcomes": {}}
        ln = lane(c)
        for impl in impls:
            if not impl.available.get(ln):
                reason = impl.reasons.get(ln) or f"no {ln} lane"
                if ln not in impl.commands:
                    reason = f"no {c.profile} profile"
                rec["outcomes"][impl.name] = {"status": "skipped", "detail": reason}
                continue
            resp = sink.get(impl.name, {}).get(idx)
            if resp is None:
                rec["outcomes"][impl.name] = {"status": "skipped", "detail": "not run"}
                continue
            rec["responses"][impl.name] = _slim(resp)
            if impl.reference:
                if recorded is None:
                    o = {"status": "skipped", "detail": "no recorded expectation "
                                                        "(run `cbpf corpus record`)"}
                    if resp.get("load") == "error":
                        o["detail"] = f"kernel could not run it: {resp.get('reason')}"
                else:
                    st, outcome, detail, mism = compare.compare(recorded, resp, c.packets,
                                                                c.nondeterministic,
                                                                env_limits=False,
                                                                names=("recorded", impl.name))
                    o = {"status": st, "detail": detail}
                    if st == "diverge":
                        o["detail"] = "the live kernel differs from the recording: " + detail
                        o["mismatches"] = mism[:8]
                rec["outcomes"][impl.name] = o
                continue
            if ref is None:
                rec["outcomes"][impl.name] = {"status": "skipped",
                                              "detail": "no reference (no kernel, nothing recorded)"}
                continue
            st, outcome, detail, mism = compare.compare(ref, resp, c.packets, c.nondeterministic,
                                                        names=(ref_name, impl.name))
            o = {"status": st, "detail": detail}
            if st == "diverge":
                o["outcome"] = outcome
                o["mismatches"] = mism[:8]
                o["cause"] = classify.classify(rules, c.program, outcome, ref, resp, impl.name)
            rec["outcomes"][impl.name] = o
        records.append(rec)
    return records


def _slim(resp):
    """A response without bulky per-result context dumps."""
    r = {k: v for k, v in resp.items() if k != "id"}
    if "results" in r:
        r["results"] = [{k: v for k, v in x.items() if k != "ctx"} for x in r["results"]]
    return r
