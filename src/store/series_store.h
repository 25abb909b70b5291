#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "model/metric.h"
#include "store/merge.h"

namespace accumulator::store {

// What the store needs to know of a metric group (from config).
struct GroupSettings {
  std::string name;
  std::size_t max_series = 10'000;
  std::chrono::seconds ttl{3600};  // 0: series never expire
};

struct GroupStats {
  std::size_t series = 0;  // series plus cumulative writer states
  TimePoint last_push{};   // epoch if never pushed
  std::uint64_t expired_series = 0;
  std::uint64_t resets = 0;
};

// Keeps every live series of every group and applies the merge rules of SPEC §2.
// Thread-safe. Each group is split into shards by family name, each with its own lock:
// pushes to different groups, or to different families of one group, run in parallel;
// a push locks only the shards it touches (in index order, so never deadlocks), which
// keeps it atomic. Scrapes copy one shard at a time and format outside any lock.
class SeriesStore {
 public:
  // `clock` must outlive the store.
  explicit SeriesStore(const Clock& clock);
  ~SeriesStore();

  // Creates new groups, updates limits of existing ones (keeping their series), and
  // drops groups that are no longer listed.
  void Configure(const std::vector<GroupSettings>& groups);
  bool HasGroup(std::string_view group) const;

  // Applies the whole push or none of it. Series whose metadata names a writer
  // (_metrics_accumulator_writer) are cumulative: see merge.h CumulativeIncrease.
  // kNotFound: unknown group. kInvalidArgument:
  // a value breaks a merge rule. kConflict: a type or bucket layout disagrees with the
  // stored data. kResourceExhausted: new series would exceed the group's max_series.
  Status Apply(std::string_view group, const model::Push& push) MA_NO_THREAD_SAFETY_ANALYSIS;

  // The group's live series, families sorted by name and series by labels.
  Result<std::vector<model::Family>> Snapshot(std::string_view group) const;

  // Removes every series of the group (cron or API reset).
  Status Reset(std::string_view group);

  // Removes every series of the group for which `matches(family, labels)` is true and
  // returns how many went. Locks one shard at a time.
  using SeriesPredicate = std::function<bool(std::string_view family, const model::Labels&)>;
  Result<std::size_t> DeleteMatching(std::string_view group, const SeriesPredicate& matches);

  // Drops series idle for longer than their group's TTL. Locks one shard at a time.
  // Returns how many were dropped.
  std::size_t ExpireIdle();

  Result<GroupStats> Stats(std::string_view group) const;

 private:
  // A cumulative writer's last push of a series, to turn its running totals into
  // increases (SPEC §2). Counts toward max_series like a series, and expires like one.
  struct WriterState {
    model::Value last;
    TimePoint last_push;
  };
  struct StoredSeries {
    StoredValue value;
    TimePoint last_push;
    std::map<std::string, WriterState, std::less<>> writers;
    // What this entry counts toward max_series: itself and its writer states.
    std::size_t Weight() const { return 1 + writers.size(); }
  };
  struct StoredFamily {
    model::MetricType type = model::MetricType::kUntyped;
    std::string help;
    std::map<model::Labels, StoredSeries> series;
  };
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable Mutex mu;
    std::unordered_map<std::string, StoredFamily> families MA_GUARDED_BY(mu);
  };
  struct Group {
    std::string name;
    std::atomic<std::size_t> max_series{0};
    std::atomic<std::int64_t> ttl_seconds{0};
    std::atomic<std::size_t> series_count{0};
    std::atomic<TimePoint::rep> last_push{0};
    std::atomic<std::uint64_t> expired{0};
    std::atomic<std::uint64_t> resets{0};
    std::array<Shard, kShards> shards;
  };

  std::shared_ptr<Group> FindGroup(std::string_view name) const;
  static std::size_t ShardOf(std::string_view family);
  static bool IsExpired(const Group& group, TimePoint last_push, TimePoint now);
  static bool IsExpired(const Group& group, const StoredSeries& series, TimePoint now) {
    return IsExpired(group, series.last_push, now);
  }
  Status ApplyLocked(Group& group, const model::Push& push,
                     TimePoint now) MA_NO_THREAD_SAFETY_ANALYSIS;

  const Clock& clock_;
  mutable Mutex groups_mu_;
  std::map<std::string, std::shared_ptr<Group>, std::less<>> groups_ MA_GUARDED_BY(groups_mu_);
};

}  // namespace accumulator::store
