"""Malformed and hostile requests (issue: hostile input): each gets its 4xx with a reason,
nothing of it is applied (every group's exposition is byte-identical afterwards), and
the server stays healthy. One server takes the whole table, in order.
"""
import base64
import gzip
import socket
import time

import pytest

from conftest import Server

KEY = "hostile-test-key"
CONFIG = f"""
metricGroups:
  default:
    name: default
    maxTimeSeries: 40
    displayMetrics: true
  keyed:
    name: keyed
    apiKey: {KEY}
    maxTimeSeries: 100
    displayMetrics: true
"""
TEXT = {"Content-Type": "text/plain; version=0.0.4"}
OM = {"Content-Type": "application/openmetrics-text; version=1.0.0"}
PROTO = {"Content-Type": "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
                         "encoding=delimited"}
JSON = {"Content-Type": "application/json"}
KEYED = {**TEXT, "X-API-KEY": KEY}

# State the table must not change: a counter, a histogram and a gauge in each group.
SEED = """# TYPE seed_total counter
seed_total{a="1"} 5
# TYPE seed_latency_seconds histogram
seed_latency_seconds_bucket{le="0.1"} 1
seed_latency_seconds_bucket{le="+Inf"} 2
seed_latency_seconds_sum 0.3
seed_latency_seconds_count 2
# TYPE seed_temp gauge
seed_temp 21
"""


def case(name, method, path, body=b"", headers=None, status=400, reason=None):
    if isinstance(body, str):
        body = body.encode()
    return pytest.param(method, path, body, headers or {}, status, reason, id=name)


def text_cases():
    bad_bodies = {
        "no value": "x_total{a=\"1\"}\n",
        "value not a number": "x_total 1.2.3\n",
        "unterminated labels": "x_total{a=\"1\" 1\n",
        "unterminated label value": "x_total{a=\"1} 1\n",
        "label without value": "x_total{a} 1\n",
        "label name starts with digit": "x_total{1a=\"v\"} 1\n",
        "metric name starts with digit": "1x_total 1\n",
        "metric name with dash": "x-total 1\n",
        "bad escape in label value": "x_total{a=\"\\q\"} 1\n",
        "duplicate label": "x_total{a=\"1\",a=\"2\"} 1\n",
        "reserved label name": "x_total{__name__=\"y\"} 1\n",
        "bad timestamp": "x_total 1 abc\n",
        "trailing garbage": "x_total 1 2 3\n",
        "TYPE unknown": "# TYPE x_total countr\nx_total 1\n",
        "TYPE twice": "# TYPE x gauge\n# TYPE x gauge\nx 1\n",
        "TYPE after samples": "x 1\n# TYPE x gauge\n",
        "duplicate series": "# TYPE x_total counter\nx_total{a=\"1\"} 1\nx_total{a=\"1\"} 2\n",
        "duplicate series reordered labels":
            "# TYPE x_total counter\nx_total{a=\"1\",b=\"2\"} 1\nx_total{b=\"2\",a=\"1\"} 2\n",
        "NaN counter": "# TYPE x_total counter\nx_total NaN\n",
        "negative counter": "# TYPE x_total counter\nx_total -1\n",
        "infinite counter": "# TYPE x_total counter\nx_total +Inf\n",
        "histogram without +Inf": "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
        "histogram buckets decrease":
            "# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 3\nh_sum 1\nh_count 3\n",
        "histogram bad le": "# TYPE h histogram\nh_bucket{le=\"x\"} 1\nh_bucket{le=\"+Inf\"} 1\n",
        "histogram bucket without le": "# TYPE h histogram\nh_bucket 1\n",
        "histogram negative count":
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} -1\nh_sum 1\nh_count -1\n",
        "summary bad quantile": "# TYPE s summary\ns{quantile=\"x\"} 1\ns_sum 1\ns_count 1\n",
        "summary quantile out of range": "# TYPE s summary\ns{quantile=\"1.5\"} 1\n",
        "invalid UTF-8 label value": b"x_total{a=\"\xff\xfe\"} 1\n",
        "invalid UTF-8 help": b"# HELP x \xc3\x28\nx 1\n",
        "NUL in body": b"x_total 1\x00\n",
        "long metric name": "x" * 300 + " 1\n",
        "long label name": "x{" + "l" * 300 + "=\"v\"} 1\n",
        "long label value": "x{a=\"" + "v" * 5000 + "\"} 1\n",
        "too many labels": "x{" + ",".join(f"l{i}=\"v\"" for i in range(100)) + "} 1\n",
        "raw newline in label value": "x{a=\"1\n2\"} 1\n",
        "TYPE without a name": "# TYPE\nx 1\n",
        "label set without closing brace at end": "x{a=\"1\"",
        "two values": "x 1 2 3 4\n",
        "value with letters": "x 12abc\n",
        "long help": "# HELP x " + "h" * 9000 + "\nx 1\n",
        "too many buckets": "# TYPE h histogram\n" + "".join(
            f"h_bucket{{le=\"{i}\"}} {i}\n" for i in range(600)) + "h_bucket{le=\"+Inf\"} 600\n",
        "metadata label with bad latest": "# TYPE g gauge\ng{_metrics_accumulator_latest=\"abc\"} 1\n",
    }
    for name, body in bad_bodies.items():
        yield case(f"update: {name}", "POST", "/update/default", body, TEXT, 400)
    for name in ("NaN counter", "duplicate series", "invalid UTF-8 label value", "too many labels"):
        yield case(f"pushgateway: {name}", "POST", "/metrics/job/hostile", bad_bodies[name], TEXT,
                   400)


