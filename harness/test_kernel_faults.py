"""test_kernel_faults: the kernel matrix's faults (docs/kernel-matrix.md,
"Faults"), each a one-line error naming the target, the other targets and
the answers already given going on.

No real guest boots here: qemu-system-arm is harness/fake_qemu.py on PATH
(a "guest" that answers every request with verdict 1 but panics, hangs or
truncates its reply on marked programs), and the garbage custom kernel is
given to the real qemu-system-x86_64, which refuses it at once. A missing
qemu binary is a PATH without it. Already tested elsewhere: a frozen and a
killed real guest (test_kernel_guest.py), a plugin that cannot start in
triage and fuzzing (test_kernel_triage.py, test_fuzz_guest.py).
"""
import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import CBPF, SRC

HERE = os.path.dirname(os.path.abspath(__file__))
ARMHF = "debian-6.1/armhf:jit"
P100 = "00" * 100
PANIC, HANG, TRUNCATE = 0xdead, 0xbeef, 0xcafe


def req(i, k):
    return json.dumps({"id": i, "profile": "linux", "program": [[0x00, 0, 0, k], [0x16, 0, 0, 0]],
                       "packets": [P100]})


def farm(tmp_path, leave_out=(), fake=("qemu-system-arm",)):
    """A PATH directory: every program of the real PATH, except leave_out,
    with fake_qemu.py as each name in fake."""
    d = tmp_path / "path"
    d.mkdir()
    for p in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(p):
            continue
        for name in os.listdir(p):
            if name in leave_out or name in fake or (d / name).exists():
                continue
            (d / name).symlink_to(os.path.join(p, name))
    for name in fake:
        (d / name).symlink_to(os.path.join(HERE, "fake_qemu.py"))
    return str(d)


@pytest.fixture(scope="module")
def armhf_cached(build_dir):
    """The armhf kernel and initramfs in the cache (the fake qemu boots
    nothing, but the plugin prepares them first)."""
    if os.geteuid() != 0:
        pytest.skip("the kernel oracle needs root")
    if shutil.which("arm-linux-gnueabihf-gcc") is None:
        pytest.skip("arm-linux-gnueabihf-gcc not installed (apt-get install "
                    "gcc-arm-linux-gnueabihf)")
    r = subprocess.run([CBPF, "kernel", "fetch", ARMHF.split(":")[0]], capture_output=True,
                       text=True, timeout=1200)
    if r.returncode != 0:
        pytest.skip(f"{ARMHF} cannot be had: {(r.stderr.strip().splitlines() or ['?'])[-1]}")
    return build_dir


def test_panic_hang_and_truncated_reply(armhf_cached, tmp_path):
    """Each fault answers its request with an error naming the target and
    the console's last line; the guest is rebooted and the requests behind
    it (already sent, pipelined) are answered by the new guest."""
    env = dict(os.environ, PATH=farm(tmp_path))
    lines = [req(1, 1), req(2, PANIC), req(3, 3), req(4, HANG), req(5, 5), req(6, TRUNCATE),
             req(7, 7)]
    r = subprocess.run([CBPF, "kernel", "plugin", "--target", ARMHF, "--timeout", "2"],
                       input="".join(x + "\n" for x in lines), capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, 2, 3, 4, 5, 6, 7]
    for o, boots in zip(out[0::2], (1, 2, 3, 4)):
        assert o["load"] == "ok" and o["results"][0]["verdict"] == 1, o
        assert o["target"]["boots"] == boots, o
    errs = {o["id"]: o for o in out[1::2]}
    assert all(e["load"] == "error" and e["guest_error"] is True for e in errs.values())
    assert errs[2]["reason"] == (f"{ARMHF}: the guest died on this request (console: Kernel "
                                 "panic - not syncing: fake oops in bpf_prog_run); the guest "
                                 "was restarted")
    assert errs[4]["reason"] == (f"{ARMHF}: no answer in 2 s (hung guest) (console: Linux "
                                 "version 6.1.0-fake); the guest was restarted")
    assert errs[6]["reason"] == (f"{ARMHF}: the guest died on this request (console: Linux "
                                 "version 6.1.0-fake); the guest was restarted")


def write_case(d, name, k):
    (d / f"{name}.case").write_text(
        f"description: fault test {name}\nprofile: linux\nprogram:\n"
        f"  0x0000 0 0 {k:#010x}\n  0x0016 0 0 0x00000000\npacket: pattern 100\n")


