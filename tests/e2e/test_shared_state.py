"""Many replicas over one real redis-server (SPEC §7): one accumulator.

Each test starts Debian's redis-server on 127.0.0.1 itself (AOF with
`appendfsync always` where a test kills it) and stops it by PID.
"""
import pathlib
import signal
import subprocess
import threading
import time

import pytest

from conftest import BINARY, Server, free_port, sample_value, wait_until

CONFIG = """
global:
  defaultGroup: open
metricGroups:
  open:
    name: open
    displayMetrics: true
    maxTimeSeries: {max_series}
"""

COUNTER = "# TYPE inv_total counter\ninv_total 1\n"


class Redis:
    def __init__(self, directory, port=None, durable=False):
        self.dir = pathlib.Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", str(self.dir), "--save", "", "--logfile", str(self.dir / "redis.log")]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if durable else \
                ["--appendonly", "no"]
        self.proc = subprocess.Popen(args)
        assert wait_until(self.ping, timeout=10), "redis-server did not start"

    def ping(self):
        r = subprocess.run(["redis-cli", "-p", str(self.port), "ping"],
                           capture_output=True, text=True)
        return r.stdout.strip() == "PONG"

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=15)


@pytest.fixture
def cluster(tmp_path):
    """cluster(n, max_series=1000, durable=False) -> (redis, [replicas]); all stopped after."""
    started = []

    def start(n, max_series=1000, durable=False):
        redis = Redis(tmp_path / "redis", durable=durable)
        started.append(redis)
        config = tmp_path / "config.yml"
        config.write_text(CONFIG.format(max_series=max_series))
        replicas = [replica(tmp_path, redis, config, i) for i in range(n)]
        started.extend(replicas)
        return redis, replicas

    def replica(tmp_path_, redis, config, i):
        d = tmp_path_ / f"replica-{i}-{time.monotonic_ns()}"
        d.mkdir()
        s = Server(["--config-file", str(config), "--redis-url", redis.url], d)
        assert wait_until(lambda: s.request("GET", "/ready")[0] == 200), s.log()
        return s

    start.replica = lambda redis, i: started.append(
        replica(tmp_path, redis, tmp_path / "config.yml", i)) or started[-1]
    yield start
    for item in reversed(started):
        item.stop()


def push(server, body=COUNTER, job="lambda", headers=None):
    h = {"Content-Type": "text/plain; version=0.0.4"}
    h.update(headers or {})
    status, head, data = server.request("POST", f"/metrics/job/{job}", body, h)
    return status, head, data.decode()


def total(server, series='inv_total{instance="",job="lambda"}'):
    return sample_value(server.scrape("/metrics/open"), series)


def pushing(servers, count, acked, body=COUNTER):
    """One thread per server, `count` pushes each; 2xx answers counted in `acked`."""
    lock = threading.Lock()

    def run(server):
        for _ in range(count):
            try:
                status, _, _ = push(server, body)
            except OSError:
                continue
            if 200 <= status < 300:
                with lock:
                    acked[0] += 1

    threads = [threading.Thread(target=run, args=(s,)) for s in servers]
    for t in threads:
        t.start()
    return threads


def test_pushes_to_three_replicas_add_up_exactly_on_every_one(cluster):
    _, replicas = cluster(3)
    acked = [0]
    for t in pushing(replicas * 2, 100, acked):
        t.join()
    assert acked[0] == 600
    # Read-your-writes: every replica's next scrape holds every answered push.
    for r in replicas:
        assert total(r) == 600


