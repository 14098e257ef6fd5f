"""ctx: the run context a case may give (`ctx:`), checked against the
plugin protocol's table (docs/plugin-protocol.md, "The context"), so that a
context no plugin can take is a broken case, not a divergence of every
implementation.
"""

U32 = (0, 0xffffffff)
U16 = (0, 0xffff)
S32 = (-0x80000000, 0x7fffffff)

# member -> (range, what else it may be)
FIELDS = {
    "len": (U32, (None,)),
    "protocol": (U16, ()),
    "pkttype": ((0, 7), ()),
    "mark": (U32, ()),
    "rxhash": (U32, ()),
    "cpu": (U32, ()),
    "random": (U32, ()),
    "queue": (U16, ()),
    "vlan_tci": (U16, ()),
    "vlan_tpid": (U16, ()),
    "vlan_avail": ((0, 1), ()),
    "poff": (U32, ("auto",)),
    "net_off": (S32, ()),
    "mac_off": (S32, (None,)),
    "headlen": (U32, (None,)),
}
DEV_FIELDS = {"ifindex": U32, "type": U16}


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _range(name, v, lo_hi, also=()):
    if v in also and (v is None or isinstance(v, str)):
        return
    if not _is_int(v):
        spelled = " or ".join(["an integer"] + [f"{a!r}" if a else "null" for a in also])
        raise ValueError(f"{name}: expected {spelled}, got {type(v).__name__}")
    lo, hi = lo_hi
    if not lo <= v <= hi:
        raise ValueError(f"{name}: {v} is out of range {lo}..{hi}")


def _dev(v):
    if v is None:
        return
    if not isinstance(v, dict):
        raise ValueError("dev: expected null or {\"ifindex\": N, \"type\": N}")
    for k, x in v.items():
        if k not in DEV_FIELDS:
            raise ValueError(f"dev: unknown key '{k}' (known: ifindex, type)")
        _range(f"dev.{k}", x, DEV_FIELDS[k])


def check(ctx):
    """Raise ValueError('MEMBER: why') unless ctx is a valid context."""
    if not isinstance(ctx, dict):
        raise ValueError("must be a JSON object")
    for k, v in ctx.items():
        if k == "dev":
            _dev(v)
        elif k in FIELDS:
            _range(k, v, *FIELDS[k])
        else:
            raise ValueError(f"unknown key '{k}'")
