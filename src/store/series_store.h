#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <absl/container/btree_map.h>
#include <absl/types/compare.h>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "model/metric.h"
#include "model/packed_labels.h"
#include "store/idempotency.h"
#include "store/journal.h"
#include "store/merge.h"
#include "store/store.h"

namespace accumulator::store {

// Keeps every live series of every group and applies the merge rules of SPEC §2.
// Thread-safe. Each group is split into shards by family name, each with its own lock:
// pushes to different groups, or to different families of one group, run in parallel;
// a push locks only the shards it touches (in index order, so never deadlocks), which
// keeps it atomic. Scrapes visit one family at a time, under its shard's lock.
// A series costs one map node plus one block of packed labels (PackedLabels); the value
// of a counter or gauge is kept inline, histograms and summaries on the heap.
class SeriesStore final : public Store, public Recoverable {
 public:
  // Enough answers for a busy group's window; past it the oldest are forgotten early.
  static constexpr std::size_t kDefaultIdempotencyKeys = 1'000'000;

  // `clock` must outlive the store.
  explicit SeriesStore(const Clock& clock, std::size_t idempotency_keys = kDefaultIdempotencyKeys);
  ~SeriesStore() override;

  // Store.
  void Configure(const std::vector<GroupSettings>& groups) override;
  IdempotencyCache::Claim ClaimIdempotencyKey(std::string_view group, std::string_view key,
                                              std::chrono::seconds window,
                                              IdempotencyCache::Waiter when_durable) override;
  void RememberRefusal(std::string_view group, std::string_view key,
                       RememberedAnswer answer) override;
  Status ApplyThen(std::string_view group, const model::Push& push, const PushTag& tag,
                   DurableCallback durable) override MA_NO_THREAD_SAFETY_ANALYSIS;
  Result<std::vector<FamilyInfo>> Families(std::string_view group) const override;
  std::size_t VisitFamilyStep(std::string_view group, std::string_view family,
                              model::MetricType type, const SeriesVisitor& visit,
                              VisitCursor& cursor, std::size_t max_series) const override;
  std::optional<model::Family> SnapshotFamily(std::string_view group,
                                              const FamilyInfo& family) const override;
  Result<std::vector<model::Family>> Snapshot(std::string_view group) const override;
  Result<GroupStats> Stats(std::string_view group) const override;
  Result<std::size_t> DeleteMatching(std::string_view group,
                                     std::span<const model::Selector> any_of) override
      MA_NO_THREAD_SAFETY_ANALYSIS;
  Status Reset(std::string_view group) override MA_NO_THREAD_SAFETY_ANALYSIS;
  Status ScheduledReset(std::string_view group, TimePoint due) override;
  std::size_t ExpireIdle() override;

  // ApplyThen that waits until the push is durable and returns what `durable` would get.
  Status Apply(std::string_view group, const model::Push& push, const PushTag& tag = {});
  // VisitFamilyStep over the whole family at once; returns how many series it visited.
  std::size_t VisitFamily(std::string_view group, std::string_view family, model::MetricType type,
                          const SeriesVisitor& visit) const;

  // Recoverable.
  void SetJournal(Journal* journal) override;
  StoreImage Checkpoint(const std::function<void()>& at_cut) override MA_NO_THREAD_SAFETY_ANALYSIS;
  void Restore(const StoreImage& image) override;
  Status Replay(std::string_view group, std::chrono::seconds ttl, TimePoint at,
                const model::Push& push, const PushTag& tag) override MA_NO_THREAD_SAFETY_ANALYSIS;
  void ReplayReset(std::string_view group) override;
  void ReplayDelete(std::string_view group, const std::vector<SeriesRef>& series) override;
  void ReplayDrop(std::string_view group) override;

  // A push read from a log that several replicas share (shared/): decided as a live
  // push is (type conflicts, maxTimeSeries) but at `at`, the entry's time, and never
  // journalled, so every replica applying the same entries in the same order reaches
  // the same state and the same answers. A tagged push whose key is answered already
  // (a retry that reached the log twice) changes nothing and is Ok.
  Status ApplyLogged(std::string_view group, TimePoint at, const model::Push& push,
                     const PushTag& tag) MA_NO_THREAD_SAFETY_ANALYSIS;
  // Replaces one group with `image`, keeping its configured limits, and remembers the
  // image's answers for it (a replica joining from a shared snapshot).
  void RestoreGroup(const GroupImage& image, std::span<const IdempotencyImage> idempotency);
  // The series of the group that one of `any_of` matches, as a delete would remove them.
  Result<std::vector<SeriesRef>> Matching(std::string_view group,
                                          std::span<const model::Selector> any_of) const
      MA_NO_THREAD_SAFETY_ANALYSIS;

