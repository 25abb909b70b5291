#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "model/metric.h"
#include "redis/connection.h"
#include "redis/endpoint.h"
#include "shared/stream_id.h"
#include "store/series_store.h"
#include "store/store.h"

namespace accumulator::shared {

struct SharedStateOptions {
  redis::Endpoint endpoint;  // with sentinels: the master's credentials only
  redis::ConnectOptions connect;
  // Sentinel mode: the master of `sentinel_master` as these sentinels name it.
  std::vector<redis::Endpoint> sentinels;
  std::string sentinel_master;
  std::string key_prefix = "ma";
  // Every Redis call, and how long a push or scrape waits for the log to reach it.
  std::chrono::milliseconds timeout{2000};
  // A group's log gets a snapshot after this many entries, written by one replica;
  // the log is then trimmed to the snapshot before it, so Redis holds at most about
  // twice this many entries per group.
  std::size_t snapshot_entries = 10'000;
};

// A store shared by every replica that uses the same Redis (SPEC §7, decision 0018):
// Redis holds, per group, the ordered log of changes (a stream of write-ahead log
// records); every replica applies the log in order to its own SeriesStore, deciding
// each entry at the entry's time, and so holds the same state. A change is answered
// once this replica has applied its own entry, with the result of applying it; a read
// first waits until the log is applied as far as Redis has it (read-your-writes).
// Thread-safe.
class SharedStore final : public store::Store {
 public:
  // `clock` must outlive the store.
  SharedStore(const Clock& clock, SharedStateOptions options);
  ~SharedStore() override;
  SharedStore(const SharedStore&) = delete;
  SharedStore& operator=(const SharedStore&) = delete;

  // Starts the appender and the log reader; they connect (and reconnect) by themselves.
  void Start();
  void Stop();
  // Connected, and the log applied as far as Redis had it when this replica connected.
  bool Ready() const;
  // metrics_accumulator_shared_state_*: up, errors, round-trip times (SPEC §7).
  std::vector<model::Family> SelfMetrics() const;

  // Store.
  void Configure(const std::vector<store::GroupSettings>& groups) override;
  store::IdempotencyCache::Claim ClaimIdempotencyKey(
      std::string_view group, std::string_view key, std::chrono::seconds window,
      store::IdempotencyCache::Waiter when_durable) override;
  void RememberRefusal(std::string_view group, std::string_view key,
                       store::RememberedAnswer answer) override;
  // Ok once the push is queued for the log; `durable` then gets the result of applying
  // it (a refusal too), or kUnavailable if it could not be appended.
  Status ApplyThen(std::string_view group, const model::Push& push, const store::PushTag& tag,
                   DurableCallback durable) override;
  Result<std::vector<store::FamilyInfo>> Families(std::string_view group) const override;
  std::size_t VisitFamilyStep(std::string_view group, std::string_view family,
                              model::MetricType type, const SeriesVisitor& visit,
                              store::VisitCursor& cursor, std::size_t max_series) const override;
  std::optional<model::Family> SnapshotFamily(std::string_view group,
                                              const store::FamilyInfo& family) const override;
  Result<std::vector<model::Family>> Snapshot(std::string_view group) const override;
  Result<store::GroupStats> Stats(std::string_view group) const override;
  Result<std::size_t> DeleteMatching(std::string_view group,
                                     std::span<const model::Selector> any_of) override;
  Status Reset(std::string_view group) override;
  // Appends the reset only if no replica has appended this tick's yet (SET NX).
  Status ScheduledReset(std::string_view group, TimePoint due) override;
  std::size_t ExpireIdle() override;

  // The stream that holds the group's log.
  std::string LogKey(std::string_view group) const;

 private:
  using Done = std::function<void(Status)>;
  // A command that appends one entry to `stream`; its reply is the entry's ID, or nil
  // when the command decided not to append (then `done` gets Ok at once).
  struct Append {
    std::string stream;
    redis::Command command;
    Done done;
    // A reset of this group, counted as this replica's once appended (SPEC §7: the sum
    // over replicas of metrics_accumulator_group_resets_total grows by one per reset).
    std::string reset_group;
  };
  struct StreamState {
    std::string group;
    StreamId applied;                // the last entry applied (0-0: none)
    bool joined = false;             // the group's snapshot, if any, is restored
    std::size_t since_snapshot = 0;  // entries applied since a snapshot was considered
  };

