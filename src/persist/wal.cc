#include "persist/wal.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>

#include <fcntl.h>
#include <unistd.h>

#include "common/log.h"
#include "persist/files.h"
#include "persist/framing.h"

namespace accumulator::persist {

// An open segment. Shared, so a group-commit fsync outside the lock can finish on a
// segment that a rotation has just closed.
struct WriteAheadLog::File {
  int fd = -1;
  std::string path;
  ~File() {
    if (fd >= 0) ::close(fd);
  }
};

std::string SegmentFileName(std::uint64_t first_sequence) {
  char name[64];
  std::snprintf(name, sizeof name, "wal-%020" PRIu64 ".log", first_sequence);
  return name;
}

std::optional<std::uint64_t> SequenceInName(std::string_view name, std::string_view prefix,
                                            std::string_view suffix) {
  constexpr std::size_t kDigits = 20;
  if (name.size() != prefix.size() + kDigits + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return std::nullopt;
  }
  std::uint64_t sequence = 0;
  for (char c : name.substr(prefix.size(), kDigits)) {
    if (c < '0' || c > '9') return std::nullopt;
    sequence = sequence * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return sequence;
}

Result<std::vector<SegmentFile>> ListSegments(const std::string& dir) {
  auto names = ListFiles(dir);
  if (!names.ok()) return names.status();
  std::vector<SegmentFile> out;
  for (const std::string& name : *names) {
    if (auto first = SequenceInName(name, "wal-", ".log"))
      out.push_back({*first, dir + "/" + name});
  }
  return out;  // zero-padded names sort by sequence
}

WriteAheadLog::WriteAheadLog(WalOptions options) : options_(std::move(options)) {
  stats_.fsync_buckets.assign(std::size(kFsyncBuckets) + 1, 0);
}

Result<std::unique_ptr<WriteAheadLog>> WriteAheadLog::Open(WalOptions options,
                                                           std::uint64_t next_sequence) {
  std::unique_ptr<WriteAheadLog> wal(new WriteAheadLog(std::move(options)));
  auto existing = ListSegments(wal->options_.dir);
  if (!existing.ok()) return existing.status();
  {
    WaitMutexLock lock(wal->mu_);
    wal->segments_ = std::move(*existing);
    if (Status s = wal->StartSegmentLocked(next_sequence); !s.ok()) return s;
    wal->durable_through_ = next_sequence - 1;
  }
  if (wal->options_.policy == FsyncPolicy::kInterval) {
    wal->flusher_ = std::make_unique<std::thread>([w = wal.get()] { w->FlushLoop(); });
  } else if (wal->options_.policy == FsyncPolicy::kAlways) {
    wal->flusher_ = std::make_unique<std::thread>([w = wal.get()] { w->SyncLoop(); });
  }
  return wal;
}

WriteAheadLog::~WriteAheadLog() {
  {
    WaitMutexLock lock(mu_);
    stop_ = true;
  }
  flusher_wake_.NotifyAll();
  if (flusher_) flusher_->join();
  (void)Sync();
}

Status WriteAheadLog::StartSegmentLocked(std::uint64_t first_sequence) {
  const std::string path = options_.dir + "/" + SegmentFileName(first_sequence);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create log segment", path, errno);
  auto file = std::make_shared<File>();
  file->fd = fd;
  file->path = path;
  std::string header(kSegmentMagic);
  AppendU64(first_sequence, header);
  if (::write(fd, header.data(), header.size()) != static_cast<ssize_t>(header.size()) ||
      ::fsync(fd) != 0) {
    const int error = errno;
    ::unlink(path.c_str());
    return ErrnoStatus("write log segment", path, error);
  }
  if (Status s = SyncDirectory(options_.dir); !s.ok()) {
    ::unlink(path.c_str());
    return s;
  }
  current_ = std::move(file);
  segment_size_ = header.size();
  next_sequence_ = first_sequence;
  // A segment of the same name (left empty by an earlier run) is replaced, not listed twice.
  std::erase_if(segments_, [&](const SegmentFile& s) { return s.path == path; });
  segments_.push_back({first_sequence, path});
  return Status::Ok();
}

Result<std::uint64_t> WriteAheadLog::Append(std::string_view payload) {
  std::string frame;
  frame.reserve(kFrameHeaderBytes + payload.size());
  AppendFrame(payload, frame);
  WaitMutexLock lock(mu_);
  if (broken_) return Status::Unavailable("write-ahead log unusable: " + stats_.last_error);
  if (segment_size_ + frame.size() > options_.segment_bytes &&
      segment_size_ > kSegmentHeaderBytes) {
    // A full segment is fsynced and closed; its records are then durable.
    if (Status s = SyncForRotationLocked(); !s.ok()) return s;
    if (Status s = StartSegmentLocked(next_sequence_); !s.ok()) {
      ++stats_.write_errors;
      stats_.last_error = s.message();
      return s;
    }
  }
  std::size_t done = 0;
  while (done < frame.size()) {
    const ssize_t n = ::write(current_->fd, frame.data() + done, frame.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      // Take back a partial record, so the next one starts on a frame boundary.
      if (done > 0 && ::ftruncate(current_->fd, static_cast<off_t>(segment_size_)) != 0) {
        broken_ = true;
      }
      ++stats_.write_errors;
      Status s = ErrnoStatus("write to the write-ahead log", current_->path, error);
      stats_.last_error = s.message();
      return s;
    }
    done += static_cast<std::size_t>(n);
  }
  segment_size_ += frame.size();
  ++stats_.records;
  stats_.bytes += frame.size();
  return next_sequence_++;
}

void WriteAheadLog::RecordFsyncLocked(double seconds) {
  ++stats_.fsyncs;
  stats_.fsync_seconds_total += seconds;
  for (std::size_t i = 0; i < std::size(kFsyncBuckets); ++i) {
    if (seconds <= kFsyncBuckets[i]) ++stats_.fsync_buckets[i];
  }
  ++stats_.fsync_buckets.back();
}

Status WriteAheadLog::WaitDurable(std::uint64_t sequence) {
  WaitMutexLock lock(mu_);
  if (options_.policy != FsyncPolicy::kAlways) {
    return broken_ ? Status::Unavailable(stats_.last_error) : Status::Ok();
  }
  while (true) {
    if (durable_through_ >= sequence) return Status::Ok();
    if (broken_) return Status::Unavailable(stats_.last_error);
    if (!syncing_) break;
    synced_.Wait(mu_);
  }
  // This caller leads: one fsync covers every record appended so far, and the callers
  // that queue up meanwhile share the next one (group commit).
  SyncLocked();
  if (durable_through_ >= sequence) return Status::Ok();
  return Status::Unavailable(stats_.last_error);
}

void WriteAheadLog::WhenDurable(std::uint64_t sequence, std::function<void(Status)> done) {
  Status status = Status::Ok();
  {
    WaitMutexLock lock(mu_);
    if (options_.policy == FsyncPolicy::kAlways && durable_through_ < sequence && !broken_) {
      waiters_.push_back(Waiter{sequence, std::move(done)});
      done = nullptr;
    } else if (broken_ &&
               (options_.policy != FsyncPolicy::kAlways || durable_through_ < sequence)) {
      status = Status::Unavailable(stats_.last_error);
    }
  }
  if (!done) {
    flusher_wake_.NotifyOne();
    return;
  }
  done(status);
}

void WriteAheadLog::SyncLoop() {
  mu_.Lock();
  while (true) {
    while (syncing_ || (!stop_ && waiters_.empty())) flusher_wake_.Wait(mu_);
    if (waiters_.empty()) break;  // stopping, and everyone has been answered
    // One fsync covers everything appended so far, so every push that arrived while
    // the last one ran shares this one (group commit without a parked thread each).
    // (A loop, not std::all_of: the lock analysis cannot see into a lambda.)
    bool covered = true;
    for (const Waiter& w : waiters_) covered = covered && w.sequence <= durable_through_;
    if (!covered && !broken_) SyncLocked();
    std::vector<Waiter> answered;
    std::vector<Waiter> still;
    for (Waiter& w : waiters_) {
      (w.sequence <= durable_through_ || broken_ ? answered : still).push_back(std::move(w));
    }
    waiters_ = std::move(still);
    const std::uint64_t durable_through = durable_through_;
    const Status broken = Status::Unavailable(stats_.last_error);
    mu_.Unlock();
    for (Waiter& w : answered) w.done(w.sequence <= durable_through ? Status::Ok() : broken);
    answered.clear();  // callbacks are released outside the lock too
    mu_.Lock();
  }
  mu_.Unlock();
}

void WriteAheadLog::SyncLocked() {
  syncing_ = true;
  const std::uint64_t target = next_sequence_ - 1;
  const std::shared_ptr<File> file = current_;
  mu_.Unlock();
  const auto start = std::chrono::steady_clock::now();
  const int rc = ::fdatasync(file->fd);
  const int error = errno;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  mu_.Lock();
  syncing_ = false;
  RecordFsyncLocked(seconds);
  if (rc == 0) {
    durable_through_ = std::max(durable_through_, target);
  } else {
    MarkBrokenLocked(ErrnoStatus("fsync", file->path, error));
  }
  synced_.NotifyAll();
  flusher_wake_.NotifyAll();  // SyncLoop may answer waiters this fsync covered
}

void WriteAheadLog::MarkBrokenLocked(const Status& status) {
  broken_ = true;
  stats_.last_error = status.message();
  log::Error("write-ahead log: " + stats_.last_error +
             "; pushes are refused until a snapshot succeeds");
}

Status WriteAheadLog::Sync() {
  WaitMutexLock lock(mu_);
  while (syncing_) synced_.Wait(mu_);
  if (!broken_ && durable_through_ + 1 < next_sequence_) SyncLocked();
  return broken_ ? Status::Unavailable(stats_.last_error) : Status::Ok();
}

void WriteAheadLog::FlushLoop() {
  WaitMutexLock lock(mu_);
  while (!stop_) {
    flusher_wake_.WaitFor(mu_, options_.fsync_interval);
    if (stop_ || syncing_ || broken_ || durable_through_ + 1 >= next_sequence_) continue;
    SyncLocked();
  }
}

Status WriteAheadLog::SyncForRotationLocked() {
  if (broken_) return Status::Unavailable(stats_.last_error);
  if (::fsync(current_->fd) != 0) {
    MarkBrokenLocked(ErrnoStatus("fsync", current_->path, errno));
    return Status::Unavailable(stats_.last_error);
  }
  durable_through_ = next_sequence_ - 1;
  return Status::Ok();
}

Result<std::uint64_t> WriteAheadLog::Rotate() {
  WaitMutexLock lock(mu_);
  // A broken log is rotated anyway: the snapshot that follows saves what it lost.
  (void)SyncForRotationLocked();
  if (Status s = StartSegmentLocked(next_sequence_); !s.ok()) {
    ++stats_.write_errors;
    stats_.last_error = s.message();
    return s;
  }
  return next_sequence_;
}

void WriteAheadLog::MarkRecovered() {
  WaitMutexLock lock(mu_);
  if (!broken_) return;
  broken_ = false;
  durable_through_ = next_sequence_ - 1;
  synced_.NotifyAll();
  flusher_wake_.NotifyAll();
  log::Info("write-ahead log usable again: a snapshot saved everything it held");
}

void WriteAheadLog::RemoveSegmentsBefore(std::uint64_t sequence) {
  WaitMutexLock lock(mu_);
  // A segment ends where the next begins; the current one is never removed.
  for (std::size_t i = 0; i + 1 < segments_.size();) {
    if (segments_[i + 1].first_sequence <= sequence && segments_[i].path != current_->path) {
      if (Status s = RemoveFile(segments_[i].path); !s.ok()) {
        log::Warn("write-ahead log: " + s.message());
        ++i;
        continue;
      }
      segments_.erase(segments_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
}

std::uint64_t WriteAheadLog::next_sequence() const {
  WaitMutexLock lock(mu_);
  return next_sequence_;
}

WalStats WriteAheadLog::Stats() const {
  WaitMutexLock lock(mu_);
  WalStats stats = stats_;
  stats.segments = segments_.size();
  stats.healthy = !broken_;
  return stats;
}

}  // namespace accumulator::persist
