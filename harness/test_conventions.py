"""test_conventions: the conventions of the field, on the built cbpf:
`cbpf --version` (library version, kernel release, JIT state), a man page
per command generated from its --help (rendered with `man -l`, installed
by `cmake --install`), the bash completion (installed, and completing),
colour only on a terminal and never with NO_COLOR, progress only on a
terminal, and `-` as stdin where a command reads a file.
"""
import io
import json
import os
import platform
import pty
import re
import shutil
import subprocess

import pytest

from cbpfconform import colour, runner

from conftest import BUILD, CBPF, SRC, py_env
from test_ci_output import broken_doc

DOC = os.path.abspath(os.path.join(BUILD, "doc"))


def cbpf(*args, **kw):
    kw.setdefault("capture_output", True)
    return subprocess.run([CBPF, *args], text=True, timeout=120, env=py_env(), **kw)


def commands():
    top = cbpf("--help").stdout
    block = top.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [l.split()[0] for l in block.splitlines()]


def test_version(build_dir):
    r = cbpf("--version")
    assert r.returncode == 0 and r.stderr == ""
    lines = r.stdout.splitlines()
    with open(os.path.join(SRC, "CMakeLists.txt")) as f:
        version = re.search(r"project\(cbpf VERSION ([0-9.]+)", f.read()).group(1)
    assert lines[0] == f"cbpf {version}"
    assert lines[1] == f"libcbpf {version}"
    assert lines[2] == f"kernel Linux {platform.release()} {platform.machine()}"
    with open("/proc/sys/net/core/bpf_jit_enable") as f:
        jit = int(f.read())
    meaning = {0: "off: the interpreter runs filters", 1: "on", 2: "on, with the debug log"}[jit]
    assert lines[3] == f"bpf_jit_enable {jit} ({meaning})"
    assert len(lines) == 4


def _man(path):
    if not shutil.which("man"):
        pytest.skip("man is not installed")
    r = subprocess.run(["man", "-l", path], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, MANWIDTH="200", MAN_KEEP_FORMATTING="",
                                MANPAGER="cat", PAGER="cat"))
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_a_man_page_per_command_from_its_help(build_dir):
    names = commands()
    assert names == ["asm", "disasm", "check", "run", "plugin", "kernel", "seccomp", "corpus",
                     "triage", "fuzz", "opcodes"]
    pages = sorted(os.listdir(os.path.join(DOC, "man1")))
    assert pages == sorted(["cbpf.1"] + [f"cbpf-{n}.1" for n in names])
    for n in names:
        text = _man(os.path.join(DOC, "man1", f"cbpf-{n}.1"))
        assert f"cbpf-{n} - " in text
        # every line of --help, as it is (the page shows it unfilled)
        man_lines = {l.strip() for l in text.splitlines()}
        for line in cbpf(n, "--help").stdout.splitlines():
            if line.strip():
                assert line.strip() in man_lines, (n, line)
    top = _man(os.path.join(DOC, "man1", "cbpf.1"))
    assert "NO_COLOR" in top and "EXIT STATUS" in top and "bpf_jit_enable" in top
    # subcommands with their own help are sections of their command's page
    corpus = _man(os.path.join(DOC, "man1", "cbpf-corpus.1"))
    assert "CORPUS RUN" in corpus and "--junit FILE" in corpus


