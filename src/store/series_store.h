#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
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

namespace accumulator::store {

// What the store needs to know of a metric group (from config).
struct GroupSettings {
  std::string name;
  std::size_t max_series = 10'000;
  std::chrono::seconds ttl{3600};  // 0: series never expire
};

// A copy of everything the store holds, as persistence writes it to a snapshot and
// reads it back (persist/). Times are absolute, so TTL clocks survive a restart.
struct WriterImage {
  std::string writer;
  model::Value last;
  TimePoint last_push{};
};
struct SeriesImage {
  model::Labels labels;
  StoredValue value;
  TimePoint last_push{};
  std::vector<WriterImage> writers;
};
struct FamilyImage {
  std::string name;
  model::MetricType type = model::MetricType::kUntyped;
  std::string help;
  std::vector<SeriesImage> series;
};
struct GroupImage {
  std::string name;
  std::chrono::seconds ttl{0};
  TimePoint last_push{};
  std::uint64_t expired_series = 0;
  std::uint64_t resets = 0;
  std::vector<FamilyImage> families;
};
struct StoreImage {
  std::vector<GroupImage> groups;
  std::vector<IdempotencyImage> idempotency;
};

// A family as the store lists it for exposition.
struct FamilyInfo {
  std::string name;
  model::MetricType type = model::MetricType::kUntyped;
  std::string help;
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
// keeps it atomic. Scrapes visit one family at a time, under its shard's lock.
// A series costs one map node plus one block of packed labels (PackedLabels); the value
// of a counter or gauge is kept inline, histograms and summaries on the heap.
class SeriesStore {
 public:
  // `clock` must outlive the store; so must `idempotency` (may be null), which learns
  // the answer of a tagged push at the moment the push is applied.
  explicit SeriesStore(const Clock& clock, IdempotencyCache* idempotency = nullptr);
  ~SeriesStore();

  // From now on every change is recorded in `journal` (may be null; must outlive the
  // store) before it is applied, and a push returns only once it is durable.
  void SetJournal(Journal* journal);

  // Creates new groups, updates limits of existing ones (keeping their series), and
  // drops groups that are no longer listed (recorded in the journal).
  void Configure(const std::vector<GroupSettings>& groups);
  bool HasGroup(std::string_view group) const;

  // Applies the whole push or none of it. Series whose metadata names a writer
  // (_metrics_accumulator_writer) are cumulative: see merge.h CumulativeIncrease.
  // A tag with an idempotency key is remembered with the push (see PushTag).
  // kNotFound: unknown group. kInvalidArgument:
  // a value breaks a merge rule. kConflict: a type or bucket layout disagrees with the
  // stored data. kResourceExhausted: new series would exceed the group's max_series.
  // kUnavailable: the journal could not record it (nothing applied), or could not make
  // it durable (applied, but not acknowledged as durable).
  Status Apply(std::string_view group, const model::Push& push,
               const PushTag& tag = {}) MA_NO_THREAD_SAFETY_ANALYSIS;
  // Apply that returns as soon as the push is applied. Only then (an Ok return) is
  // `durable` called, exactly once, with what Apply would have returned for durability
  // (kUnavailable if the journal cannot make it durable): at once when that is known,
  // else later from the journal's thread (Journal::WhenDurable).
  using DurableCallback = std::function<void(Status)>;
  Status ApplyThen(std::string_view group, const model::Push& push, const PushTag& tag,
                   DurableCallback durable) MA_NO_THREAD_SAFETY_ANALYSIS;

  // The group's live series, families sorted by name and series by labels.
  Result<std::vector<model::Family>> Snapshot(std::string_view group) const;

  // Exposition without copies. Families lists the group's families sorted by name (a
  // family may turn out to hold only expired series). VisitFamily calls `visit` for each
  // live series of `family`, in label order, with the family's shard locked (so `visit`
  // must not call the store), if the family still has `type`; returns how many it visited.
  // SnapshotFamily copies the live series VisitFamily would visit (nullopt if none).
  Result<std::vector<FamilyInfo>> Families(std::string_view group) const;
  using SeriesVisitor =
      std::function<void(std::span<const model::LabelRef> labels, const model::Value& value)>;
  std::size_t VisitFamily(std::string_view group, std::string_view family, model::MetricType type,
                          const SeriesVisitor& visit) const;
  // Where a visit in steps left off: after the series `after` (none yet: from the start).
  struct VisitCursor {
    std::optional<model::PackedLabels> after;
    bool done = false;  // the family has no more series (or is gone, or changed type)
  };
  // VisitFamily in steps, so that a long family never holds its shard's lock for long:
  // looks at up to `max_series` series after `cursor` (expired ones count too) and moves
  // the cursor past them. A change between steps shows only in the steps after it.
  std::size_t VisitFamilyStep(std::string_view group, std::string_view family,
                              model::MetricType type, const SeriesVisitor& visit,
                              VisitCursor& cursor, std::size_t max_series) const;
  std::optional<model::Family> SnapshotFamily(std::string_view group,
                                              const FamilyInfo& family) const;

