"""plugin: one implementation's plugin process (docs/plugin-protocol.md).

The process is started once and requests are streamed to it: a writer
thread feeds stdin while the caller reads responses in order, so a large
batch never deadlocks on full pipes. Each answer is waited for at most
`timeout` seconds; while it is waited for, on_wait(request, seconds) is
called after min(5 s, timeout / 2) and then every 30 s, so a slow plugin is
named. A request that gets no answer in time is a hang: its response is
{"load": "error", "hang": true, "reason": "hang: no answer within T s"},
the process is killed and a fresh one gets the rest of the batch. A plugin
that exits gets an "error" response for the request it was on (naming its
exit status, with "crash": "exit status N": that request killed it) and is
restarted for the rest, unless no process of it has ever answered, when
every request left gets that error (no "crash": it may never have started).

stderr goes to log_path, truncated when the plugin is first started (the
caller keeps only the last run's).
"""
import json
import os
import queue
import subprocess
import threading

NOTICE_EVERY = 30.0


class PluginError(Exception):
    pass


class Plugin:
    def __init__(self, argv, name, log_path=None, timeout=60.0):
        self.argv = list(argv)
        self.name = name
        self.timeout = timeout
        self.log_path = log_path
        self.proc = None
        self.log = None
        self._lines = None
        self.answered = False   # some process of this plugin has answered a request
        # close() may come from another thread (Ctrl-C in the main thread
        # while a lane thread runs requests): the process is swapped under
        # the lock, and a closed plugin starts nothing new.
        self._lock = threading.Lock()
        self.closed = False

    def start(self):
        if self.log is None:
            self.log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.log, bufsize=1 << 20)
        except OSError as e:
            raise PluginError(f"cannot start {' '.join(self.argv)}: {e.strerror}") from None
        self._lines = queue.Queue()
        threading.Thread(target=self._reader, args=(self.proc, self._lines), daemon=True).start()

    @staticmethod
    def _reader(proc, lines):
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def close(self, kill=False):
        with self._lock:
            proc, self.proc = self.proc, None
            if kill:
                self.closed = True
        if proc:
            if kill:
                proc.kill()
            try:
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.log not in (None, subprocess.DEVNULL):
            self.log.close()
            self.log = None

    @staticmethod
    def _writer(proc, lines):
        try:
            for l in lines:
                proc.stdin.write(l)
            proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass

    def _next(self, req, on_wait):
        """The next line, or None (the plugin exited) or "hang"."""
        waited = 0.0
        step = min(5.0, self.timeout / 2)
        while True:
            try:
                return self._lines.get(timeout=min(step, self.timeout - waited))
            except queue.Empty:
                waited += min(step, self.timeout - waited)
            if waited >= self.timeout:
                return "hang"
            if on_wait:
                on_wait(req, waited)
            step = NOTICE_EVERY

    def run(self, requests, on_response=None, on_wait=None):
        """Send every request; return the responses (dicts) in order."""
        out = []
        while len(out) < len(requests):
            seg = self._segment(requests[len(out):], on_response, on_wait)
            if seg is None:  # closed (interrupted): the rest are not run
                out += [{"id": r.get("id"), "load": "error", "reason": "interrupted"}
                        for r in requests[len(out):]]
                break
            out += seg
        return out

    def _segment(self, requests, on_response, on_wait):
        """Answers for a prefix of requests (at least one), from one process;
        None once the plugin is closed."""
        with self._lock:
            if self.closed:
                return None
            if self.proc is None or self.proc.poll() is not None:
                self.start()
            proc = self.proc
        lines = [(json.dumps(r, separators=(",", ":")) + "\n").encode() for r in requests]
        w = threading.Thread(target=self._writer, args=(proc, lines), daemon=True)
        w.start()
        out = []

        def answer(resp):
            out.append(resp)
            if on_response:
                on_response(resp)
        for req in requests:
            line = self._next(req, on_wait)
            if line == "hang" or line is None:
                if line == "hang":
                    proc.kill()
                    why = f"hang: no answer within {self.timeout:g} s"
                    failed = [{"id": req.get("id"), "load": "error", "hang": True, "reason": why}]
                else:
                    proc.wait()
                    why = f"plugin exited (status {proc.returncode})"
                    # never answered anything: do not restart it for each request
                    never = not out and not self.answered
                    left = requests[len(out):] if never else [req]
                    failed = [{"id": r.get("id"), "load": "error", "reason": why} for r in left]
                    if not never:  # it can answer, so this request killed it: a crash
                        failed[0]["crash"] = f"exit status {proc.returncode}"
                proc.wait()
                with self._lock:
                    if self.proc is proc:
                        self.proc = None
                    if self.closed:
                        return None
                for f in failed:
                    answer(f)
                break
            try:
                resp = json.loads(line)
                if not isinstance(resp, dict):
                    raise ValueError("not an object")
            except (ValueError, RecursionError) as e:
                resp = {"id": req.get("id"), "load": "error",
                        "reason": f"unparsable response ({e}): {line[:120]!r}"}
            self.answered = True
            if resp.get("id") != req.get("id"):
                resp = {"id": req.get("id"), "load": "error",
                        "reason": f"response id {resp.get('id')!r} out of order"}
            answer(resp)
        w.join(timeout=5)
        return out


def which(path):
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None
