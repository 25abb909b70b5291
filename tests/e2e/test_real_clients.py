"""The real Pushgateway clients against the binary: Debian's client_golang (a Go program
built offline here), prom-client from npm, and Debian's prometheus-cpp Gateway. Each
pushes twice (the second time with its library's "add" call) and the totals must be
exact; then its delete removes exactly its grouping key.

The programs are in tests/e2e/clients/; they are built once into build/e2e-clients
(again only when their source changes), so the sanitizer legs reuse them.
"""
import os
import pathlib
import subprocess

import pytest

from conftest import PUSHGATEWAY_CONFIG, REPO, sample_value

CLIENTS = pathlib.Path(__file__).resolve().parent / "clients"
OUT = REPO / "build" / "e2e-clients"

CONFIG = PUSHGATEWAY_CONFIG


def _stale(target, *sources):
    return not target.exists() or any(s.stat().st_mtime > target.stat().st_mtime for s in sources)


def _run(cmd, **kwargs):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)
    assert r.returncode == 0, f"{cmd} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r


def _built(binary, source, command, env=None):
    """`binary`, made from `source` by `command` unless it is newer than the source."""
    if _stale(binary, source):
        OUT.mkdir(parents=True, exist_ok=True)
        _run(command, env=env)
    return binary


@pytest.fixture(scope="session")
def go_pusher():
    """client_golang's push.Pusher, built offline from Debian's packages (GOPATH mode)."""
    source = CLIENTS / "go" / "pusher.go"
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOFLAGS="",
               GOCACHE=str(OUT / "gocache"), GOTOOLCHAIN="local")
    binary = OUT / "go-pusher"
    return _built(binary, source, ["go", "build", "-o", str(binary), str(source)], env)


@pytest.fixture(scope="session")
def cpp_pusher():
    """prometheus-cpp's Gateway, compiled against Debian's prometheus-cpp-dev."""
    source = CLIENTS / "cpp" / "gateway_push.cc"
    flags = _run(["pkg-config", "--cflags", "--libs", "prometheus-cpp-push",
                  "prometheus-cpp-core"]).stdout.split()
    binary = OUT / "cpp-gateway-push"
    return _built(binary, source, ["g++", "-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror",
                                   str(source), *flags, "-o", str(binary)])


@pytest.fixture(scope="session")
def node_pusher():
    """prom-client's Pushgateway, installed from npm (package-lock.json) on first use."""
    here = CLIENTS / "node"
    installed = here / "node_modules" / ".package-lock.json"
    if _stale(installed, here / "package-lock.json"):
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=here)
    return here / "push.mjs"


def test_client_golang_push_add_and_delete(start_server, go_pusher):
    s = start_server(CONFIG)
    url = f"http://127.0.0.1:{s.port}"
    # Basic auth selects the group: the password is its key (any user name).
    _run([str(go_pusher), url, "push", "lambda", "lambda-key"])
    _run([str(go_pusher), url, "add", "lambda", "lambda-key"])
    # The grouping value "a/b" holds a '/': client_golang sends it as path@base64/YS9i.
    out = s.request("GET", "/metrics/secured", headers={"X-API-KEY": "lambda-key"})[2].decode()
    key = 'instance="",job="gojob",path="a/b"'
    assert sample_value(out, f'go_jobs_total{{{key},queue="q1"}}') == 6
    assert sample_value(out, f'go_last_value{{{key}}}') == 7
    assert sample_value(out, f'go_latency_seconds_bucket{{{key},le="0.1"}}') == 2
    assert sample_value(out, f'go_latency_seconds_bucket{{{key},le="1"}}') == 4
    assert sample_value(out, f'go_latency_seconds_bucket{{{key},le="+Inf"}}') == 6
    assert sample_value(out, f'go_latency_seconds_count{{{key}}}') == 6
    assert sample_value(out, f'go_latency_seconds_sum{{{key}}}') == pytest.approx(5.1)
    assert sample_value(out, f'go_size_bytes_count{{{key}}}') == 4
    assert sample_value(out, f'go_size_bytes_sum{{{key}}}') == 60
    assert f'push_time_seconds{{{key}}}' in out
    # A wrong password is refused and changes nothing.
    r = subprocess.run([str(go_pusher), url, "push", "lambda", "wrong"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1 and "401" in r.stderr
    again = s.request("GET", "/metrics/secured", headers={"X-API-KEY": "lambda-key"})[2].decode()
    assert sample_value(again, f'go_jobs_total{{{key},queue="q1"}}') == 6
    _run([str(go_pusher), url, "delete", "lambda", "lambda-key"])
    gone = s.request("GET", "/metrics/secured", headers={"X-API-KEY": "lambda-key"})[2].decode()
    assert "go_" not in gone and "gojob" not in gone


def test_prom_client_push_push_add_gzip_and_delete(start_server, node_pusher):
    s = start_server(CONFIG)
    url = f"http://127.0.0.1:{s.port}"
    _run(["node", str(node_pusher), url, "push"])
    _run(["node", str(node_pusher), url, "pushAdd", "gzip"])
    out = s.scrape("/metrics/open")
    key = 'instance="",job="nodejob",stage="dev"'
    assert sample_value(out, f'node_jobs_total{{instance="",job="nodejob",queue="q1",stage="dev"}}') == 6
    assert sample_value(out, f'node_last_value{{{key}}}') == 7
    assert sample_value(out, f'node_latency_seconds_bucket{{{key},le="0.1"}}') == 2
    assert sample_value(out, f'node_latency_seconds_bucket{{{key},le="+Inf"}}') == 6
    assert sample_value(out, f'node_latency_seconds_sum{{{key}}}') == pytest.approx(5.1)
    assert sample_value(out, f'node_size_bytes_count{{{key}}}') == 4
    assert sample_value(out, f'node_size_bytes_sum{{{key}}}') == 60
    _run(["node", str(node_pusher), url, "delete"])
    assert "nodejob" not in s.scrape("/metrics/open")


def test_prometheus_cpp_gateway_push_pushadd_and_delete(start_server, cpp_pusher):
    s = start_server(CONFIG)
    host, port = "http://127.0.0.1", str(s.port)
    assert _run([str(cpp_pusher), host, port, "push"]).stdout.strip() == "200"
    assert _run([str(cpp_pusher), host, port, "pushadd"]).stdout.strip() == "200"
    out = s.scrape("/metrics/open")
    key = 'instance="",job="cppjob",stage="dev"'
    # 40 series with long label values: a body well over 1 KiB, every series summed.
    for i in range(40):
        series = (f'cpp_jobs_total{{instance="",job="cppjob",'
                  f'queue="queue-with-a-long-descriptive-name-{i}",stage="dev"}}')
        assert sample_value(out, series) == 2 * i, series
    assert sample_value(out, f'cpp_latency_seconds_bucket{{{key},le="1"}}') == 4
    assert sample_value(out, f'cpp_latency_seconds_count{{{key}}}') == 6
    assert sample_value(out, f'cpp_latency_seconds_sum{{{key}}}') == pytest.approx(5.1)
    assert _run([str(cpp_pusher), host, port, "delete"]).stdout.strip() == "202"
    assert "libprometheus-cpp-push" in _run(["ldd", str(cpp_pusher)]).stdout
    assert "cppjob" not in s.scrape("/metrics/open")