def test_series_limit_is_exact_under_new_series_from_every_replica(cluster):
    _, replicas = cluster(3, max_series=20)
    answers = []
    lock = threading.Lock()

    def run(server, w):
        for i in range(15):
            status, _, _ = push(server, f"# TYPE s_total counter\ns_total{{w=\"{w}\",i=\"{i}\"}} 1\n",
                                job=f"w{w}")
            with lock:
                answers.append(status)

    threads = [threading.Thread(target=run, args=(r, w)) for w, r in enumerate(replicas)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Every replica holds the same series, never more than maxTimeSeries: the s_total
    # series plus each job's push_time_seconds.
    outs = [r.scrape("/metrics/open") for r in replicas]
    assert len(set(outs)) == 1
    stored = outs[0].count("\ns_total{") + outs[0].count("\npush_time_seconds{")
    accepted = answers.count(200)
    assert outs[0].count("\ns_total{") == accepted
    assert 19 <= stored <= 20, outs[0]
    assert answers.count(422) == 45 - accepted


def test_idempotency_key_seen_by_one_replica_is_honoured_by_all(cluster):
    _, (a, b, c) = cluster(3)
    key = {"Idempotency-Key": "retry-1"}
    first = push(a, headers=key)
    assert first[0] == 200, first
    for r in (b, c, a):
        again = push(r, headers=key)
        assert again[0] == first[0]
    for r in (a, b, c):
        assert total(r) == 1


def test_a_replica_killed_under_load_loses_no_answered_push(cluster):
    _, replicas = cluster(3)
    acked = [0]
    threads = pushing(replicas, 300, acked)
    time.sleep(0.3)
    replicas[1].proc.kill()  # kill -9
    for t in threads:
        t.join()
    survivors = [replicas[0], replicas[2]]
    values = [total(r) for r in survivors]
    assert values[0] == values[1]
    # Every answered push is there; a push cut off unanswered is there or not.
    assert acked[0] <= values[0] <= 900


def test_redis_away_answers_503_then_the_replicas_recover_by_themselves(cluster, tmp_path):
    redis, (a, b) = cluster(2, durable=True)
    assert push(a)[0] == 200
    redis.stop()
    status, head, body = push(a)
    assert status == 503 and head.get("retry-after") == "1", (status, head, body)
    assert "Redis" in body
    assert wait_until(lambda: "not ready: the shared state (Redis)" in push(a)[2])
    assert wait_until(lambda: a.request("GET", "/ready")[0] == 503)
    assert a.request("GET", "/health")[0] == 200
    up = sample_value(a.scrape("/metrics"), "metrics_accumulator_shared_state_up")
    assert up == 0
    again = Redis(tmp_path / "redis", port=redis.port, durable=True)
    try:
        # Once ready again, the very first push goes through: no stale connection.
        for r in (a, b):
            assert wait_until(lambda: r.request("GET", "/ready")[0] == 200, timeout=20)
        assert push(b)[0] == 200
        assert push(a)[0] == 200
        assert total(a) == 3 and total(b) == 3
        assert sample_value(a.scrape("/metrics"), "metrics_accumulator_shared_state_up") == 1
    finally:
        again.stop()


def test_redis_killed_under_load_keeps_every_answered_push(cluster, tmp_path):
    redis, replicas = cluster(2, durable=True)
    acked = [0]
    threads = pushing(replicas, 400, acked)
    time.sleep(0.3)
    redis.stop(signal.SIGKILL)
    for t in threads:
        t.join()
    again = Redis(tmp_path / "redis", port=redis.port, durable=True)
    try:
        # The replicas notice the lost connection, rebuild or read on, and agree.
        def agreed():
            values = [total(r) for r in replicas]
            return values[0] is not None and values[0] == values[1] and values[0] >= acked[0]
        assert wait_until(agreed, timeout=20), ([total(r) for r in replicas], acked)
        assert total(replicas[0]) <= 800
    finally:
        again.stop()


def test_a_replica_added_while_pushes_run_joins_complete(cluster):
    redis, replicas = cluster(2)
    acked = [0]
    threads = pushing(replicas, 200, acked)
    time.sleep(0.2)
    late = cluster.replica(redis, 9)
    for t in threads:
        t.join()
    assert acked[0] == 400
    for r in replicas + [late]:
        assert total(r) == 400


def test_data_dir_together_with_redis_is_refused_at_start(tmp_path):
    r = subprocess.run([str(BINARY), "--listen", "127.0.0.1:0", "--redis-url",
                        "redis://127.0.0.1:1", "--data-dir", str(tmp_path / "d")],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert "exclude each other" in r.stdout + r.stderr


def test_the_redis_password_is_never_logged(tmp_path):
    redis = Redis(tmp_path / "redis")
    try:
        subprocess.run(["redis-cli", "-p", str(redis.port), "config", "set", "requirepass",
                        "s3cret-pw"], check=True, capture_output=True)
        d = tmp_path / "replica"
        d.mkdir()
        s = Server(["--redis-url", f"redis://:s3cret-pw@127.0.0.1:{redis.port}",
                    "--log-level", "debug"], d)
        try:
            assert wait_until(lambda: s.request("GET", "/ready")[0] == 200), s.log()
            status, _, _ = s.request("POST", "/metrics/job/x", COUNTER,
                                     {"Content-Type": "text/plain"})
            assert status == 200
            assert "s3cret-pw" not in s.log()
            assert "s3cret-pw" not in s.scrape("/metrics")
        finally:
            s.stop()
    finally:
        redis.stop()
