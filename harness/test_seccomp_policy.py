"""test_seccomp_policy: `--policy FILE` (tools/policy_json.c, policy_compile.c)
wherever a command reads a program: an OCI / Docker seccomp profile compiled
by libseccomp as runc compiles it. The program must be, byte for byte, what
libseccomp itself exports for the same policy, built here independently
through libseccomp's Python binding (python3-seccomp) from the profile's
dict; verdicts of `cbpf run` and `cbpf kernel run` agree; bad policies are
one line naming FILE:LINE:COL or the JSON path, exit 2. And an exported
filter (seccomp_export_bpf's raw records) loads as it is.
"""
import errno
import json
import os
import struct
import subprocess

import pytest

from conftest import CBPF

seccomp = pytest.importorskip("seccomp", reason="python3-seccomp (libseccomp's binding) "
                                                "is not installed")


def cbpf(*args, stdin=None):
    return subprocess.run([CBPF, *args], input=stdin, capture_output=True, timeout=60)


def text(r):
    return r.returncode, r.stdout.decode(), r.stderr.decode()


# ---- the reference: libseccomp's own export, through its Python binding ----

ACTIONS = {"SCMP_ACT_ALLOW": seccomp.ALLOW, "SCMP_ACT_KILL": seccomp.KILL,
           "SCMP_ACT_KILL_THREAD": seccomp.KILL, "SCMP_ACT_KILL_PROCESS": seccomp.KILL_PROCESS,
           "SCMP_ACT_TRAP": seccomp.TRAP, "SCMP_ACT_LOG": seccomp.LOG}
OPS = {"SCMP_CMP_NE": seccomp.NE, "SCMP_CMP_LT": seccomp.LT, "SCMP_CMP_LE": seccomp.LE,
       "SCMP_CMP_EQ": seccomp.EQ, "SCMP_CMP_GE": seccomp.GE, "SCMP_CMP_GT": seccomp.GT,
       "SCMP_CMP_MASKED_EQ": seccomp.MASKED_EQ}
ARCHES = {"x86_64": seccomp.Arch.X86_64, "i386": seccomp.Arch.X86,
          "aarch64": seccomp.Arch.AARCH64, "s390x": seccomp.Arch.S390X,
          "riscv64": seccomp.Arch.RISCV64}


def action(name, errno_ret):
    # runc: an ERRNO or TRACE action without errnoRet is EPERM
    if name == "SCMP_ACT_ERRNO":
        return seccomp.ERRNO(errno.EPERM if errno_ret is None else errno_ret)
    if name == "SCMP_ACT_TRACE":
        return seccomp.TRACE(errno.EPERM if errno_ret is None else errno_ret)
    return ACTIONS[name]


def conditions(args):
    out = [seccomp.Arg(a["index"], OPS[a["op"]], a["value"],
                       a.get("valueTwo", 0) if a["op"] == "SCMP_CMP_MASKED_EQ" else 0)
           for a in args]
    indices = [a["index"] for a in args]
    # runc: two conditions on one argument are one rule each
    return [[c] for c in out] if len(set(indices)) < len(indices) else [out]


def libseccomp_export(tmp_path, profile, arch="x86_64"):
    default = action(profile["defaultAction"], profile.get("defaultErrnoRet"))
    f = seccomp.SyscallFilter(default)
    if ARCHES[arch] != seccomp.system_arch():
        f.remove_arch(seccomp.Arch.NATIVE)
        f.add_arch(ARCHES[arch])
    for rule in profile.get("syscalls", []):
        act = action(rule["action"], rule.get("errnoRet"))
        if act == default:
            continue  # libseccomp refuses it, runc skips it
        for name in rule["names"]:
            for conds in conditions(rule.get("args") or []):
                f.add_rule(act, name, *conds)
    out = tmp_path / "libseccomp.bpf"
    with open(out, "wb") as o:
        f.export_bpf(o)
    return out.read_bytes()


def host_order(raw, arch):
    """libseccomp writes an arch's own byte order; cbpf's raw is the host's."""
    if arch not in ("s390x",):
        return raw
    return b"".join(struct.pack("<HBBI", *struct.unpack(">HBBI", raw[i:i + 8]))
                    for i in range(0, len(raw), 8))