def openmetrics_cases():
    bodies = {
        "no EOF": "# TYPE x counter\nx_total 1\n",
        "EOF twice": "# TYPE x counter\nx_total 1\n# EOF\n# EOF\n",
        "NaN counter": "# TYPE x counter\nx_total NaN\n# EOF\n",
        "negative counter": "# TYPE x counter\nx_total -3\n# EOF\n",
        "data after EOF": "# TYPE x counter\nx_total 1\n# EOF\nx_total 2\n",
    }
    for name, body in bodies.items():
        yield case(f"openmetrics: {name}", "POST", "/update/default", body, OM, 400)


def protobuf_cases():
    yield case("protobuf: garbage", "POST", "/update/default", b"\x05\xff\xff\xff\xff\xff", PROTO, 400)
    yield case("protobuf: truncated length", "POST", "/update/default", b"\xff", PROTO, 400)
    yield case("protobuf: length beyond body", "POST", "/update/default", b"\x7f\x0a\x01x", PROTO, 400)
    yield case("protobuf: family without name", "POST", "/update/default", b"\x02\x10\x00", PROTO, 400)


def json_cases():
    bodies = {
        "not JSON": "{not json",
        "number overflow": "{\"endpoint\":\"x\",\"value\":1e999}",
        "value a string": "{\"endpoint\":\"x\",\"value\":\"fast\"}",
        "negative value": "{\"endpoint\":\"x\",\"value\":-1}",
        "array of non-objects": "[1,2,3]",
        "deep nesting": "[" * 100 + "]" * 100,
        "status code a string": "{\"endpoint\":\"x\",\"status_code\":\"ok\",\"value\":1}",
        "metrics not a list": "{\"metrics\": 5}",
        "empty object": "{}",
        "invalid UTF-8": b"{\"endpoint\":\"\xff\",\"value\":1}",
    }
    for name, body in bodies.items():
        yield case(f"json: {name}", "POST", "/api/v1/metrics", body, JSON, 400)


