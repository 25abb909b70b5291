// Throughput of the text exposition writer.
#include <cmath>
#include <string>

#include <benchmark/benchmark.h>

#include "expose/text_writer.h"

namespace {

using accumulator::model::Family;
using accumulator::model::HistogramValue;
using accumulator::model::MetricType;
using accumulator::model::ScalarValue;
using accumulator::model::Series;

std::vector<Family> MakeFamilies(int series) {
  Family counter{"requests_total", MetricType::kCounter, "Requests handled.", {}};
  Family hist{"latency_seconds", MetricType::kHistogram, "Latency.", {}};
  for (int i = 0; i < series; ++i) {
    accumulator::model::Labels labels{{"function", "checkout"}, {"route", std::to_string(i)}};
    counter.series.push_back(Series{labels, ScalarValue{12345.0 + i}, {}});
    hist.series.push_back(Series{
        labels, HistogramValue{{0.005, 0.01, 0.1, 1, INFINITY}, {1, 2, 3, 4, 5}, 0.42, 5}, {}});
  }
  return {hist, counter};
}

void BM_WriteText(benchmark::State& state) {
  const auto families = MakeFamilies(static_cast<int>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out;
    accumulator::expose::WriteText(families, out);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["series/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0) * 2), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WriteText)->Arg(100)->Arg(10'000);

}  // namespace
