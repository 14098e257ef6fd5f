"""oracle: runs candidate programs on two implementations and says whether
they still diverge the same way.

One plugin process per implementation (harness impls.py/plugin.py, the
same commands `make conform` uses), started once and fed whole batches of
requests; the two implementations of a pair run their batch concurrently.
The reference side (the kernel, when it is one of the two) gets no ctx,
as in the conformance runner: it reports the context it really had. A
kernel target `kernel:TARGET[:MODE]` (a qemu guest, harness kernels.py and
docs/kernel-matrix.md) is a kernel too: it gets no ctx either, its plugin
is `cbpf kernel plugin --target TARGET` (one guest boot for the whole
triage), and a guest that cannot boot is an OracleError with the one line
the plugin printed.

A divergence is harness compare.py's: the reference's response against the
peer's, with outcome peer-accepts / peer-rejects / peer-error / errno /
verdict. "The same divergence" is the same pair with the same outcome;
for a verdict divergence whose reference verdict was exact, the compared
packets' reference verdicts must stay exact (so the filed case records a
full 32-bit value, not an accept/drop bound).
"""
import json
import os
import shutil
import tempfile
import threading

from .. import compare, impls as impls_mod, kernels
from ..plugin import Plugin, PluginError


class OracleError(Exception):
    pass


def canonical(name):
    """'kernel:debian-6.1/armhf' -> 'kernel:debian-6.1/armhf:jit' (the name
    the kernel-target rules of causes.json match); other names unchanged."""
    if not is_guest(name):
        return name
    try:
        targets = kernels.parse(name[len("kernel:"):])
    except ValueError as e:
        raise OracleError(str(e)) from None
    if len(targets) != 1:
        raise OracleError(f"'{name}': one kernel target after kernel:")
    return "kernel:" + targets[0]


def is_guest(name):
    return name.startswith("kernel:")


def make_impl(name, build):
    if is_guest(name):
        return kernels.impl(canonical(name)[len("kernel:"):], build)
    if "=" in name:
        return impls_mod.parse_impls(name, build)[0]
    if name not in impls_mod.BUILTIN:
        raise OracleError(f"unknown implementation '{name}' (known: "
                          f"{', '.join(impls_mod.BUILTIN)}, or NAME=COMMAND)")
    return impls_mod.builtin(name, build)


class Runner:
    """Plugins by (implementation, lane), started on first use."""

    def __init__(self, build):
        self.build = build
        self.plugins = {}
        self.impls = {}
        self.log_dir = None       # guests' stderr, for their one-line errors

    def impl(self, name):
        if name not in self.impls:
            self.impls[name] = make_impl(name, self.build)
        return self.impls[name]

    def plugin(self, name, lane):
        key = (name, lane)
        if key not in self.plugins:
            impl = self.impl(name)
            argv = impl.commands.get(lane)
            if not argv:
                raise OracleError(f"{name} has no {lane} lane")
            if os.sep in argv[0] and not os.path.exists(argv[0]):
                raise OracleError(f"{name}: {argv[0]} does not exist "
                                  f"({impls_mod.SKIP_HINTS.get(name, 'not built')})")
            if is_guest(name):
                self.plugins[key] = Plugin(argv, name, self._log(name, lane), kernels.TIMEOUT)
            else:
                self.plugins[key] = Plugin(argv, name)
        return self.plugins[key]

    def _log(self, name, lane):
        if self.log_dir is None:
            self.log_dir = tempfile.mkdtemp(prefix="cbpf-triage-")
        return os.path.join(self.log_dir, name.replace("/", "_").replace(":", "_") + f"-{lane}")

    def run(self, name, lane, requests):
        try:
            out = self.plugin(name, lane).run(requests)
        except PluginError as e:
            raise OracleError(str(e)) from None
        if is_guest(name):
            self._check_guest(name, lane, out)
        return out

    def _check_guest(self, name, lane, out):
        """A guest that did not boot (its plugin exited before answering, or
        its proxy answers 'the guest cannot boot') is an error, not a
        divergence; a guest that died or hung on one candidate is that
        candidate's error answer (it is rebooted), and keeps nothing."""
        bad = next((r for r in out if r.get("load") == "error" and
                    ("plugin exited" in str(r.get("reason")) or
                     "cannot boot" in str(r.get("reason")))), None)
        if bad is None:
            return
        plug = self.plugins[(name, lane)]
        why = kernels.reason_of(str(bad.get("reason")), plug.log_path)
        plug.close()
        del self.plugins[(name, lane)]
        named = why.startswith("cbpf kernel") or why.startswith(name[len("kernel:"):])
        raise OracleError(why if named else f"{name}: {why}")

    def close(self, kill=False):
        for p in self.plugins.values():
            p.close(kill)
        self.plugins = {}
        if self.log_dir:
            shutil.rmtree(self.log_dir, ignore_errors=True)
            self.log_dir = None


