// Throughput of the text-format parser on realistic push bodies.
#include <string>

#include <benchmark/benchmark.h>

#include "parse/text_format.h"

namespace {

// A Lambda-like push: a few counters and a histogram, `series` label sets each.
std::string MakeBody(int series) {
  std::string body = "# HELP requests_total Requests handled.\n# TYPE requests_total counter\n";
  for (int i = 0; i < series; ++i) {
    body += "requests_total{function=\"checkout\",status=\"200\",route=\"/api/v1/item/" +
            std::to_string(i) + "\"} 3\n";
  }
  body += "# TYPE latency_seconds histogram\n";
  for (int i = 0; i < series; ++i) {
    const std::string labels = "route=\"/api/v1/item/" + std::to_string(i) + "\"";
    for (const char* le : {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "+Inf"}) {
      body += "latency_seconds_bucket{" + labels + ",le=\"" + le + "\"} 1\n";
    }
    body += "latency_seconds_sum{" + labels + "} 0.42\nlatency_seconds_count{" + labels + "} 1\n";
  }
  return body;
}

void BM_ParseText(benchmark::State& state) {
  const std::string body = MakeBody(static_cast<int>(state.range(0)));
  const accumulator::parse::Limits limits;
  std::size_t samples = 0;
  for (auto _ : state) {
    auto push = accumulator::parse::ParseText(body, limits);
    if (!push.ok()) state.SkipWithError(push.status().message().c_str());
    samples += push->SeriesCount();
    benchmark::DoNotOptimize(push);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  state.counters["series/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseText)->Arg(10)->Arg(100)->Arg(1000);

// The body bench/compare_pushgateway/push.lua sends: `series` counters with two short
// labels, the shape of most pushes from short-lived jobs.
void BM_ParseSmallPush(benchmark::State& state) {
  std::string body = "# TYPE bench_requests_total counter\n";
  for (int i = 1; i <= state.range(0); ++i) {
    body += "bench_requests_total{route=\"r" + std::to_string(i) + "\",code=\"200\"} 1\n";
  }
  const accumulator::parse::Limits limits;
  for (auto _ : state) {
    auto push = accumulator::parse::ParseText(body, limits);
    if (!push.ok()) state.SkipWithError(push.status().message().c_str());
    benchmark::DoNotOptimize(push);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  state.counters["series/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseSmallPush)->Arg(10);

}  // namespace
