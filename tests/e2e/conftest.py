"""Fixtures that run the real metrics-accumulator binary on 127.0.0.1.

Each server gets a free port (--listen 127.0.0.1:0; the port is read from its start-up
log line), its own config file in a temp dir, and is stopped by PID at the end.
"""
import http.client
import os
import pathlib
import re
import signal
import subprocess
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("MA_BINARY", REPO / "build" / "metrics-accumulator"))
SHARED = pathlib.Path(os.environ.get("MA_SHARED_DIR", REPO.parent / "shared"))
UPSTREAM = SHARED / "testdata" / "upstream"
UPSTREAM_KEY = "0d98f65f-074b-4d56-b834-576e15a3bfa5"

# Pushgateway-API tests: an open default group, and a group selected by its key.
PUSHGATEWAY_CONFIG = """
global:
  defaultGroup: open
metricGroups:
  open:
    name: open
    displayMetrics: true
  secured:
    name: secured
    apiKey: lambda-key
    displayMetrics: true
"""


class Server:
    """A running metrics-accumulator and a tiny HTTP client for it."""

    def __init__(self, args, cwd):
        self.log_path = pathlib.Path(cwd) / "server.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(BINARY), "--listen", "127.0.0.1:0", *args],
            cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT)
        self.port = None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            m = re.search(r"listening on (?:https://)?127\.0\.0\.1:(\d+)", self.log())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("server did not start: " + self.log())

    def log(self):
        return self.log_path.read_text(errors="replace")

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            if isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), data
        finally:
            conn.close()

    def push(self, group, body, key=UPSTREAM_KEY, headers=None):
        h = {"Content-Type": "text/plain"}
        if key is not None:
            h["X-API-KEY"] = key
        h.update(headers or {})
        status, _, data = self.request("POST", f"/update/{group}", body, h)
        return status, data.decode()

    def scrape(self, path):
        status, _, data = self.request("GET", path)
        assert status == 200, (status, data)
        return data.decode()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def start_server(tmp_path):
    """start_server(config_text=None, *extra_args) -> Server; stopped after the test."""
    servers = []

    def start(config_text=None, *args):
        extra = list(args)
        if config_text is not None:
            cfg = tmp_path / "config.yml"
            cfg.write_text(config_text)
            extra = ["--config-file", str(cfg), *extra]
        server = Server(extra, tmp_path)
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()


def sample_value(exposition, series):
    """The value of an exact series line such as 'x_total{a="1"}', or None."""
    for line in exposition.splitlines():
        if line.startswith(series + " "):
            return float(line[len(series) + 1:].split()[0])
    return None


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
