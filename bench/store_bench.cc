// Cost of applying pushes to the store (merge) and of snapshotting it (scrape copy).
#include <string>

#include <benchmark/benchmark.h>

#include "common/clock.h"
#include "store/series_store.h"

namespace {

using accumulator::model::Family;
using accumulator::model::MetricType;
using accumulator::model::Push;
using accumulator::model::ScalarValue;
using accumulator::model::Series;

Push MakePush(int series, int offset) {
  Family f{"requests_total", MetricType::kCounter, "", {}};
  for (int i = 0; i < series; ++i) {
    f.series.push_back(Series{
        {{"function", "checkout"}, {"route", std::to_string(offset + i)}}, ScalarValue{1}, {}});
  }
  return Push{{f}};
}

void BM_ApplyExistingSeries(benchmark::State& state) {
  accumulator::SystemClock clock;
  accumulator::store::SeriesStore store(clock);
  store.Configure({{"g", 10'000'000, std::chrono::seconds(3600)}});
  const Push push = MakePush(static_cast<int>(state.range(0)), 0);
  (void)store.Apply("g", push);
  for (auto _ : state) {
    benchmark::DoNotOptimize(store.Apply("g", push));
  }
  state.counters["series/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ApplyExistingSeries)->Arg(10)->Arg(100)->Arg(1000);

void BM_Snapshot(benchmark::State& state) {
  accumulator::SystemClock clock;
  accumulator::store::SeriesStore store(clock);
  store.Configure({{"g", 10'000'000, std::chrono::seconds(3600)}});
  const int total = static_cast<int>(state.range(0));
  for (int i = 0; i < total; i += 1000) (void)store.Apply("g", MakePush(1000, i));
  for (auto _ : state) {
    auto snap = store.Snapshot("g");
    benchmark::DoNotOptimize(snap);
  }
  state.counters["series/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Snapshot)->Arg(10'000)->Arg(100'000);

}  // namespace
