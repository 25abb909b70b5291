"""Merge rules, conflicts, limits and TTL through the real binary (SPEC §2)."""
import time

from conftest import sample_value, wait_until

CONFIG = """
global:
  hostAddress: localhost:8080
metricGroups:
  main:
    name: main
    apiKey: main-key
    maxTimeSeries: 5
    displayMetrics: true
  short:
    name: short
    seriesTtl: 1s
  cron:
    name: cron
    restartCronExpression: "*/2 * * * * ?"
    seriesTtl: 0
"""


def push(s, body, group="main", key="main-key"):
    return s.push(group, body, key=key)


def test_histogram_and_summary_accumulate(start_server):
    s = start_server(CONFIG)
    hist = ('# TYPE rt histogram\nrt_bucket{le="0.1"} 1\nrt_bucket{le="1"} 3\n'
            'rt_bucket{le="+Inf"} 4\nrt_sum 2.5\nrt_count 4\n'
            '# TYPE lat summary\nlat{quantile="0.5"} 0.2\nlat_sum 10\nlat_count 5\n')
    assert push(s, hist)[0] == 201
    assert push(s, hist.replace('lat{quantile="0.5"} 0.2', 'lat{quantile="0.5"} 0.7'))[0] == 201
    out = s.scrape("/metrics/main")
    assert sample_value(out, 'rt_bucket{le="0.1"}') == 2
    assert sample_value(out, 'rt_bucket{le="1"}') == 6
    assert sample_value(out, 'rt_bucket{le="+Inf"}') == 8
    assert sample_value(out, "rt_sum") == 5
    assert sample_value(out, "rt_count") == 8
    assert sample_value(out, 'lat{quantile="0.5"}') == 0.7
    assert sample_value(out, "lat_sum") == 20
    assert sample_value(out, "lat_count") == 10


def test_conflicts_are_409_and_change_nothing(start_server):
    s = start_server(CONFIG)
    assert push(s, '# TYPE c_total counter\nc_total 1\n# TYPE h histogram\n'
                   'h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')[0] == 201
    before = s.scrape("/metrics/main")
    status, msg = push(s, "# TYPE c_total gauge\nc_total 5\n")
    assert status == 409 and "c_total" in msg and "counter" in msg
    status, msg = push(s, '# TYPE c_total counter\nc_total 7\n# TYPE h histogram\n'
                          'h_bucket{le="2"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')
    assert status == 409 and "bucket bounds" in msg
    assert s.scrape("/metrics/main") == before  # not even c_total moved


def test_bad_values_are_400_naming_the_problem(start_server):
    s = start_server(CONFIG)
    status, msg = push(s, "# TYPE c_total counter\nc_total -1\n")
    assert status == 400 and "counter increment" in msg
    status, msg = push(s, "ok 1\nbroken{a=1} 2\n")
    assert status == 400 and msg.startswith("line 2:")
    assert "ok" not in s.scrape("/metrics/main")


def test_max_time_series_is_422_and_changes_nothing(start_server):
    s = start_server(CONFIG)
    assert push(s, "".join(f'm{{i="{i}"}} 1\n' for i in range(4)))[0] == 201
    before = s.scrape("/metrics/main")
    status, msg = push(s, 'm{i="0"} 9\nm{i="8"} 1\nm{i="9"} 1\n')
    assert status == 422 and "maxTimeSeries 5" in msg
    assert s.scrape("/metrics/main") == before
    assert push(s, 'm{i="4"} 1\n')[0] == 201
    metrics = s.scrape("/metrics")
    assert sample_value(metrics, 'metrics_accumulator_series{group="main"}') == 5
    assert sample_value(
        metrics,
        'metrics_accumulator_pushes_rejected_total{group="main",reason="series_limit"}') == 1


def test_series_expire_after_ttl(start_server):
    s = start_server(CONFIG)
    assert push(s, "gone_soon 1\n", group="short", key=None)[0] == 201
    assert "gone_soon 1" in s.scrape("/metrics/short")
    assert wait_until(lambda: "gone_soon" not in s.scrape("/metrics/short"), timeout=5)
    assert wait_until(lambda: sample_value(
        s.scrape("/metrics"),
        'metrics_accumulator_series_expired_total{group="short"}') == 1, timeout=5)


def test_series_pushed_again_stay_alive(start_server):
    s = start_server(CONFIG)
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        assert push(s, "# TYPE kept_total counter\nkept_total 1\n", group="short", key=None)[0] == 201
        assert "kept_total" in s.scrape("/metrics/short")
        time.sleep(0.3)


def test_cron_wipes_the_group(start_server):
    s = start_server(CONFIG)
    assert push(s, "wiped 1\n", group="cron", key=None)[0] == 201
    assert wait_until(lambda: "wiped" not in s.scrape("/metrics/cron"), timeout=6)
    assert wait_until(lambda: sample_value(
        s.scrape("/metrics"), 'metrics_accumulator_group_resets_total{group="cron"}') >= 1)
