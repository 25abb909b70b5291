"""HTTP/1.1 as clients really use it (SPEC §3), over raw sockets where it matters."""
import gzip
import http.client
import signal
import socket
import subprocess
import time

from conftest import BINARY, sample_value


def raw_exchange(port, data, read_until=None, timeout=5):
    """Sends bytes and reads until `read_until` appears (or the peer closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if read_until is not None and read_until(received):
                break
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            received += chunk
        return received


def test_keep_alive_serves_many_requests_on_one_connection(start_server):
    s = start_server()
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
    for i in range(20):
        conn.request("POST", "/update/default", body=f"# TYPE k_total counter\nk_total 1\n",
                     headers={"Content-Type": "text/plain"})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 201
    conn.request("GET", "/metrics/default")
    assert sample_value(conn.getresponse().read().decode(), "k_total") == 20
    conn.close()


def test_pipelined_requests_are_answered_in_order(start_server):
    s = start_server()
    body = b"# TYPE p_total counter\np_total 1\n"
    reqs = b"".join(
        b"POST /update/default HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
        % (len(body), body) for _ in range(3)) + b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    out = raw_exchange(s.port, reqs)
    assert out.count(b"HTTP/1.1 201") == 3
    assert out.rindex(b"HTTP/1.1 201") < out.index(b"HTTP/1.1 200")
    assert sample_value(s.scrape("/metrics/default"), "p_total") == 3


def test_expect_100_continue_is_answered_at_once(start_server):
    s = start_server()
    body = b"big_metric 1\n" + b"# padding\n" * 200
    head = (b"POST /update/default HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    with socket.create_connection(("127.0.0.1", s.port), timeout=5) as sock:
        sock.sendall(head)
        start = time.monotonic()
        interim = sock.recv(1024)
        assert interim.startswith(b"HTTP/1.1 100 Continue")
        assert time.monotonic() - start < 0.5
        sock.sendall(body)
        assert sock.recv(1024).startswith(b"HTTP/1.1 201")


def test_chunked_request_body(start_server):
    s = start_server()
    body = b"# TYPE chunky_total counter\nchunky_total 7\n"
    req = (b"POST /update/default HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
           b"Connection: close\r\n\r\n" + hex(len(body))[2:].encode() + b"\r\n" + body +
           b"\r\n0\r\n\r\n")
    assert raw_exchange(s.port, req).startswith(b"HTTP/1.1 201")
    assert sample_value(s.scrape("/metrics/default"), "chunky_total") == 7


def test_http_1_0_request(start_server):
    s = start_server()
    out = raw_exchange(s.port, b"GET /health HTTP/1.0\r\n\r\n")
    assert out.startswith(b"HTTP/1.0 200")
    assert out.endswith(b"OK\n")


def test_h2c_upgrade_is_answered_in_http_1_1(start_server):
    s = start_server()
    out = raw_exchange(
        s.port,
        b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
        b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
        read_until=lambda b: b.endswith(b"OK\n"))
    assert out.startswith(b"HTTP/1.1 200 OK")
    assert b"upgrade" not in out.lower().split(b"\r\n\r\n")[0]


def test_body_limit_answers_413(start_server):
    s = start_server(None, "--max-body-bytes", "1000")
    status, _, data = s.request("POST", "/update/default", body="x 1\n" + "#" * 2000,
                                headers={"Content-Type": "text/plain"})
    assert status == 413 and b"1000 bytes" in data
    bomb = gzip.compress(b"# " + b"a" * 100000 + b"\n")
    status, _, data = s.request("POST", "/update/default", body=bomb,
                                headers={"Content-Encoding": "gzip"})
    assert status == 413 and b"decompressed" in data
    assert s.request("GET", "/health")[0] == 200


def test_gzip_scrape_and_gzip_push(start_server):
    s = start_server()
    status, _, _ = s.request("POST", "/update/default", body=gzip.compress(b"zipped 3\n"),
                             headers={"Content-Encoding": "gzip"})
    assert status == 201
    status, headers, data = s.request("GET", "/metrics/default",
                                      headers={"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip"
    assert b"zipped 3\n" in gzip.decompress(data)


def test_methods_paths_and_head(start_server):
    s = start_server()
    status, headers, _ = s.request("DELETE", "/metrics/default")
    assert status == 405 and "GET" in headers["allow"]
    assert s.request("GET", "/no/such/thing")[0] == 404
    status, headers, data = s.request("HEAD", "/metrics")
    assert status == 200 and data == b"" and int(headers["content-length"]) > 0


def test_malformed_http_gets_400_and_server_stays_up(start_server):
    s = start_server()
    out = raw_exchange(s.port, b"THIS IS NOT HTTP\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400")
    out = raw_exchange(s.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 431")
    assert s.request("GET", "/health")[0] == 200


def test_sigterm_stops_cleanly(start_server):
    s = start_server()
    assert s.request("GET", "/health")[0] == 200
    s.signal(signal.SIGTERM)
    assert s.proc.wait(timeout=15) == 0
    assert "stopped" in s.log()


def test_invalid_config_at_start_exits_2_listing_every_problem(tmp_path):
    cfg = tmp_path / "bad.yml"
    cfg.write_text("global:\n  hostAdress: x\nmetricGroups:\n  a:\n    maxTimeSeries: lots\n")
    run = subprocess.run([str(BINARY), "--config-file=" + str(cfg), "--listen", "127.0.0.1:0"],
                         capture_output=True, text=True, timeout=15)
    assert run.returncode == 2
    assert "bad.yml:2: global.hostAdress: unknown key" in run.stderr
    assert "bad.yml:5: metricGroups.a.maxTimeSeries" in run.stderr


def test_version_help_and_bad_flags():
    run = subprocess.run([str(BINARY), "--version"], capture_output=True, text=True, timeout=5)
    assert run.returncode == 0 and run.stdout.startswith("metrics-accumulator ")
    run = subprocess.run([str(BINARY), "--help"], capture_output=True, text=True, timeout=5)
    assert run.returncode == 0 and "--config-file" in run.stdout
    run = subprocess.run([str(BINARY), "--frobnicate"], capture_output=True, text=True, timeout=5)
    assert run.returncode == 2 and "unknown flag" in run.stderr
