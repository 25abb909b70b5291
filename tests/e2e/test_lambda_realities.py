"""Exact counts under Lambda realities (SPEC §2): cumulative writers, retries, concurrency."""
import http.client
import random
import threading
import uuid

from conftest import sample_value

CONFIG = """
metricGroups:
  default:
    name: default
    displayMetrics: true
    maxTimeSeries: 10000
"""

BUCKETS = [0.125, 0.5, 1.0]


def post(port, path, body, headers, method="PUT"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body.encode(), headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def test_writer_header_body_label_and_path_label(start_server):
    s = start_server(CONFIG)
    for total in (5, 8, 10):
        assert post(s.port, "/metrics/job/w", f"# TYPE a_total counter\na_total {total}\n",
                    {"X-Accumulator-Writer": "c1"}) == 200
        assert post(s.port, "/metrics/job/w/_metrics_accumulator_writer/c2",
                    f"# TYPE b_total counter\nb_total {total}\n", {}) == 200
        assert post(s.port, "/update/default",
                    f'# TYPE c_total counter\nc_total{{_metrics_accumulator_writer="c3"}} {total}\n',
                    {}, method="POST") == 201
    out = s.scrape("/metrics/default")
    assert sample_value(out, 'a_total{instance="",job="w"}') == 10
    assert sample_value(out, 'b_total{instance="",job="w"}') == 10
    assert sample_value(out, "c_total") == 10
    assert "_metrics_accumulator_writer" not in out


def test_idempotency_key_answers_again_without_applying(start_server):
    s = start_server(CONFIG)
    body = "# TYPE r_total counter\nr_total 1\n"
    for _ in range(3):
        assert post(s.port, "/metrics/job/retry", body, {"Idempotency-Key": "req-42"}) == 200
    assert sample_value(s.scrape("/metrics/default"), 'r_total{instance="",job="retry"}') == 1
    assert post(s.port, "/metrics/job/retry", body, {"Idempotency-Key": "req-43"}) == 200
    assert sample_value(s.scrape("/metrics/default"), 'r_total{instance="",job="retry"}') == 2


def test_32_concurrent_clients_give_an_exact_sum(start_server):
    s = start_server(CONFIG)
    clients, pushes = 32, 40
    errors = []

    def client(i):
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        for n in range(pushes):
            body = (f"# TYPE shared_total counter\nshared_total 1\n"
                    f"# TYPE own_total counter\nown_total{{client=\"{i}\"}} 2\n"
                    f"# TYPE spread_total counter\nspread_total{{slot=\"{n % 7}\"}} 1\n")
            conn.request("POST", "/update/default", body=body.encode())
            resp = conn.getresponse()
            resp.read()
            if resp.status != 201:
                errors.append(resp.status)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    out = s.scrape("/metrics/default")
    assert sample_value(out, "shared_total") == clients * pushes
    assert all(sample_value(out, f'own_total{{client="{i}"}}') == 2 * pushes for i in range(clients))
    assert sum(sample_value(out, f'spread_total{{slot="{k}"}}') for k in range(7)) == clients * pushes


class Container:
    """A warm Lambda container: a registry that keeps counting across invocations."""

    def __init__(self, rng):
        self.rng = rng
        self.writer = str(uuid.UUID(int=rng.getrandbits(128)))
        self.reset()

    def reset(self):
        self.requests = 0
        self.buckets = [0] * (len(BUCKETS) + 1)  # cumulative, last is +Inf
        self.sum = 0.0

    def invoke(self, truth):
        n = self.rng.randint(1, 3)
        latency = self.rng.choice([0.125, 0.25, 0.5, 0.75, 1.5])  # exact in binary
        self.requests += n
        truth["requests"] += n
        for i, bound in enumerate(BUCKETS + [float("inf")]):
            if latency <= bound:
                self.buckets[i] += 1
                truth["buckets"][i] += 1
        self.sum += latency
        truth["sum"] += latency

    def body(self):
        lines = ["# TYPE sim_requests_total counter",
                 f"sim_requests_total {self.requests}",
                 "# TYPE sim_latency_seconds histogram"]
        for bound, count in zip(["0.125", "0.5", "1", "+Inf"], self.buckets):
            lines.append(f'sim_latency_seconds_bucket{{le="{bound}"}} {count}')
        lines += [f"sim_latency_seconds_sum {self.sum}",
                  f"sim_latency_seconds_count {self.buckets[-1]}"]
        return "\n".join(lines) + "\n"


def test_simulated_lambda_fleet_gives_exact_totals(start_server):
    """1,000 invocations over 50 warm containers, each pushing its running totals as a
    cumulative writer; 10% of pushes retried with the same Idempotency-Key; some
    containers restart (registry reset) midway, half of them keeping their writer id."""
    s = start_server(CONFIG)
    rng = random.Random(20261125)
    containers = [Container(random.Random(rng.getrandbits(64))) for _ in range(50)]
    plan = [[] for _ in containers]  # invocations per container, in order
    for invocation in range(1000):
        plan[rng.randrange(len(containers))].append(invocation)
    restarts = {c: rng.choice(plan[c]) for c in rng.sample(range(len(containers)), 10) if plan[c]}
    truth = {"requests": 0, "buckets": [0] * (len(BUCKETS) + 1), "sum": 0.0}
    truth_lock = threading.Lock()
    failures = []

    def run(c):
        container = containers[c]
        conn_rng = random.Random(c)
        for invocation in plan[c]:
            if restarts.get(c) == invocation:
                container.reset()  # cold start: the registry begins again at zero
                if c % 2 == 0:
                    container.writer = f"restarted-{c}"
            with truth_lock:
                container.invoke(truth)
            headers = {"X-Accumulator-Writer": container.writer,
                       "Idempotency-Key": f"invocation-{invocation}"}
            attempts = 2 if conn_rng.random() < 0.10 else 1
            for _ in range(attempts):
                status = post(s.port, "/metrics/job/sim", container.body(), headers)
                if status != 200:
                    failures.append(status)

    threads = [threading.Thread(target=run, args=(c,)) for c in range(len(containers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    out = s.scrape("/metrics/default")
    key = 'instance="",job="sim"'
    assert sample_value(out, f"sim_requests_total{{{key}}}") == truth["requests"]
    for bound, count in zip(["0.125", "0.5", "1", "+Inf"], truth["buckets"]):
        assert sample_value(out, f'sim_latency_seconds_bucket{{{key},le="{bound}"}}') == count
    assert sample_value(out, f"sim_latency_seconds_count{{{key}}}") == truth["buckets"][-1]
    assert sample_value(out, f"sim_latency_seconds_sum{{{key}}}") == truth["sum"]
    assert truth["buckets"][-1] == 1000
    metrics = s.scrape("/metrics")
    assert sample_value(metrics, 'metrics_accumulator_pushes_rejected_total{group="default",'
                                 'reason="series_limit"}') is None


def full_answer(port, method, path, body, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body.encode(), headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type"), resp.read()
    finally:
        conn.close()


def test_a_retry_reads_the_first_answer_whole(start_server):
    s = start_server(CONFIG)
    cases = [
        ("/api/v1/metrics", '{"metrics":[{"name":"j_total","type":"counter","value":1}]}',
         {"Content-Type": "application/json"}, 200),
        ("/api/v1/metrics", '{"metrics":[{"name":"j_total"}]}',
         {"Content-Type": "application/json"}, 400),
        ("/update/default", "c{ 1\n", {"Content-Type": "text/plain"}, 400),
        ("/update/default", "# TYPE u_total counter\nu_total 1\n",
         {"Content-Type": "text/plain"}, 201),
    ]
    for i, (path, body, headers, want) in enumerate(cases):
        headers = {**headers, "Idempotency-Key": f"whole-{i}"}
        first = full_answer(s.port, "POST", path, body, headers)
        again = full_answer(s.port, "POST", path, body, headers)
        assert first[0] == want, (path, body, first)
        assert again == first, (path, body)
    assert full_answer(s.port, "POST", *cases[0][:2], {"Content-Type": "application/json",
                                                       "Idempotency-Key": "whole-0"})[2] == \
        b'{"message":"success"}'
    assert full_answer(s.port, "POST", *cases[2][:2], {"Idempotency-Key": "whole-2"})[2] \
        .startswith(b"line 1: ")
    out = s.scrape("/metrics/default")
    assert sample_value(out, "j_total") == 1
    assert sample_value(out, "u_total") == 1