def request(profile, state, idx, with_ctx):
    prog, pkts, ctx = state
    r = {"id": idx, "profile": profile, "program": [list(i) for i in prog],
         "packets": [p.hex() for p in pkts]}
    if ctx and with_ctx and profile == "linux":
        r["ctx"] = ctx
    return r


def is_reference(name):
    return name == "kernel"


def takes_ctx(name, lane):
    """Kernels (the host and guests) report the context they had and take
    none, except a packet-hook VLAN tag (runner.request)."""
    return not (is_reference(name) or is_guest(name)) or lane == "packet"


class Pair:
    """The two sides of a divergence: ref (the reference) and peer."""

    def __init__(self, runner, ref, peer, profile="linux", lane="linux"):
        self.runner, self.ref, self.peer = runner, ref, peer
        self.profile, self.lane = profile, lane
        self.cache = {}
        self.runs = 0
        # witness: an implementation whose rejection reason names the load
        # rule (`cbpf plugin`: "insn N: RULE: why"); set for load
        # divergences so that minimising keeps the rule the kernel applies.
        self.witness = None
        self.rules = {}

    def responses(self, states):
        """-> [(ref_response, peer_response)] for the states, in order."""
        out = [None] * len(states)
        todo = []
        for i, s in enumerate(states):
            key = self._key(s)
            if key in self.cache:
                out[i] = self.cache[key]
            else:
                todo.append(i)
        if todo:
            sides = {}

            def side(name):
                ctx_ok = takes_ctx(name, self.lane)
                reqs = [request(self.profile, states[i], n, ctx_ok) for n, i in enumerate(todo)]
                try:
                    sides[name] = self.runner.run(name, self.lane, reqs)
                except OracleError as e:
                    sides[name] = e
            names = [self.ref, self.peer] + ([self.witness] if self.witness else [])
            threads = [threading.Thread(target=side, args=(n,)) for n in names]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for name in names:
                if isinstance(sides[name], OracleError):
                    raise sides[name]
            self.runs += len(todo)
            for n, i in enumerate(todo):
                pair = (sides[self.ref][n], sides[self.peer][n])
                out[i] = pair
                if self.witness:
                    self.rules[self._key(states[i])] = load_rule(sides[self.witness][n])
                if len(self.cache) < 200000:
                    self.cache[self._key(states[i])] = pair
        return out

    def rule(self, state):
        """The witness's load rule for a state run by responses()."""
        return self.rules.get(self._key(state))

    @staticmethod
    def _key(s):
        prog, pkts, ctx = s
        return (tuple(tuple(i) for i in prog), tuple(bytes(p) for p in pkts),
                json.dumps(ctx, sort_keys=True) if ctx else "")


def load_rule(resp):
    """'insn 3: shift-range: lsh #32 ...' -> 'shift-range'; 'ok' when loaded."""
    if resp.get("load") != "rejected":
        return resp.get("load")
    reason = str(resp.get("reason", ""))
    if reason.startswith("insn "):
        reason = reason.split(":", 1)[-1]
    return reason.strip().split(":", 1)[0]


def judge(ref, got, packets, names=("kernel", "peer")):
    """-> (status, outcome, detail, mismatches) as cbpfconform.compare says."""
    return compare.compare(ref, got, list(packets), None, names=names)


def signature(ref, got, packets):
    """What 'the same divergence' keeps: (outcome, exact) or None when the
    two agree (or the reference could not run it)."""
    if ref.get("load") == "error":
        return None
    st, outcome, _, mism = judge(ref, got, packets)
    if st != "diverge":
        return None
    exact = bool(mism) and all(m.get("exact", True) for m in mism)
    return outcome, exact


def predicate(pair, want, want_state=None, causes=None):
    """A batch test for shrink.minimise: the candidates whose divergence
    has the outcome of want = (outcome, exact), exact staying exact; when
    the pair has a witness, with the witness's load rule of want_state;
    with causes(program, outcome, ref, got) (a set), sharing a cause with
    want_state's."""
    outcome, exact = want
    rule = pair.rule(want_state) if pair.witness and want_state is not None else None
    keep = None
    if causes and want_state is not None:
        (r0, g0), = pair.responses([want_state])
        keep = causes(want_state[0], outcome, r0, g0)

    def test(states):
        res = []
        for s, (r, g) in zip(states, pair.responses(states)):
            sig = signature(r, g, s[1])
            ok = sig is not None and sig[0] == outcome and (sig[1] or not exact)
            ok = ok and (rule is None or pair.rule(s) == rule)
            res.append(ok and (keep is None or bool(keep & causes(s[0], outcome, r, g))))
        return res
    return test