PROFILES = {
    "allow_list": {
        "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [
            {"names": ["read", "write", "close", "exit_group", "futex", "mmap", "munmap",
                       "brk", "rt_sigreturn", "getpid"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["openat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
        ]},
    "deny_list_errno": {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [
            {"names": ["ptrace", "kexec_load", "bpf"], "action": "SCMP_ACT_ERRNO"},
            {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4094},
            {"names": ["reboot"], "action": "SCMP_ACT_KILL_PROCESS"},
            {"names": ["mount"], "action": "SCMP_ACT_TRACE"},
            {"names": ["swapon"], "action": "SCMP_ACT_TRAP", "comment": "never"},
            {"names": ["getuid"], "action": "SCMP_ACT_LOG"},
            {"names": ["getgid"], "action": "SCMP_ACT_ALLOW"},  # = default: skipped
        ]},
    "args": {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [
            {"names": ["close"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
             "args": [{"index": 0, "value": 3, "op": "SCMP_CMP_LT"}]},
            {"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errnoRet": 24,
             "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_LE"}]},
            {"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7,
             "args": [{"index": 0, "value": 100000, "op": "SCMP_CMP_GE"}]},
            {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 3,
             "args": [{"index": 0, "value": 0x7ffffff0, "op": "SCMP_CMP_GT"},
                      {"index": 1, "value": 0xffffffff00000000, "op": "SCMP_CMP_NE"}]},
            {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
             "args": [{"index": 0, "value": 0xff, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
            {"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18,
             "args": [{"index": 0, "value": 0xffff0000ffff0000,
                       "valueTwo": 0x0001000000000000, "op": "SCMP_CMP_MASKED_EQ"}]},
            {"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 34,
             "args": [{"index": 0, "value": 0x100000000, "op": "SCMP_CMP_EQ"}]},
            # two conditions on one argument: one rule each (runc)
            {"names": ["lseek"], "action": "SCMP_ACT_ERRNO", "errnoRet": 29,
             "args": [{"index": 2, "value": 0, "op": "SCMP_CMP_EQ"},
                      {"index": 2, "value": 2, "op": "SCMP_CMP_EQ"}]},
        ]},
    "multi_arch": {
        "defaultAction": "SCMP_ACT_KILL",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64",
                          "SCMP_ARCH_S390X"],
        "syscalls": [
            {"names": ["read", "write", "getpid", "openat", "open"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["close"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9,
             "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_LE"}]},
        ]},
}


def write(tmp_path, profile, name="policy.json"):
    p = tmp_path / name
    p.write_text(json.dumps(profile, indent=2))
    return p


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_equals_libseccomp_export(tmp_path, name):
    p = write(tmp_path, PROFILES[name])
    r = cbpf("disasm", "-o", "raw", "--policy", str(p))
    assert (r.returncode, r.stderr) == (0, b"")
    assert r.stdout == libseccomp_export(tmp_path, PROFILES[name])
    assert len(r.stdout) > 8 * 8


@pytest.mark.parametrize("arch", ["x86_64", "i386", "aarch64", "s390x"])
def test_arch_selected(tmp_path, arch):
    p = write(tmp_path, PROFILES["multi_arch"])
    r = cbpf("disasm", "-o", "raw", "--arch", arch, "--policy", str(p))
    assert (r.returncode, r.stderr) == (0, b"")
    assert r.stdout == host_order(libseccomp_export(tmp_path, PROFILES["multi_arch"], arch),
                                  arch)


def test_arch_program_text(tmp_path):
    p = write(tmp_path, {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})
    # AUDIT_ARCH_S390X, getpid = 20 there: read back in host order
    r = cbpf("disasm", "--arch", "SCMP_ARCH_S390X", "--policy", str(p))
    assert text(r) == (0, "\tld [4]\n\tjne #0x80000016, L6\n\tld [0]\n\tjeq #0x14, L5\n"
                          "\tret #0x7fff0000\nL5:\n\tret #0x50001\nL6:\n\tret #0\n", "")


def test_arch_not_listed(tmp_path):
    p = write(tmp_path, PROFILES["multi_arch"])
    r = cbpf("check", "--arch", "riscv64", "--policy", str(p))
    assert text(r) == (2, "", f"{p}: architectures: the target arch riscv64 is not one of "
                              "the policy's (--arch chooses another)\n")
    q = write(tmp_path, {"defaultAction": "SCMP_ACT_ALLOW",
                         "architectures": ["SCMP_ARCH_AARCH64"]}, "arm.json")
    r = cbpf("check", "--policy", str(q))
    assert text(r) == (2, "", f"{q}: architectures: the target arch x86_64 is not one of "
                              "the policy's (--arch chooses another)\n")


def test_docker_profile_shape(tmp_path):
    """Docker's profiles: archMap, includes/excludes.arches (Go names), comments."""
    profile = {
        "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
        "archMap": [{"architecture": "SCMP_ARCH_X86_64",
                     "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
        "syscalls": [
            {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "",
             "includes": {}, "excludes": {}},
            {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW",
             "includes": {"arches": ["amd64", "x32"]}},
            {"names": ["getpid"], "action": "SCMP_ACT_ALLOW",
             "excludes": {"arches": ["arm64"]}},
        ]}
    p = write(tmp_path, profile)
    for arch, names in (("x86_64", ["read", "write", "arch_prctl", "getpid"]),
                        ("aarch64", ["read", "write"])):
        want = dict(profile, syscalls=[{"names": names, "action": "SCMP_ACT_ALLOW"}])
        del want["archMap"]
        r = cbpf("disasm", "-o", "raw", "--arch", arch, "--policy", str(p))
        assert (r.returncode, r.stderr) == (0, b""), arch
        assert r.stdout == libseccomp_export(tmp_path, want, arch), arch


def test_stdin_and_every_command(tmp_path):
    prof = json.dumps(PROFILES["deny_list_errno"]).encode()
    r = cbpf("disasm", "-o", "raw", "--policy", "-", stdin=prof)
    assert r.returncode == 0
    assert r.stdout == libseccomp_export(tmp_path, PROFILES["deny_list_errno"])
    r = cbpf("asm", "-o", "ddd", "--policy=-", stdin=prof)
    lines = r.stdout.decode().splitlines()
    assert (r.returncode, lines[0], lines[1]) == (0, str(len(lines) - 1), "32 0 0 4")
    r = cbpf("check", "--policy", "-", stdin=prof)
    assert text(r) == (0, "ok\n", "")
    r = cbpf("check", "--load", "--policy", "-", stdin=prof)
    assert r.returncode == 0 and "seccomp filters are not charged" in r.stdout.decode()
    # --profile linux is the user's to choose: libseccomp's ld [4] is not a
    # packet load a socket filter may not do, so it loads there too
    r = cbpf("check", "--profile", "linux", "--policy", "-", stdin=prof)
    assert text(r) == (0, "ok\n", "")


# inputs only harmless syscalls (the kernel oracle makes them for real)
RUN_INPUTS = ["nr=getpid", "nr=getppid", "nr=close,args=9999", "nr=close,args=2",
              "nr=dup,args=5", "nr=dup,args=9999", "nr=dup,args=100000",
              "nr=getpriority,args=0x100", "nr=getpriority,args=0x101",
              "nr=kill,args=0x7fffffff:0", "nr=kill,args=0x7fffffff:0xffffffff00000000",
              "nr=read,args=0x0001000000009999", "nr=read,args=9999",
              "nr=write,args=0x100000000", "nr=lseek,args=9999:0:2", "nr=lseek,args=9999:0:1"]

RUN_WANT = ["0x7fff0000 ALLOW", "0x7fff0000 ALLOW", "0x7fff0000 ALLOW", "0x00050001 ERRNO(1)",
            "0x00050018 ERRNO(24)", "0x7fff0000 ALLOW", "0x00050007 ERRNO(7)",
            "0x00050016 ERRNO(22)", "0x7fff0000 ALLOW", "0x00050003 ERRNO(3)",
            "0x7fff0000 ALLOW", "0x00050012 ERRNO(18)", "0x7fff0000 ALLOW",
            "0x00050022 ERRNO(34)", "0x0005001d ERRNO(29)", "0x7fff0000 ALLOW"]


def test_run_and_kernel_run_agree(tmp_path):
    p = write(tmp_path, PROFILES["args"])
    seccomp_args = [a for i in RUN_INPUTS for a in ("--seccomp", i)]
    r = cbpf("run", "--policy", str(p), *seccomp_args)
    assert text(r) == (0, "\n".join(RUN_WANT) + "\n", "")
    k = cbpf("kernel", "run", "--policy", str(p), *RUN_INPUTS)
    if k.returncode == 3:
        pytest.skip(k.stderr.decode())
    assert text(k) == (0, "\n".join(RUN_WANT) + "\n", "")


def test_kernel_run_deny_list(tmp_path):
    p = write(tmp_path, PROFILES["deny_list_errno"])
    inputs = ["nr=getppid", "nr=getuid", "nr=getgid", "nr=getpid"]
    want = "0x00050ffe ERRNO(4094)\n0x7ffc0000 LOG\n0x7fff0000 ALLOW\n0x7fff0000 ALLOW\n"
    r = cbpf("run", "--policy", str(p), *[a for i in inputs for a in ("--seccomp", i)])
    assert text(r) == (0, want, "")
    k = cbpf("kernel", "run", "--policy", str(p), *inputs)
    if k.returncode == 3:
        pytest.skip(k.stderr.decode())
    assert text(k) == (0, want, "")


# ---- Docker's default profile: includes/excludes.caps and minKernel ----

# Docker's own default.json, as Debian ships it with moby's source
# (golang-github-docker-docker-dev): installed, or taken out of the .deb into
# the cache by `make deps` (the Makefile's DOCKER_PROFILE)
DOCKER_PATHS = ("/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json",
                os.path.expanduser("~/.cache/cbpf/docker/default.json"))
DOCKER_DEFAULT = next((p for p in DOCKER_PATHS if os.path.exists(p)), DOCKER_PATHS[-1])

# moby oci/caps/defaults.go, DefaultCapabilities()
DOCKER_CAPS = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
               "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
               "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}

# the arch names moby's daemon compares includes/excludes.arches with
# (profiles/seccomp/seccomp_linux.go, goToNative)
DOCKER_ARCH = {"x86_64": "amd64", "i386": "x86", "aarch64": "arm64", "s390x": "s390x",
               "mipsel64n32": "mips3l64n32"}
ARCHES["mipsel64n32"] = seccomp.Arch.MIPSEL64N32


def linux_caps():
    """Every capability of the uapi header (what --caps all is)."""
    import re
    with open("/usr/include/linux/capability.h") as f:
        return set(re.findall(r"^#define (CAP_[A-Z_]+)\s+\d+\s*$", f.read(), re.M))


def host_kernel():
    import re
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return int(m.group(1)), int(m.group(2))


def moby_resolve(profile, arch, caps, kernel):
    """The OCI profile moby's daemon hands runc (setupSeccomp): a rule is kept
    when the arch, the container's bounding set and the kernel pass every
    excludes (none matches) and includes (all match) condition."""
    darch = DOCKER_ARCH[arch]

    def at_least(v):
        a, b = v.split(".")
        return kernel >= (int(a), int(b))

    kept = []
    for rule in profile["syscalls"]:
        inc, exc = rule.get("includes") or {}, rule.get("excludes") or {}
        if darch in (exc.get("arches") or []) or any(c in caps for c in exc.get("caps") or []):
            continue
        if exc.get("minKernel") and at_least(exc["minKernel"]):
            continue
        if inc.get("arches") and darch not in inc["arches"]:
            continue
        if not all(c in caps for c in inc.get("caps") or []):
            continue
        if inc.get("minKernel") and not at_least(inc["minKernel"]):
            continue
        kept.append({k: rule[k] for k in ("names", "action", "errnoRet", "args") if k in rule})
    out = {"defaultAction": profile["defaultAction"], "syscalls": kept}
    if "defaultErrnoRet" in profile:
        out["defaultErrnoRet"] = profile["defaultErrnoRet"]
    return out


def docker_default():
    if not os.path.exists(DOCKER_DEFAULT):
        pytest.skip(f"{DOCKER_DEFAULT}: not there (make deps fetches it)")
    with open(DOCKER_DEFAULT) as f:
        return json.load(f)


DOCKER_CASES = {
    # name: cbpf's options, the capability set, the kernel (None: the host's), arch
    "default": ([], DOCKER_CAPS, None, "x86_64"),
    "caps-all": (["--caps", "all"], "all", None, "x86_64"),
    "caps-none": (["--caps", "none"], set(), None, "x86_64"),
    "caps-spelled": (["--caps", "CAP_SYS_ADMIN,sys_ptrace,Sys_Boot"],
                     {"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_BOOT"}, None, "x86_64"),
    "kernel-4.4": (["--kernel-version", "4.4"], DOCKER_CAPS, (4, 4), "x86_64"),
    "kernel-4.8": (["--kernel-version", "4.8.0-1-amd64"], DOCKER_CAPS, (4, 8), "x86_64"),
    "all-4.4": (["--caps", "all", "--kernel-version", "4.4"], "all", (4, 4), "x86_64"),
    "aarch64": (["--arch", "aarch64"], DOCKER_CAPS, None, "aarch64"),
    "s390x-all": (["--arch", "s390x", "--caps", "all"], "all", None, "s390x"),
    "i386": (["--arch", "i386"], DOCKER_CAPS, None, "i386"),
    "mipsel64n32": (["--arch", "mipsel64n32"], DOCKER_CAPS, None, "mipsel64n32"),
}


def docker_reference(tmp_path, name):
    _, caps, kernel, arch = DOCKER_CASES[name]
    caps = linux_caps() if caps == "all" else caps
    want = moby_resolve(docker_default(), arch, caps, kernel or host_kernel())
    return host_order(libseccomp_export(tmp_path, want, arch), arch), want


@pytest.mark.parametrize("name", sorted(DOCKER_CASES))
def test_docker_default_profile(tmp_path, name):
    """Docker's real default.json compiles to libseccomp's own export of the
    rules moby keeps for that container."""
    opts = DOCKER_CASES[name][0]
    r = cbpf("disasm", "-o", "raw", *opts, "--policy", DOCKER_DEFAULT)
    raw, _ = docker_reference(tmp_path, name)
    assert (r.returncode, r.stderr) == (0, b"")
    assert r.stdout == raw


def test_docker_default_resolution_matters(tmp_path):
    """The cases differ where default.json says they must."""
    prof = docker_default()
    kept = {n: docker_reference(tmp_path, n)[1]["syscalls"] for n in DOCKER_CASES}

    def names(case):
        return {x for rule in kept[case] for x in rule["names"]}

    # 12 of the 28 rules of Debian's profile for an x86-64 default container:
    # the big allow list, personality x5, arch_prctl, modify_ldt, ptrace (on 4.8
    # and up), clone with no namespace flags, clone3's ENOSYS and chroot
    # (CAP_SYS_CHROOT, one of Docker's default caps)
    assert len(prof["syscalls"]) == 28
    assert len(kept["default"]) == 12
    assert len(kept["kernel-4.4"]) == 11  # ptrace's minKernel 4.8 rule out
    assert len(kept["kernel-4.8"]) == 12
    assert len(kept["caps-none"]) == 11  # chroot's CAP_SYS_CHROOT rule out
    assert "chroot" in names("default") and "chroot" not in names("caps-none")
    assert "ptrace" in names("default") and "ptrace" not in names("kernel-4.4")
    assert "reboot" not in names("default") and "reboot" in names("caps-all")
    assert "reboot" in names("caps-spelled") and "acct" not in names("caps-spelled")
    enosys = [r for r in kept["default"] if r["action"] == "SCMP_ACT_ERRNO"]
    assert enosys == [{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "args": []}]
    assert not [r for r in kept["caps-all"] if r["action"] == "SCMP_ACT_ERRNO"]
    mips = [r for r in kept["mipsel64n32"] if r["action"] == "SCMP_ACT_ERRNO"]
    assert mips == [{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 89, "args": []}]
    programs = {n: docker_reference(tmp_path, n)[0] for n in ("default", "caps-all",
                                                              "kernel-4.4", "caps-none")}
    assert len(set(programs.values())) == 4


DOCKER_INPUTS = ["nr=read,args=9999", "nr=getpid", "nr=reboot", "nr=kexec_load", "nr=clone3",
                 "nr=setns,args=9999", "nr=unshare,args=0x80000000"]


@pytest.mark.parametrize("opts,want", [
    ([], ["0x7fff0000 ALLOW", "0x7fff0000 ALLOW", "0x00050001 ERRNO(1)", "0x00050001 ERRNO(1)",
          "0x00050026 ERRNO(38)", "0x00050001 ERRNO(1)", "0x00050001 ERRNO(1)"]),
    # CAP_SYS_ADMIN: clone3 (clone3(NULL, 0): EINVAL), setns and unshare allowed
    # (9999 is no fd, 0x80000000 no CLONE_ flag: EBADF, EINVAL); reboot not
    (["--caps", "sys_admin"], ["0x7fff0000 ALLOW", "0x7fff0000 ALLOW", "0x00050001 ERRNO(1)",
                               "0x00050001 ERRNO(1)", "0x7fff0000 ALLOW", "0x7fff0000 ALLOW",
                               "0x7fff0000 ALLOW"]),
])
def test_docker_default_run_and_kernel_run_agree(tmp_path, opts, want):
    docker_default()
    r = cbpf("run", *opts, "--policy", DOCKER_DEFAULT,
             *[a for i in DOCKER_INPUTS for a in ("--seccomp", i)])
    assert text(r) == (0, "\n".join(want) + "\n", "")
    k = cbpf("kernel", "run", *opts, "--policy", DOCKER_DEFAULT, *DOCKER_INPUTS)
    if k.returncode == 3:
        pytest.skip(k.stderr.decode())
    assert text(k) == (0, "\n".join(want) + "\n", "")


def test_docker_default_kernel_version(tmp_path):
    """ptrace is allowed from 4.8 (includes.minKernel); the kernel runs it too."""
    docker_default()
    for opts, want in ((["--kernel-version", "4.4"], "0x00050001 ERRNO(1)\n"),
                       (["--kernel-version", "4.7"], "0x00050001 ERRNO(1)\n"),
                       (["--kernel-version", "4.8"], "0x7fff0000 ALLOW\n"),
                       (["--kernel-version", "5.0"], "0x7fff0000 ALLOW\n"),
                       ([], "0x7fff0000 ALLOW\n"),
                       # CAP_SYS_PTRACE's rule allows it whatever the kernel
                       (["--kernel-version", "4.4", "--caps", "sys_ptrace"],
                        "0x7fff0000 ALLOW\n")):
        r = cbpf("run", *opts, "--policy", DOCKER_DEFAULT, "--seccomp", "nr=ptrace")
        assert text(r) == (0, want, ""), opts
    # denied, so the kernel never runs ptrace(PTRACE_TRACEME) in its child
    k = cbpf("kernel", "run", "--kernel-version", "4.4", "--policy", DOCKER_DEFAULT, "nr=ptrace")
    if k.returncode != 3:
        assert text(k) == (0, "0x00050001 ERRNO(1)\n", "")


# includes need all, excludes any; minKernel in both; "" and null are none
RESOLVE = {
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
    "syscalls": [
        {"names": ["getpid"], "action": "SCMP_ACT_ALLOW",
         "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]}},
        {"names": ["getppid"], "action": "SCMP_ACT_ALLOW",
         "excludes": {"caps": ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]}},
        {"names": ["getuid"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.10"}},
        {"names": ["getgid"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.10"}},
        {"names": ["geteuid"], "action": "SCMP_ACT_ALLOW",
         "includes": {"minKernel": "", "caps": [], "arches": []},
         "excludes": {"minKernel": None, "caps": None}},
        {"names": ["getegid"], "action": "SCMP_ACT_ALLOW",
         "includes": {"caps": ["CAP_BPF"], "minKernel": "5.8", "arches": ["amd64"]}},
    ]}


@pytest.mark.parametrize("opts,allowed", [
    (["--caps", "none", "--kernel-version", "5.4"], {"getppid", "getuid", "geteuid"}),
    (["--caps", "sys_admin", "--kernel-version", "5.10"], {"getgid", "geteuid"}),
    (["--caps", "net_admin,SYS_ADMIN", "--kernel-version", "5.9.99"],
     {"getpid", "getuid", "geteuid"}),
    (["--caps", "all", "--kernel-version", "6.1"], {"getpid", "getgid", "geteuid", "getegid"}),
    (["--caps", "bpf", "--kernel-version", "5.7"], {"getppid", "getuid", "geteuid"}),
    (["--caps", "bpf", "--kernel-version", "5.8"], {"getppid", "getuid", "geteuid", "getegid"}),
])
def test_docker_conditions(tmp_path, opts, allowed):
    p = write(tmp_path, RESOLVE)
    calls = [r["names"][0] for r in RESOLVE["syscalls"]]
    r = cbpf("run", *opts, "--policy", str(p), *[a for c in calls for a in ("--seccomp", f"nr={c}")])
    assert text(r) == (0, "".join("0x7fff0000 ALLOW\n" if c in allowed else "0x00050001 ERRNO(1)\n"
                                  for c in calls), ""), opts
    kernel = tuple(int(x) for x in opts[3].split(".")[:2])
    caps = {"none": set(), "all": linux_caps()}.get(
        opts[1], {"CAP_" + c.upper() for c in opts[1].split(",") if not c.upper().startswith("CAP_")}
        | {c.upper() for c in opts[1].split(",") if c.upper().startswith("CAP_")})
    want = moby_resolve(RESOLVE, "x86_64", caps, kernel)
    r = cbpf("disasm", "-o", "raw", *opts, "--policy", str(p))
    assert (r.returncode, r.stderr, r.stdout) == (0, b"", libseccomp_export(tmp_path, want))


def test_docker_kernel_release_form(tmp_path):
    """--kernel-version takes a uname release, read as moby reads the host's:
    its kernel and major revision, the rest ignored."""
    p = write(tmp_path, RESOLVE)
    for release, want in (("5.10.0-rc5+", "0x7fff0000 ALLOW\n"), ("5.9-1-amd64", "0x00050001 "
                          "ERRNO(1)\n"), ("255.255", "0x7fff0000 ALLOW\n"),
                          ("5.010", "0x7fff0000 ALLOW\n")):
        r = cbpf("run", "--kernel-version", release, "--policy", str(p), "--seccomp", "nr=getgid")
        assert text(r) == (0, want, ""), release


# ---- an exported filter loads as it is ----

def test_exported_filter_loads_as_is(tmp_path):
    raw = libseccomp_export(tmp_path, PROFILES["args"])
    exported = tmp_path / "exported.bpf"
    exported.write_bytes(raw)
    # auto-detected as raw records (host byte order)
    r = cbpf("disasm", "-o", "raw", str(exported))
    assert (r.returncode, r.stdout) == (0, raw)
    r = cbpf("check", "--profile", "seccomp", str(exported))
    assert text(r) == (0, "ok\n", "")
    seccomp_args = [a for i in RUN_INPUTS for a in ("--seccomp", i)]
    r = cbpf("run", "--profile", "seccomp", str(exported), *seccomp_args)
    assert text(r) == (0, "\n".join(RUN_WANT) + "\n", "")
    r = cbpf("run", "--profile", "seccomp", "-", *seccomp_args, stdin=raw)
    assert text(r) == (0, "\n".join(RUN_WANT) + "\n", "")
    k = cbpf("kernel", "run", "--via", "seccomp", str(exported), *RUN_INPUTS)
    if k.returncode != 3:
        assert text(k) == (0, "\n".join(RUN_WANT) + "\n", "")


# ---- bad policies: one line, exit 2 ----

def bad(tmp_path, body, *extra):
    p = tmp_path / "bad.json"
    p.write_bytes(body if isinstance(body, bytes) else body.encode())
    r = cbpf("check", *extra, "--policy", str(p))
    code, out, err = text(r)
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1, err
    return err[len(str(p)):]


def test_malformed_json(tmp_path):
    assert bad(tmp_path, '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": [}\n') == \
        ":3:16: unexpected '}', expected a value\n"
    # not JSON (no '{' first): the line format, which needs a default
    assert bad(tmp_path, "") == (": no default action (a line `default ACTION`, e.g. "
                                 "`default errno(1)`)\n")
    assert bad(tmp_path, "\n {") == ":2:3: unexpected end of input, expected a string key\n"
    assert bad(tmp_path, '{"defaultAction": "SCMP_ACT_ALLOW"} x') == \
        ":1:37: unexpected 'x', expected end of input\n"
    assert bad(tmp_path, b'{"defaultAction": "SCMP_ACT_\xff"}') == \
        ":1:29: invalid UTF-8 byte 0xff in string\n"
    assert bad(tmp_path, "{}") == (": defaultAction: missing (one of SCMP_ACT_ALLOW, "
                                   "SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, "
                                   "SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_TRACE, "
                                   "SCMP_ACT_LOG, SCMP_ACT_NOTIFY)\n")
    assert bad(tmp_path, "[1, 2]") == (": expected a JSON object (an OCI or Docker seccomp "
                                       "profile: {\"defaultAction\": ..., \"syscalls\": [...]}), "
                                       "got an array\n")


def test_truncated(tmp_path):
    doc = json.dumps(PROFILES["args"])
    for cut in (1, len(doc) // 3, len(doc) // 2, len(doc) - 1):
        err = bad(tmp_path, doc[:cut])
        assert err.startswith(":1:") and err.endswith("\n")


def test_huge(tmp_path):
    # past the 4 MiB of the largest policy: refused as soon as that was read
    big = tmp_path / "bad.json"
    with open(big, "wb") as f:
        f.write(b'{"defaultAction": "SCMP_ACT_ALLOW", "comment": "')
        f.write(b"x" * (100 << 20))
        f.write(b'"}')
    want = (2, "", f"cbpf: {big}: more than 4 MiB: larger than any seccomp policy (Docker's "
                   "default profile is 20 KiB)\n")
    assert text(cbpf("check", "--policy", str(big))) == want
    with open(big, "rb") as f:
        r = subprocess.run([CBPF, "run", "--policy", "-"], stdin=f, capture_output=True,
                           timeout=60)
    assert text(r) == (2, "", want[2].replace(str(big), "<stdin>"))
    # more JSON values than any policy has (65536)
    names = ",".join(['"getpid"'] * 300000)
    assert bad(tmp_path, '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [%s], '
                         '"action": "SCMP_ACT_LOG"}]}' % names) == \
        ":1:589840: more than 65536 values\n"


BAD_CASES = [
    ({"syscalls": []}, ": defaultAction: missing (one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, "
                       "SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, "
                       "SCMP_ACT_TRACE, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)\n"),
    ({"defaultAction": "SCMP_ACT_DENY"},
     ": defaultAction: unknown action 'SCMP_ACT_DENY' (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, "
     "SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_TRACE, "
     "SCMP_ACT_LOG, SCMP_ACT_NOTIFY)\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["write", "no_such_call"], "action": "SCMP_ACT_ERRNO"}]},
     ": syscalls[1].names[1]: unknown syscall 'no_such_call' (libseccomp 2.5.4 knows no "
     "syscall of that name)\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "allow"}]},
     ": syscalls[0].action: unknown action 'allow' (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, "
     "SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_TRACE, "
     "SCMP_ACT_LOG, SCMP_ACT_NOTIFY)\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG",
         "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
                  {"index": 1, "value": 1, "op": "SCMP_CMP_BETWEEN"}]}]},
     ": syscalls[0].args[1].op: unknown operator 'SCMP_CMP_BETWEEN' (SCMP_CMP_EQ, SCMP_CMP_NE, "
     "SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GT, SCMP_CMP_GE, SCMP_CMP_MASKED_EQ)\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG",
         "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]},
     ": syscalls[0].args[0].index: expected a number 0..5, got 6\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG",
         "args": [{"index": 0, "value": 18446744073709551616, "op": "SCMP_CMP_EQ"}]}]},
     ": syscalls[0].args[0].value: expected a number 0..18446744073709551615, got "
     "18446744073709551616\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG", "args": [{"index": 0, "op": "SCMP_CMP_EQ"}]}]},
     ": syscalls[0].args[0].value: missing\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG", "errnoRet": 1}]},
     ": syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take errnoRet\n"),
    ({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 65536},
     ": defaultErrnoRet: expected a number 0..65535 (the errno), got 65536\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "read", "action": "SCMP_ACT_LOG"}]},
     ": syscalls[0].names: expected an array of syscall names, got a string\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_LOG"}]},
     ": syscalls[0].names: no syscall names (\"names\": [\"read\", ...])\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "acton": "SCMP_ACT_LOG"}]},
     ": syscalls[0].acton: unknown key (names, action, errnoRet, args, includes, excludes)\n"),
    ({"defaultaction": "SCMP_ACT_ALLOW"},
     ": defaultaction: unknown key (defaultAction, defaultErrnoRet, architectures, archMap, "
     "syscalls, flags, listenerPath, listenerMetadata)\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]},
     ": architectures[0]: unknown architecture 'SCMP_ARCH_VAX' (libseccomp 2.5.4 does not "
     "know it)\n"),
    # Docker's includes/excludes.caps and minKernel (moby's rules)
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG", "includes": {"caps": ["CAP_SYS_ADMN"]}}]},
     ": syscalls[0].includes.caps[0]: unknown capability 'CAP_SYS_ADMN' (Linux's, as Docker "
     "writes them: CAP_SYS_ADMIN, CAP_NET_ADMIN, ...)\n"),
    # moby compares the names as written: sys_admin would never match
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG", "excludes": {"caps": ["CAP_KILL",
                                                                            "sys_admin"]}}]},
     ": syscalls[0].excludes.caps[1]: unknown capability 'sys_admin' (Linux's, as Docker "
     "writes them: CAP_SYS_ADMIN, CAP_NET_ADMIN, ...)\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG", "includes": {"caps": "CAP_KILL"}}]},
     ": syscalls[0].includes.caps: expected an array of capability names, got a string\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG", "includes": {"caps": [21]}}]},
     ": syscalls[0].includes.caps[0]: expected a capability name, got a number\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG", "excludes": {"minKernel": "4.8.1"}}]},
     ": syscalls[0].excludes.minKernel: invalid kernel version '4.8.1' (Docker's "
     "\"<kernel>.<major>\", each 0..255, e.g. \"4.8\")\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG", "includes": {"minKernel": "0.0"}}]},
     ": syscalls[0].includes.minKernel: invalid kernel version '0.0' (Docker's "
     "\"<kernel>.<major>\", each 0..255, e.g. \"4.8\")\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG", "includes": {"minKernel": "4.256"}}]},
     ": syscalls[0].includes.minKernel: invalid kernel version '4.256' (Docker's "
     "\"<kernel>.<major>\", each 0..255, e.g. \"4.8\")\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG", "includes": {"minKernel": 4.8}}]},
     ": syscalls[0].includes.minKernel: expected a kernel version (\"4.8\"), got a number\n"),
    ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_LOG", "includes": {"minKernal": "4.8"}}]},
     ": syscalls[0].includes.minKernal: unknown key (arches, caps, minKernel)\n"),
]


