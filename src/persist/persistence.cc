#include "persist/persistence.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/log.h"
#include "persist/codec.h"
#include "persist/files.h"
#include "persist/framing.h"

namespace accumulator::persist {
namespace {

struct SnapshotFile {
  std::uint64_t first_sequence_after = 0;
  std::string name;
};

std::string SnapshotFileName(std::uint64_t first_sequence_after) {
  char name[64];
  std::snprintf(name, sizeof name, "snapshot-%020" PRIu64 ".snap", first_sequence_after);
  return name;
}

// Snapshots in `names`, newest first.
std::vector<SnapshotFile> SnapshotsIn(const std::vector<std::string>& names) {
  std::vector<SnapshotFile> out;
  for (const std::string& name : names) {
    if (auto sequence = SequenceInName(name, "snapshot-", ".snap"))
      out.push_back({*sequence, name});
  }
  std::sort(out.begin(), out.end(), [](const SnapshotFile& a, const SnapshotFile& b) {
    return a.first_sequence_after > b.first_sequence_after;
  });
  return out;
}

model::Family Gauge(std::string name, std::string help, double value) {
  return model::Family{std::move(name),
                       model::MetricType::kGauge,
                       std::move(help),
                       {model::ScalarSeries({}, value)}};
}

model::Family Counter(std::string name, std::string help, double value) {
  return model::Family{std::move(name),
                       model::MetricType::kCounter,
                       std::move(help),
                       {model::ScalarSeries({}, value)}};
}

}  // namespace

Persistence::Persistence(PersistenceOptions options, store::Recoverable& store, const Clock& clock)
    : options_(std::move(options)), store_(store), clock_(clock) {}

Persistence::~Persistence() {
  wal_.reset();  // fsyncs what is left
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<std::unique_ptr<Persistence>> Persistence::Open(PersistenceOptions options,
                                                       store::Recoverable& store,
                                                       const Clock& clock) {
  if (Status s = EnsureDirectory(options.dir); !s.ok()) return s;
  std::unique_ptr<Persistence> p(new Persistence(std::move(options), store, clock));
  const std::string lock_path = p->options_.dir + "/LOCK";
  p->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (p->lock_fd_ < 0) {
    return Status::FailedPrecondition("cannot open " + lock_path + ": " +
                                      std::generic_category().message(errno));
  }
  if (::flock(p->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Status::FailedPrecondition("data directory " + p->options_.dir +
                                      " is in use by another metrics-accumulator process");
  }
  const auto start = std::chrono::steady_clock::now();
  if (Status s = p->Recover(); !s.ok()) return s;
  WalOptions wal_options;
  wal_options.dir = p->options_.dir;
  wal_options.policy = p->options_.policy;
  wal_options.fsync_interval = p->options_.fsync_interval;
  wal_options.segment_bytes = p->options_.segment_bytes;
  auto wal = WriteAheadLog::Open(wal_options, p->next_sequence_after_recovery_);
  if (!wal.ok()) {
    return Status::FailedPrecondition("cannot open the write-ahead log: " + wal.status().message());
  }
  p->wal_ = std::move(*wal);
  p->recovery_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return p;
}

Status Persistence::Recover() {
  RecoveryReport& report = recovery_;
  auto names = ListFiles(options_.dir);
  if (!names.ok()) return Status::FailedPrecondition(names.status().message());
  for (const std::string& name : *names) {
    // A snapshot that was being written when the process died.
    if (name.ends_with(".tmp")) (void)RemoveFile(options_.dir + "/" + name);
  }

  std::uint64_t cut = 1;
  for (const SnapshotFile& snapshot : SnapshotsIn(*names)) {
    const std::string path = options_.dir + "/" + snapshot.name;
    auto data = ReadWholeFile(path);
    Result<DecodedSnapshot> decoded =
        data.ok() ? DecodeSnapshot(*data) : Result<DecodedSnapshot>(data.status());
    if (!decoded.ok()) {
      report.problems.push_back("snapshot " + snapshot.name + " is unusable (" +
                                decoded.status().message() +
                                "); falling back to the one before it");
      continue;
    }
    if (decoded->first_sequence_after != snapshot.first_sequence_after) {
      report.problems.push_back("snapshot " + snapshot.name +
                                " does not match its name; falling back to the one before it");
      continue;
    }
    store_.Restore(decoded->image);
    report.snapshot = snapshot.name;
    report.groups = decoded->image.groups.size();
    report.series = decoded->series;
    cut = decoded->first_sequence_after;
    break;
  }

  auto segments = ListSegments(options_.dir);
  if (!segments.ok()) return Status::FailedPrecondition(segments.status().message());
  std::uint64_t expected = cut;
  bool reported_apply_failure = false;
  for (const SegmentFile& segment : *segments) {
    auto data = ReadWholeFile(segment.path);
    if (!data.ok()) return Status::FailedPrecondition(data.status().message());
    const std::string name = segment.path.substr(segment.path.rfind('/') + 1);
    if (data->size() < kSegmentHeaderBytes || !data->starts_with(kSegmentMagic) ||
        ReadU64(data->data() + kSegmentMagic.size()) != segment.first_sequence) {
      report.problems.push_back("log segment " + name + " has a damaged header; ignored");
      report.truncated_bytes += data->size();
      (void)RemoveFile(segment.path);
      continue;
    }
    if (segment.first_sequence > expected) {
      report.problems.push_back("log records " + std::to_string(expected) + " to " +
                                std::to_string(segment.first_sequence - 1) +
                                " are missing (before " + name + ")");
      expected = segment.first_sequence;
    }
    FrameReader reader(std::string_view(*data).substr(kSegmentHeaderBytes));
    std::string_view payload;
    std::uint64_t sequence = segment.first_sequence;
    FrameReader::Outcome outcome;
    while ((outcome = reader.Next(payload)) == FrameReader::Outcome::kFrame) {
      const std::uint64_t this_sequence = sequence++;
      if (this_sequence < expected) continue;  // already in the snapshot
      expected = this_sequence + 1;
      auto record = DecodeRecord(payload);
      if (!record.ok()) {
        ++report.skipped_records;
        report.problems.push_back("log record " + std::to_string(this_sequence) + " in " + name +
                                  " is unreadable (" + record.status().message() + ")");
        continue;
      }
      Status applied = Status::Ok();
      switch (record->kind) {
        case DecodedRecord::Kind::kPush:
          applied =
              store_.Replay(record->group, record->ttl, record->at, record->push, record->Tag());
          break;
        case DecodedRecord::Kind::kReset:
          store_.ReplayReset(record->group);
          break;
        case DecodedRecord::Kind::kDelete:
          store_.ReplayDelete(record->group, record->deleted);
          break;
        case DecodedRecord::Kind::kDrop:
          store_.ReplayDrop(record->group);
          break;
      }
      if (!applied.ok()) {
        ++report.skipped_records;
        if (!reported_apply_failure) {
          report.problems.push_back("log record " + std::to_string(this_sequence) +
                                    " could not be applied again (" + applied.message() + ")");
          reported_apply_failure = true;
        }
        continue;
      }
      ++report.records;
    }
    if (outcome != FrameReader::Outcome::kEnd) {
      const std::size_t good = kSegmentHeaderBytes + reader.good_bytes();
      const std::size_t dropped = data->size() - good;
      report.truncated_bytes += dropped;
      report.problems.push_back(
          "log segment " + name + ": " +
          (outcome == FrameReader::Outcome::kTorn ? "torn" : "damaged (checksum or length)") +
          " record at byte " + std::to_string(good) + "; cut off " + std::to_string(dropped) +
          " bytes");
      if (Status s = TruncateFile(segment.path, good); !s.ok()) {
        return Status::FailedPrecondition(s.message());
      }
    }
  }
  next_sequence_after_recovery_ = expected;
  return Status::Ok();
}

Result<store::Journal::Ticket> Persistence::RecordPush(std::string_view group,
                                                       std::chrono::seconds ttl, TimePoint at,
                                                       const model::Push& push,
                                                       const store::PushTag& tag) {
  return wal_->Append(EncodePushRecord(group, ttl, at, push, tag));
}

Result<store::Journal::Ticket> Persistence::RecordReset(std::string_view group, TimePoint at) {
  return wal_->Append(EncodeResetRecord(group, at));
}

Result<store::Journal::Ticket> Persistence::RecordDelete(
    std::string_view group, TimePoint at, const std::vector<store::SeriesRef>& series) {
  return wal_->Append(EncodeDeleteRecord(group, at, series));
}

Result<store::Journal::Ticket> Persistence::RecordDrop(std::string_view group, TimePoint at) {
  return wal_->Append(EncodeDropRecord(group, at));
}

Status Persistence::WaitDurable(Ticket ticket) { return wal_->WaitDurable(ticket); }

void Persistence::WhenDurable(Ticket ticket, std::function<void(Status)> done) {
  wal_->WhenDurable(ticket, std::move(done));
}

Status Persistence::Checkpoint() {
  MutexLock checkpoint_lock(checkpoint_mu_);
  const auto start = std::chrono::steady_clock::now();
  {
    MutexLock lock(stats_mu_);
    last_attempt_ = start;
  }
  const WalStats before = wal_->Stats();
  Result<std::uint64_t> cut = Status::Internal("no cut");
  store::StoreImage image = store_.Checkpoint([&] { cut = wal_->Rotate(); });
  Status status = cut.status();
  std::string data;
  if (status.ok()) {
    data = EncodeSnapshot(image, *cut, clock_.Now(), options_.server_version);
    image = {};
    status = WriteFileAtomically(options_.dir + "/" + SnapshotFileName(*cut), data);
  }
  if (!status.ok()) {
    MutexLock lock(stats_mu_);
    ++snapshot_failures_;
    log::Error("snapshot failed: " + status.message());
    return status;
  }
  wal_->MarkRecovered();

  // Keep this snapshot and the one before it, and the log from the older one's cut on.
  std::uint64_t keep_from = *cut;
  if (auto names = ListFiles(options_.dir); names.ok()) {
    const std::vector<SnapshotFile> snapshots = SnapshotsIn(*names);
    for (std::size_t i = 0; i < snapshots.size(); ++i) {
      if (i == 1) keep_from = snapshots[i].first_sequence_after;
      if (i >= 2) (void)RemoveFile(options_.dir + "/" + snapshots[i].name);
    }
  }
  wal_->RemoveSegmentsBefore(keep_from);

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MutexLock lock(stats_mu_);
  log_bytes_at_snapshot_ = before.bytes;
  log_records_at_snapshot_ = before.records;
  last_snapshot_time_ = clock_.Now();
  last_snapshot_seconds_ = seconds;
  last_snapshot_bytes_ = data.size();
  ++snapshots_;
  log::Debug("snapshot " + SnapshotFileName(*cut) + " written: " + std::to_string(data.size()) +
             " bytes in " + std::to_string(seconds) + " s");
  return Status::Ok();
}

void Persistence::CheckpointIfDue() {
  const WalStats wal = wal_->Stats();
  const auto now = std::chrono::steady_clock::now();
  bool due = false;
  {
    MutexLock lock(stats_mu_);
    const bool changed = wal.records > log_records_at_snapshot_;
    const bool grown = wal.bytes - log_bytes_at_snapshot_ >= options_.snapshot_after_bytes;
    const auto since = now - last_attempt_;
    // A broken log needs a snapshot to take pushes again; retried every few seconds.
    due = grown || (changed && since >= options_.snapshot_interval) ||
          (!wal.healthy && since >= std::chrono::seconds(5));
  }
  if (due) (void)Checkpoint();
}

std::vector<model::Family> Persistence::SelfMetrics() const {
  const WalStats wal = wal_->Stats();
  std::vector<model::Family> out;
  out.push_back(Gauge("metrics_accumulator_persistence_healthy",
                      "1 while changes can be written durably; 0 after a disk error, until a "
                      "snapshot succeeds.",
                      wal.healthy ? 1 : 0));
  out.push_back(Counter("metrics_accumulator_wal_records_total",
                        "Records appended to the write-ahead log.",
                        static_cast<double>(wal.records)));
  out.push_back(Counter("metrics_accumulator_wal_bytes_total",
                        "Bytes appended to the write-ahead log.", static_cast<double>(wal.bytes)));
  out.push_back(Counter("metrics_accumulator_wal_write_errors_total",
                        "Appends the disk refused; those changes were not applied.",
                        static_cast<double>(wal.write_errors)));
  out.push_back(Gauge("metrics_accumulator_wal_segments", "Write-ahead log segment files.",
                      static_cast<double>(wal.segments)));
  model::HistogramValue fsync;
  for (std::size_t i = 0; i < std::size(kFsyncBuckets); ++i) {
    fsync.upper_bounds.push_back(kFsyncBuckets[i]);
    fsync.bucket_counts.push_back(static_cast<double>(wal.fsync_buckets[i]));
  }
  fsync.upper_bounds.push_back(std::numeric_limits<double>::infinity());
  fsync.bucket_counts.push_back(static_cast<double>(wal.fsync_buckets.back()));
  fsync.sum = wal.fsync_seconds_total;
  fsync.count = static_cast<double>(wal.fsyncs);
  out.push_back(model::Family{"metrics_accumulator_wal_fsync_duration_seconds",
                              model::MetricType::kHistogram,
                              "Time of each fsync of the write-ahead log.",
                              {model::Series{{}, std::move(fsync), {}}}});
  MutexLock lock(stats_mu_);
  out.push_back(Counter("metrics_accumulator_snapshots_total", "Snapshots written.",
                        static_cast<double>(snapshots_)));
  out.push_back(Counter("metrics_accumulator_snapshot_failures_total",
                        "Snapshots that could not be written.",
                        static_cast<double>(snapshot_failures_)));
  if (snapshots_ > 0) {
    out.push_back(Gauge("metrics_accumulator_snapshot_last_success_timestamp_seconds",
                        "Unix time of the last snapshot written.",
                        ToUnixSeconds(last_snapshot_time_)));
    out.push_back(Gauge("metrics_accumulator_snapshot_duration_seconds",
                        "Time the last snapshot took.", last_snapshot_seconds_));
    out.push_back(Gauge("metrics_accumulator_snapshot_bytes", "Size of the last snapshot.",
                        static_cast<double>(last_snapshot_bytes_)));
  }
  out.push_back(Gauge("metrics_accumulator_recovery_duration_seconds",
                      "Time start-up took to read the snapshot and log.", recovery_.seconds));
  out.push_back(Gauge("metrics_accumulator_recovered_series",
                      "Series read from the snapshot at start-up.",
                      static_cast<double>(recovery_.series)));
  out.push_back(Gauge("metrics_accumulator_recovered_records", "Log records replayed at start-up.",
                      static_cast<double>(recovery_.records)));
  return out;
}

}  // namespace accumulator::persist