  // Removes every series of the group (cron or API reset).
  Status Reset(std::string_view group) MA_NO_THREAD_SAFETY_ANALYSIS;

  // Removes every series of the group for which `matches(family, labels)` is true and
  // returns how many went.
  using SeriesPredicate = std::function<bool(std::string_view family, const model::Labels&)>;
  Result<std::size_t> DeleteMatching(std::string_view group,
                                     const SeriesPredicate& matches) MA_NO_THREAD_SAFETY_ANALYSIS;

  // Drops series idle for longer than their group's TTL. Locks one shard at a time.
  // Returns how many were dropped.
  std::size_t ExpireIdle();

  Result<GroupStats> Stats(std::string_view group) const;

  // Persistence. Checkpoint stops every change for as long as it copies the store: it
  // holds every lock, calls `at_cut` (which starts a new log segment, so the copy holds
  // exactly the changes recorded before it), and returns the copy.
  StoreImage Checkpoint(const std::function<void()>& at_cut) MA_NO_THREAD_SAFETY_ANALYSIS;
  // Recovery, before serving: replaces everything with `image`. Groups keep the TTL
  // of the image until Configure.
  void Restore(const StoreImage& image);
  // Recovery: re-applies a recorded change as it was applied then: at its time, with
  // its group's TTL of then, and without the series limit (it was accepted once).
  // Creates the group if needed. Not recorded in the journal.
  Status Replay(std::string_view group, std::chrono::seconds ttl, TimePoint at,
                const model::Push& push, const PushTag& tag) MA_NO_THREAD_SAFETY_ANALYSIS;
  void ReplayReset(std::string_view group);
  void ReplayDelete(std::string_view group, const std::vector<SeriesRef>& series);
  void ReplayDrop(std::string_view group);

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
    std::array<Shard, kShards> shards;
  };

  std::shared_ptr<Group> FindGroup(std::string_view name) const;
  std::shared_ptr<Group> FindOrAddGroup(std::string_view name);
  static void LockAll(Group& group) MA_NO_THREAD_SAFETY_ANALYSIS;
  static void UnlockAll(Group& group) MA_NO_THREAD_SAFETY_ANALYSIS;
  static std::size_t ShardOf(std::string_view family);
  static bool IsExpired(const Group& group, TimePoint last_push, TimePoint now);
  static bool IsExpired(const Group& group, const StoredSeries& series, TimePoint now) {
    return IsExpired(group, series.last_push, now);
  }
  // How a push is applied: live (limits enforced, recorded in the journal) or replayed.
  enum class Mode { kLive, kReplay };
  // Applies under the shard locks; returns the journal's ticket (0: nothing to wait for).
  Result<Journal::Ticket> ApplyAt(Group& group, const model::Push& push, const PushTag& tag,
                                  TimePoint now, Mode mode) MA_NO_THREAD_SAFETY_ANALYSIS;
  Result<Journal::Ticket> ApplyLocked(Group& group, const model::Push& push, const PushTag& tag,
                                      TimePoint now, Mode mode) MA_NO_THREAD_SAFETY_ANALYSIS;

  static void MergeInto(model::MetricType type, StoredSeries& target, const model::Series& pushed);
  Status WaitDurable(Journal::Ticket ticket);
  static void ClearLocked(Group& group) MA_NO_THREAD_SAFETY_ANALYSIS;
  static void EraseLocked(Group& group,
                          const std::vector<SeriesRef>& series) MA_NO_THREAD_SAFETY_ANALYSIS;

  const Clock& clock_;
  IdempotencyCache* const idempotency_;
  std::atomic<Journal*> journal_{nullptr};
  mutable Mutex groups_mu_;
  std::map<std::string, std::shared_ptr<Group>, std::less<>> groups_ MA_GUARDED_BY(groups_mu_);
};

}  // namespace accumulator::store
