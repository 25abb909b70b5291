"""Pushgateway-compatible pushes with the real Python client (SPEC §3.2)."""
import base64
import gzip
import json
import subprocess
import sys

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import (basic_auth_handler, delete_from_gateway,
                                          push_to_gateway, pushadd_to_gateway)

from conftest import PUSHGATEWAY_CONFIG, REPO, sample_value

CONFIG = PUSHGATEWAY_CONFIG


def gateway(s):
    return f"127.0.0.1:{s.port}"


def counter_registry(value=1, name="invocations"):
    registry = CollectorRegistry()
    c = Counter(name, "Invocations.", ["function"], registry=registry)
    c.labels(function="checkout").inc(value)
    return registry


def test_three_instances_pushing_the_same_counter_add_up(start_server):
    s = start_server(CONFIG)
    for _ in range(3):
        push_to_gateway(gateway(s), job="lambda", registry=counter_registry())
    out = s.scrape("/metrics/open")
    assert sample_value(out, 'invocations_total{function="checkout",instance="",job="lambda"}') == 3
    assert "invocations_created" not in out
    assert 'push_time_seconds{instance="",job="lambda"}' in out


def test_pushadd_also_accumulates_and_delete_removes_the_grouping_key(start_server):
    s = start_server(CONFIG)
    pushadd_to_gateway(gateway(s), job="cron", registry=counter_registry(2),
                       grouping_key={"instance": "box-1"})
    pushadd_to_gateway(gateway(s), job="cron", registry=counter_registry(5),
                       grouping_key={"instance": "box-1"})
    push_to_gateway(gateway(s), job="other", registry=counter_registry(1))
    out = s.scrape("/metrics/open")
    assert sample_value(out, 'invocations_total{function="checkout",instance="box-1",job="cron"}') == 7
    delete_from_gateway(gateway(s), job="cron", grouping_key={"instance": "box-1"})
    out = s.scrape("/metrics/open")
    assert 'job="cron"' not in out
    assert sample_value(out, 'invocations_total{function="checkout",instance="",job="other"}') == 1


def test_basic_auth_password_selects_the_group(start_server):
    s = start_server(CONFIG)

    def handler(url, method, timeout, headers, data):
        return basic_auth_handler(url, method, timeout, headers, data, "any-user", "lambda-key")

    push_to_gateway(gateway(s), job="fn", registry=counter_registry(4), handler=handler)
    assert sample_value(s.scrape("/metrics/secured"),
                        'invocations_total{function="checkout",instance="",job="fn"}') == 4
    assert "invocations_total" not in s.scrape("/metrics/open")

    def wrong(url, method, timeout, headers, data):
        return basic_auth_handler(url, method, timeout, headers, data, "u", "not-a-key")

    with pytest.raises(Exception) as info:
        push_to_gateway(gateway(s), job="fn", registry=counter_registry(), handler=wrong)
    assert "401" in str(info.value)


def test_x_api_key_header_selects_the_group(start_server):
    s = start_server(CONFIG)
    status, _, _ = s.request("PUT", "/metrics/job/keyed", "# TYPE k_total counter\nk_total 1\n",
                             {"X-API-KEY": "lambda-key"})
    assert status == 200
    assert sample_value(s.scrape("/metrics/secured"), 'k_total{instance="",job="keyed"}') == 1


def test_url_grammar(start_server):
    s = start_server(CONFIG)
    body = "# TYPE g gauge\ng{job=\"from-body\",x=\"1\"} 5\n"
    job = base64.urlsafe_b64encode(b"a/b").decode().rstrip("=")
    status, _, data = s.request("POST", f"/metrics/job@base64/{job}/path@base64/=/zone/eu%20west",
                                body)
    assert status == 200, data
    out = s.scrape("/metrics/open")
    assert sample_value(out, 'g{instance="",job="a/b",path="",x="1",zone="eu west"}') == 5
    for path, message in [("/metrics/job/", b"job name is required"),
                          ("/metrics/job/x/odd", b"odd number of components"),
                          ("/metrics/job/x/a@base64/%21%21", b"invalid base64"),
                          ("/metrics/job/x/__bad/1", b"improper label name")]:
        status, _, data = s.request("PUT", path, "m 1\n")
        assert status == 400 and message in data, (path, data)
    assert s.request("GET", "/metrics/job/x")[0] == 405
    status, _, _ = s.request("DELETE", "/metrics/job/nothing-here")
    assert status == 202


def test_grouping_labels_keep_every_body_label(start_server):
    # Regression: a body label sorting before the grouping key's new names lost its
    # name, and the scrape showed `=""`, which fails every Prometheus scrape of it.
    s = start_server(CONFIG)
    body = 'm{a="1",instance="i",job="body",zz="2"} 1\n'
    assert s.request("POST", "/metrics/job/url/path/p", body)[0] == 200
    out = s.scrape("/metrics/open")
    assert sample_value(out, 'm{a="1",instance="i",job="url",path="p",zz="2"}') == 1
    assert ',=""' not in out and '{=""' not in out


