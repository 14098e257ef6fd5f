"""compare: one implementation's response against the reference's.

The reference is the live kernel's response (or, without a kernel, the
verdicts recorded in the case file). Rules, in order:
  * reference "error"                  -> skipped (the reference could not run it)
  * reference ENOMEM                   -> skipped (an optmem_max limit, not a rule;
                                          the kernel's row still checks it against
                                          the recording)
  * peer hung (no answer in time, or    -> diverge, outcome hang
    its plugin's own alarm: "hang": true)
  * peer crashed ("crash": the signal   -> diverge, outcome crash
    or exit status; docs/peers.md)
  * peer "error"                       -> diverge, outcome peer-error
  * load ok/rejected differ            -> diverge, outcome peer-accepts / peer-rejects
  * both rejected, errno differs       -> diverge, outcome errno
  * both ok: per packet, the verdicts must be equal. A reference result
    with "exact": false only knows min(verdict, packet length), so the
    peer's verdict is clamped the same way first. Packets whose reference
    result carries an "error" (an environment failure) or "random" (it
    read SKF_AD_RANDOM), and cases marked nondeterministic, are not compared. Aborts are reported, not compared
    (every abort but nodev returns 0, which the verdict already shows).
Details name the two sides (names=(reference, peer)): "kernel 7, libpcap 1",
or for the kernel's own row "recorded 7, kernel 1".
"""


def expected_response(case):
    """The recorded expectation of a case as a plugin response, or None."""
    if case.expect_load is None:
        return None
    if case.expect_load == "ok":
        return {"load": "ok", "results": [
            {"verdict": e.verdict, "abort": e.abort, "exact": e.exact} for e in (case.expect or [])]}
    return {"load": "rejected", "errno": case.expect_load.split()[1]}


def _clamp(v, n):
    # An empty datagram is delivered (verdict != 0) or not: the kernel
    # oracle reports a delivered one as 1, so the bound is max(n, 1).
    return min(v, max(n, 1))


def compare(ref, got, packets, nondeterministic=None, env_limits=True, names=("kernel", "peer")):
    """-> (status, outcome, detail, mismatches); status is pass/diverge/skipped.
    env_limits=False compares ENOMEM like any other answer (the live kernel
    against its own recording). The mismatches keep the keys "kernel" (the
    reference's verdict) and "peer"."""
    rn, gn = names
    rl, gl = ref.get("load"), got.get("load")
    if rl == "error":
        return "skipped", None, f"reference could not run it: {ref.get('reason', '?')}", []
    if rl == "rejected" and env_limits and (ref.get("env_limit") or ref.get("errno") == "ENOMEM"):
        return "skipped", None, f"environment limit ({ref.get('errno')}): {ref.get('reason', '')}", []
    if gl == "error" and got.get("hang"):
        return "diverge", "hang", str(got.get("reason")), []
    if gl == "error" and got.get("crash"):
        return "diverge", "crash", f"crash ({got['crash']}): {got.get('reason', '?')}", []
    if gl == "error":
        return "diverge", "peer-error", f"error: {got.get('reason', '?')}", []
    if rl != gl:
        if gl == "ok":
            return "diverge", "peer-accepts", f"{rn} rejects ({ref.get('errno')}), {gn} accepts", []
        return "diverge", "peer-rejects", f"{rn} accepts, {gn} rejects ({got.get('errno')}: " \
                                           f"{got.get('reason', '')})", []
    if rl == "rejected":
        if ref.get("errno") != got.get("errno"):
            return "diverge", "errno", f"errno {ref.get('errno')} vs {got.get('errno')}", []
        return "pass", None, "", []
    rres, gres = ref.get("results") or [], got.get("results") or []
    if len(gres) != len(rres):
        return "diverge", "peer-error", f"{len(gres)} results for {len(rres)} packets", []
    if nondeterministic:
        return "pass", None, f"verdicts not compared ({nondeterministic})", []
    mism = []
    compared = 0
    for i, (r, g) in enumerate(zip(rres, gres)):
        if r.get("error"):
            continue
        compared += 1
        if r.get("random"):
            continue
        rv, gv = r.get("verdict"), g.get("verdict")
        if r.get("exact") is False and gv is not None and i < len(packets):
            gv = _clamp(gv, len(packets[i]))
        if rv != gv:
            mism.append({"packet": i, "kernel": r.get("verdict"), "peer": g.get("verdict"),
                         "peer_abort": g.get("abort"), "exact": r.get("exact", True)})
    if rres and not compared:
        return "skipped", None, "the reference could not run any packet: " + \
            str(rres[0].get("note") or rres[0].get("error")), []
    if mism:
        m = mism[0]
        return "diverge", "verdict", f"{len(mism)} of {len(rres)} packets differ (first: packet " \
                                     f"{m['packet']}: {rn} {m['kernel']}, {gn} {m['peer']})", mism
    return "pass", None, "", []
