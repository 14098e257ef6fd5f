"""plugin: one implementation's plugin process (docs/plugin-protocol.md).

The process is started once and requests are streamed to it: a writer
thread feeds stdin while the caller reads responses in order, so a large
batch never deadlocks on full pipes. A plugin that dies or stops answering
gets an "error" response for every request left in the batch (naming what
happened) and is restarted for the next batch.
"""
import json
import os
import queue
import subprocess
import threading


class PluginError(Exception):
    pass


class Plugin:
    def __init__(self, argv, name, log_path=None, timeout=300.0):
        self.argv = list(argv)
        self.name = name
        self.timeout = timeout
        self.log_path = log_path
        self.proc = None
        self.log = None

    def start(self):
        if self.log is None:
            self.log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.log, bufsize=1 << 20)
        except OSError as e:
            raise PluginError(f"cannot start {' '.join(self.argv)}: {e.strerror}") from None
        self._lines = queue.Queue()
        threading.Thread(target=self._reader, args=(self.proc,), daemon=True).start()

    def _reader(self, proc):
        for line in proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def close(self):
        if self.proc:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if self.log not in (None, subprocess.DEVNULL):
            self.log.close()
            self.log = None

    def _writer(self, proc, lines, failed):
        try:
            for l in lines:
                proc.stdin.write(l)
            proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            failed.append(True)

    def run(self, requests, on_response=None):
        """Send every request; return the responses (dicts) in order."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        proc = self.proc
        lines = [(json.dumps(r, separators=(",", ":")) + "\n").encode() for r in requests]
        failed = []
        w = threading.Thread(target=self._writer, args=(proc, lines, failed), daemon=True)
        w.start()
        out = []
        for req in requests:
            try:
                line = self._lines.get(timeout=self.timeout)
            except queue.Empty:
                line = None
                why = f"no answer within {self.timeout:.0f} s"
                proc.kill()
            else:
                why = None
            if line is None:
                if why is None:
                    proc.wait()
                    why = f"plugin exited (status {proc.returncode})"
                for r in requests[len(out):]:
                    out.append({"id": r.get("id"), "load": "error", "reason": why})
                    if on_response:
                        on_response(out[-1])
                self.proc = None
                break
            try:
                resp = json.loads(line)
                if not isinstance(resp, dict):
                    raise ValueError("not an object")
            except ValueError as e:
                resp = {"id": req.get("id"), "load": "error",
                        "reason": f"unparsable response ({e}): {line[:120]!r}"}
            if resp.get("id") != req.get("id"):
                resp = {"id": req.get("id"), "load": "error",
                        "reason": f"response id {resp.get('id')!r} out of order"}
            out.append(resp)
            if on_response:
                on_response(resp)
        w.join(timeout=5)
        return out


def which(path):
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None