def test_install_puts_man_pages_and_completion(build_dir, tmp_path):
    r = subprocess.run(["cmake", "--install", BUILD, "--prefix", str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    man1 = tmp_path / "share" / "man" / "man1"
    assert sorted(os.listdir(man1)) == sorted(os.listdir(os.path.join(DOC, "man1")))
    assert (tmp_path / "share" / "bash-completion" / "completions" / "cbpf").is_file()
    assert "cbpf-run - " in _man(str(man1 / "cbpf-run.1"))


def complete(*words):
    """What the completion offers for `cbpf WORDS...` (the last word is
    being typed)."""
    comp = os.path.join(DOC, "completion", "cbpf")
    line = " ".join(["cbpf", *words])
    script = (f"source {comp}; COMP_WORDS=(cbpf {' '.join(repr(w) for w in words)}); "
              f"COMP_CWORD={len(words)}; COMP_LINE={line!r}; _cbpf; "
              "printf '%s\\n' \"${COMPREPLY[@]}\"")
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                       cwd="/")
    assert r.returncode == 0, r.stderr
    return sorted(r.stdout.split())


def test_bash_completion(build_dir):
    assert complete("di") == ["disasm"]
    assert complete("--v") == ["--version"]
    assert complete("corpus", "re") == ["record", "render"]
    assert complete("corpus", "--ju") == ["--junit"]
    assert complete("disasm", "-f", "js") == ["json"]
    assert complete("check", "--profile", "s") == ["seccomp"]
    assert complete("kernel", "run", "--via", "p") == ["packet"]
    assert "--summary-md" in complete("corpus", "--s")
    assert complete("check", "--ou") == ["--output"]


def _pty_run(args, env):
    """stdout of a command whose stdout is a terminal."""
    master, slave = pty.openpty()
    p = subprocess.Popen(args, stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    p.wait(120)
    os.close(master)
    return out.decode()


def test_colour_only_on_a_terminal_and_not_with_no_color(tmp_path):
    res = tmp_path / "results.json"
    res.write_text(json.dumps(broken_doc()))
    args = ["/usr/bin/python3", "-m", "cbpfconform", "render", str(res), "--out",
            str(tmp_path / "out")]
    env = {k: v for k, v in py_env().items() if k not in ("NO_COLOR", "TERM")}
    tty = _pty_run(args, env)
    assert "\x1b[31;1m" in tty and "\x1b[33m" in tty  # our VM's divergence red, libpcap amber
    assert "\x1b[" not in _pty_run(args, dict(env, NO_COLOR="1"))
    assert "\x1b[" not in _pty_run(args, dict(env, TERM="dumb"))
    piped = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert "\x1b[" not in piped.stdout and "vm" in piped.stdout
    # NO_COLOR="" (empty) does not disable it (no-color.org)
    assert colour.enabled(_Tty(), {"NO_COLOR": ""}) is True
    assert colour.enabled(_Tty(), {"NO_COLOR": "0"}) is False


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_only_on_a_terminal():
    log = io.StringIO()
    p = runner.Progress({"vm": 2}, log)
    p.tick("vm")
    p.show()
    p.show(final=True)
    assert log.getvalue() == ""
    p.note("conform: waiting for vm")  # a note is not progress: always shown
    assert log.getvalue() == "conform: waiting for vm\n"
    tty = _Tty()
    p = runner.Progress({"vm": 2}, tty)
    p.tick("vm")
    p.show(final=True)
    assert tty.getvalue() == "\r\x1b[Kconform: vm 1/2\n"


PCAP = (bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000") +
        bytes.fromhex("00000000000000000200000002000000abcd"))


def test_dash_is_stdin(build_dir, tmp_path):
    prog = tmp_path / "p.bpf"
    prog.write_text("ld #len\nret a\n")
    for args in (["asm", "-"], ["disasm", "-"], ["check", "-"], ["run", "-", "00"]):
        r = cbpf(*args, input="ld #len\nret a\n")
        assert r.returncode == 0 and r.stdout, (args, r.stderr)
    r = subprocess.run([CBPF, "run", "--pcap", "-", str(prog)], input=PCAP,
                       capture_output=True, timeout=60)
    assert (r.returncode, r.stdout) == (0, b"2\n"), r.stderr
    r = cbpf("run", "--pcap", "-", "-", input="ret #1\n")
    assert (r.returncode, r.stderr) == (2, "cbpf run: --pcap -: stdin is the program already\n")
    r = cbpf("corpus", "render", "-", "--out", str(tmp_path / "out"), "--quiet",
             input=json.dumps(broken_doc()))
    assert r.returncode == 1 and (tmp_path / "out" / "index.html").is_file(), r.stderr
    r = cbpf("corpus", "render", "-", "--out", str(tmp_path / "out"), input="[1,")
    assert r.returncode == 2 and r.stderr.startswith("conform: <stdin>: not JSON ("), r.stderr
    r = cbpf("triage", "-", "--no-file", input="ret #1\n")
    assert (r.returncode, r.stderr) == (2, "cbpf triage: <stdin>: a program needs its packets "
                                           "(--packet HEX)\n")


def test_output_file_is_written_atomically(build_dir, tmp_path):
    """--output FILE for every command that prints its result: the file has
    exactly what stdout would have; a failing run (status 2) leaves the file
    as it was and no temporary file; status 1 (a refused program) still
    writes its complete output."""
    prog = tmp_path / "p.bpf"
    prog.write_text("ld #len\nret a\n")
    runs = [["asm", str(prog)], ["disasm", "-o", "json", str(prog)], ["check", str(prog)],
            ["run", str(prog), "0001"], ["seccomp", "action", "ALLOW"], ["opcodes", "--json"],
            ["seccomp", "data", "nr=read"]]
    out = tmp_path / "out.txt"
    for args in runs:
        want = cbpf(*args)
        assert want.returncode == 0, want.stderr
        for form in (["--output", str(out)], [f"--output={out}"]):
            r = cbpf(*args[:1], *form, *args[1:])
            assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), (args, r.stderr)
            assert out.read_text() == want.stdout
            out.unlink()
    # -o FILE is --output's short form where -o is not the command's own
    for args in runs:
        if args[0] in ("asm", "disasm"):
            continue
        want = cbpf(*args)
        r = cbpf(*args[:1], "-o", str(out), *args[1:])
        assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), (args, r.stderr)
        assert out.read_text() == want.stdout
        out.unlink()
    r = cbpf("run", str(prog), "0001", "-o")
    assert (r.returncode, r.stderr) == (2, "cbpf run: -o needs a file name\n")
    r = cbpf("plugin", "--output", str(out), input='{"id":1,"profile":"linux",'
             '"program":[[6,0,0,1]],"packets":["00"]}\n')
    assert r.returncode == 0 and out.read_text() == \
        '{"id":1,"load":"ok","results":[{"verdict":1,"abort":null}]}\n'
    # status 1: the refused program's output (none: its problems go to
    # stderr, the one problem printer) replaces the file
    bad = tmp_path / "bad.bpf"
    bad.write_text("ld #1\n")
    want = cbpf("check", str(bad))
    out.write_text("before\n")
    r = cbpf("check", str(bad), "--output", str(out))
    assert (want.returncode, r.returncode, r.stdout) == (1, 1, "")
    assert out.read_text() == want.stdout == ""
    assert r.stderr == want.stderr == f"{bad}: insn 0: last-ret: the last instruction " \
                                      "(code 0) is not ret #k or ret a (EINVAL)\n"
    # status 2: the old file stays, no temporary file
    out.write_text("before\n")
    r = cbpf("run", "--output", str(out), str(prog), "zz")
    assert r.returncode == 2 and out.read_text() == "before\n"
    r = cbpf("check", str(tmp_path / "missing"), "--output", str(out))
    assert r.returncode == 2 and out.read_text() == "before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.bpf", "out.txt", "p.bpf"]
    # a directory cannot be replaced: one line naming it, nothing left behind
    d = tmp_path / "dir"
    d.mkdir()
    r = cbpf("check", str(prog), "--output", str(d))
    assert (r.returncode, r.stderr) == (2, f"cbpf: {d}: Is a directory\n")
    assert os.listdir(d) == [] and sorted(p.name for p in tmp_path.iterdir()) == \
        ["bad.bpf", "dir", "out.txt", "p.bpf"]
    r = cbpf("check", str(prog), "--output")
    assert (r.returncode, r.stderr) == (2, "cbpf check: --output needs a file name\n")
