"""A real Prometheus (Debian's package) scraping the accumulator, queried with PromQL.

(a) the upstream README's http_sd_configs + relabeling against /service-discovery;
(b) the seed's static config with honor_labels: true against /metrics.
Everything listens on 127.0.0.1; Prometheus is stopped by PID at the end.
"""
import json
import shutil
import subprocess
import urllib.parse
import urllib.request

import pytest

from conftest import free_port, wait_until

# No skip: tools/install-deps.sh installs Debian's prometheus, and a missing one must fail.
assert shutil.which("prometheus"), "prometheus is not installed; run tools/install-deps.sh"

README_BODY = ('# TYPE test_total counter\n# HELP test_total\n'
               'test_total {span_id="321",trace_id="123"} 5.0')


@pytest.fixture
def prometheus(tmp_path):
    procs = []

    def start(scrape_config):
        port = free_port()
        cfg = tmp_path / "prometheus.yml"
        cfg.write_text("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                       "scrape_configs:\n" + scrape_config)
        log = open(tmp_path / "prometheus.log", "wb")
        proc = subprocess.Popen(
            ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=log, stderr=subprocess.STDOUT)
        procs.append((proc, log))
        return port

    yield start
    for proc, log in procs:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def query(port, promql):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return json.load(resp)["data"]["result"]
    except OSError:
        return []


def value_of(port, promql):
    result = query(port, promql)
    return float(result[0]["value"][1]) if len(result) == 1 else None


def test_service_discovery_and_relabeling(start_server, prometheus):
    port = free_port()
    s = start_server(f"""
global:
  hostAddress: 127.0.0.1:{port}
metricGroups:
  default:
    name: default
    apiKey: 0d98f65f-074b-4d56-b834-576e15a3bfa5
    displayMetrics: true
    serviceDiscoveryLabels: {{env: dev}}
""", "--listen", f"127.0.0.1:{port}")
    assert s.push("default", README_BODY)[0] == 201
    assert s.push("default", README_BODY)[0] == 201
    prom = prometheus(f"""
  - job_name: metrics-accumulator
    relabel_configs:
      - source_labels: ["__meta_metrics_path"]
        target_label: "__metrics_path__"
    http_sd_configs:
      - url: "http://127.0.0.1:{port}/service-discovery"
        refresh_interval: 1s
""")
    assert wait_until(lambda: value_of(prom, 'test_total{span_id="321"}') == 10, timeout=60), \
        query(prom, "test_total")
    [series] = query(prom, "test_total")
    assert series["metric"]["job"] == "metrics-accumulator"
    assert series["metric"]["env"] == "dev"
    assert series["metric"]["trace_id"] == "123"


def test_static_config_with_honor_labels(start_server, prometheus):
    s = start_server("""
metricGroups:
  default:
    name: default
    displayMetrics: true
""")
    for _ in range(3):
        status, _, _ = s.request("PUT", "/metrics/job/lambda-fn",
                                 "# TYPE invocations_total counter\ninvocations_total 1\n")
        assert status == 200
    prom = prometheus(f"""
  - job_name: metrics-accumulator
    static_configs:
      - targets: ['127.0.0.1:{s.port}']
    metrics_path: '/metrics'
    honor_labels: true
""")
    assert wait_until(lambda: value_of(prom, 'invocations_total{job="lambda-fn"}') == 3,
                      timeout=60), query(prom, "invocations_total")
    [series] = query(prom, "invocations_total")
    # honor_labels keeps the pushed job and the empty instance the gateway added.
    assert series["metric"]["job"] == "lambda-fn"
    assert "instance" not in series["metric"]
    assert value_of(prom, 'metrics_accumulator_series{group="default"}') == 2
