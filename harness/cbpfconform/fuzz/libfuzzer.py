"""libfuzzer: one slice of one libFuzzer target, and the corpus merge after it.

A slice runs TARGET -max_total_time=S on DIR/corpus/TARGET (plus the seed
corpus) with the target's dictionary and .options, as fuzz/run.sh does;
reproducers and crash inputs go to DIR/findings/TARGET/. Its statistics are
read from libFuzzer's output: executions, and the cov/ft/corp figures of the
last status line. The merge (-merge=1) writes a minimised copy of the corpus
next to it and swaps it in by renames, so a stop at any moment leaves one
whole corpus (recover() repairs an interrupted swap)."""
import os
import re
import shutil
import signal
import subprocess
import threading
import zipfile

STATUS_RE = re.compile(r"^#(\d+)\s+\S+\s+cov: (\d+) ft: (\d+) corp: (\d+)/")
EXECS_RE = re.compile(r"stat::number_of_executed_units: (\d+)")


class Children:
    """The running engine processes, so that a signal can stop them all."""

    def __init__(self):
        self.lock = threading.Lock()
        self.procs = set()
        self.stopping = False

    def start(self, cmd, **kw):
        with self.lock:
            if self.stopping:
                return None
            p = subprocess.Popen(cmd, start_new_session=True, **kw)
            self.procs.add(p)
            return p

    def done(self, p):
        with self.lock:
            self.procs.discard(p)

    def stop(self):
        with self.lock:
            self.stopping = True
            for p in self.procs:
                try:
                    os.killpg(p.pid, signal.SIGINT)
                except ProcessLookupError:
                    pass


def options(fuzz_build, target):
    """The [libfuzzer] options of TARGET.options as -key=value."""
    out = []
    path = os.path.join(fuzz_build, target + ".options")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line and not line.lstrip().startswith("["):
                    k, v = (s.strip() for s in line.split("=", 1))
                    out.append(f"-{k}={v}")
    return out


def seeds(fuzz_build, target, d):
    """DIR/seeds/TARGET, unpacked once from TARGET_seed_corpus.zip."""
    z = os.path.join(fuzz_build, target + "_seed_corpus.zip")
    if not os.path.isdir(d):
        tmp = d + ".part"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        if os.path.exists(z):
            with zipfile.ZipFile(z) as zf:
                zf.extractall(tmp)
        os.replace(tmp, d)
    return d


def recover(corpus):
    """Undo what a stop in the middle of a corpus swap left."""
    old, new = corpus + ".old", corpus + ".merge"
    if not os.path.isdir(corpus) and os.path.isdir(old):
        os.replace(old, corpus)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(new, ignore_errors=True)
    os.makedirs(corpus, exist_ok=True)


def parse(text):
    """execs, cov, features, corpus size from a libFuzzer log."""
    st = {"execs": 0, "cov": None, "features": None, "corpus": None}
    for line in text.splitlines():
        m = STATUS_RE.match(line)
        if m:
            st["execs"] = max(st["execs"], int(m.group(1)))
            st["cov"], st["features"], st["corpus"] = (int(m.group(i)) for i in (2, 3, 4))
        m = EXECS_RE.search(line)
        if m:
            st["execs"] = max(st["execs"], int(m.group(1)))
    return st


def run_slice(children, binary, target, dirs, seconds, env, log_path):
    """Fuzz TARGET for `seconds`; returns (parsed stats, exit code)."""
    fuzz_build = os.path.dirname(binary)
    cmd = [binary, f"-max_total_time={int(seconds)}", "-timeout=10", "-print_final_stats=1",
           f"-artifact_prefix={dirs['findings']}/", *options(fuzz_build, target)]
    d = os.path.join(fuzz_build, target + ".dict")
    if os.path.exists(d):
        cmd.append(f"-dict={d}")
    cmd += [dirs["corpus"], dirs["seeds"]]
    with open(log_path, "w") as log:
        p = children.start(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        if p is None:
            return parse(""), None
        try:
            rc = p.wait()
        finally:
            children.done(p)
    with open(log_path, errors="replace") as f:
        return parse(f.read()), rc


def merge(children, binary, target, corpus, env, log_path):
    """Minimise corpus in place (-merge=1 into a fresh directory, then swap);
    returns the number of files kept, or None when stopped or failed."""
    new = corpus + ".merge"
    shutil.rmtree(new, ignore_errors=True)
    os.makedirs(new)
    opts = [o for o in options(os.path.dirname(binary), target) if o.startswith("-max_len")]
    cmd = [binary, "-merge=1", "-timeout=10", *opts, new, corpus]
    with open(log_path, "a") as log:
        p = children.start(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        if p is None:
            shutil.rmtree(new, ignore_errors=True)
            return None
        try:
            rc = p.wait()
        finally:
            children.done(p)
    if rc != 0 or children.stopping:
        shutil.rmtree(new, ignore_errors=True)
        return None
    old = corpus + ".old"
    os.replace(corpus, old)
    os.replace(new, corpus)
    shutil.rmtree(old, ignore_errors=True)
    return len(os.listdir(corpus))
