"""impls: the implementations under test and how to start their plugins.

  kernel    the live kernel, the reference: `cbpf kernel plugin --via unix`
            for socket cases, `--via packet` for cases with `hook: packet`
            (AF_PACKET on lo in a private network namespace), `--via seccomp`
            for seccomp cases
  vm        our VM: `cbpf plugin`
  libpcap   libpcap's bpf_validate/bpf_filter: build/harness/cbpf-pcap-plugin
  xnet      Go's golang.org/x/net/bpf: build/harness/cbpf-xnet-plugin
            (built when the Go toolchain and golang-golang-x-net-dev exist)
  gvisor    gVisor's pkg/bpf (Compile + Exec): build/harness/cbpf-gvisor-plugin
            (built when Go and golang-gvisor-gvisor-dev exist; docs/peers.md)
  gvisor-optimised  the same with gVisor's optimiser first (--optimise; the
            Debian snapshot has none, so the plugin answers why and it is skipped)
  dpdk      DPDK librte_bpf: rte_bpf_convert + rte_bpf_load + rte_bpf_exec:
            build/harness/cbpf-dpdk-plugin (built when libdpdk-dev exists)
  dpdk-jit  the same load, run through rte_bpf_get_jit's native code (--jit)
  NAME=CMD  a third-party VM: CMD is its plugin command (split like a shell)

Commands are keyed by lane (casefile.lane: linux, packet, seccomp). Each
implementation is probed with a one-instruction request per lane before the
run; one that cannot start or answer is skipped with the reason.
"""
import dataclasses
import os
import shlex

from .plugin import Plugin, PluginError

BUILTIN = ("kernel", "vm", "libpcap", "xnet", "gvisor", "gvisor-optimised", "dpdk", "dpdk-jit")
PROBE = {"linux": {"id": "probe", "profile": "linux", "program": [[6, 0, 0, 7]],
                   "packets": ["0001020304050607"]},
         "seccomp": {"id": "probe", "profile": "seccomp", "program": [[6, 0, 0, 0x7fff0000]],
                     "packets": ["27000000" + "3e0000c0" + "00" * 56]},
         "packet": {"id": "probe", "profile": "linux", "program": [[6, 0, 0, 7]],
                    "packets": ["00" * 60]}}


@dataclasses.dataclass
class Impl:
    name: str
    commands: dict            # profile -> argv
    reference: bool = False
    available: dict = dataclasses.field(default_factory=dict)   # profile -> bool
    reasons: dict = dataclasses.field(default_factory=dict)     # profile -> why skipped
    plugins: dict = dataclasses.field(default_factory=dict)

    def describe(self):
        return {p: " ".join(shlex.quote(a) for a in argv) for p, argv in self.commands.items()}


def builtin(name, build):
    cbpf = os.path.join(build, "bin", "cbpf")
    h = os.path.join(build, "harness")
    if name == "kernel":
        return Impl("kernel", {"linux": [cbpf, "kernel", "plugin", "--via", "unix"],
                               "packet": [cbpf, "kernel", "plugin", "--via", "packet"],
                               "seccomp": [cbpf, "kernel", "plugin", "--via", "seccomp"]},
                    reference=True)
    if name == "vm":
        return Impl("vm", {lane: [cbpf, "plugin"] for lane in ("linux", "packet", "seccomp")})
    if name == "libpcap":
        pl = [os.path.join(h, "cbpf-pcap-plugin")]
        return Impl("libpcap", {"linux": pl, "packet": pl})
    if name == "xnet":
        pl = [os.path.join(h, "cbpf-xnet-plugin")]
        return Impl("xnet", {"linux": pl, "packet": pl})
    if name in ("gvisor", "gvisor-optimised"):
        pl = [os.path.join(h, "cbpf-gvisor-plugin")] + (["--optimise"] if name != "gvisor" else [])
        return Impl(name, {"linux": pl, "packet": pl, "seccomp": pl})
    if name in ("dpdk", "dpdk-jit"):
        pl = [os.path.join(h, "cbpf-dpdk-plugin")] + (["--jit"] if name == "dpdk-jit" else [])
        return Impl(name, {"linux": pl, "packet": pl})
    raise ValueError(name)


def parse_impls(spec, build):
    """'vm,libpcap,mine=./my-plugin --flag' -> [Impl]; the kernel always first."""
    names = [s.strip() for s in spec.split(",") if s.strip()] if spec else list(BUILTIN)
    out = []
    for n in names:
        if "=" in n:
            name, cmd = n.split("=", 1)
            argv = shlex.split(cmd)
            out.append(Impl(name.strip(), {"linux": argv, "packet": argv, "seccomp": argv}))
        elif n in BUILTIN:
            out.append(builtin(n, build))
        else:
            raise ValueError(f"unknown implementation '{n}' (known: {', '.join(BUILTIN)}, "
                             f"or NAME=COMMAND)")
    out.sort(key=lambda i: not i.reference)
    return out


SKIP_HINTS = {"xnet": "Go toolchain or golang-golang-x-net-dev not installed "
                      "(apt-get install golang-go golang-golang-x-net-dev)",
              "libpcap": "libpcap plugin not built (libpcap-dev missing?)",
              "gvisor": "Go toolchain or golang-gvisor-gvisor-dev not installed "
                        "(apt-get install golang-go golang-gvisor-gvisor-dev)",
              "gvisor-optimised": "Go toolchain or golang-gvisor-gvisor-dev not installed "
                                  "(apt-get install golang-go golang-gvisor-gvisor-dev)",
              "dpdk": "DPDK plugin not built (apt-get install libdpdk-dev libpcap-dev)",
              "dpdk-jit": "DPDK plugin not built (apt-get install libdpdk-dev libpcap-dev)"}


def probe(impl, log_dir, timeout=60.0):
    """Start each profile's plugin and send one request; fill available/reasons.
    Each plugin's stderr goes to LOG_DIR/NAME-LANE.stderr; every answer is
    waited for at most timeout seconds."""
    for profile, argv in impl.commands.items():  # profile: the lane
        if not os.path.exists(argv[0]) and os.sep in argv[0]:
            impl.available[profile] = False
            impl.reasons[profile] = SKIP_HINTS.get(impl.name, f"{argv[0]} does not exist")
            continue
        log = os.path.join(log_dir, f"{impl.name}-{profile}.stderr") if log_dir else None
        key = tuple(argv)
        shared = next((p for p in impl.plugins.values() if tuple(p.argv) == key), None)
        plug = shared or Plugin(argv, impl.name, log, timeout)
        try:
            resp = plug.run([PROBE[profile]])[0]
        except PluginError as e:
            impl.available[profile] = False
            impl.reasons[profile] = str(e)
            continue
        if resp.get("load") == "error":
            impl.available[profile] = False
            impl.reasons[profile] = resp.get("reason", "probe failed")
            if not shared:
                plug.close()
            continue
        impl.available[profile] = True
        impl.plugins[profile] = plug


def close_all(impls, kill=False):
    seen = set()
    for i in impls:
        for p in i.plugins.values():
            if id(p) not in seen:
                seen.add(id(p))
                p.close(kill)
