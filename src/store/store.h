#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "model/metric.h"
#include "model/packed_labels.h"
#include "model/selector.h"
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

// Where a scrape in steps left off: after the series `after` (none yet: from the
// start). A value, so a store may keep its series anywhere.
struct VisitCursor {
  std::optional<model::PackedLabels> after;
  bool done = false;  // the family has no more series (or is gone, or changed type)
};

// The accumulated state, as users act on it (SPEC §2-3): what the HTTP handlers and
// scrapes use, so that which store runs (in memory here, shared by several replicas
// elsewhere) is decided once, in app/. Every operation is thread-safe. Group names are
// those of the last Configure; kNotFound for any other.
class Store {
 public:
  virtual ~Store() = default;

  // Creates new groups, updates limits of existing ones (keeping their series), and
  // drops groups that are no longer listed.
  virtual void Configure(const std::vector<GroupSettings>& groups) = 0;

  // Idempotency-Key bookkeeping (SPEC §2), kept with the pushes: claims `key` in
  // `group` or says how an earlier push with it was answered (IdempotencyCache::Begin).
  virtual IdempotencyCache::Claim ClaimIdempotencyKey(std::string_view group, std::string_view key,
                                                      std::chrono::seconds window,
                                                      IdempotencyCache::Waiter when_durable) = 0;
  // The claimed push was refused before it was applied: its retries get `answer`.
  virtual void RememberRefusal(std::string_view group, std::string_view key,
                               RememberedAnswer answer) = 0;

  // Applies the whole push or none of it, by the merge rules (merge.h); series whose
  // metadata names a writer are cumulative. A tag with an idempotency key is
  // remembered with the push, and its retries are answered once it is durable. Only on
  // an Ok return is `durable` called, exactly once, when the push is as durable as
  // configured (kUnavailable if it cannot be made so): at once, or later from another
  // thread. kInvalidArgument: a value breaks a merge rule. kConflict: a type or bucket
  // layout disagrees with the stored data. kResourceExhausted: new series would exceed
  // the group's max_series. kUnavailable: nothing applied, the push could not be kept.
  using DurableCallback = std::function<void(Status)>;
  virtual Status ApplyThen(std::string_view group, const model::Push& push, const PushTag& tag,
                           DurableCallback durable) = 0;

  // The group's families sorted by name (a family may turn out to hold only expired
  // series).
  virtual Result<std::vector<FamilyInfo>> Families(std::string_view group) const = 0;
  // Scrapes `family` in bounded steps, so no step holds anything for long: calls
  // `visit` for the live series among up to `max_series` after `cursor`, in label
  // order, if the family still has `type`, and moves the cursor on. `visit` must not
  // call the store. A change between steps shows only in the steps after it.
  using SeriesVisitor =
      std::function<void(std::span<const model::LabelRef> labels, const model::Value& value)>;
  virtual std::size_t VisitFamilyStep(std::string_view group, std::string_view family,
                                      model::MetricType type, const SeriesVisitor& visit,
                                      VisitCursor& cursor, std::size_t max_series) const = 0;
  // A copy of the live series of `family` (nullopt if none, or of another type).
  virtual std::optional<model::Family> SnapshotFamily(std::string_view group,
                                                      const FamilyInfo& family) const = 0;
  // A copy of the group's live series, families sorted by name and series by labels.
  virtual Result<std::vector<model::Family>> Snapshot(std::string_view group) const = 0;
  virtual Result<GroupStats> Stats(std::string_view group) const = 0;

  // Removes every series of the group that one of `any_of` matches; returns how many.
  virtual Result<std::size_t> DeleteMatching(std::string_view group,
                                             std::span<const model::Selector> any_of) = 0;
  // Removes every series of the group (the reset endpoint).
  virtual Status Reset(std::string_view group) = 0;
  // The reset a restartCronExpression scheduled for `due`: done once per group and
  // time, however many schedulers (replicas) ask; later asks for it are Ok no-ops.
  virtual Status ScheduledReset(std::string_view group, TimePoint due) = 0;
  // Drops series idle for longer than their group's TTL; returns how many went.
  virtual std::size_t ExpireIdle() = 0;
};

// A copy of everything a local store holds, as persistence writes it to a snapshot and
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

// Recovery of a store that keeps its state in this process (persist/ drives it): its
// changes go to a Journal, and a checkpoint plus the journal after it rebuild it.
class Recoverable {
 public:
  virtual ~Recoverable() = default;

  // From now on every change is recorded in `journal` (may be null; must outlive the
  // store) before it is applied, and a push is durable once the journal says so.
  virtual void SetJournal(Journal* journal) = 0;
  // Stops every change for as long as it copies the store: calls `at_cut` (which
  // starts a new log segment, so the copy holds exactly the changes recorded before
  // it) with everything locked, and returns the copy.
  virtual StoreImage Checkpoint(const std::function<void()>& at_cut) = 0;
  // Before serving: replaces everything with `image`. Groups keep the TTL of the
  // image until Configure.
  virtual void Restore(const StoreImage& image) = 0;
  // Re-applies a recorded change as it was applied then: at its time, with its
  // group's TTL of then, and without the series limit (it was accepted once). Creates
  // the group if needed. Not recorded in the journal.
  virtual Status Replay(std::string_view group, std::chrono::seconds ttl, TimePoint at,
                        const model::Push& push, const PushTag& tag) = 0;
  virtual void ReplayReset(std::string_view group) = 0;
  virtual void ReplayDelete(std::string_view group, const std::vector<SeriesRef>& series) = 0;
  virtual void ReplayDrop(std::string_view group) = 0;
};

}  // namespace accumulator::store