def test_runner_goes_on_past_broken_targets(armhf_cached, tmp_path):
    """make conform KERNELS=... with a guest that panics on one case, a
    target whose qemu is missing and a custom kernel that does not boot: the
    two are skipped with their one-line reasons, the panic is that case's
    divergence (peer-error, the console line quoted), every other answer
    stays, and results.json and kernels.json are written."""
    if shutil.which("x86_64-linux-gnu-gcc") is None or shutil.which("qemu-system-x86_64") is None:
        pytest.skip("x86_64-linux-gnu-gcc or qemu-system-x86_64 not installed")
    corpus = tmp_path / "corpus" / "faults"
    corpus.mkdir(parents=True)
    for name, k in (("a", 1), ("b", PANIC), ("c", 1)):  # the fake says 1
        write_case(corpus, name, k)
    garbage = tmp_path / "garbage.img"
    garbage.write_bytes(bytes(range(256)) * 1024)
    out = tmp_path / "out"
    env = dict(os.environ, PATH=farm(tmp_path, leave_out=("qemu-system-mips64el",)),
               PYTHONPATH=os.path.join(SRC, "harness"))
    kernels = f"host {ARMHF} debian-6.1/mips64el:jit custom/amd64:interp={garbage}"
    r = subprocess.run([sys.executable, "-m", "cbpfconform", "run", "--build", armhf_cached,
                        "--corpus", str(tmp_path / "corpus"), "--kernels", kernels,
                        "--out", str(out), "--quiet", "--allow-broken"],
                       capture_output=True, text=True, timeout=900, env=env)
    doc = json.loads((out / "results.json").read_text())
    stats = json.loads((out / "kernels.json").read_text())
    oc = {c["id"]: c["outcomes"] for c in doc["cases"]}
    assert sorted(oc) == ["faults/a", "faults/b", "faults/c"], r.stderr
    for cid in oc:
        assert oc[cid]["kernel"]["status"] in ("pass", "skipped"), oc[cid]  # nothing recorded
    guest = f"kernel:{ARMHF}"
    assert oc["faults/a"][guest]["status"] == "pass" and oc["faults/c"][guest]["status"] == "pass", \
        (oc["faults/a"][guest], oc["faults/c"][guest], r.stderr)
    b = oc["faults/b"][guest]
    assert (b["status"], b["outcome"]) == ("diverge", "peer-error"), b
    assert b["detail"] == (f"error: {ARMHF}: the guest died on this request (console: Kernel "
                           "panic - not syncing: fake oops in bpf_prog_run); the guest was "
                           "restarted")
    assert stats[guest]["lanes"]["linux"]["guest_errors"] == 1
    mips = oc["faults/a"]["kernel:debian-6.1/mips64el:jit"]
    assert mips == {"status": "skipped", "detail": "cbpf kernel plugin: debian-6.1/mips64el:jit: "
                    "qemu-system-mips64el not found (apt-get install qemu-system-mips)"}, mips
    custom = oc["faults/a"]["kernel:custom/amd64:interp"]
    assert custom["status"] == "skipped", custom
    assert custom["detail"] == ("cbpf kernel plugin: custom/amd64:interp: qemu exited during "
                                "boot: qemu: linux kernel too old to load a ram disk"), custom
    assert stats["kernel:custom/amd64:interp"]["lanes"]["linux"] == {"skipped": custom["detail"]}
    assert f"conform: kernel:debian-6.1/mips64el:jit (linux) skipped: {mips['detail']}" \
        in r.stderr, r.stderr


def guest_build_cache(triplet):
    """This source tree's cached guest build configuration for triplet."""
    root = os.environ.get("CBPF_KERNEL_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "cbpf", "kernels")
    for path in glob.glob(os.path.join(root, "guest", "*", triplet, "CMakeCache.txt")):
        with open(path) as f:
            if f"CMAKE_HOME_DIRECTORY:INTERNAL={os.path.realpath(SRC)}\n" in f.read():
                return path
    return None


def test_stale_guest_build_configuration_is_configured_again(armhf_cached, tmp_path):
    """A cached guest build whose configuration names a make program that is
    gone (a test's PATH farm, a moved tool) is configured again once, and
    the request is answered, instead of every later run failing."""
    env = dict(os.environ, PATH=farm(tmp_path))
    r = subprocess.run([CBPF, "kernel", "plugin", "--target", ARMHF], input=req(1, 1) + "\n",
                       capture_output=True, text=True, timeout=600, env=env)
    cache = guest_build_cache("arm-linux-gnueabihf")
    assert r.returncode == 0 and cache is not None, r.stderr
    with open(cache) as f:
        text = f.read()
    lines = [ln if not ln.startswith("CMAKE_MAKE_PROGRAM:") else
             "CMAKE_MAKE_PROGRAM:FILEPATH=/nonexistent/gmake" for ln in text.splitlines()]
    with open(cache, "w") as f:
        f.write("\n".join(lines) + "\n")
    r = subprocess.run([CBPF, "kernel", "plugin", "--target", ARMHF], input=req(2, 1) + "\n",
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)
    assert o["load"] == "ok" and o["results"][0]["verdict"] == 1, o
    with open(cache) as f:
        assert "/nonexistent/gmake" not in f.read()


def test_unreadable_stdin_is_an_error(armhf_cached, tmp_path):
    """A stdin that cannot be read (here a directory: EISDIR) ends the
    plugin with status 2 and one line naming the target and why; before,
    it was taken for the end of input and the plugin exited 0 in silence."""
    env = dict(os.environ, PATH=farm(tmp_path))
    d = tmp_path / "dir"
    d.mkdir()
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    try:
        r = subprocess.run([CBPF, "kernel", "plugin", "--target", ARMHF], stdin=fd,
                           capture_output=True, text=True, timeout=120, env=env)
    finally:
        os.close(fd)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"cbpf kernel plugin: {ARMHF}: reading stdin: Is a directory\n"