@pytest.mark.parametrize("profile,want", BAD_CASES)
def test_bad_policy(tmp_path, profile, want):
    assert bad(tmp_path, json.dumps(profile)) == want


def test_unreadable(tmp_path):
    r = cbpf("check", "--policy", str(tmp_path / "none.json"))
    assert text(r) == (2, "", f"cbpf: {tmp_path / 'none.json'}: No such file or directory\n")


# ---- usage errors ----

def usage(cmd, what):
    return (2, "", f"cbpf {cmd}: {what}\n(`cbpf {cmd} --help` for usage)\n")


def test_usage_errors(tmp_path):
    p = write(tmp_path, PROFILES["allow_list"])
    assert text(cbpf("check", "--arch", "x86_64", "prog.bpf")) == \
        usage("check", "--arch is for --policy FILE")
    assert text(cbpf("check", "--policy", str(p), "prog.bpf")) == \
        usage("check", "a program FILE ('prog.bpf') and --policy: give one")
    assert text(cbpf("run", "--policy", str(p), "-e", "arp")) == \
        usage("run", "-e and --policy: give one")
    assert text(cbpf("disasm", "-f", "json", "--policy", str(p))) == \
        usage("disasm", "-f is for a program FILE, not --policy")
    assert text(cbpf("check", "--policy")) == \
        usage("check", "--policy needs a policy FILE (- = stdin)")
    assert text(cbpf("check", "--policy", str(p), "--policy", str(p))) == \
        usage("check", f"more than one --policy ('{p}')")
    assert text(cbpf("run", "--arch", "vax", "--policy", str(p))) == \
        usage("run", "unknown --arch 'vax' (an arch libseccomp builds filters for: x86_64, "
                     "i386, x32, aarch64, arm, riscv64, ppc64le, s390x, mips, ...)")
    assert text(cbpf("run")) == usage("run", "no program FILE (or -e EXPRESSION or --policy "
                                             "FILE) given")
    r = cbpf("kernel", "run", "--arch", "x86_64", "-e", "arp")
    assert text(r) == (2, "", "cbpf kernel run: --arch is for --policy FILE\n"
                              "try 'cbpf kernel run --help'\n")
    assert text(cbpf("check", "--caps", "all", "prog.bpf")) == \
        usage("check", "--caps and --kernel-version are for --policy FILE")
    assert text(cbpf("run", "--kernel-version", "4.4", "-e", "arp")) == \
        usage("run", "--caps and --kernel-version are for --policy FILE")
    # --caps and --kernel-version: bad values
    caps_names = ("(Linux's names, with or without CAP_: SYS_ADMIN,NET_ADMIN; or all, "
                  "or none)")
    assert text(cbpf("check", "--caps", "SYS_ADMIN,CAP_BOGUS", "--policy", str(p))) == \
        usage("check", f"unknown capability 'CAP_BOGUS' in --caps 'SYS_ADMIN,CAP_BOGUS' "
                       f"{caps_names}")
    assert text(cbpf("check", "--caps", "all,kill", "--policy", str(p))) == \
        usage("check", f"unknown capability 'all' in --caps 'all,kill' {caps_names}")
    assert text(cbpf("check", "--caps", "kill,,chown", "--policy", str(p))) == \
        usage("check", f"unknown capability '' in --caps 'kill,,chown' {caps_names}")
    assert text(cbpf("check", "--caps", "%s%n", "--policy", str(p))) == \
        usage("check", f"unknown capability '%s%n' in --caps '%s%n' {caps_names}")
    assert text(cbpf("check", "--caps=", "--policy", str(p))) == \
        usage("check", "an empty --caps (none: no capabilities)")
    assert text(cbpf("check", "--caps")) == \
        usage("check", "--caps needs a list of capabilities (SYS_ADMIN,NET_ADMIN, all, none)")
    assert text(cbpf("check", "--caps", "all", "--caps", "none", "--policy", str(p))) == \
        usage("check", "more than one --caps ('none')")
    for bad_version in ("4", "4.", ".4", "x.y", "4.256", "-4.4", "", "04x"):
        assert text(cbpf("check", f"--kernel-version={bad_version}", "--policy", str(p))) == \
            usage("check", f"bad --kernel-version '{bad_version}' (X.Y, each 0..255, e.g. "
                           "4.4, or a release such as 6.1.0-9-amd64)"), bad_version
    assert text(cbpf("check", "--kernel-version")) == \
        usage("check", "--kernel-version needs a version (X.Y)")
    assert text(cbpf("check", "--kernel-version", "4.4", "--kernel-version", "5.4",
                     "--policy", str(p))) == \
        usage("check", "more than one --kernel-version ('5.4')")
    r = cbpf("kernel", "run", "--caps", "nope", "--policy", str(p), "nr=read")
    assert text(r) == (2, "", f"cbpf kernel run: unknown capability 'nope' in --caps 'nope' "
                              f"{caps_names}\ntry 'cbpf kernel run --help'\n")
    # a policy is a seccomp filter: its inputs are seccomp_data
    r = cbpf("run", "--policy", str(p), "00")
    assert text(r)[0] == 2 and "a seccomp_data record is 64 bytes" in text(r)[2]


