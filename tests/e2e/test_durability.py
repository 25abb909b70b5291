"""Durability (SPEC §4): acknowledged pushes survive kill -9, damaged files are
detected and cut off, a full or read-only disk refuses pushes with 503 and recovers.

Crash cycles kill the real binary with SIGKILL at random moments while several clients
push; every cycle checks each client's series against what the server acknowledged.
"""
import http.client
import os
import pathlib
import random
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import Server, sample_value, wait_until

CONFIG = """
metricGroups:
  default:
    name: default
    maxTimeSeries: 1000
"""
COUNTER_PUSH = "# TYPE increments_total counter\nincrements_total{{client=\"{c}\"}} 1\n"


def start(tmp_path, data_dir, *args):
    cfg = tmp_path / "config.yml"
    cfg.write_text(CONFIG)
    return Server(["--config-file", str(cfg), "--data-dir", str(data_dir), *args], tmp_path)


def kill9(server):
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    server._log.close()


def client_value(server, client):
    value = sample_value(server.scrape("/metrics/default"), f'increments_total{{client="{client}"}}')
    return 0 if value is None else value


class Client(threading.Thread):
    """Pushes increments of 1 until the server dies; counts what was acknowledged."""

    def __init__(self, port, name):
        super().__init__(daemon=True)
        self.port, self.name = port, name
        self.acked = 0
        self.unknown = 0  # sent, but no answer came: may or may not have been applied

    def run(self):
        body = COUNTER_PUSH.format(c=self.name).encode()
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("POST", "/update/default", body, {"Content-Type": "text/plain"})
                status = conn.getresponse().status
            except (OSError, http.client.HTTPException):
                # No answer: the push may or may not have been applied (at most once).
                self.unknown += 1
                return
            finally:
                conn.close()
            assert status == 201, status
            self.acked += 1


def test_acknowledged_pushes_survive_kill9_cycles(tmp_path):
    # tools/soak-durability.sh runs many more cycles (MA_CRASH_CYCLES).
    cycles = int(os.environ.get("MA_CRASH_CYCLES", "20"))
    data = tmp_path / "data"
    rng = random.Random(int(os.environ.get("MA_CRASH_SEED", "20261125")))
    clients = [f"c{i}" for i in range(4)]
    acked = {c: 0 for c in clients}
    unknown = {c: 0 for c in clients}
    for cycle in range(cycles):
        server = start(tmp_path, data)
        try:
            for c in clients:  # everything acknowledged before is still there, exactly
                value = client_value(server, c)
                assert acked[c] <= value <= acked[c] + unknown[c], (cycle, c, value, acked[c])
                # From here on, what is stored is the new baseline.
                acked[c], unknown[c] = value, 0
            workers = [Client(server.port, c) for c in clients]
            for w in workers:
                w.start()
            time.sleep(rng.uniform(0.05, 0.4))
        finally:
            kill9(server)
        for w in workers:
            w.join(timeout=10)
            assert not w.is_alive()
            acked[w.name] += w.acked
            unknown[w.name] += w.unknown
        assert sum(w.acked for w in workers) > 0, f"cycle {cycle}: no push was acknowledged"
    server = start(tmp_path, data)
    try:
        for c in clients:
            value = client_value(server, c)
            assert acked[c] <= value <= acked[c] + unknown[c], (c, value, acked[c], unknown[c])
    finally:
        server.stop()


