"""screenshot: drives headless Chromium (Debian's `chromium`) over the
DevTools protocol on a pipe (--remote-debugging-pipe: requests on fd 3,
answers on fd 4, each a JSON message ended by NUL), with no network and no
Python dependency: open a page, evaluate script in it (click a filter,
read the rows), take a PNG screenshot. The browser test of the report
(harness/test_report_browser.py) and the CI workflow use it:

    python3 -m cbpfconform.report.screenshot reports/out/index.html OUT.png \
        [--view 'impl=libpcap&op=ldx']

exits 0 with the PNG's path on stdout, 2 with a one-line reason when
Chromium is missing or cannot run.
"""
import argparse
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-extensions", "--disable-sync", "--no-first-run", "--mute-audio",
         "--remote-debugging-pipe"]


class BrowserError(Exception):
    pass


def find():
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """One headless Chromium with one page (a flattened target session)."""

    def __init__(self, exe=None, timeout=60.0, width=1400, height=1300):
        exe = exe or find()
        if not exe:
            raise BrowserError("chromium is not installed (apt-get install -y chromium)")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="cbpf-chromium-")
        to_r, self._w = os.pipe()
        self._r, from_w = os.pipe()

        def child():
            a = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)
        try:
            self.proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={self.profile}",
                                          f"--window-size={width},{height}", "about:blank"],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, close_fds=False,
                                         preexec_fn=child)
        except OSError as e:
            raise BrowserError(f"{exe}: {e.strerror}") from None
        finally:
            os.close(to_r)
            os.close(from_w)
        self._buf = b""
        self._id = 0
        self.events = []
        self.session = None
        try:
            t = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.call("Target.attachToTarget",
                                     {"targetId": t, "flatten": True})["sessionId"]
            self.call("Page.enable")
            self.call("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        except BaseException:
            self.close()
            raise

    def _send(self, msg):
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self._w, data)
            data = data[n:]

    def _recv(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"chromium gave no answer in {self.timeout:g} s")
            if not select.select([self._r], [], [], left)[0]:
                continue
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace").strip().splitlines()
                raise BrowserError("chromium exited" + (f": {err[-1]}" if err else ""))
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if self.session and not method.startswith(("Target.", "Browser.")):
            msg["sessionId"] = self.session
        self._send(msg)
        deadline = time.monotonic() + self.timeout
        while True:
            r = self._recv(deadline)
            if r.get("id") == self._id:
                if "error" in r:
                    raise BrowserError(f"{method}: {r['error'].get('message')}")
                return r.get("result", {})
            self.events.append(r)

    def wait_event(self, method):
        deadline = time.monotonic() + self.timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            r = self._recv(deadline)
            if r.get("method") == method:
                return r
            self.events.append(r)

    def open(self, url):
        self.events.clear()
        r = self.call("Page.navigate", {"url": url})
        if r.get("errorText"):
            raise BrowserError(f"{url}: {r['errorText']}")
        self.wait_event("Page.loadEventFired")

    def eval(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True})
        if r.get("exceptionDetails"):
            d = r["exceptionDetails"]
            raise BrowserError(f"script error: {d.get('exception', {}).get('description') or d.get('text')}")
        return r.get("result", {}).get("value")

    def screenshot(self, path):
        data = base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"})["data"])
        tmp = path + ".part"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        return path

    def close(self):
        try:
            if self.proc.poll() is None:
                try:
                    self._id += 1
                    self._send({"id": self._id, "method": "Browser.close"})
                    self.proc.wait(10)
                except (OSError, subprocess.TimeoutExpired):
                    self.proc.kill()
                    self.proc.wait()
        finally:
            for fd in (self._r, self._w):
                try:
                    os.close(fd)
                except OSError:
                    pass
            if self.proc.stderr:
                self.proc.stderr.close()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


SHOW_EXPLORER = """(() => {
  const e = document.getElementById('explore');
  if (!e) return -1;
  e.scrollIntoView({block: 'start'});
  return Math.round(e.getBoundingClientRect().top);
})()"""


def show_explorer(browser):
    """Scroll the case explorer to the top of the viewport, so that a
    screenshot of a view shows its filters and rows, not the summary above
    them; the explorer's distance from the top afterwards (-1: none)."""
    return browser.eval(SHOW_EXPLORER)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m cbpfconform.report.screenshot",
                                 description="A PNG screenshot of a report page in headless "
                                             "Chromium, optionally of an explorer view.")
    ap.add_argument("page", metavar="INDEX.html")
    ap.add_argument("png", metavar="OUT.png")
    ap.add_argument("--view", default="", metavar="FRAGMENT",
                    help="explorer state, e.g. 'impl=libpcap&op=ldx' (the shot then "
                         "shows the explorer)")
    a = ap.parse_args(argv)
    if not os.path.isfile(a.page):
        print(f"screenshot: {a.page}: no such file", file=sys.stderr)
        return 2
    url = "file://" + os.path.abspath(a.page) + (f"#{a.view}" if a.view else "")
    try:
        with Chromium() as b:
            b.open(url)
            if a.view:
                show_explorer(b)
            b.screenshot(a.png)
    except BrowserError as e:
        print(f"screenshot: {e}", file=sys.stderr)
        return 2
    print(os.path.abspath(a.png))
    return 0


if __name__ == "__main__":
    sys.exit(main())
