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


def test_connection_header_follows_the_request(start_server):
    s = start_server()
    # HTTP/1.0 keeps the connection only when asked, and says so; then closes on a plain one.
    out = raw_exchange(s.port, b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                               b"GET /health HTTP/1.0\r\n\r\n")
    first, second = out.split(b"OK\n")[:2]
    assert first.startswith(b"HTTP/1.0 200 OK\r\n")
    assert b"\r\nConnection: keep-alive\r\n" in first
    assert b"\r\nContent-Length: 3\r\n\r\n" in first
    assert second.startswith(b"HTTP/1.0 200 OK\r\n") and b"Connection" not in second
    # HTTP/1.1 stays open unless the client closes; a closing answer says so.
    closing = raw_exchange(s.port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"\r\nConnection: close\r\n" in closing and closing.endswith(b"\r\n\r\nOK\n")
    staying = raw_exchange(s.port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
                           read_until=lambda b: b.endswith(b"OK\n"))
    assert staying.startswith(b"HTTP/1.1 200 OK\r\nServer: metrics-accumulator\r\n")
    assert b"Connection" not in staying


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


BIG_CONFIG = """
metricGroups:
  big:
    name: big
    maxTimeSeries: 1000000
    displayMetrics: true
"""
BIG_SERIES = 30_000  # about 1.4 MB of exposition: several chunks


def start_big(start_server, series=BIG_SERIES, pad="abcdefghij"):
    s = start_server(BIG_CONFIG)
    body = "# TYPE big_total counter\n" + "".join(
        f'big_total{{i="{i:06d}",pad="{pad}"}} 1\n' for i in range(series))
    status, text = s.push("big", body, key=None)
    assert status == 201, text
    return s


def read_response(sock, timeout=10):
    """Reads one HTTP/1.1 response off a socket: (head, [chunk payloads]) for a chunked
    body, (head, [body]) for one with Content-Length or read until close."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        assert more, data
        data += more
    head, rest = data.split(b"\r\n\r\n", 1)
    fields = {k.strip().lower(): v.strip() for k, v in
              (line.split(b":", 1) for line in head.split(b"\r\n")[1:])}

    def need(n):
        nonlocal rest
        while len(rest) < n:
            more = sock.recv(1 << 20)
            assert more, "connection closed inside the body"
            rest += more

    if fields.get(b"transfer-encoding") == b"chunked":
        chunks = []
        while True:
            while b"\r\n" not in rest:
                need(len(rest) + 1)
            size_line, rest = rest.split(b"\r\n", 1)
            size = int(size_line, 16)
            need(size + 2)
            assert rest[size:size + 2] == b"\r\n"
            if size == 0:
                return head, fields, chunks
            chunks.append(rest[:size])
            rest = rest[size + 2:]
    if b"content-length" in fields:
        need(int(fields[b"content-length"]))
        return head, fields, [rest[:int(fields[b"content-length"])]]
    while True:
        more = sock.recv(1 << 20)
        if not more:
            return head, fields, [rest]
        rest += more


def test_large_scrape_is_sent_in_chunks_while_it_is_written(start_server):
    s = start_big(start_server)
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as sock:
        sock.sendall(b"GET /metrics/big HTTP/1.1\r\nHost: x\r\n\r\n")
        head, fields, chunks = read_response(sock)
        assert head.startswith(b"HTTP/1.1 200")
        assert b"content-length" not in fields
        assert len(chunks) > 2 and all(chunks)
        text = b"".join(chunks).decode()
        # The connection stays usable after a chunked body.
        sock.sendall(b"GET /metrics/big HTTP/1.1\r\nHost: x\r\n\r\n")
        _, _, again = read_response(sock)
        assert b"".join(again).decode() == text
    lines = text.splitlines()
    assert lines[:1] == ["# TYPE big_total counter"]
    samples = lines[1:]
    assert len(samples) == BIG_SERIES
    assert samples == sorted(samples)
    assert samples[0] == 'big_total{i="000000",pad="abcdefghij"} 1'
    assert samples[-1] == f'big_total{{i="{BIG_SERIES - 1:06d}",pad="abcdefghij"}} 1'

    # The same body in every other way of asking for it.
    status, headers, data = s.request("GET", "/metrics/big")
    assert status == 200 and data.decode() == text
    status, headers, data = s.request("GET", "/metrics/big",
                                      headers={"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(data).decode() == text
    status, headers, data = s.request("HEAD", "/metrics/big")
    assert status == 200 and data == b"" and int(headers["content-length"]) == len(text)
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as sock:
        sock.sendall(b"GET /metrics/big HTTP/1.0\r\n\r\n")
        head, fields, body = read_response(sock)
        assert head.startswith(b"HTTP/1.0 200")
        assert int(fields[b"content-length"]) == len(text)
        assert body[0].decode() == text
    status, headers, data = s.request(
        "GET", "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    om = data.decode()
    assert om.endswith("\n# EOF\n") and om.count("# EOF") == 1
    assert om.count('big_total{i="') == BIG_SERIES


def scrapes_finished(server):
    text = server.scrape("/metrics")
    return sample_value(text, "metrics_accumulator_scrape_duration_seconds_count")


def test_slow_scraper_does_not_hold_up_pushes(start_server):
    # More than the kernel lets sit in socket buffers (4 MB of send buffer here), so
    # that most of the body waits in the server until the client reads.
    s = start_big(start_server, 30_000, "x" * 240)
    finished_before = scrapes_finished(s)
    with socket.socket() as sock:
        # A small receive window (set before connecting), so the body stalls in the
        # middle: most of it cannot be in flight at once.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", s.port))
        sock.sendall(b"GET /metrics/big HTTP/1.1\r\nHost: x\r\n\r\n")
        first = sock.recv(1024)
        assert first.startswith(b"HTTP/1.1 200")
        # The scrape waits on a full socket, in the middle of the family these pushes
        # go to; they are not held up by it.
        for n in range(20):
            status, text = s.push("big", '# TYPE big_total counter\n'
                                  f'big_total{{i="000001",pad="{"x" * 240}"}} 1\n'
                                  f'big_total{{i="new{n:02d}",pad="x"}} 1\n', key=None)
            assert status == 201, text
        assert s.request("GET", "/health")[0] == 200
        # ... and it really was waiting: it has not finished yet.
        assert scrapes_finished(s) == finished_before + 1  # only the check above

        # Read the rest: a whole, well-formed body.
        data = first
        while not data.endswith(b"\r\n0\r\n\r\n"):
            more = sock.recv(1 << 20)
            assert more
            data += more
    assert data.count(b'big_total{i="') >= 30_000
    assert sample_value(s.scrape("/metrics/big"), f'big_total{{i="000001",pad="{"x" * 240}"}}') == 21
