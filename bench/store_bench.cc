// Cost of applying pushes to the store (merge), of snapshotting it (a copy), of a
// scrape straight from it (visit + write), and the heap it takes per series.
#include <string>

#include <benchmark/benchmark.h>
#include <malloc.h>

#include "common/clock.h"
#include "expose/writer.h"
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

// What a scrape of one big family costs, made as the server makes it: the family read
// in steps of 1024 series under the shard lock, the text handed out in 256 KB pieces.
void BM_StreamScrape(benchmark::State& state) {
  constexpr std::size_t kPieceBytes = std::size_t{256} * 1024;
  accumulator::SystemClock clock;
  accumulator::store::SeriesStore store(clock);
  store.Configure({{"g", 10'000'000, std::chrono::seconds(3600)}});
  const int total = static_cast<int>(state.range(0));
  for (int i = 0; i < total; i += 1000) (void)store.Apply("g", MakePush(1000, i));
  const auto families = *store.Families("g");
  std::size_t bytes = 0;
  std::string out;
  for (auto _ : state) {
    accumulator::expose::ExpositionWriter writer(accumulator::expose::ScrapeFormat::kText, out);
    for (const auto& family : families) {
      writer.BeginFamily(family.name, family.type, family.help);
      accumulator::store::VisitCursor cursor;
      while (!cursor.done) {
        store.VisitFamilyStep(
            "g", family.name, family.type,
            [&](auto labels, const auto& value) { writer.AddSeries(labels, value); }, cursor, 1024);
        if (out.size() >= kPieceBytes) {
          bytes += out.size();
          benchmark::DoNotOptimize(out.data());
          out.clear();
        }
      }
    }
    bytes += out.size();
    out.clear();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["series/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StreamScrape)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);

// Heap bytes per stored series (malloc's own count, so allocator overhead included),
// for counters with two labels as MakePush builds them.
void BM_HeapPerSeries(benchmark::State& state) {
  const int total = static_cast<int>(state.range(0));
  double per_series = 0;
  for (auto _ : state) {
    const std::size_t before = mallinfo2().uordblks;
    {
      accumulator::SystemClock clock;
      accumulator::store::SeriesStore store(clock);
      store.Configure({{"g", 10'000'000, std::chrono::seconds(3600)}});
      for (int i = 0; i < total; i += 1000) (void)store.Apply("g", MakePush(1000, i));
      per_series = static_cast<double>(mallinfo2().uordblks - before) / total;
    }
  }
  state.counters["bytes/series"] = per_series;
}
BENCHMARK(BM_HeapPerSeries)
    ->Arg(10'000)
    ->Arg(1'000'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