@pytest.mark.parametrize("cmd", [["check"], ["run"], ["disasm"], ["asm"], ["kernel", "run"]])
def test_help_documents_policy(cmd):
    r = cbpf(*cmd, "--help")
    assert r.returncode == 0
    for word in ("--policy FILE", "--arch ARCH", "OCI / Docker seccomp", "--caps CAP,...",
                 "Docker's default container set", "--kernel-version X.Y", "uname -r"):
        assert word in r.stdout.decode(), (cmd, word)


# ---- the line format ----

LINE_OPS = {"SCMP_CMP_EQ": "==", "SCMP_CMP_NE": "!=", "SCMP_CMP_LT": "<", "SCMP_CMP_LE": "<=",
            "SCMP_CMP_GT": ">", "SCMP_CMP_GE": ">="}


def line_action(name, errno_ret):
    word = name[len("SCMP_ACT_"):].lower()
    return f"{word}({errno_ret})" if errno_ret is not None else word


def as_lines(profile):
    out = ["# written by test_seccomp_policy.as_lines",
           "default " + line_action(profile["defaultAction"], profile.get("defaultErrnoRet"))]
    if profile.get("architectures"):
        out.append("arch " + " ".join(a[len("SCMP_ARCH_"):].lower()
                                      for a in profile["architectures"]))
    for rule in profile.get("syscalls", []):
        conds = []
        for a in rule.get("args") or []:
            if a["op"] == "SCMP_CMP_MASKED_EQ":
                conds.append(f"a{a['index']} & {a['value']:#x} == {a.get('valueTwo', 0):#x}")
            else:
                conds.append(f"a{a['index']} {LINE_OPS[a['op']]} {a['value']}")
        out.append("\t".join([line_action(rule["action"], rule.get("errnoRet")),
                              " ".join(rule["names"])] + conds) + "   # a rule")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_lines_equal_libseccomp_export(tmp_path, name):
    p = tmp_path / "policy.txt"
    p.write_text(as_lines(PROFILES[name]))
    r = cbpf("disasm", "-o", "raw", "--policy", str(p))
    assert (r.returncode, r.stderr) == (0, b"")
    assert r.stdout == libseccomp_export(tmp_path, PROFILES[name])


