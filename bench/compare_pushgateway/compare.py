#!/usr/bin/python3
"""Side-by-side benchmark: metrics-accumulator against Debian's prometheus-pushgateway.

Starts both on 127.0.0.1, runs the same loads against each (alternating), and prints a
Markdown table with both figures and their ratio; --write-docs puts it into
docs/performance.md. Bounded: every wrk run lasts --seconds, every preload has a
deadline, and both servers are stopped by PID at the end (also on errors).

Usage: bench/compare_pushgateway/run.sh [--seconds N] [--max-series N] [--write-docs]
"""
import argparse
import http.client
import os
import pathlib
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
BINARY = pathlib.Path(os.environ.get("MA_BINARY", REPO / "build" / "metrics-accumulator"))
PUSH_PATH = "/metrics/job/bench/instance/wrk"
CONFIG = """
global:
  seriesTtl: 0
metricGroups:
  default:
    name: default
    maxTimeSeries: 5000000
    displayMetrics: true
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Target:
    def __init__(self, name, argv, port, workdir):
        self.name, self.port = name, port
        self.log = open(workdir / f"{name}.log", "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, cwd=workdir)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/-/ready")[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: see {self.log.name}")
            time.sleep(0.05)
        raise RuntimeError(f"{name} did not become ready")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, headers=None, timeout=600):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, data
        finally:
            conn.close()

    def rss_bytes(self):
        for line in pathlib.Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def start_accumulator(workdir, data_dir=None, fsync="always"):
    cfg = workdir / "accumulator.yml"
    text = CONFIG
    if data_dir:
        text = text.replace("global:\n", f"global:\n  persistence: {{dir: {data_dir}, fsync: {fsync}}}\n")
    cfg.write_text(text)
    port = free_port()
    return Target("metrics-accumulator", [str(BINARY), "--config-file", str(cfg), "--listen",
                                          f"127.0.0.1:{port}", "--log-level", "warn"], port, workdir)


def start_pushgateway(workdir):
    port = free_port()
    # Debian's default persists to /var/lib/prometheus; the upstream default (and a fair
    # comparison with our in-memory mode) keeps metrics in memory only.
    return Target("pushgateway", ["prometheus-pushgateway", f"--web.listen-address=127.0.0.1:{port}",
                                  "--persistence.file=", "--log.level=warn"], port, workdir)


def wrk(target, script, seconds, connections, series=10, new_connection=False):
    env = dict(os.environ, SERIES=str(series), PUSH_PATH=PUSH_PATH,
               NEW_CONNECTION="1" if new_connection else "0")
    threads = min(2, connections)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
                          "--timeout", "10s", "-s", str(HERE / script), target.url],
                         env=env, capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"RESULT requests=(\d+) duration_us=(\d+) p99_us=(\d+) non2xx=(\d+) errors=(\d+)", out)
    if not m:
        raise RuntimeError("wrk printed no result:\n" + out)
    requests, duration, p99, non2xx, errors = map(int, m.groups())
    ok = requests - non2xx
    return {"rate": ok / (duration / 1e6), "p99_ms": p99 / 1000, "refused": non2xx, "errors": errors}


def body(series, offset, prefix="preload"):
    lines = [f"# TYPE {prefix}_total counter"]
    lines += [f'{prefix}_total{{series="{i}"}} 1' for i in range(offset, offset + series)]
    return ("\n".join(lines) + "\n").encode()


def preload(target, total, deadline_s, chunk=10_000):
    """Stores `total` distinct series in groups of `chunk`; None if it missed the deadline."""
    start = time.monotonic()
    for n in range(0, total, chunk):
        if time.monotonic() - start > deadline_s:
            return None
        status, data = target.request("PUT", f"/metrics/job/preload/instance/{n // chunk}",
                                      body(chunk, n), {"Content-Type": "text/plain"})
        if status >= 300:
            raise RuntimeError(f"{target.name} refused preload: {status} {data[:200]!r}")
    return time.monotonic() - start


def scrape(target):
    """Seconds until the whole body of /metrics is read, and its size in bytes.

    curl reads it, as a C client that costs little next to the server (Prometheus's Go
    scraper is of that kind): Python's http.client spends ~0.1 s of CPU on a 60 MB
    chunked body, which would be counted against both servers alike.
    """
    out = subprocess.run(["curl", "--silent", "--show-error", "--output", "/dev/null",
                          "--header", "Accept: text/plain",
                          "--write-out", "%{http_code} %{time_total} %{size_download}",
                          f"{target.url}/metrics"],
                         capture_output=True, text=True, timeout=600, check=True).stdout
    status, elapsed, size = out.split()
    assert status == "200", status
    return float(elapsed), int(size)


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if v >= 100:
        return f"{v:,.0f}{unit}"
    return f"{v:.3g}{unit}"


def ratio(ours, theirs, higher_is_better=True):
    if ours is None or theirs is None or ours == 0 or theirs == 0:
        return "n/a"
    return f"{(ours / theirs if higher_is_better else theirs / ours):.1f}x"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=6, help="length of each wrk run")
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds per push rate, servers taking turns (the median is shown)")
    ap.add_argument("--max-series", type=int, default=1_000_000)
    ap.add_argument("--preload-deadline", type=int, default=420,
                    help="seconds a server may take to store the preloaded series")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--shares-only", action="store_true",
                    help="only our push rates as shares of our trivial GET (a few minutes)")
    args = ap.parse_args()
    if not BINARY.exists():
        sys.exit(f"build the release binary first: {BINARY}")
    work = pathlib.Path(tempfile.mkdtemp(prefix="ma-compare-"))
    rows = []  # (measure, ours, theirs, ratio)
    running = []

    def both(fn):
        """Runs fn(target) against a fresh pair of servers, ours first then theirs."""
        results = []
        for start in (start_accumulator, start_pushgateway):
            t = start(work)
            running.append(t)
            try:
                results.append(fn(t))
            finally:
                t.stop()
                running.remove(t)
        return results

    def median_of_rounds(fn):
        """both(fn) `rounds` times, ours and theirs alternating; each key's median.

        This machine's rates drift by 10-20% over minutes; alternating short runs and
        taking medians keeps one slow stretch from deciding a ratio.
        """
        rounds = [both(fn) for _ in range(args.rounds)]
        return [{k: statistics.median(r[i][k] for r in rounds) for k in rounds[0][i]}
                for i in range(2)]

    def push_rate(t, seconds=None):
        return wrk(t, "push.lua", seconds or s, 64, 10)["rate"]

    def fresh_push_rate(seconds=None, **kwargs):
        return fresh_rate(lambda t: push_rate(t, seconds), **kwargs)

    def fresh_rate(measure, **kwargs):
        """measure(t) on a fresh server of ours, stopped afterwards."""
        t = start_accumulator(work, **kwargs)
        running.append(t)
        try:
            return measure(t)
        finally:
            t.stop()
            running.remove(t)

    def interleaved_medians(measures):
        """Each named measure `rounds` times, taking turns; the median of each.

        A ratio between two of our own setups (1M stored against empty, fsync=always
        against in memory) is only as good as the two runs being alike, so they are
        measured in the same stretch of time rather than minutes apart.
        """
        rates = {name: [] for name in measures}
        for _ in range(args.rounds):
            for name, measure in measures.items():
                rates[name].append(measure())
        return {name: statistics.median(r) for name, r in rates.items()}

    try:
        s = args.seconds
        if args.shares_only:
            shares = interleaved_medians({
                "get": lambda: fresh_rate(lambda t: wrk(t, "trivial.lua", s, 64)["rate"]),
                "push": lambda: fresh_rate(lambda t: wrk(t, "push.lua", s, 64, 10)["rate"]),
                "get new": lambda: fresh_rate(
                    lambda t: wrk(t, "trivial.lua", s, 64, new_connection=True)["rate"]),
                "push new": lambda: fresh_rate(
                    lambda t: wrk(t, "push.lua", s, 64, 10, new_connection=True)["rate"]),
            })
            for name, rate in shares.items():
                rows.append((f"{name} (req/s)", rate, "", ""))
            rows.append(("push / GET, 64 conns (same rounds)",
                         f"{100 * shares['push'] / shares['get']:.0f}%", "", ""))
            rows.append(("push / GET, new connection each (same rounds)",
                         f"{100 * shares['push new'] / shares['get new']:.0f}%", "", ""))
            return report(rows, args, write_docs=False)
        # Ceiling: the cheapest request each answers.
        ours, theirs = median_of_rounds(lambda t: wrk(t, "trivial.lua", s, 64))
        rows.append(("GET /-/healthy, 64 conns (req/s)", ours["rate"], theirs["rate"],
                     ratio(ours["rate"], theirs["rate"])))
        for series in (10, 100):
            for conns in (8, 64):
                ours, theirs = median_of_rounds(lambda t: wrk(t, "push.lua", s, conns, series))
                rows.append((f"push {series}-series body, {conns} conns (req/s)", ours["rate"],
                             theirs["rate"], ratio(ours["rate"], theirs["rate"])))
                rows.append((f"push {series}-series body, {conns} conns (p99 ms)", ours["p99_ms"],
                             theirs["p99_ms"], ratio(ours["p99_ms"], theirs["p99_ms"], False)))
        # Shares of our own trivial request come from runs taking turns in the same
        # rounds, as every ratio between two of our own setups does.
        shares = interleaved_medians({
            "get": lambda: fresh_rate(lambda t: wrk(t, "trivial.lua", s, 64)["rate"]),
            "push": lambda: fresh_rate(lambda t: wrk(t, "push.lua", s, 64, 10)["rate"]),
        })
        rows.append(("push 10-series/64 conns as share of our GET /-/healthy (same rounds)",
                     f"{100 * shares['push'] / shares['get']:.0f}%", "", ""))

        # A Lambda whose HTTP client is made inside the handler opens a connection per
        # push; the ceiling is our trivial request over a new connection each time.
        ours, theirs = median_of_rounds(
            lambda t: wrk(t, "trivial.lua", s, 64, new_connection=True))
        rows.append(("GET /-/healthy, new connection each (req/s)", ours["rate"], theirs["rate"],
                     ratio(ours["rate"], theirs["rate"])))
        ours, theirs = median_of_rounds(
            lambda t: wrk(t, "push.lua", s, 64, 10, new_connection=True))
        rows.append(("push 10-series, new connection each (req/s)", ours["rate"], theirs["rate"],
                     ratio(ours["rate"], theirs["rate"])))
        shares = interleaved_medians({
            "get": lambda: fresh_rate(
                lambda t: wrk(t, "trivial.lua", s, 64, new_connection=True)["rate"]),
            "push": lambda: fresh_rate(
                lambda t: wrk(t, "push.lua", s, 64, 10, new_connection=True)["rate"]),
        })
        rows.append(("push 10-series, new connection each, as share of our new-connection GET "
                     "(same rounds)", f"{100 * shares['push'] / shares['get']:.0f}%", "", ""))

        # One fresh pair per store size: preload, then scrape, RSS and push rate on it.
        sizes = sorted({10_000, 100_000, args.max_series})
        for stored in sizes:
            def run(t, stored=stored):
                if preload(t, stored, args.preload_deadline) is None:
                    return None
                elapsed, size = min(scrape(t) for _ in range(3))
                result = {"scrape_s": elapsed, "bytes": size, "rss": t.rss_bytes()}
                # The Pushgateway answers a push every few seconds once it holds 100k
                # series: a run must outlast a few of them.
                slow = max(s, 10)
                if t.name == "metrics-accumulator" and stored == args.max_series:
                    rates = interleaved_medians({"push": lambda: push_rate(t, slow),
                                                 "empty": lambda: fresh_push_rate(slow)})
                else:
                    rates = {"push": statistics.median(push_rate(t, slow)
                                                       for _ in range(args.rounds))}
                return result | rates
            o, t_ = both(run)
            get = lambda r, k: None if r is None else r[k]
            rows.append((f"scrape {stored:,} series (s)", get(o, "scrape_s"), get(t_, "scrape_s"),
                         ratio(get(o, "scrape_s"), get(t_, "scrape_s"), False)))
            rows.append((f"scrape {stored:,} series (bytes)", get(o, "bytes"), get(t_, "bytes"), ""))
            rows.append((f"push 10-series, 64 conns, {stored:,} series stored (req/s)",
                         get(o, "push"), get(t_, "push"), ratio(get(o, "push"), get(t_, "push"))))
            if stored == args.max_series:
                per_o = get(o, "rss") / stored if o else None
                per_t = get(t_, "rss") / stored if t_ else None
                rows.append((f"RSS per series at {stored:,} (bytes)", per_o, per_t,
                             ratio(per_o, per_t, False)))
                rows.append((f"push rate with {stored:,} stored / empty store (same rounds)",
                             f"{100 * o['push'] / o['empty']:.0f}%" if o else "n/a", "", ""))

        # Durability's price: ours with fsync=always against ours in memory.
        rates = interleaved_medians({
            "memory": fresh_push_rate,
            "always": lambda: fresh_push_rate(data_dir=work / "always"),
            "interval": lambda: fresh_push_rate(data_dir=work / "interval", fsync="interval"),
        })
        durable, interval = rates["always"], rates["interval"]
        rows.append(("push 10-series, 64 conns, fsync=always (req/s)", durable, "", ""))
        rows.append(("push 10-series, 64 conns, fsync=interval (req/s)", interval, "", ""))
        rows.append(("push 10-series, 64 conns, in memory, same rounds (req/s)", rates["memory"],
                     "", ""))
        rows.append(("fsync=always / in-memory (same rounds)",
                     f"{100 * durable / rates['memory']:.0f}%", "", ""))
    finally:
        for t in running:
            t.stop()
        shutil.rmtree(work, ignore_errors=True)
    report(rows, args, args.write_docs)


def report(rows, args, write_docs):
    """Prints the table of `rows` and, with write_docs, records it in docs/performance.md."""
    version = subprocess.run([str(BINARY), "--version"], capture_output=True, text=True).stdout.strip()
    pgw = subprocess.run(["prometheus-pushgateway", "--version"], capture_output=True,
                         text=True).stderr.splitlines()[0]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    header = (f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu}), "
              f"Linux {platform.release()}, loopback, wrk 4.1.0, {args.seconds} s per run "
              f"(each rate the median of {args.rounds} rounds, servers taking turns; "
              f"runs on stored series at least 10 s); "
              f"{version} (release build) against {pgw}.")
    table = ["| measure | metrics-accumulator | Pushgateway | ratio |", "|---|---:|---:|---:|"]
    for name, ours, theirs, r in rows:
        table.append(f"| {name} | {fmt(ours)} | {fmt(theirs)} | {r} |")
    text = header + "\n\n" + "\n".join(table) + "\n"
    print(text)
    if write_docs:
        doc = REPO / "docs" / "performance.md"
        content = doc.read_text()
        begin, end = "<!-- compare_pushgateway:begin -->", "<!-- compare_pushgateway:end -->"
        block = f"{begin}\n{text}{end}"
        if begin in content:
            content = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, content,
                             flags=re.S)
        else:
            content += "\n## Side by side with the Pushgateway\n\n`bench/compare_pushgateway/run.sh`\n\n" + block + "\n"
        doc.write_text(content)
        print(f"written to {doc}")


if __name__ == "__main__":
    main()
