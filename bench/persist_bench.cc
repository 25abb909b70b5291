// Cost of durability: pushes through the write-ahead log per fsync policy (alone and
// from many threads, where group commit shares fsyncs), snapshots, and recovery.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "common/clock.h"
#include "persist/persistence.h"
#include "store/series_store.h"

namespace {

namespace persist = accumulator::persist;
namespace store = accumulator::store;
using accumulator::model::Family;
using accumulator::model::MetricType;
using accumulator::model::Push;
using accumulator::model::ScalarValue;
using accumulator::model::Series;

Push TenSeries(int offset) {
  Family f{"invocations_total", MetricType::kCounter, "", {}};
  for (int i = 0; i < 10; ++i) {
    f.series.push_back(Series{
        {{"function", "checkout"}, {"route", std::to_string(offset + i)}}, ScalarValue{1}, {}});
  }
  return Push{{f}};
}

// A store with persistence in a fresh directory under the working directory's disk
// (not /tmp, which may be tmpfs and would make fsync free).
struct DurableStore {
  explicit DurableStore(persist::FsyncPolicy policy, const std::string& name)
      : dir(std::filesystem::absolute("bench-data-" + name)), store(clock, 1000) {
    std::filesystem::remove_all(dir);
    persist::PersistenceOptions options;
    options.dir = dir;
    options.policy = policy;
    auto opened = persist::Persistence::Open(options, store, clock);
    if (!opened.ok()) std::abort();
    persistence = std::move(opened).value();
    store.Configure({{"g", 100'000'000, std::chrono::seconds(3600)}});
    store.SetJournal(persistence.get());
  }
  ~DurableStore() {
    store.SetJournal(nullptr);
    persistence.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  accumulator::SystemClock clock;
  store::SeriesStore store;
  std::unique_ptr<persist::Persistence> persistence;
};

const char* PolicyName(std::int64_t policy) {
  return policy == 0 ? "memory" : policy == 1 ? "always" : policy == 2 ? "interval" : "never";
}

std::unique_ptr<DurableStore> shared_store;
std::unique_ptr<store::SeriesStore> shared_memory_store;
accumulator::SystemClock shared_clock;

// Arg: 0 in memory, 1 fsync always, 2 interval, 3 never. Pushes of 10 series.
void BM_Push(benchmark::State& state) {
  const std::int64_t policy = state.range(0);
  if (state.thread_index() == 0) {
    if (policy == 0) {
      shared_memory_store = std::make_unique<store::SeriesStore>(shared_clock);
      shared_memory_store->Configure({{"g", 100'000'000, std::chrono::seconds(3600)}});
    } else {
      shared_store = std::make_unique<DurableStore>(static_cast<persist::FsyncPolicy>(policy - 1),
                                                    PolicyName(policy));
    }
  }
  const Push push = TenSeries(state.thread_index() * 10);
  for (auto _ : state) {
    store::SeriesStore& target = policy == 0 ? *shared_memory_store : shared_store->store;
    if (!target.Apply("g", push).ok()) state.SkipWithError("push refused");
  }
  state.counters["pushes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(PolicyName(policy));
  if (state.thread_index() == 0) {
    shared_store.reset();
    shared_memory_store.reset();
  }
}
BENCHMARK(BM_Push)->DenseRange(0, 3)->UseRealTime();
BENCHMARK(BM_Push)->DenseRange(0, 3)->Threads(16)->UseRealTime();

// A snapshot of N series (the pause plus encoding and the fsynced write).
void BM_Checkpoint(benchmark::State& state) {
  DurableStore durable(persist::FsyncPolicy::kNever, "checkpoint");
  for (int i = 0; i < state.range(0); i += 10) (void)durable.store.Apply("g", TenSeries(i));
  for (auto _ : state) {
    if (!durable.persistence->Checkpoint().ok()) state.SkipWithError("checkpoint failed");
  }
  state.counters["series/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Checkpoint)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

// Start-up: N series in log records only (worst case: no snapshot yet).
void BM_RecoverFromLog(benchmark::State& state) {
  const std::string dir = std::filesystem::absolute("bench-data-recover");
  {
    DurableStore durable(persist::FsyncPolicy::kNever, "recover-src");
    for (int i = 0; i < state.range(0); i += 10) (void)durable.store.Apply("g", TenSeries(i));
    std::filesystem::remove_all(dir);
    durable.store.SetJournal(nullptr);
    durable.persistence.reset();
    std::filesystem::copy(durable.dir, dir);
  }
  for (auto _ : state) {
    accumulator::SystemClock clock;
    store::SeriesStore target(clock);
    persist::PersistenceOptions options;
    options.dir = dir;
    auto opened = persist::Persistence::Open(options, target, clock);
    if (!opened.ok()) state.SkipWithError("recovery failed");
    benchmark::DoNotOptimize(opened);
  }
  std::filesystem::remove_all(dir);
  const std::int64_t records = state.range(0) / 10;  // a record holds 10 series
  state.counters["records/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RecoverFromLog)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
