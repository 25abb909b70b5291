"""OpenMetrics, JSON pushes (the seed's Lambda snippet) and delete by matcher."""
import json
from urllib.parse import quote

import urllib3

from conftest import sample_value

CONFIG = """
global:
  defaultGroup: default
metricGroups:
  default:
    name: default
    displayMetrics: true
  keyed:
    name: keyed
    apiKey: k-123
"""

OM_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def test_openmetrics_push_and_scrape_both_ways(start_server):
    s = start_server(CONFIG)
    body = ("# TYPE jobs counter\n# HELP jobs Jobs run.\n"
            'jobs_total{queue="a"} 2 # {trace_id="x"} 1\njobs_created{queue="a"} 1.7e9\n'
            '# TYPE build info\nbuild_info{version="1.2"} 1\n'
            '# TYPE mode stateset\nmode{mode="fast"} 1\nmode{mode="slow"} 0\n# EOF\n')
    for _ in range(2):
        status, _, data = s.request("POST", "/update/default", body, {"Content-Type": OM_TYPE})
        assert status == 201, data
    text = s.scrape("/metrics/default")
    assert sample_value(text, 'jobs_total{queue="a"}') == 4
    assert sample_value(text, 'build_info{version="1.2"}') == 1
    assert "# TYPE jobs_total counter" in text
    # Prometheus' own Accept header prefers OpenMetrics.
    accept = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
              "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
    status, headers, data = s.request("GET", "/metrics/default", headers={"Accept": accept})
    om = data.decode()
    assert headers["content-type"].startswith("application/openmetrics-text; version=1.0.0")
    assert "# TYPE jobs counter\n" in om and 'jobs_total{queue="a"} 4\n' in om
    assert "# TYPE build info\n" in om and "# TYPE mode stateset\n" in om
    assert om.endswith("# EOF\n")
    status, _, data = s.request("POST", "/update/default", "a 1\n", {"Content-Type": OM_TYPE})
    assert status == 400 and b"# EOF" in data


def seed_lambda_push(url, metric_data):
    """The seed README's Lambda snippet, verbatim apart from the URL."""
    http = urllib3.PoolManager()
    return http.request(
        'POST',
        url,
        headers={'Content-Type': 'application/json'},
        body=json.dumps(metric_data)
    )


def test_seed_lambda_snippet(start_server):
    s = start_server(CONFIG)
    metric_data = {
        "hostname": "lambda-host",
        "endpoint": "my-function",
        "request_method": "POST",
        "status_code": 200,
        "pid": 1234,
        "value": 0.042,
    }
    url = f"http://127.0.0.1:{s.port}/api/v1/metrics"
    for _ in range(3):
        response = seed_lambda_push(url, metric_data)
        assert response.status == 200
        assert json.loads(response.data) == {"message": "success"}
    out = s.scrape("/metrics")
    labels = 'endpoint="my-function",method="POST",status_code="200"'
    assert sample_value(out, f"requests_total{{{labels}}}") == 3
    assert sample_value(out, f'request_duration_seconds_bucket{{{labels},le="0.05"}}') == 3
    assert sample_value(out, f'request_duration_seconds_bucket{{{labels},le="0.025"}}') == 0
    assert abs(sample_value(out, f"request_duration_seconds_sum{{{labels}}}") - 0.126) < 1e-9
    assert "lambda-host" not in out and "1234" not in out


def test_json_alias_arrays_generic_documents_and_errors(start_server):
    s = start_server(CONFIG)
    records = [{"endpoint": "a", "request_method": "GET", "status_code": 500, "value": 1.5}] * 2
    status, _, data = s.request("POST", "/api/v1/prometheus", json.dumps(records),
                                {"Content-Type": "application/json"})
    assert status == 200, data
    doc = {"metrics": [{"name": "queue_depth", "type": "gauge", "labels": {"q": "x"}, "value": 7}]}
    status, _, _ = s.request("POST", "/api/v1/metrics", json.dumps(doc),
                             {"Content-Type": "application/json", "X-API-KEY": "k-123"})
    assert status == 200
    assert sample_value(s.scrape("/metrics/keyed"), 'queue_depth{q="x"}') == 7
    before = s.scrape("/metrics/default")
    status, headers, data = s.request(
        "POST", "/api/v1/metrics",
        json.dumps([records[0], {"endpoint": "b", "request_method": "GET", "status_code": 200}]))
    assert status == 400 and headers["content-type"] == "application/json"
    assert json.loads(data) == {"message": 'record 1: field "value" is required'}
    status, _, data = s.request("POST", "/api/v1/metrics", "{not json")
    assert status == 400 and json.loads(data)["message"].startswith("invalid JSON")
    assert s.scrape("/metrics/default") == before
    assert sample_value(before, 'requests_total{endpoint="a",method="GET",status_code="500"}') == 2


def test_delete_series_by_matcher(start_server):
    s = start_server(CONFIG)
    body = ('# TYPE inv_total counter\ninv_total{job="x",function_version="3"} 1\n'
            'inv_total{job="x",function_version="4"} 1\ninv_total{job="y",function_version="3"} 1\n')
    assert s.push("keyed", body, key="k-123")[0] == 201
    query = "group=keyed&match[]=" + quote('{job="x",function_version="3"}')
    assert s.request("DELETE", "/api/v1/series?" + query)[0] == 401
    status, _, data = s.request("DELETE", "/api/v1/series?" + query, headers={"X-API-KEY": "k-123"})
    assert status == 200 and json.loads(data)["deleted"] == 1
    out = s.scrape("/metrics/keyed")
    assert 'function_version="3",job="x"' not in out
    assert 'function_version="4",job="x"' in out and 'function_version="3",job="y"' in out
    regex = "group=keyed&match[]=" + quote('inv_total{job=~"x|y"}')
    status, _, data = s.request("DELETE", "/api/v1/series?" + regex, headers={"X-API-KEY": "k-123"})
    assert json.loads(data)["deleted"] == 2
    status, _, data = s.request("DELETE", "/api/v1/series?group=keyed&match[]=%7B%7D",
                                headers={"X-API-KEY": "k-123"})
    assert status == 400
    assert s.request("DELETE", "/api/v1/series?group=nope&match[]=x")[0] == 404