def path_cases():
    yield case("pushgateway: bad base64 value", "PUT", "/metrics/job@base64/%%%", SEED, TEXT, 400)
    yield case("pushgateway: base64 of invalid UTF-8", "PUT", "/metrics/job@base64/_w",
               SEED, TEXT, 400)
    yield case("pushgateway: odd label pair", "PUT", "/metrics/job/x/instance", SEED, TEXT, 400)
    yield case("pushgateway: empty job", "PUT", "/metrics/job/", SEED, TEXT, 400)
    yield case("pushgateway: bad label name", "PUT", "/metrics/job/x/1bad/v", SEED, TEXT, 400)
    yield case("pushgateway: reserved label", "PUT", "/metrics/job/x/__a/v", SEED, TEXT, 400)
    yield case("bad percent-encoding", "POST", "/update/%zz", SEED, TEXT, 400)
    yield case("unknown group", "POST", "/update/nope", SEED, TEXT, 404)
    yield case("unknown path", "GET", "/nope", b"", {}, 404)
    yield case("scrape of unknown group", "GET", "/metrics/nope", b"", {}, 404)


def access_cases():
    yield case("keyed group without key", "POST", "/update/keyed", SEED, TEXT, 401)
    yield case("keyed group with wrong key", "POST", "/update/keyed", SEED,
               {**TEXT, "X-API-KEY": "wrong"}, 401)
    yield case("keyed group with empty key", "POST", "/update/keyed", SEED,
               {**TEXT, "X-API-KEY": ""}, 401)
    yield case("pushgateway wrong basic auth", "POST", "/metrics/job/x", SEED,
               {**TEXT, "Authorization": "Basic " + base64.b64encode(b"u:wrong").decode()}, 401)
    yield case("pushgateway broken basic auth", "POST", "/metrics/job/x", SEED,
               {**TEXT, "Authorization": "Basic !!!"}, 401)


def protocol_cases():
    yield case("unknown method on update", "PATCH", "/update/default", SEED, TEXT, 405)
    yield case("GET on update", "GET", "/update/default", b"", {}, 405)
    yield case("DELETE on scrape", "DELETE", "/metrics/default", b"", {}, 405)
    yield case("POST on health", "POST", "/health", b"", {}, 405)
    yield case("PUT on series delete", "PUT", "/api/v1/series", b"", {}, 405)
    yield case("empty body", "POST", "/update/default", b"", TEXT, 400)
    yield case("unknown content type", "POST", "/update/default", SEED,
               {"Content-Type": "application/xml"}, 415)
    yield case("JSON to the text endpoint", "POST", "/update/default", SEED, JSON, 415)
    yield case("unknown content encoding", "POST", "/update/default", SEED,
               {**TEXT, "Content-Encoding": "br"}, 415)
    yield case("gzip header, not gzip", "POST", "/update/default", SEED,
               {**TEXT, "Content-Encoding": "gzip"}, 400)
    yield case("truncated gzip", "POST", "/update/default", gzip.compress(SEED.encode())[:20],
               {**TEXT, "Content-Encoding": "gzip"}, 400)
    bomb = gzip.compress(b"x_total 1\n" + b" " * (64 * 1024 * 1024))
    yield case("gzip bomb", "POST", "/update/default", bomb, {**TEXT, "Content-Encoding": "gzip"},
               413)
    yield case("oversize body", "POST", "/update/default", b"x 1\n" * (5 * 1024 * 1024), TEXT, 413)
    yield case("header flood", "POST", "/update/default", SEED,
               {**TEXT, **{f"X-Flood-{i}": "v" * 100 for i in range(2000)}}, 431)
    yield case("huge header", "GET", "/metrics/default", b"", {"X-Big": "v" * 200_000}, 431)
    yield case("delete without group", "DELETE", "/api/v1/series?match[]=seed_total", b"", {}, 400)
    yield case("delete without selector", "DELETE", "/api/v1/series?group=default", b"", {}, 400)
    yield case("delete with bad selector", "DELETE",
               "/api/v1/series?group=default&match[]={a=~\"(\"}", b"", {}, 400)
    yield case("delete with empty matcher only", "DELETE",
               "/api/v1/series?group=default&match[]={a=\"\"}", b"", {}, 400)
    yield case("idempotency key too long", "POST", "/update/default", SEED,
               {**TEXT, "Idempotency-Key": "k" * 300}, 400)
    yield case("writer header empty", "POST", "/update/default", SEED,
               {**TEXT, "X-Accumulator-Writer": ""}, 400)