def test_lines_optimize_and_arch(tmp_path):
    profile = PROFILES["multi_arch"]
    p = tmp_path / "policy.txt"
    p.write_text("optimize 2\n" + as_lines(profile))
    for arch in ("x86_64", "aarch64"):
        default = action(profile["defaultAction"], None)
        f = seccomp.SyscallFilter(default)
        f.set_attr(seccomp.Attr.CTL_OPTIMIZE, 2)
        if ARCHES[arch] != seccomp.system_arch():
            f.remove_arch(seccomp.Arch.NATIVE)
            f.add_arch(ARCHES[arch])
        for rule in profile["syscalls"]:
            for n in rule["names"]:
                for conds in conditions(rule.get("args") or []):
                    f.add_rule(action(rule["action"], rule.get("errnoRet")), n, *conds)
        with open(tmp_path / "ref.bpf", "wb") as o:
            f.export_bpf(o)
        r = cbpf("disasm", "-o", "raw", "--arch", arch, "--policy", str(p))
        assert (r.returncode, r.stderr) == (0, b""), arch
        assert r.stdout == (tmp_path / "ref.bpf").read_bytes(), arch


def test_lines_run(tmp_path):
    p = tmp_path / "policy.txt"
    p.write_text("default errno(1)\nallow read write\n"
                 "SCMP_ACT_ERRNO(EBADF) close a0 <= 2\nERRNO getpriority a0 & 0xff == 0\n")
    r = cbpf("run", "--policy", str(p), "--seccomp", "nr=read", "--seccomp", "nr=close,args=2",
             "--seccomp", "nr=close,args=3", "--seccomp", "nr=getpriority,args=0x100")
    assert text(r) == (0, "0x7fff0000 ALLOW\n0x00050009 ERRNO(9)\n0x00050001 ERRNO(1)\n"
                          "0x00050001 ERRNO(1)\n", "")


