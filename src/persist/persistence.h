#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "model/metric.h"
#include "persist/wal.h"
#include "store/journal.h"
#include "store/store.h"

namespace accumulator::persist {

struct PersistenceOptions {
  std::string dir;
  FsyncPolicy policy = FsyncPolicy::kAlways;
  std::chrono::milliseconds fsync_interval{1000};
  std::size_t segment_bytes = std::size_t{64} * 1024 * 1024;
  // A snapshot is taken when the log has grown this much since the last one, or when
  // `snapshot_interval` has passed with changes, and at a clean shutdown.
  std::size_t snapshot_after_bytes = std::size_t{64} * 1024 * 1024;
  std::chrono::seconds snapshot_interval{300};
  std::string server_version;
};

// What start-up found on disk.
struct RecoveryReport {
  std::string snapshot;  // file name of the snapshot used, empty if none
  std::size_t groups = 0;
  std::size_t series = 0;             // series in the snapshot
  std::uint64_t records = 0;          // log records replayed after it
  std::uint64_t skipped_records = 0;  // records that could not be read or applied
  std::uint64_t truncated_bytes = 0;  // damaged log tails cut off
  std::vector<std::string> problems;  // each damaged file, gap or unusable snapshot
  double seconds = 0;
};

// Makes the store durable (SPEC §4, docs/persistence.md): a write-ahead log of every
// change plus periodic snapshots in one data directory, which it locks so no second
// server writes to it. Implements the store's Journal. Thread-safe.
class Persistence final : public store::Journal {
 public:
  // Locks `options.dir`, recovers the newest usable snapshot and the log after it
  // into `store` (which must be empty and not yet serving), and opens the log for
  // appending. `store` and `clock` must outlive the Persistence; call
  // store.SetJournal(this) afterwards to record changes.
  static Result<std::unique_ptr<Persistence>> Open(PersistenceOptions options,
                                                   store::Recoverable& store, const Clock& clock);
  ~Persistence() override;

  const RecoveryReport& recovery() const { return recovery_; }

  Result<Ticket> RecordPush(std::string_view group, std::chrono::seconds ttl, TimePoint at,
                            const model::Push& push, const store::PushTag& tag) override;
  Result<Ticket> RecordReset(std::string_view group, TimePoint at) override;
  Result<Ticket> RecordDelete(std::string_view group, TimePoint at,
                              const std::vector<store::SeriesRef>& series) override;
  Result<Ticket> RecordDrop(std::string_view group, TimePoint at) override;
  Status WaitDurable(Ticket ticket) override;
  void WhenDurable(Ticket ticket, std::function<void(Status)> done) override;

  // Writes a snapshot of the store and removes log segments the previous snapshot
  // no longer needs (two snapshots are kept, so a damaged newest one has a fallback).
  Status Checkpoint() MA_EXCLUDES(checkpoint_mu_, stats_mu_);
  // Checkpoints if one is due (see PersistenceOptions); for a once-a-second ticker.
  void CheckpointIfDue();

  // The persistence part of the server's own metrics (SPEC §3.4).
  std::vector<model::Family> SelfMetrics() const;

 private:
  Persistence(PersistenceOptions options, store::Recoverable& store, const Clock& clock);
  Status Recover();

  const PersistenceOptions options_;
  store::Recoverable& store_;
  const Clock& clock_;
  int lock_fd_ = -1;
  std::unique_ptr<WriteAheadLog> wal_;
  RecoveryReport recovery_;
  std::uint64_t next_sequence_after_recovery_ = 1;

  Mutex checkpoint_mu_;  // one snapshot at a time
  mutable Mutex stats_mu_;
  std::uint64_t log_bytes_at_snapshot_ MA_GUARDED_BY(stats_mu_) = 0;
  std::uint64_t log_records_at_snapshot_ MA_GUARDED_BY(stats_mu_) = 0;
  std::chrono::steady_clock::time_point last_attempt_ MA_GUARDED_BY(stats_mu_){};
  TimePoint last_snapshot_time_ MA_GUARDED_BY(stats_mu_){};
  double last_snapshot_seconds_ MA_GUARDED_BY(stats_mu_) = 0;
  std::uint64_t last_snapshot_bytes_ MA_GUARDED_BY(stats_mu_) = 0;
  std::uint64_t snapshots_ MA_GUARDED_BY(stats_mu_) = 0;
  std::uint64_t snapshot_failures_ MA_GUARDED_BY(stats_mu_) = 0;
};

}  // namespace accumulator::persist