def test_durable_pushes_share_fsyncs_without_a_thread_each(tmp_path):
    # One serving thread and 16 clients: a durable push waits for its fsync without
    # holding the thread, so pushes that arrive meanwhile share the next fsync (with a
    # thread blocked per push, each would need its own).
    server = start(tmp_path, tmp_path / "data", "--threads", "1")
    clients, each = 16, 25
    failures = []

    def pusher(name):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            for _ in range(each):
                conn.request("POST", "/update/default", COUNTER_PUSH.format(c=name).encode(),
                             {"Content-Type": "text/plain"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 201:
                    failures.append(resp.status)
        finally:
            conn.close()

    try:
        workers = [threading.Thread(target=pusher, args=(f"c{i}",)) for i in range(clients)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
            assert not w.is_alive()
        assert failures == []
        for i in range(clients):
            assert client_value(server, f"c{i}") == each
        own = server.scrape("/metrics")
        fsyncs = sample_value(own, "metrics_accumulator_wal_fsync_duration_seconds_count")
        assert fsyncs is not None and 1 <= fsyncs < clients * each, fsyncs
        # Pipelined durable pushes on one connection are still answered in order.
        body = COUNTER_PUSH.format(c="piped").encode()
        reqs = b"".join(b"POST /update/default HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
                        % (len(body), body) for _ in range(3))
        reqs += b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(reqs)
            out = b""
            while chunk := sock.recv(65536):
                out += chunk
        assert out.count(b"HTTP/1.1 201") == 3
        assert out.rindex(b"HTTP/1.1 201") < out.index(b"HTTP/1.1 200")
        assert client_value(server, "piped") == 3
    finally:
        assert server.stop() == 0


def test_clean_stop_writes_a_snapshot_and_restart_reads_it(tmp_path):
    data = tmp_path / "data"
    server = start(tmp_path, data)
    for _ in range(3):
        assert server.push("default", COUNTER_PUSH.format(c="a"), key=None)[0] == 201
    assert server.stop() == 0
    assert any(p.name.startswith("snapshot-") for p in data.iterdir())
    server = start(tmp_path, data)
    try:
        assert client_value(server, "a") == 3
        assert re.search(r"recovered 1 series in 1 group\(s\) from snapshot-\d+\.snap",
                         server.log())
        metrics = server.scrape("/metrics")
        assert sample_value(metrics, "metrics_accumulator_recovered_series") == 1
        assert sample_value(metrics, "metrics_accumulator_persistence_healthy") == 1
    finally:
        server.stop()


def test_idempotency_keys_and_ttl_clocks_survive_kill9(tmp_path):
    data = tmp_path / "data"
    server = start(tmp_path, data)
    headers = {"Idempotency-Key": "invocation-42"}
    assert server.push("default", COUNTER_PUSH.format(c="k"), key=None, headers=headers)[0] == 201
    pushed_at = sample_value(server.scrape("/metrics"),
                             'metrics_accumulator_last_push_timestamp_seconds{group="default"}')
    kill9(server)
    server = start(tmp_path, data)
    try:
        status, resp_headers, _ = server.request(
            "POST", "/update/default", COUNTER_PUSH.format(c="k"),
            {"Content-Type": "text/plain", **headers})
        assert status == 201
        assert resp_headers.get("idempotent-replayed") == "true"
        assert client_value(server, "k") == 1
        recovered_at = sample_value(server.scrape("/metrics"),
                                    'metrics_accumulator_last_push_timestamp_seconds{group="default"}')
        assert recovered_at == pushed_at  # the TTL clock did not restart
        # A JSON push's retry after the restart still reads its JSON answer.
        json_push = '{"metrics":[{"name":"json_total","type":"counter","value":1}]}'
        json_headers = {"Content-Type": "application/json", "Idempotency-Key": "json-7"}
        first = server.request("POST", "/api/v1/metrics", json_push, json_headers)
        assert first[0] == 200
    finally:
        server.stop()
    server = start(tmp_path, data)
    try:
        status, resp_headers, body = server.request("POST", "/api/v1/metrics", json_push,
                                                    json_headers)
        assert (status, body) == (200, b'{"message":"success"}')
        assert resp_headers.get("content-type") == "application/json"
        assert resp_headers.get("idempotent-replayed") == "true"
    finally:
        server.stop()


def newest_segment(data):
    segments = sorted(p for p in data.iterdir() if p.name.startswith("wal-"))
    return [p for p in segments if p.stat().st_size > 16][-1]


def test_torn_log_tail_is_reported_cut_off_and_the_rest_kept(tmp_path):
    data = tmp_path / "data"
    server = start(tmp_path, data)
    for _ in range(5):
        assert server.push("default", COUNTER_PUSH.format(c="t"), key=None)[0] == 201
    kill9(server)
    segment = newest_segment(data)
    os.truncate(segment, segment.stat().st_size - 4)  # the 5th record, cut short
    server = start(tmp_path, data)
    try:
        assert client_value(server, "t") == 4
        assert "torn record" in server.log()
        assert server.request("GET", "/ready")[0] == 200
    finally:
        server.stop()


def test_flipped_bit_in_the_log_is_detected(tmp_path):
    data = tmp_path / "data"
    server = start(tmp_path, data)
    for _ in range(5):
        assert server.push("default", COUNTER_PUSH.format(c="f"), key=None)[0] == 201
    kill9(server)
    segment = newest_segment(data)
    raw = bytearray(segment.read_bytes())
    raw[-6] ^= 0x20
    segment.write_bytes(bytes(raw))
    server = start(tmp_path, data)
    try:
        assert client_value(server, "f") == 4
        assert "damaged (checksum or length)" in server.log()
    finally:
        server.stop()


def test_damaged_snapshot_falls_back_to_the_previous_one(tmp_path):
    data = tmp_path / "data"
    server = start(tmp_path, data)
    assert server.push("default", COUNTER_PUSH.format(c="s"), key=None)[0] == 201
    assert server.stop() == 0  # snapshot 1
    server = start(tmp_path, data)
    assert server.push("default", COUNTER_PUSH.format(c="s"), key=None)[0] == 201
    assert server.stop() == 0  # snapshot 2; snapshot 1 and the log after it are kept
    snapshots = sorted(p for p in data.iterdir() if p.name.startswith("snapshot-"))
    assert len(snapshots) == 2
    raw = bytearray(snapshots[-1].read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    snapshots[-1].write_bytes(bytes(raw))
    server = start(tmp_path, data)
    try:
        assert client_value(server, "s") == 2
        assert "is unusable" in server.log()
    finally:
        server.stop()


def test_second_server_on_the_same_data_dir_is_refused(tmp_path):
    data = tmp_path / "data"
    server = start(tmp_path, data)
    try:
        cfg = tmp_path / "config.yml"
        other = subprocess.run(
            [str(server.proc.args[0]), "--listen", "127.0.0.1:0", "--config-file", str(cfg),
             "--data-dir", str(data)], capture_output=True, text=True, timeout=20)
        assert other.returncode == 1
        assert "in use by another metrics-accumulator process" in other.stderr + other.stdout
    finally:
        server.stop()


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs: a disk that can really fill up. Needs mount rights (root)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip("cannot mount a small tmpfs to fill (needs root or CAP_SYS_ADMIN): "
                    + result.stderr.strip())
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(path):
    """Writes until the file system is full; returns the ballast file."""
    ballast = path / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    finally:
        os.close(fd)
    return ballast


def test_full_disk_refuses_with_503_and_recovers_when_space_returns(tmp_path, small_disk):
    data = small_disk / "data"
    server = start(tmp_path, data)
    try:
        assert server.push("default", COUNTER_PUSH.format(c="d"), key=None)[0] == 201
        ballast = fill(small_disk)
        # The log's last block may still have room for a few records; then it is full.
        acked = 1
        for _ in range(2000):
            status, body = server.push("default", COUNTER_PUSH.format(c="d"), key=None)
            if status != 201:
                break
            acked += 1
        assert status == 503, (status, body)
        assert "No space left on device" in body
        for _ in range(5):  # stays refused while the disk is full
            status, body = server.push("default", COUNTER_PUSH.format(c="d"), key=None)
            assert (status, "No space left on device" in body) == (503, True)
        assert client_value(server, "d") == acked  # nothing refused was applied
        assert sample_value(server.scrape("/metrics"),
                            "metrics_accumulator_wal_write_errors_total") >= 6
        ballast.unlink()
        status, body = server.push("default", COUNTER_PUSH.format(c="d"), key=None)
        assert status == 201, body
        assert client_value(server, "d") == acked + 1
        kill9(server)
        server = start(tmp_path, data)
        assert client_value(server, "d") == acked + 1
    finally:
        server.stop()


def test_read_only_disk_is_refused_at_start_and_data_kept(tmp_path, small_disk):
    data = small_disk / "data"
    server = start(tmp_path, data)
    assert server.push("default", COUNTER_PUSH.format(c="r"), key=None)[0] == 201
    kill9(server)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        cfg = tmp_path / "config.yml"
        refused = subprocess.run(
            [str(server.proc.args[0]), "--listen", "127.0.0.1:0", "--config-file", str(cfg),
             "--data-dir", str(data)], capture_output=True, text=True, timeout=20)
        assert refused.returncode == 1
        assert "Read-only file system" in refused.stderr + refused.stdout
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    server = start(tmp_path, data)
    try:
        assert client_value(server, "r") == 1
    finally:
        server.stop()