LINE_ERRORS = [
    ("default allow\nfoo read\n", ":2:1: unknown action or statement 'foo' (default, arch, "
     "optimize, or an action: allow, errno(N), kill, kill_process, trap, trace(N), log, notify)\n"),
    ("default allow\nerrno(70000) read\n", ":2:1: 'errno(70000)': the number is 0..65535 or "
     "an errno name (EPERM, EACCES, ...)\n"),
    ("default allow\nerrno(ENOPE) read\n", ":2:1: 'errno(ENOPE)': the number is 0..65535 or "
     "an errno name (EPERM, EACCES, ...)\n"),
    ("default allow\nallow(1) read\n", ":2:1: 'allow(1)': only errno(N) and trace(N) take a "
     "number\n"),
    ("default allow\nlog read a0 =< 1\n", ":2:13: unknown operator '=<' (==, !=, <, <=, >, >=, "
     "or & MASK ==)\n"),
    ("default allow\nlog read a0 & 0xff != 1\n", ":2:20: '!=': a masked condition is "
     "aI & MASK == VALUE\n"),
    ("default allow\nlog read a0 == 0x1g\n", ":2:16: bad value '0x1g' (a u64, decimal or 0x "
     "hex)\n"),
    ("default allow\nlog read a0 == 18446744073709551616\n", ":2:16: bad value "
     "'18446744073709551616' (a u64, decimal or 0x hex)\n"),
    ("default allow\nlog read a0\n", ":2:10: 'a0': a condition is aI OP VALUE or "
     "aI & MASK == VALUE\n"),
    ("default allow\nlog read a0 == 1 close\n", ":2:18: 'close': expected a condition (a0..a5) "
     "after the first one\n"),
    ("default allow\nlog a0 == 1\n", ":2:1: 'log': no syscall names after the action\n"),
    ("default allow\nallow nosuch\n", ":2:7: unknown syscall 'nosuch' (libseccomp 2.5.4 knows "
     "no syscall of that name)\n"),
    ("default allow\narch vax\n", ":2:6: unknown architecture 'vax' (libseccomp 2.5.4 does not "
     "know it)\n"),
    ("default allow\ndefault log\n", ":2:1: a second default\n"),
    ("default allow\noptimize 3\n", ":2:1: optimize takes 1 (priority) or 2 (binary tree)\n"),
    ("allow read\n", ": no default action (a line `default ACTION`, e.g. `default errno(1)`)\n"),
    ("# nothing\n\n", ": no default action (a line `default ACTION`, e.g. `default errno(1)`)\n"),
    ("default log\xff\n", ":1:12: a byte that is not printable ASCII\n"),
    ("default log\nallow read\0\n", ":2:11: a NUL byte\n"),
]


