"""`centaur ui` started on a free port for black-box tests: reads the URL it
prints, makes API calls, and stops it with SIGTERM."""
import json
import re
import signal
import subprocess
import urllib.error
import urllib.request

from harness import BIN


class UiServer:
    def __init__(self, cwd, env, *args):
        self.stopped = None
        self.proc = subprocess.Popen([BIN, "ui", "--port", "0", *args], cwd=cwd, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True)
        self.first_line = self.proc.stdout.readline()
        m = re.search(r"(http://\S+/)", self.first_line)
        if not m:
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.proc.kill()
            raise RuntimeError(f"centaur ui did not start: {self.first_line!r} {err}")
        self.url = m.group(1)

    def request(self, method, path, body=None, headers=None, raw=None):
        """(status, headers, parsed JSON or text) for METHOD url+path."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        h = dict(headers or {})
        if data is not None and "Content-Type" not in h:
            h["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path.lstrip("/"), data=data, method=method,
                                     headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, hdrs, text = r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            status, hdrs, text = e.code, dict(e.headers), e.read().decode()
        try:
            return status, hdrs, json.loads(text)
        except ValueError:
            return status, hdrs, text

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def stop(self):
        """SIGTERM; returns (exit code, stderr). Stopping twice is fine."""
        if self.stopped is not None:
            return self.stopped
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.stopped = (self.proc.returncode, err)
        return self.stopped