def conflict_cases():
    yield case("type conflict with stored counter", "POST", "/update/default",
               "# TYPE seed_total gauge\nseed_total{a=\"1\"} 1\n", TEXT, 409)
    yield case("histogram bounds differ from stored", "POST", "/update/default",
               "# TYPE seed_latency_seconds histogram\nseed_latency_seconds_bucket{le=\"0.5\"} 1\n"
               "seed_latency_seconds_bucket{le=\"+Inf\"} 1\nseed_latency_seconds_sum 1\n"
               "seed_latency_seconds_count 1\n", TEXT, 409)
    yield case("name shared with stored histogram's samples", "POST", "/update/default",
               "# TYPE seed_latency_seconds_sum gauge\nseed_latency_seconds_sum 1\n", TEXT, 409)
    yield case("half good, half conflicting", "POST", "/update/default",
               "# TYPE fresh_total counter\nfresh_total 1\n# TYPE seed_temp counter\nseed_temp 1\n",
               TEXT, 409)
    many = "# TYPE flood_total counter\n" + "".join(f"flood_total{{i=\"{i}\"}} 1\n" for i in range(50))
    yield case("more new series than the limit allows", "POST", "/update/default", many, TEXT, 422)


CASES = [*text_cases(), *openmetrics_cases(), *protobuf_cases(), *json_cases(), *path_cases(),
         *access_cases(), *protocol_cases(), *conflict_cases()]


def test_the_table_has_at_least_100_requests():
    assert len(CASES) >= 100, len(CASES)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    cfg = tmp / "config.yml"
    cfg.write_text(CONFIG)
    s = Server(["--config-file", str(cfg), "--max-body-bytes", str(4 * 1024 * 1024)], tmp)
    assert s.push("default", SEED, key=None)[0] == 201
    assert s.push("keyed", SEED, key=KEY)[0] == 201
    s.before = state(s)
    try:
        yield s
        assert state(s) == s.before, "stored state changed"
    finally:
        assert s.stop() == 0


def state(server):
    return tuple(server.request("GET", p)[2] for p in ("/metrics/default", "/metrics/keyed",
                                                       "/api/v1/metrics"))


def raw_request(server, method, path, body, headers):
    """Sends the request as is (http.client would refuse some of these headers)."""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    for k, v in headers.items():
        head += f"{k}: {v}\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        try:
            sock.sendall(head.encode() + body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading a huge request
        data = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    status_line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    parts = status_line.split(" ")
    assert len(parts) >= 2 and parts[1].isdigit(), f"no HTTP answer: {data[:200]!r}"
    body_start = data.find(b"\r\n\r\n")
    return int(parts[1]), data[body_start + 4:] if body_start >= 0 else b""


@pytest.mark.parametrize("method,path,body,headers,status,reason", CASES)
def test_hostile_request_is_refused_and_changes_nothing(server, method, path, body, headers, status,
                                                        reason):
    got, answer = raw_request(server, method, path, body, headers)
    assert got == status, (got, answer[:300])
    if status not in (405, 431) and method != "GET":
        assert answer.strip(), "a refusal says why"
    assert state(server) == server.before
    assert server.request("GET", "/health")[0] == 200


def test_slow_loris_connections_do_not_block_others(server):
    # 50 connections that send half a request line and stall.
    stalled = []
    try:
        for _ in range(50):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"POST /update/default HTTP/1.1\r\nHost: x\r\nContent-Le")
            stalled.append(sock)
        start = time.monotonic()
        for _ in range(20):
            assert server.request("GET", "/health")[0] == 200
        assert server.push("keyed", "# TYPE other_total counter\nother_total 1\n", key=KEY)[0] == 201
        assert time.monotonic() - start < 10
    finally:
        for sock in stalled:
            sock.close()
    # Restore the state the table compares against.
    deleted = server.request("DELETE", "/api/v1/series?group=keyed&match[]=other_total",
                             headers={"X-API-KEY": KEY})
    assert deleted[0] in (200, 202, 204), deleted
    assert state(server) == server.before