@pytest.mark.parametrize("body,want", LINE_ERRORS)
def test_lines_errors(tmp_path, body, want):
    assert bad(tmp_path, body.encode("latin-1")) == want


def test_unknown_name_in_a_skipped_rule(tmp_path):
    # a rule whose action is the default one is left out (runc), but its
    # names must still be syscalls
    assert bad(tmp_path, json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read", "nosuch"], "action": "SCMP_ACT_ALLOW"}]})) == \
        ": syscalls[0].names[1]: unknown syscall 'nosuch' (libseccomp 2.5.4 knows no syscall " \
        "of that name)\n"


# ---- --pid: a running process's filter (a child this test starts) ----

CHILD = r"""
import os, sys, time, seccomp
f = seccomp.SyscallFilter(seccomp.ALLOW)
f.add_rule(seccomp.ERRNO(1), "getppid")
f.add_rule(seccomp.ERRNO(9), "close", seccomp.Arg(0, seccomp.LE, 2))
with open(sys.argv[1], "wb") as o:
    f.export_bpf(o)
f.load()
g = seccomp.SyscallFilter(seccomp.ALLOW)
g.add_rule(seccomp.LOG, "getuid")
g.load()
print("ready", flush=True)
time.sleep(60)
"""


@pytest.fixture
def filtered_child(tmp_path):
    exported = tmp_path / "first.bpf"
    child = subprocess.Popen(["/usr/bin/python3", "-c", CHILD, str(exported)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        yield child.pid, exported.read_bytes()
    finally:
        child.kill()
        child.wait()


def test_pid(filtered_child):
    pid, first = filtered_child
    # filter 0 is the first one installed (the kernel's order): libseccomp's export
    r = cbpf("disasm", "-o", "raw", "--pid", str(pid))
    assert (r.returncode, r.stdout, r.stderr) == (0, first, b"")
    r = cbpf("run", "--pid", str(pid), "--seccomp", "nr=getppid", "--seccomp",
             "nr=close,args=1", "--seccomp", "nr=close,args=3")
    assert text(r) == (0, "0x00050001 ERRNO(1)\n0x00050009 ERRNO(9)\n0x7fff0000 ALLOW\n", "")
    r = cbpf("run", "--pid", f"{pid}:1", "--seccomp", "nr=getuid", "--seccomp", "nr=getppid")
    assert text(r) == (0, "0x7ffc0000 LOG\n0x7fff0000 ALLOW\n", "")
    r = cbpf("kernel", "run", "--pid", f"{pid}:1", "nr=getuid", "nr=getppid")
    if r.returncode != 3:
        assert text(r) == (0, "0x7ffc0000 LOG\n0x7fff0000 ALLOW\n", "")
    assert text(cbpf("check", "--pid", str(pid))) == (0, "ok\n", "")
    assert text(cbpf("check", "--pid", f"{pid}:2")) == (
        2, "", f"pid {pid} filter 2: PTRACE_SECCOMP_GET_FILTER: ENOENT (the process has fewer "
               "filters: 0 is the first installed)\n")
    # the child goes on running, unharmed, after each read
    with open(f"/proc/{pid}/status") as f:
        state = [l for l in f if l.startswith("State:")][0]
    assert state.split()[1] in ("S", "R"), state


def test_pid_errors(tmp_path):
    child = subprocess.Popen(["/usr/bin/python3", "-c", "import time; print(1, flush=True); "
                              "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        child.stdout.readline()
        assert text(cbpf("check", "--pid", str(child.pid))) == (
            2, "", f"pid {child.pid}: PTRACE_SECCOMP_GET_FILTER: EINVAL (the process has no "
                   "seccomp filter)\n")
    finally:
        child.kill()
        child.wait()
    # a pid that is not running (pid_max is at most 2^22)
    assert text(cbpf("check", "--pid", "4194305")) == (
        2, "", "pid 4194305: PTRACE_SEIZE: ESRCH (no such process)\n")
    p = write(tmp_path, PROFILES["allow_list"])
    assert text(cbpf("check", "--pid", "0")) == usage(
        "check", "bad --pid '0' (a process id, or PID:INDEX with INDEX 0 the first filter installed)")
    assert text(cbpf("check", "--pid", "12:x")) == usage(
        "check", "bad --pid '12:x' (a process id, or PID:INDEX with INDEX 0 the first filter installed)")
    assert text(cbpf("check", "--pid", "12", "--policy", str(p))) == usage(
        "check", "--pid '12' and a program FILE, -e or --policy: give one")
    assert text(cbpf("disasm", "-f", "raw", "--pid", "12")) == usage(
        "disasm", "-f is for a program FILE, not --pid")