 private:
  // A cumulative writer's last push of a series, to turn its running totals into
  // increases (SPEC §2). Counts toward max_series like a series, and expires like one.
  struct WriterState {
    model::Value last;
    TimePoint last_push;
  };
  using WriterMap = std::map<std::string, WriterState, std::less<>>;
  // Kept to 24 bytes: most series are counters or gauges pushed without a writer, and
  // need nothing but their value and time. The rest lives in `extra`.
  struct StoredSeries {
    struct Extra {
      std::optional<model::Value> shaped;  // the value of a histogram or summary
      std::optional<double> latest;        // StoredValue::latest
      WriterMap writers;
    };
    TimePoint last_push{};
    double scalar = 0;  // the value of a scalar family
    std::unique_ptr<Extra> extra;

    const model::Value* Shaped() const {
      return extra && extra->shaped ? &*extra->shaped : nullptr;
    }
    std::size_t WriterCount() const { return extra ? extra->writers.size() : 0; }
    const WriterState* FindWriter(std::string_view writer) const;
    WriterMap& Writers();  // creates `extra` if needed
    void ClearWriters();
    // What this entry counts toward max_series: itself and its writer states.
    std::size_t Weight() const { return 1 + WriterCount(); }
    StoredValue Value() const;
    model::Value PlainValue() const;
    StoredValue TakeValue();
    void SetValue(StoredValue value);

   private:
    void DropEmptyExtra();
  };
  // Three-way, so the B-tree finds a series with one comparison per step instead of
  // two; transparent, so a push's Labels are looked up without packing them.
  struct SeriesOrder {
    using is_transparent = void;
    absl::weak_ordering operator()(const model::PackedLabels& a,
                                   const model::PackedLabels& b) const {
      return Ordering(a.Compare(b));
    }
    absl::weak_ordering operator()(const model::PackedLabels& a, const model::Labels& b) const {
      return Ordering(a.Compare(b));
    }
    absl::weak_ordering operator()(const model::Labels& a, const model::PackedLabels& b) const {
      return Ordering(-b.Compare(a));
    }
    static absl::weak_ordering Ordering(int c) {
      return c < 0 ? absl::weak_ordering::less
                   : (c == 0 ? absl::weak_ordering::equivalent : absl::weak_ordering::greater);
    }
  };
  // A B-tree: many series per node, so a scrape walks memory in order, and no
  // per-series node overhead as in std::map.
  using SeriesMap = absl::btree_map<model::PackedLabels, StoredSeries, SeriesOrder>;
  struct StoredFamily {
    model::MetricType type = model::MetricType::kUntyped;
    std::string help;
    SeriesMap series;
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
    std::atomic<bool> dropped{false};  // removed by a reload; changes are refused
    // The latest restartCronExpression time this group was reset for.
    std::atomic<TimePoint::rep> last_scheduled_reset{std::numeric_limits<TimePoint::rep>::min()};
    std::array<Shard, kShards> shards;
  };

  std::shared_ptr<Group> FindGroup(std::string_view name) const;
  // A group holding `image`, with no limit until Configure sets one.
  static std::shared_ptr<Group> GroupFromImage(const GroupImage& image);
  std::shared_ptr<Group> FindOrAddGroup(std::string_view name);
  static void LockAll(Group& group) MA_NO_THREAD_SAFETY_ANALYSIS;
  static void UnlockAll(Group& group) MA_NO_THREAD_SAFETY_ANALYSIS;
  static std::size_t ShardOf(std::string_view family);
  static bool IsExpired(const Group& group, TimePoint last_push, TimePoint now);
  static bool IsExpired(const Group& group, const StoredSeries& series, TimePoint now) {
    return IsExpired(group, series.last_push, now);
  }
  // How a push is applied: live (limits enforced, recorded in the journal) or replayed.
  // kLogged: decided at the entry's time, not journalled (ApplyLogged).
  enum class Mode { kLive, kReplay, kLogged };
  // Applies under the shard locks; returns the journal's ticket (0: nothing to wait for).
  Result<Journal::Ticket> ApplyAt(Group& group, const model::Push& push, const PushTag& tag,
                                  TimePoint now, Mode mode) MA_NO_THREAD_SAFETY_ANALYSIS;
  Result<Journal::Ticket> ApplyLocked(Group& group, const model::Push& push, const PushTag& tag,
                                      TimePoint now, Mode mode) MA_NO_THREAD_SAFETY_ANALYSIS;

  static void MergeInto(model::MetricType type, StoredSeries& target, const model::Series& pushed);
  Status WaitDurable(Journal::Ticket ticket);
  static void ClearLocked(Group& group) MA_NO_THREAD_SAFETY_ANALYSIS;
  // Appends the series of `shard` (its lock held) that one of `any_of` matches.
  static void CollectMatchingLocked(const Shard& shard, std::span<const model::Selector> any_of,
                                    std::vector<SeriesRef>& out) MA_NO_THREAD_SAFETY_ANALYSIS;
  static void EraseLocked(Group& group,
                          const std::vector<SeriesRef>& series) MA_NO_THREAD_SAFETY_ANALYSIS;

  const Clock& clock_;
  IdempotencyCache idempotency_;
  std::atomic<Journal*> journal_{nullptr};
  mutable Mutex groups_mu_;
  std::map<std::string, std::shared_ptr<Group>, std::less<>> groups_ MA_GUARDED_BY(groups_mu_);
};

}  // namespace accumulator::store
