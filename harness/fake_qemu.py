#!/usr/bin/python3
"""fake_qemu: a stand-in for qemu-system-ARCH in the kernel-matrix fault
tests (harness/test_kernel_faults.py). It takes qemu's command line as
kernel_cmp/guest/vm.c builds it, connects to the virtio-serial socket,
writes /init's banner and answers plugin requests like a guest whose every
verdict is 1, except for programs whose first instruction's k names a fault:

  0xdead  a kernel panic: the line goes to the console log, then qemu exits
  0xbeef  a hang: no answer, ever
  0xcafe  a truncated reply: half an answer line, then qemu exits

FAKE_QEMU_FAULTS_ONCE=FILE: each fault happens only while FILE does not
exist (it is created then), so the reboot that follows answers normally.
"""
import json
import os
import socket
import sys
import time


def arg_after(argv, flag, prefix):
    for i, a in enumerate(argv[:-1]):
        if a == flag and argv[i + 1].startswith(prefix):
            return argv[i + 1]
    return None


def path_of(spec):
    return next(p.split("=", 1)[1] for p in spec.split(",") if p.startswith("path="))


def main(argv):
    console = path_of(arg_after(argv, "-chardev", "file,"))
    port = path_of(arg_after(argv, "-chardev", "socket,"))
    jit = "cbpf.jit=1" in (arg_after(argv, "-append", "") or "")
    once = os.environ.get("FAKE_QEMU_FAULTS_ONCE")
    con = open(console, "a", buffering=1)
    con.write("Linux version 6.1.0-fake\n")
    s = socket.socket(socket.AF_UNIX)
    s.connect(port)
    f = s.makefile("rwb", buffering=0)
    f.write(json.dumps({"cbpf_guest": 1, "jit": "jit" if jit else "interp",
                        "jit_proof": "flen=5 proglen=1 fake" if jit else None,
                        "modules": "", "error": None}).encode() + b"\n")
    first = True
    for line in f:
        req = json.loads(line)
        k = req["program"][0][3] if req["program"] else 0
        fault = k in (0xdead, 0xbeef, 0xcafe) and not (once and os.path.exists(once))
        if fault and once:
            open(once, "w").close()
        if fault and k == 0xdead:
            con.write("Kernel panic - not syncing: fake oops in bpf_prog_run\n")
            return 0
        if fault and k == 0xbeef:
            while True:
                time.sleep(60)
        answer = {"id": req["id"], "load": "ok",
                  "results": [{"verdict": 1, "abort": None, "exact": True}
                              for _ in req.get("packets", req.get("seccomp_data", []))]}
        if first:
            answer["env"] = {"release": "6.1.0-fake", "arch": "fake"}
            first = False
        out = json.dumps(answer).encode() + b"\n"
        if fault and k == 0xcafe:
            f.write(out[:len(out) // 2])
            return 0
        f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