  void AppendLoop(const std::stop_token& stop);
  void ReadLoop(const std::stop_token& stop);
  // Queues an append of `record` to the group's log; `done` gets the result of applying.
  void Enqueue(std::string_view group, const std::string& record, Done done, bool is_reset = false);
  Status AppendAndWait(std::string_view group, const std::string& record);
  // Applies the entry and answers its waiter if it is this replica's.
  void ApplyEntry(const std::string& stream, StreamId id, const redis::Reply& fields);
  // Waits until the group's log is applied as far as Redis has it now (up to the
  // timeout; without Redis, the local state is served as it is).
  void CatchUp(std::string_view group) const;
  // Ends the reader's blocking read now instead of at its timeout.
  void WakeReader() const;
  // After a reconnect: whether the last entry applied of every stream is still in the
  // log. A failover can lose entries already applied here; then the replica rebuilds.
  bool LogStillHasWhatWasApplied(redis::Connection& connection);
  void Rebuild();
  // Restores the snapshot of every stream not yet joined. kUnavailable to try again.
  Status JoinFromSnapshots(redis::Connection& connection);
  // Writes the group's state at its last applied entry as the group's snapshot, if no
  // other replica is writing one, then trims the log to the snapshot before.
  void WriteSnapshot(redis::Connection& connection, const std::string& stream);
  std::string GroupKey(std::string_view group, std::string_view suffix) const;
  void CountRequest(std::chrono::steady_clock::duration took, bool failed) const;
  Result<std::unique_ptr<redis::Connection>> Connect() const;

  const SharedStateOptions options_;
  const std::string replica_id_;  // marks this replica's entries in the log
  store::SeriesStore local_;

  mutable WaitMutex mu_;
  mutable CondVar changed_;  // an entry applied, an append queued, connection changes
  std::deque<Append> queue_ MA_GUARDED_BY(mu_);
  std::map<std::string, StreamState, std::less<>> streams_ MA_GUARDED_BY(mu_);
  std::vector<store::GroupSettings> groups_ MA_GUARDED_BY(mu_);  // as last configured
  std::map<std::string, std::uint64_t, std::less<>> resets_appended_ MA_GUARDED_BY(mu_);
  // This replica's appended entries not yet applied, by stream and ID; and results of
  // its entries that the reader applied before the append's reply came back.
  struct Waiting {
    Done done;
    std::chrono::steady_clock::time_point deadline;
  };
  std::map<std::pair<std::string, StreamId>, Waiting> waiting_ MA_GUARDED_BY(mu_);
  std::map<std::pair<std::string, StreamId>, Status> applied_early_ MA_GUARDED_BY(mu_);
  bool appender_connected_ MA_GUARDED_BY(mu_) = false;
  bool reader_connected_ MA_GUARDED_BY(mu_) = false;
  // Redis refused an append (out of memory, read-only): not ready until a probe write
  // goes through.
  bool writes_refused_ MA_GUARDED_BY(mu_) = false;
  // Counts the reader's lost connections: the appender's connection, from before one,
  // is then likely dead too and is opened again before it is used.
  std::uint64_t reader_losses_ MA_GUARDED_BY(mu_) = 0;
  bool caught_up_ MA_GUARDED_BY(mu_) = false;
  // The reader's connection as Redis names it, so a blocked XREAD can be woken
  // (CLIENT UNBLOCK) when the groups change or the store stops.
  std::int64_t reader_client_id_ MA_GUARDED_BY(mu_) = 0;
  std::uint64_t entries_applied_ MA_GUARDED_BY(mu_) = 0;

  // Reads that wait for the log (CatchUp) share one connection.
  mutable WaitMutex query_mu_;
  mutable std::unique_ptr<redis::Connection> query_ MA_GUARDED_BY(query_mu_);

  mutable WaitMutex stats_mu_;
  mutable std::uint64_t errors_ MA_GUARDED_BY(stats_mu_) = 0;
  mutable std::vector<std::uint64_t> buckets_ MA_GUARDED_BY(stats_mu_);
  mutable std::uint64_t requests_ MA_GUARDED_BY(stats_mu_) = 0;
  mutable double request_seconds_ MA_GUARDED_BY(stats_mu_) = 0;

  std::jthread appender_;
  std::jthread reader_;
};

}  // namespace accumulator::shared
