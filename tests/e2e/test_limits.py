"""Limits under load (bounded floods on 127.0.0.1): per-group push rate limits answer 429
with Retry-After, a flood of new series stops at maxTimeSeries with 422, many idle
connections and large bodies leave health and memory bounded."""
import concurrent.futures
import http.client
import pathlib
import socket

from conftest import Server, sample_value
from test_hostile_input import raw_request

CONFIG = """
metricGroups:
  limited:
    name: limited
    pushRateLimit: 5
    displayMetrics: true
  small:
    name: small
    maxTimeSeries: 100
    displayMetrics: true
"""


def start(tmp_path):
    cfg = tmp_path / "config.yml"
    cfg.write_text(CONFIG)
    return Server(["--config-file", str(cfg), "--max-body-bytes", str(1024 * 1024)], tmp_path)


def push(server, group, body):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("POST", f"/update/{group}", body, {"Content-Type": "text/plain"})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read().decode()
    finally:
        conn.close()


def rss_kib(server):
    for line in pathlib.Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_push_rate_limit_answers_429_and_counts_only_accepted_pushes(tmp_path):
    server = start(tmp_path)
    try:
        body = "# TYPE limited_total counter\nlimited_total 1\n"
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: push(server, "limited", body), range(40)))
        accepted = [r for r in results if r[0] == 201]
        limited = [r for r in results if r[0] == 429]
        assert len(accepted) + len(limited) == 40
        assert 5 <= len(accepted) < 40
        assert all(r[1].get("Retry-After") == "1" for r in limited)
        assert "pushRateLimit" in limited[0][2]
        text = server.scrape("/metrics")
        assert sample_value(text, "limited_total") == len(accepted)
        assert sample_value(text, 'metrics_accumulator_pushes_rejected_total{group="limited",'
                                  'reason="rate_limited"}') == len(limited)
        assert server.request("GET", "/health")[0] == 200
    finally:
        server.stop()


def test_flood_of_new_series_stops_at_the_limit(tmp_path):
    server = start(tmp_path)
    try:
        statuses = []
        for i in range(30):  # 30 pushes of 10 new series each, into a group of 100
            body = "# TYPE flood_total counter\n" + "".join(
                f'flood_total{{i="{i}-{j}"}} 1\n' for j in range(10))
            statuses.append(push(server, "small", body)[0])
        assert statuses.count(201) == 10
        assert set(statuses[10:]) == {422}
        assert sample_value(server.scrape("/metrics"),
                            'metrics_accumulator_series{group="small"}') == 100
    finally:
        server.stop()


def test_many_connections_and_large_bodies_keep_health_and_memory_bounded(tmp_path):
    server = start(tmp_path)
    idle = []
    try:
        before = rss_kib(server)
        for _ in range(500):
            idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        big = "x 1\n" * (2 * 1024 * 1024 // 4)  # 2 MiB, over the 1 MiB limit
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(
                lambda _: raw_request(server, "POST", "/update/small", big.encode(),
                                      {"Content-Type": "text/plain"})[0], range(40)))
        assert set(statuses) == {413}
        assert server.request("GET", "/health")[0] == 200
        assert server.request("GET", "/ready")[0] == 200
        grown_mib = (rss_kib(server) - before) / 1024
        assert grown_mib < 200, f"RSS grew by {grown_mib:.0f} MiB"
    finally:
        for sock in idle:
            sock.close()
        server.stop()
