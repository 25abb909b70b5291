"""The upstream server's documented behaviour, against the real binary."""
import json
import signal

from conftest import UPSTREAM, UPSTREAM_KEY, sample_value, wait_until

UPSTREAM_CONFIG = (UPSTREAM / "metrics-accumulator.yml").read_text()

README_BODY = ('# TYPE test_total counter\n# HELP test_total\n'
               'test_total {span_id="321",trace_id="123"} 5.0')


def test_readme_example_pushed_twice_reads_ten(start_server):
    s = start_server(UPSTREAM_CONFIG)
    assert s.push("default", README_BODY) == (201, "")
    assert s.push("default", README_BODY) == (201, "")
    body = s.scrape("/metrics/default")
    assert 'test_total{span_id="321",trace_id="123"} 10\n' in body
    assert "# TYPE test_total counter" in body


def test_upstream_default_body_twice_doubles_counters_and_keeps_gauges(start_server):
    s = start_server(UPSTREAM_CONFIG)
    body = (UPSTREAM / "default.prom").read_text()
    assert s.push("default", body)[0] == 201
    assert s.push("default", body)[0] == 201
    out = s.scrape("/metrics/default")
    assert sample_value(out, 'python_gc_objects_collected_total{generation="0"}') == 9822
    assert sample_value(out, 'proxy_watch_total{application="proxy_watch",'
                             'host="proxy.internal.q6cyber.com",ip="8003"}') == 2422
    assert sample_value(out, "process_cpu_seconds_total") == 8.68
    assert sample_value(out, "process_open_fds") == 8
    assert sample_value(out, "process_max_fds") == 1048576
    assert sample_value(out, 'python_info{implementation="CPython",major="3",minor="10",'
                             'patchlevel="12",version="3.10.12"}') == 1


def test_created_total_body_is_accepted(start_server):
    s = start_server(UPSTREAM_CONFIG)
    assert s.push("default", (UPSTREAM / "created_total.prom").read_text())[0] == 201
    out = s.scrape("/metrics/default")
    assert "proxy_watch_total{" in out
    assert "proxy_watch_created" not in out


def test_gauge_keeps_value_with_higher_latest_stamp(start_server):
    s = start_server(UPSTREAM_CONFIG)
    assert s.push("default", (UPSTREAM / "label_timestamp_future.prom").read_text())[0] == 201
    assert s.push("default", (UPSTREAM / "label_timestamp_old.prom").read_text())[0] == 201
    out = s.scrape("/metrics/default")
    assert sample_value(out, 'python_gc_objects_collected_seconds{generation="0"}') == 4911
    assert "_metrics_accumulator_latest" not in out


def test_missing_or_wrong_key_is_401_and_unknown_group_404(start_server):
    s = start_server(UPSTREAM_CONFIG)
    status, msg = s.push("default", "a 1\n", key=None)
    assert status == 401 and "X-API-KEY" in msg
    status, msg = s.push("default", "a 1\n", key="not-the-key")
    assert status == 401 and "wrong API key" in msg
    assert s.push("nope", "a 1\n")[0] == 404
    assert s.request("GET", "/metrics/nope")[0] == 404
    assert "a 1" not in s.scrape("/metrics/default")


def test_service_discovery_json(start_server):
    s = start_server(UPSTREAM_CONFIG)
    status, headers, data = s.request("GET", "/service-discovery")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(data) == [{
        "targets": ["localhost:8080"],
        "labels": {"env": "dev", "version": "2.3", "__meta_metrics_path": "metrics/default"},
    }]


def test_configuration_views_redact_keys(start_server, tmp_path):
    s = start_server(UPSTREAM_CONFIG)
    status, headers, data = s.request("GET", "/current-configurations")
    assert status == 200 and headers["content-type"] == "application/json"
    doc = json.loads(data)
    assert UPSTREAM_KEY not in doc["configuration"]
    assert "apiKey: <redacted>" in doc["configuration"]
    assert doc["configurationFile"] == str(tmp_path / "config.yml")
    status, headers, page = s.request("GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert UPSTREAM_KEY.encode() not in page
    assert b"<table id=\"groups\">" in page and b"default" in page
    assert UPSTREAM_KEY not in s.log()


def test_reset_wipes_the_group(start_server):
    s = start_server(UPSTREAM_CONFIG)
    assert s.push("default", README_BODY)[0] == 201
    status, _, body = s.request("PUT", "/reset-metric-group/default")
    assert (status, body) == (200, b"Metrics reset for default")
    assert "test_total" not in s.scrape("/metrics/default")
    assert s.request("PUT", "/reset-metric-group/nope")[0] == 404
    assert s.request("GET", "/reset-metric-group/default")[0] == 405
    assert "adminApiKey is not set" in s.log()


def test_reload_good_and_bad_file(start_server, tmp_path):
    s = start_server(UPSTREAM_CONFIG)
    assert s.push("default", README_BODY)[0] == 201
    cfg = tmp_path / "config.yml"
    cfg.write_text(UPSTREAM_CONFIG + "  extra:\n    name: extra\n    displayMetrics: true\n")
    status, _, body = s.request("PUT", "/reload-configuration")
    assert (status, body) == (200, b"configurations has been reloaded")
    assert s.push("extra", "g 1\n", key=None)[0] == 201
    # Series of groups that still exist survive a reload.
    assert sample_value(s.scrape("/metrics/default"),
                        'test_total{span_id="321",trace_id="123"}') == 5
    cfg.write_text("metricGroups:\n  default:\n    maxTimeSeries: -1\n    bogus: 1\n")
    status, _, body = s.request("PUT", "/reload-configuration")
    assert status == 417
    assert b"maxTimeSeries" in body and b"bogus" in body
    assert s.push("extra", "g 2\n", key=None)[0] == 201  # old config still in force
    # SIGHUP reloads too: a file without "extra" drops that group.
    cfg.write_text(UPSTREAM_CONFIG)
    s.signal(signal.SIGHUP)
    assert wait_until(lambda: s.push("extra", "g 3\n", key=None)[0] == 404)
    assert sample_value(s.scrape("/metrics/default"),
                        'test_total{span_id="321",trace_id="123"}') == 5


def test_health_and_readiness_endpoints(start_server):
    s = start_server(UPSTREAM_CONFIG)
    for path in ["/health", "/-/healthy", "/api/v1/liveness",
                 "/ready", "/-/ready", "/api/v1/readiness"]:
        assert s.request("GET", path)[0] == 200, path


def test_embedded_default_config(start_server):
    s = start_server()
    assert s.push("default", "# TYPE jobs_total counter\njobs_total 2\n", key=None)[0] == 201
    assert s.push("default", "# TYPE jobs_total counter\njobs_total 3\n", key=None)[0] == 201
    assert sample_value(s.scrape("/metrics"), "jobs_total") == 5
    assert sample_value(s.scrape("/metrics/default"), "jobs_total") == 5
    doc = json.loads(s.request("GET", "/current-configurations")[2])
    assert "maxTimeSeries: 10000" in doc["configuration"]
