#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

namespace accumulator::persist {

// When an appended record reaches the disk (SPEC §4, docs/persistence.md).
enum class FsyncPolicy {
  kAlways,    // before WaitDurable returns; concurrent appends share one fsync
  kInterval,  // within `fsync_interval`; a crash of the machine loses up to that much
  kNever,     // when the kernel decides; a crash of the machine may lose anything recent
};

struct WalOptions {
  std::string dir;
  FsyncPolicy policy = FsyncPolicy::kAlways;
  std::chrono::milliseconds fsync_interval{1000};
  std::size_t segment_bytes = std::size_t{64} * 1024 * 1024;
};

struct WalStats {
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t fsyncs = 0;
  double fsync_seconds_total = 0;
  // Cumulative counts of fsyncs at or under each bound of kFsyncBuckets, then +Inf.
  std::vector<std::uint64_t> fsync_buckets;
  std::uint64_t write_errors = 0;
  std::size_t segments = 0;
  bool healthy = true;
  std::string last_error;
};
inline constexpr double kFsyncBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                           0.025,  0.05,  0.1,    0.25,  1};

// A log segment on disk: "wal-<20-digit first sequence number>.log".
struct SegmentFile {
  std::uint64_t first_sequence = 0;
  std::string path;
};
inline constexpr std::string_view kSegmentMagic = "MAWAL001";
inline constexpr std::size_t kSegmentHeaderBytes = 16;  // magic, u64 first sequence
std::string SegmentFileName(std::uint64_t first_sequence);
// The number in a file name "<prefix><20 digits><suffix>", if it is one.
std::optional<std::uint64_t> SequenceInName(std::string_view name, std::string_view prefix,
                                            std::string_view suffix);
// The segments in `dir`, oldest first.
Result<std::vector<SegmentFile>> ListSegments(const std::string& dir);

// The write-ahead log: records appended in sequence to segment files. Append writes
// the record to the file at once (so a full disk is known before the change is
// applied); WaitDurable then waits for it per the policy. Thread-safe.
class WriteAheadLog {
 public:
  // Starts a new segment whose first record will be `next_sequence`.
  static Result<std::unique_ptr<WriteAheadLog>> Open(WalOptions options,
                                                     std::uint64_t next_sequence);
  ~WriteAheadLog();
  WriteAheadLog(const WriteAheadLog&) = delete;
  WriteAheadLog& operator=(const WriteAheadLog&) = delete;

  // Writes one record; returns its sequence number. kUnavailable (nothing written) if
  // the disk refuses, e.g. "No space left on device".
  Result<std::uint64_t> Append(std::string_view payload);
  // Returns once record `sequence` is durable as the policy promises.
  Status WaitDurable(std::uint64_t sequence);
  // Calls `done` exactly once with what WaitDurable would return: at once if that is
  // known, else from the log's syncing thread, which covers every record waiting with
  // one fsync. So a caller that must not block (an event loop) waits without a thread.
  // `done` must be quick and must not call the log.
  void WhenDurable(std::uint64_t sequence, std::function<void(Status)> done);
  // fsyncs everything appended so far (interval flusher, shutdown).
  Status Sync();
  // Closes the current segment (fsynced) and starts a new one; returns the sequence
  // number its first record will get. Every record before it is in older segments.
  Result<std::uint64_t> Rotate();
  // Removes segments all of whose records come before `sequence`.
  void RemoveSegmentsBefore(std::uint64_t sequence);
  // After an fsync failed, appends are refused until a snapshot has saved what the log
  // could not; the snapshot's writer then calls this.
  void MarkRecovered();

  std::uint64_t next_sequence() const;
  WalStats Stats() const;

 private:
  struct File;
  explicit WriteAheadLog(WalOptions options);
  Status StartSegmentLocked(std::uint64_t first_sequence) MA_REQUIRES(mu_);
  void FlushLoop() MA_EXCLUDES(mu_);
  // fsync: always: fsyncs while anyone waits in WhenDurable, then answers them.
  void SyncLoop() MA_EXCLUDES(mu_);
  // fsyncs the current segment before it is closed; marks the log broken if it fails.
  Status SyncForRotationLocked() MA_REQUIRES(mu_);
  // fsyncs what was appended so far, outside the lock (which is held on entry and on
  // return), while `syncing_` keeps other callers waiting for its outcome.
  void SyncLocked() MA_REQUIRES(mu_);
  void MarkBrokenLocked(const Status& status) MA_REQUIRES(mu_);
  void RecordFsyncLocked(double seconds) MA_REQUIRES(mu_);

  const WalOptions options_;
  mutable WaitMutex mu_;
  CondVar synced_;  // a sync finished (syncing_ went false)
  std::shared_ptr<File> current_ MA_GUARDED_BY(mu_);
  std::uint64_t next_sequence_ MA_GUARDED_BY(mu_) = 1;
  std::uint64_t durable_through_ MA_GUARDED_BY(mu_) = 0;  // every record up to it is fsynced
  std::size_t segment_size_ MA_GUARDED_BY(mu_) = 0;
  bool syncing_ MA_GUARDED_BY(mu_) = false;  // a group-commit fsync runs outside the lock
  bool broken_ MA_GUARDED_BY(mu_) = false;   // an fsync failed: durability is not promised
  std::vector<SegmentFile> segments_ MA_GUARDED_BY(mu_);
  WalStats stats_ MA_GUARDED_BY(mu_);
  struct Waiter {
    std::uint64_t sequence = 0;
    std::function<void(Status)> done;
  };
  std::vector<Waiter> waiters_ MA_GUARDED_BY(mu_);  // in WhenDurable, for SyncLoop
  bool stop_ MA_GUARDED_BY(mu_) = false;
  CondVar flusher_wake_;                  // stop_, and for SyncLoop: waiters_ or a sync
  std::unique_ptr<std::thread> flusher_;  // FlushLoop or SyncLoop; set before it starts
};

}  // namespace accumulator::persist