def test_bad_bodies_change_nothing(start_server):
    s = start_server(CONFIG)
    assert s.request("PUT", "/metrics/job/j", "# TYPE c_total counter\nc_total 1\n")[0] == 200
    before = s.scrape("/metrics/open")
    assert s.request("PUT", "/metrics/job/j", "c_total{ 1\n")[0] == 400
    assert s.request("PUT", "/metrics/job/j", "# TYPE c_total gauge\nc_total 1\n")[0] == 409
    bomb = gzip.compress(b"#" * (20 * 1024 * 1024))
    assert s.request("PUT", "/metrics/job/j", bomb, {"Content-Encoding": "gzip"})[0] == 413
    assert s.request("PUT", "/metrics/job/j", b"\x00\x01", {
        "Content-Type": "application/vnd.google.protobuf; "
                        "proto=io.prometheus.client.MetricFamily; encoding=delimited"})[0] == 400
    # push_time_seconds moves only on success, so the exposition is byte-identical.
    assert s.scrape("/metrics/open") == before


def test_gzip_body(start_server):
    s = start_server(CONFIG)
    status, _, _ = s.request("POST", "/metrics/job/z", gzip.compress(b"zipped 1\n"),
                             {"Content-Encoding": "gzip"})
    assert status == 200
    assert sample_value(s.scrape("/metrics/open"), 'zipped{instance="",job="z"}') == 1


@pytest.fixture(scope="module")
def metrics_pb2(tmp_path_factory):
    """Python classes for our metrics.proto, generated with Debian's protoc."""
    out = tmp_path_factory.mktemp("proto")
    subprocess.run(["protoc", f"-I{REPO / 'src' / 'parse'}", f"--python_out={out}",
                    str(REPO / "src" / "parse" / "metrics.proto")], check=True)
    sys.path.insert(0, str(out))
    import metrics_pb2 as module  # noqa: E402
    return module


def delimited(messages):
    from google.protobuf.internal.encoder import _VarintBytes
    return b"".join(_VarintBytes(m.ByteSize()) + m.SerializeToString() for m in messages)


PROTO_TYPE = ("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
              "encoding=delimited")


def test_protobuf_delimited_body_on_both_push_endpoints(start_server, metrics_pb2):
    # A hand-encoded body; the real client_golang pushes in test_real_clients.py.
    s = start_server(CONFIG)
    counter = metrics_pb2.MetricFamily(name="go_jobs_total", help="Jobs.",
                                       type=metrics_pb2.COUNTER)
    m = counter.metric.add()
    m.label.add(name="queue", value="q1")
    m.counter.value = 2
    hist = metrics_pb2.MetricFamily(name="go_latency_seconds", type=metrics_pb2.HISTOGRAM)
    h = hist.metric.add().histogram
    h.sample_count = 3
    h.sample_sum = 0.9
    b = h.bucket.add()
    b.upper_bound = 0.5
    b.cumulative_count = 2
    body = delimited([counter, hist])
    for _ in range(2):
        status, _, data = s.request("PUT", "/metrics/job/go", body, {"Content-Type": PROTO_TYPE})
        assert status == 200, data
    out = s.scrape("/metrics/open")
    assert sample_value(out, 'go_jobs_total{instance="",job="go",queue="q1"}') == 4
    assert sample_value(out, 'go_latency_seconds_bucket{instance="",job="go",le="0.5"}') == 4
    assert sample_value(out, 'go_latency_seconds_bucket{instance="",job="go",le="+Inf"}') == 6
    assert sample_value(out, 'go_latency_seconds_count{instance="",job="go"}') == 6
    # The upstream endpoint takes protobuf too.
    status, _, _ = s.request("POST", "/update/open", body, {"Content-Type": PROTO_TYPE})
    assert status == 201


def test_api_v1_status_and_metrics(start_server):
    s = start_server(CONFIG)
    registry = CollectorRegistry()
    Gauge("temperature", "Temp.", registry=registry).set(21.5)
    Histogram("lat_seconds", "Latency.", registry=registry, buckets=[0.1, 1]).observe(0.3)
    push_to_gateway(gateway(s), job="api", registry=registry)
    status, headers, data = s.request("GET", "/api/v1/status")
    assert status == 200 and headers["content-type"] == "application/json"
    doc = json.loads(data)
    assert doc["status"] == "success" and "version" in doc["data"]["build_information"]
    doc = json.loads(s.request("GET", "/api/v1/metrics")[2])
    assert doc["status"] == "success"
    [group] = doc["data"]
    assert group["labels"] == {"job": "api"}
    assert group["last_push_successful"] is True
    assert group["temperature"]["type"] == "GAUGE"
    assert group["temperature"]["metrics"][0]["value"] == "21.5"
    hist = group["lat_seconds"]["metrics"][0]
    assert hist["buckets"] == {"0.1": "0", "1": "1", "+Inf": "1"}
    assert hist["count"] == "1" and hist["sum"] == "0.3"
    assert "push_time_seconds" in group


def test_api_v1_metrics_with_a_histogram_named_push_time_seconds(start_server):
    s = start_server(CONFIG)
    body = ("# TYPE push_time_seconds histogram\n"
            'push_time_seconds_bucket{le="+Inf"} 1\npush_time_seconds_sum 2\n'
            "push_time_seconds_count 1\n")
    assert s.push("open", body, key=None)[0] == 201
    status, _, data = s.request("GET", "/api/v1/metrics")
    assert status == 200, data
    assert json.loads(data) == {"status": "success", "data": []}


def test_default_group_with_a_key_needs_it(start_server):
    s = start_server(CONFIG.replace("defaultGroup: open", "defaultGroup: secured"))
    status, _, data = s.request("PUT", "/metrics/job/x", "m 1\n")
    assert status == 401 and b"needs its API key" in data
