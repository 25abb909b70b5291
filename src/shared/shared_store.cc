#include "shared/shared_store.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <future>
#include <limits>
#include <random>
#include <utility>

#include "common/log.h"
#include "persist/codec.h"
#include "redis/sentinel.h"

namespace accumulator::shared {
namespace {

// Entries read per XREAD, appends per round trip.
constexpr std::size_t kReadBatch = 1000;
constexpr std::size_t kAppendBatch = 512;
// How long the reader blocks in Redis for new entries: an idle replica sends one
// command per this, and sees a newly configured group's log this late at most.
constexpr std::chrono::milliseconds kBlock{1000};
constexpr std::chrono::milliseconds kReconnectPause{200};
constexpr std::chrono::milliseconds kIdleCheck{1000};
// Results of our entries that came back without a waiting append (its reply was
// lost): kept this many, oldest first forgotten.
constexpr std::size_t kMaxEarlyResults = 10'000;
constexpr std::array<double, 12> kBucketBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,   0.1,   0.25,   0.5,   1,    2.5};

std::string RandomReplicaId() {
  std::random_device random;
  char text[17];
  std::snprintf(text, sizeof text, "%08x%08x", random(), random());
  return text;
}

Status Unavailable(const std::string& why) {
  return Status::Unavailable("shared state (Redis) unavailable: " + why);
}

// A reset appended once per cron tick however many replicas ask: the tick's key is set
// and the entry appended in one atomic step, or neither.
constexpr std::string_view kScheduledResetScript =
    "if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then "
    "return redis.call('XADD', KEYS[2], '*', 'p', ARGV[2], 'r', ARGV[3]) end "
    "return false";

// The log is trimmed and the trim point recorded in one step, so a reader that finds
// the point past what it applied knows it missed entries.
constexpr std::string_view kTrimScript =
    "redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1]) "
    "redis.call('SET', KEYS[2], ARGV[1]) return 1";
// Snapshots go in chunks, so no single command holds Redis for long.
constexpr std::size_t kSnapshotChunk = std::size_t{1} << 20;
constexpr std::string_view kSnapshotLeaseMs = "60000";
// A replaced snapshot stays readable this long for replicas joining from it.
constexpr std::string_view kReplacedSnapshotMs = "600000";

// "<entry id> <chunks>", the value of a group's snapshot key.
std::optional<std::pair<StreamId, std::size_t>> ParseSnapshotPointer(std::string_view text) {
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto id = StreamId::Parse(text.substr(0, space));
  std::size_t chunks = 0;
  const std::string_view count = text.substr(space + 1);
  auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), chunks);
  if (!id || ec != std::errc() || end != count.data() + count.size()) return std::nullopt;
  return std::make_pair(*id, chunks);
}

}  // namespace

SharedStore::SharedStore(const Clock& clock, SharedStateOptions options)
    : options_(std::move(options)),
      replica_id_(RandomReplicaId()),
      local_(clock),
      buckets_(kBucketBounds.size(), 0) {}

SharedStore::~SharedStore() { Stop(); }

void SharedStore::Start() {
  appender_ = std::jthread([this](const std::stop_token& stop) { AppendLoop(stop); });
  reader_ = std::jthread([this](const std::stop_token& stop) { ReadLoop(stop); });
}

void SharedStore::Stop() {
  appender_.request_stop();
  reader_.request_stop();
  changed_.NotifyAll();
  if (reader_.joinable()) WakeReader();
  if (appender_.joinable()) appender_.join();
  if (reader_.joinable()) reader_.join();
  // Nobody will apply what is still waiting: its pushes are not answered 2xx.
  std::vector<Done> orphans;
  {
    WaitMutexLock lock(mu_);
    for (Append& append : queue_) orphans.push_back(std::move(append.done));
    queue_.clear();
    for (auto& [where, waiting] : waiting_) orphans.push_back(std::move(waiting.done));
    waiting_.clear();
  }
  for (Done& done : orphans) done(Unavailable("the server is stopping"));
}

bool SharedStore::Ready() const {
  WaitMutexLock lock(mu_);
  return appender_connected_ && reader_connected_ && caught_up_ && !writes_refused_;
}

std::vector<model::Family> SharedStore::SelfMetrics() const {
  bool connected = false;
  std::uint64_t applied = 0;
  {
    WaitMutexLock lock(mu_);
    connected = appender_connected_ && reader_connected_;
    applied = entries_applied_;
  }
  WaitMutexLock lock(stats_mu_);
  std::vector<model::Family> out;
  out.push_back({"metrics_accumulator_shared_state_up",
                 model::MetricType::kGauge,
                 "1 while this replica is connected to the shared state (Redis), else 0.",
                 {model::ScalarSeries({}, connected ? 1 : 0)}});
  out.push_back({"metrics_accumulator_shared_state_errors_total",
                 model::MetricType::kCounter,
                 "Calls to the shared state (Redis) that failed: connects, appends, reads.",
                 {model::ScalarSeries({}, static_cast<double>(errors_))}});
  out.push_back({"metrics_accumulator_shared_state_entries_applied_total",
                 model::MetricType::kCounter,
                 "Entries of the shared log this replica applied, its own and other replicas'.",
                 {model::ScalarSeries({}, static_cast<double>(applied))}});
  model::HistogramValue took;
  for (std::size_t i = 0; i < kBucketBounds.size(); ++i) {
    took.upper_bounds.push_back(kBucketBounds[i]);
    took.bucket_counts.push_back(static_cast<double>(buckets_[i]));
  }
  took.upper_bounds.push_back(std::numeric_limits<double>::infinity());
  took.bucket_counts.push_back(static_cast<double>(requests_));
  took.sum = request_seconds_;
  took.count = static_cast<double>(requests_);
  out.push_back({"metrics_accumulator_shared_state_request_duration_seconds",
                 model::MetricType::kHistogram,
                 "Round trips to the shared state (Redis): connects, appends, reads.",
                 {model::Series{{}, std::move(took), {}}}});
  return out;
}

std::string SharedStore::GroupKey(std::string_view group, std::string_view suffix) const {
  // One hash tag per group: in Cluster mode a group's keys share a slot.
  return "{" + options_.key_prefix + ":" + std::string(group) + "}:" + std::string(suffix);
}

std::string SharedStore::LogKey(std::string_view group) const { return GroupKey(group, "log"); }

void SharedStore::CountRequest(std::chrono::steady_clock::duration took, bool failed) const {
  const double seconds = std::chrono::duration<double>(took).count();
  WaitMutexLock lock(stats_mu_);
  if (failed) ++errors_;
  ++requests_;
  request_seconds_ += seconds;
  for (std::size_t i = 0; i < kBucketBounds.size(); ++i) {
    if (seconds <= kBucketBounds[i]) ++buckets_[i];
  }
}

Result<std::unique_ptr<redis::Connection>> SharedStore::Connect() const {
  const auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<redis::Connection>> connection = Status::Unavailable("no Redis");
  if (options_.sentinels.empty()) {
    connection = redis::Connection::Open(options_.endpoint, options_.connect);
  } else if (auto master = redis::DiscoverMaster(options_.sentinels, options_.sentinel_master,
                                                 options_.endpoint, options_.connect);
             master.ok()) {
    connection = std::move(master->connection);
  } else {
    connection = master.status();
  }
  CountRequest(std::chrono::steady_clock::now() - start, !connection.ok());
  return connection;
}

void SharedStore::Configure(const std::vector<store::GroupSettings>& groups) {
  local_.Configure(groups);
  bool changed = false;
  {
    WaitMutexLock lock(mu_);
    groups_ = groups;
    std::map<std::string, StreamState, std::less<>> streams;
    for (const store::GroupSettings& group : groups) {
      std::string key = LogKey(group.name);
      auto it = streams_.find(key);
      changed = changed || it == streams_.end();
      // A group new to this replica is read from the start of its log.
      streams.emplace(key, it != streams_.end() ? it->second : StreamState{group.name, {}});
    }
    changed = changed || streams.size() != streams_.size();
    streams_ = std::move(streams);
  }
  changed_.NotifyAll();
  // The reader's blocked read names the old streams; it reads the new ones at once.
  if (changed) WakeReader();
}

void SharedStore::WakeReader() const {
  std::int64_t id = 0;
  {
    WaitMutexLock lock(mu_);
    id = reader_client_id_;
  }
  if (id == 0) return;
  WaitMutexLock lock(query_mu_);
  if (query_ == nullptr || !query_->IsOpen()) {
    auto opened = Connect();
    if (!opened.ok()) return;
    query_ = std::move(*opened);
  }
  if (!query_->Run({"CLIENT", "UNBLOCK", std::to_string(id)}, options_.timeout).ok()) {
    query_.reset();
  }
}

store::IdempotencyCache::Claim SharedStore::ClaimIdempotencyKey(
    std::string_view group, std::string_view key, std::chrono::seconds window,
    store::IdempotencyCache::Waiter when_durable) {
  // Keys applied anywhere are in the local cache once their entries are applied here;
  // a retry that reaches the log twice is ignored when applied (ApplyLogged).
  CatchUp(group);
  return local_.ClaimIdempotencyKey(group, key, window, std::move(when_durable));
}

void SharedStore::RememberRefusal(std::string_view group, std::string_view key,
                                  store::RememberedAnswer answer) {
  local_.RememberRefusal(group, key, std::move(answer));
}

void SharedStore::Enqueue(std::string_view group, const std::string& record, Done done,
                          bool is_reset) {
  Append append;
  if (is_reset) append.reset_group = std::string(group);
  append.stream = LogKey(group);
  append.command = {"XADD", append.stream, "*", "p", record, "r", replica_id_};
  append.done = std::move(done);
  {
    WaitMutexLock lock(mu_);
    queue_.push_back(std::move(append));
  }
  changed_.NotifyAll();
}

Status SharedStore::AppendAndWait(std::string_view group, const std::string& record) {
  auto result = std::make_shared<std::promise<Status>>();
  std::future<Status> applied = result->get_future();
  Enqueue(group, record, [result](const Status& s) { result->set_value(s); });
  return applied.get();
}

Status SharedStore::ApplyThen(std::string_view group, const model::Push& push,
                              const store::PushTag& tag, DurableCallback durable) {
  if (!local_.Stats(group).ok()) {
    return Status::NotFound("unknown metric group \"" + std::string(group) + "\"");
  }
  // The entry's time decides, on every replica alike; the record's own is unused.
  std::string record =
      persist::EncodePushRecord(group, std::chrono::seconds(0), TimePoint{}, push, tag);
  Enqueue(group, record,
          [this, group = std::string(group), key = std::string(tag.idempotency_key),
           durable = std::move(durable)](const Status& s) {
            // A refused or lost push leaves its key free, so its retry is decided anew.
            if (!s.ok() && !key.empty()) {
              local_.RememberRefusal(group, key, {503, "text/plain; charset=utf-8", ""});
            }
            durable(s);
          });
  return Status::Ok();
}

void SharedStore::AppendLoop(const std::stop_token& stop) {
  std::unique_ptr<redis::Connection> connection;
  Status last_failure = Status::Ok();
  std::uint64_t losses_seen = 0;
  auto last_used = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    {
      WaitMutexLock lock(mu_);
      if (reader_losses_ != losses_seen) connection.reset();
    }
    // An idle connection is checked once a second, so a Redis that went away is
    // noticed before a push finds out.
    if (connection != nullptr && std::chrono::steady_clock::now() - last_used > kIdleCheck) {
      bool refused = false;
      {
        WaitMutexLock lock(mu_);
        refused = writes_refused_;
      }
      // After a refusal, a write tells when Redis takes writes again; else a PING.
      const redis::Command probe =
          refused ? redis::Command{"SET", GroupKey("", "write-probe"), "1", "PX", "1000"}
                  : redis::Command{"PING"};
      auto reply = connection->Run(probe, options_.timeout);
      if (!reply.ok()) {
        connection.reset();
      } else if (refused && !reply->IsError()) {
        WaitMutexLock lock(mu_);
        writes_refused_ = false;
      }
      last_used = std::chrono::steady_clock::now();
    }
    // Connected before there is work, so readiness says whether a push could go out.
    if (connection == nullptr || !connection->IsOpen()) {
      auto opened = Connect();
      WaitMutexLock lock(mu_);
      appender_connected_ = opened.ok();
      losses_seen = reader_losses_;
      if (opened.ok()) {
        connection = std::move(*opened);
        last_used = std::chrono::steady_clock::now();
      } else {
        connection.reset();
        last_failure = opened.status();
      }
    }
    std::vector<Append> batch;
    std::vector<Done> timed_out;
    {
      WaitMutexLock lock(mu_);
      if (queue_.empty()) changed_.WaitFor(mu_, std::chrono::milliseconds(100));
      while (!queue_.empty() && batch.size() < kAppendBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      // An entry the reader has not applied in time (it lost Redis) is not answered 2xx.
      const auto now = std::chrono::steady_clock::now();
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        if (it->second.deadline > now) {
          ++it;
          continue;
        }
        timed_out.push_back(std::move(it->second.done));
        it = waiting_.erase(it);
      }
    }
    for (Done& done : timed_out) {
      done(Unavailable("the entry was appended but not read back in time; it may yet apply"));
    }
    if (batch.empty()) continue;
    if (connection == nullptr) {
      for (Append& append : batch) append.done(Unavailable(last_failure.message()));
      continue;
    }
    std::vector<redis::Command> commands;
    commands.reserve(batch.size());
    for (Append& append : batch) commands.push_back(std::move(append.command));
    const auto start = std::chrono::steady_clock::now();
    last_used = start;
    auto replies = connection->Pipeline(commands, options_.timeout);
    CountRequest(std::chrono::steady_clock::now() - start, !replies.ok());
    if (!replies.ok()) {
      // The entries may or may not be in the log; their pushes are not answered 2xx.
      connection.reset();
      {
        WaitMutexLock lock(mu_);
        appender_connected_ = false;
      }
      for (Append& append : batch) append.done(Unavailable(replies.status().message()));
      continue;
    }
    std::vector<std::pair<Done, Status>> answers;
    bool refused = false;
    {
      WaitMutexLock lock(mu_);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const redis::Reply& reply = (*replies)[i];
        Append& append = batch[i];
        if (reply.type == redis::Reply::Type::kNil) {
          answers.emplace_back(std::move(append.done), Status::Ok());
          continue;
        }
        const std::optional<StreamId> id =
            reply.type == redis::Reply::Type::kString ? StreamId::Parse(reply.text) : std::nullopt;
        if (!id) {
          // READONLY after a failover, LOADING, OOM ...: the next batch reconnects (and
          // asks the sentinels again), so a new master is found by itself.
          refused = true;
          answers.emplace_back(std::move(append.done),
                               Unavailable("Redis refused the append: " + reply.text));
          continue;
        }
        if (!append.reset_group.empty()) ++resets_appended_[append.reset_group];
        auto key = std::make_pair(append.stream, *id);
        if (auto early = applied_early_.find(key); early != applied_early_.end()) {
          answers.emplace_back(std::move(append.done), early->second);
          applied_early_.erase(early);
        } else {
          waiting_.emplace(std::move(key),
                           Waiting{std::move(append.done),
                                   std::chrono::steady_clock::now() + 2 * options_.timeout});
        }
      }
    }
    {
      WaitMutexLock lock(mu_);
      writes_refused_ = refused;
    }
    if (refused) {
      connection.reset();
      CountRequest(std::chrono::steady_clock::duration{}, true);
    }
    for (auto& [done, status] : answers) done(status);
  }
}

void SharedStore::ReadLoop(const std::stop_token& stop) {
  std::unique_ptr<redis::Connection> connection;
  const auto pause = [&] {
    WaitMutexLock lock(mu_);
    changed_.WaitFor(mu_, kReconnectPause);
  };
  const auto lost = [&] {
    connection.reset();
    {
      WaitMutexLock lock(mu_);
      reader_connected_ = false;
      ++reader_losses_;
    }
    pause();
  };
  while (!stop.stop_requested()) {
    if (connection == nullptr || !connection->IsOpen()) {
      auto opened = Connect();
      if (!opened.ok()) {
        {
          WaitMutexLock lock(mu_);
          reader_connected_ = false;
        }
        pause();
        continue;
      }
      connection = std::move(*opened);
      if (!LogStillHasWhatWasApplied(*connection)) {
        log::Warn(
            "the shared log no longer holds the last entry this replica applied (a Redis "
            "failover lost entries, or the log was trimmed past it); rebuilding from the "
            "snapshot and the log");
        Rebuild();
      }
      auto id = connection->Run({"CLIENT", "ID"}, options_.timeout);
      WaitMutexLock lock(mu_);
      reader_connected_ = true;
      reader_client_id_ = id.ok() && id->type == redis::Reply::Type::kInteger ? id->integer : 0;
    }
    if (Status joined = JoinFromSnapshots(*connection); !joined.ok()) {
      log::Warn("joining from the shared snapshot: " + joined.message());
      lost();
      continue;
    }
    // The read, then where each log was trimmed to: a trim point past what was applied
    // before the read means entries were missed (this replica fell that far behind).
    redis::Command read = {"XREAD", "COUNT", std::to_string(kReadBatch)};
    redis::Command trimmed = {"MGET"};
    std::vector<std::pair<std::string, StreamId>> before;
    bool blocking = false;
    {
      WaitMutexLock lock(mu_);
      // Until caught up, every read returns at once, so readiness comes without delay.
      blocking = caught_up_;
      if (blocking) read.insert(read.end(), {"BLOCK", std::to_string(kBlock.count())});
      read.emplace_back("STREAMS");
      for (const auto& [key, state] : streams_) {
        read.push_back(key);
        trimmed.push_back(GroupKey(state.group, "trimmed"));
        before.emplace_back(key, state.applied);
      }
      for (const auto& [key, state] : streams_) read.push_back(state.applied.ToString());
      if (streams_.empty()) caught_up_ = true;
    }
    if (before.empty()) {
      pause();
      continue;
    }
    const std::array<redis::Command, 2> commands = {read, trimmed};
    const auto start = std::chrono::steady_clock::now();
    auto replies = connection->Pipeline(
        commands, options_.timeout + (blocking ? kBlock : std::chrono::milliseconds(0)));
    const bool failed = !replies.ok() || (*replies)[0].IsError() || (*replies)[1].IsError();
    CountRequest(std::chrono::steady_clock::now() - start, failed);
    if (failed) {
      if (replies.ok()) {
        log::Warn("reading the shared log: " + (*replies)[0].text + (*replies)[1].text);
      }
      lost();
      continue;
    }
    const redis::Reply& marks = (*replies)[1];
    bool missed = false;
    for (std::size_t i = 0; i < before.size() && i < marks.elements.size(); ++i) {
      auto mark = StreamId::Parse(marks.elements[i].text);
      if (mark && before[i].second < *mark && before[i].second != StreamId{}) missed = true;
      // A replica that never read the log must start from the snapshot at the mark.
      if (mark && before[i].second == StreamId{}) missed = true;
    }
    if (missed) {
      log::Warn(
          "the shared log was trimmed past entries this replica had not read yet; "
          "rebuilding from the snapshot and the log");
      Rebuild();
      continue;
    }
    bool full = false;
    for (const redis::Reply& stream : (*replies)[0].elements) {
      if (stream.elements.size() != 2) continue;
      const std::string& key = stream.elements[0].text;
      const std::vector<redis::Reply>& entries = stream.elements[1].elements;
      if (entries.size() >= kReadBatch) full = true;
      for (const redis::Reply& entry : entries) {
        if (entry.elements.size() != 2) continue;
        const std::optional<StreamId> id = StreamId::Parse(entry.elements[0].text);
        if (id) ApplyEntry(key, *id, entry.elements[1]);
      }
    }
    std::vector<std::string> due;
    {
      WaitMutexLock lock(mu_);
      if (!full) caught_up_ = true;
      for (auto& [key, state] : streams_) {
        if (state.since_snapshot < options_.snapshot_entries) continue;
        state.since_snapshot = 0;
        due.push_back(key);
      }
    }
    for (const std::string& key : due) WriteSnapshot(*connection, key);
  }
}

Status SharedStore::JoinFromSnapshots(redis::Connection& connection) {
  std::vector<std::pair<std::string, std::string>> pending;  // stream, group
  {
    WaitMutexLock lock(mu_);
    for (const auto& [key, state] : streams_) {
      if (!state.joined) pending.emplace_back(key, state.group);
    }
  }
  for (const auto& [key, group] : pending) {
    auto pointer = connection.Run({"GET", GroupKey(group, "snapshot")}, options_.timeout);
    if (!pointer.ok()) return pointer.status();
    std::optional<StreamId> at;
    if (pointer->type == redis::Reply::Type::kString) {
      auto parsed = ParseSnapshotPointer(pointer->text);
      if (!parsed) return Status::Internal("unreadable snapshot pointer of group " + group);
      std::vector<redis::Command> gets;
      for (std::size_t i = 0; i < parsed->second; ++i) {
        gets.push_back({"GET", GroupKey(group, "snapshot:" + parsed->first.ToString() + ":" +
                                                   std::to_string(i))});
      }
      auto chunks = connection.Pipeline(gets, options_.timeout);
      if (!chunks.ok()) return chunks.status();
      std::string bytes;
      for (const redis::Reply& chunk : *chunks) {
        // Replaced and expired while we read: the next attempt reads the new one.
        if (chunk.type != redis::Reply::Type::kString) {
          return Status::Unavailable("the snapshot of group " + group + " changed while read");
        }
        bytes += chunk.text;
      }
      auto snapshot = persist::DecodeSnapshot(bytes);
      if (!snapshot.ok()) {
        return Status::Internal("the snapshot of group " + group +
                                " is damaged: " + snapshot.status().message());
      }
      for (const store::GroupImage& image : snapshot->image.groups) {
        if (image.name == group) local_.RestoreGroup(image, snapshot->image.idempotency);
      }
      at = parsed->first;
    }
    std::vector<store::GroupSettings> groups;
    {
      WaitMutexLock lock(mu_);
      auto it = streams_.find(key);
      if (it == streams_.end()) continue;
      it->second.joined = true;
      if (at) it->second.applied = *at;
      groups = groups_;
    }
    // The snapshot's group has no limits until configured again.
    if (at) local_.Configure(groups);
  }
  return Status::Ok();
}

void SharedStore::WriteSnapshot(redis::Connection& connection, const std::string& stream) {
  std::string group;
  StreamId at;
  {
    WaitMutexLock lock(mu_);
    auto it = streams_.find(stream);
    if (it == streams_.end()) return;
    group = it->second.group;
    at = it->second.applied;
  }
  const std::string lease = GroupKey(group, "snapshot-lease");
  auto leased = connection.Run(
      {"SET", lease, replica_id_, "NX", "PX", std::string(kSnapshotLeaseMs)}, options_.timeout);
  if (!leased.ok() || leased->type != redis::Reply::Type::kStatus) return;  // another writes

  // Only this thread applies entries, so the copy is the state exactly at `at`.
  store::StoreImage all = local_.Checkpoint([] {});
  store::StoreImage mine;
  for (store::GroupImage& image : all.groups) {
    if (image.name == group) mine.groups.push_back(std::move(image));
  }
  for (store::IdempotencyImage& entry : all.idempotency) {
    if (entry.group == group) mine.idempotency.push_back(std::move(entry));
  }
  const std::string bytes =
      persist::EncodeSnapshot(mine, 0, TimePoint{std::chrono::milliseconds(at.ms)}, "shared");
  std::vector<redis::Command> writes;
  std::size_t chunks = 0;
  for (std::size_t offset = 0; offset < bytes.size() || chunks == 0; offset += kSnapshotChunk) {
    writes.push_back({"SET",
                      GroupKey(group, "snapshot:" + at.ToString() + ":" + std::to_string(chunks)),
                      bytes.substr(offset, kSnapshotChunk)});
    ++chunks;
  }
  // The pointer moves only once every chunk is there; GET returns the one it replaces.
  writes.push_back(
      {"SET", GroupKey(group, "snapshot"), at.ToString() + " " + std::to_string(chunks), "GET"});
  auto written = connection.Pipeline(writes, options_.timeout);
  const bool ok = written.ok() && std::none_of(written->begin(), written->end(),
                                               [](const redis::Reply& r) { return r.IsError(); });
  if (ok) {
    if (auto previous = ParseSnapshotPointer(written->back().text)) {
      // Entries before the previous snapshot go: a replica joining from it, or reading
      // up to now, still finds every entry after it.
      std::vector<redis::Command> trim = {{"EVAL", std::string(kTrimScript), "2", stream,
                                           GroupKey(group, "trimmed"), previous->first.ToString()}};
      for (std::size_t i = 0; i < previous->second; ++i) {
        trim.push_back(
            {"PEXPIRE",
             GroupKey(group, "snapshot:" + previous->first.ToString() + ":" + std::to_string(i)),
             std::string(kReplacedSnapshotMs)});
      }
      (void)connection.Pipeline(trim, options_.timeout);
    }
  } else {
    log::Warn("writing the shared snapshot of group " + group + " failed; the log is kept");
  }
  (void)connection.Run({"DEL", lease}, options_.timeout);
}

bool SharedStore::LogStillHasWhatWasApplied(redis::Connection& connection) {
  std::vector<std::string> keys;
  std::vector<redis::Command> commands;
  {
    WaitMutexLock lock(mu_);
    for (const auto& [key, state] : streams_) {
      if (state.applied == StreamId{}) continue;
      const std::string id = state.applied.ToString();
      commands.push_back({"XRANGE", key, id, id});
    }
  }
  if (commands.empty()) return true;
  auto replies = connection.Pipeline(commands, options_.timeout);
  // Not known: the next read fails too and this is asked again after it reconnects.
  if (!replies.ok()) return true;
  return std::all_of(replies->begin(), replies->end(), [](const redis::Reply& reply) {
    return reply.type == redis::Reply::Type::kArray && !reply.elements.empty();
  });
}

void SharedStore::Rebuild() {
  std::vector<store::GroupSettings> groups;
  {
    WaitMutexLock lock(mu_);
    groups = groups_;
    for (auto& [key, state] : streams_) {
      state.applied = StreamId{};
      state.joined = false;
      state.since_snapshot = 0;
    }
    caught_up_ = false;
  }
  local_.Restore(store::StoreImage{});
  local_.Configure(groups);
}

void SharedStore::ApplyEntry(const std::string& stream, StreamId id, const redis::Reply& fields) {
  const std::string* payload = nullptr;
  const std::string* replica = nullptr;
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].text == "p") payload = &fields.elements[i + 1].text;
    if (fields.elements[i].text == "r") replica = &fields.elements[i + 1].text;
  }
  std::string group;
  {
    WaitMutexLock lock(mu_);
    auto it = streams_.find(stream);
    if (it == streams_.end() || id <= it->second.applied) return;
    group = it->second.group;
  }
  Status result = Status::Ok();
  auto record =
      payload != nullptr
          ? persist::DecodeRecord(*payload)
          : Result<persist::DecodedRecord>(Status::InvalidArgument("entry without a record"));
  if (!record.ok()) {
    // Every replica skips it alike: nothing of it is applied anywhere.
    log::Error("shared log " + stream + " entry " + id.ToString() +
               " skipped: " + record.status().message());
    result = Status::Internal("the shared log entry could not be read back");
  } else {
    const TimePoint at{std::chrono::milliseconds(id.ms)};
    switch (record->kind) {
      case persist::DecodedRecord::Kind::kPush:
        result = local_.ApplyLogged(group, at, record->push, record->Tag());
        break;
      case persist::DecodedRecord::Kind::kReset:
        local_.ReplayReset(group);
        break;
      case persist::DecodedRecord::Kind::kDelete:
        local_.ReplayDelete(group, record->deleted);
        break;
      case persist::DecodedRecord::Kind::kDrop:
        break;  // each replica's own config decides its groups
    }
  }
  Done done;
  {
    WaitMutexLock lock(mu_);
    auto it = streams_.find(stream);
    if (it != streams_.end()) {
      it->second.applied = id;
      ++it->second.since_snapshot;
    }
    ++entries_applied_;
    if (replica != nullptr && *replica == replica_id_) {
      auto key = std::make_pair(stream, id);
      if (auto waiting = waiting_.find(key); waiting != waiting_.end()) {
        done = std::move(waiting->second.done);
        waiting_.erase(waiting);
      } else {
        if (applied_early_.size() >= kMaxEarlyResults) applied_early_.erase(applied_early_.begin());
        applied_early_.emplace(std::move(key), result);
      }
    }
  }
  changed_.NotifyAll();
  if (done) done(result);
}

void SharedStore::CatchUp(std::string_view group) const {
  const std::string key = LogKey(group);
  {
    WaitMutexLock lock(mu_);
    if (!reader_connected_ || streams_.find(key) == streams_.end()) return;
  }
  std::optional<StreamId> last;
  {
    WaitMutexLock lock(query_mu_);
    if (query_ == nullptr || !query_->IsOpen()) {
      auto opened = Connect();
      if (!opened.ok()) return;
      query_ = std::move(*opened);
    }
    const auto start = std::chrono::steady_clock::now();
    auto reply = query_->Run({"XREVRANGE", key, "+", "-", "COUNT", "1"}, options_.timeout);
    CountRequest(std::chrono::steady_clock::now() - start, !reply.ok() || reply->IsError());
    if (!reply.ok()) {
      query_.reset();
      return;
    }
    if (reply->elements.empty() || reply->elements[0].elements.empty()) return;
    last = StreamId::Parse(reply->elements[0].elements[0].text);
  }
  if (!last) return;
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  WaitMutexLock lock(mu_);
  while (std::chrono::steady_clock::now() < deadline) {
    auto it = streams_.find(key);
    if (it == streams_.end() || it->second.applied >= *last) return;
    changed_.WaitFor(mu_, deadline - std::chrono::steady_clock::now());
  }
}

Result<std::vector<store::FamilyInfo>> SharedStore::Families(std::string_view group) const {
  CatchUp(group);
  return local_.Families(group);
}

std::size_t SharedStore::VisitFamilyStep(std::string_view group, std::string_view family,
                                         model::MetricType type, const SeriesVisitor& visit,
                                         store::VisitCursor& cursor, std::size_t max_series) const {
  return local_.VisitFamilyStep(group, family, type, visit, cursor, max_series);
}

std::optional<model::Family> SharedStore::SnapshotFamily(std::string_view group,
                                                         const store::FamilyInfo& family) const {
  return local_.SnapshotFamily(group, family);
}

Result<std::vector<model::Family>> SharedStore::Snapshot(std::string_view group) const {
  CatchUp(group);
  return local_.Snapshot(group);
}

Result<store::GroupStats> SharedStore::Stats(std::string_view group) const {
  CatchUp(group);
  auto stats = local_.Stats(group);
  if (!stats.ok()) return stats;
  WaitMutexLock lock(mu_);
  auto it = resets_appended_.find(group);
  stats->resets = it == resets_appended_.end() ? 0 : it->second;
  return stats;
}

Result<std::size_t> SharedStore::DeleteMatching(std::string_view group,
                                                std::span<const model::Selector> any_of) {
  CatchUp(group);
  auto matching = local_.Matching(group, any_of);
  if (!matching.ok()) return matching.status();
  if (matching->empty()) return std::size_t{0};
  if (Status s = AppendAndWait(group, persist::EncodeDeleteRecord(group, TimePoint{}, *matching));
      !s.ok()) {
    return s;
  }
  return matching->size();
}

Status SharedStore::Reset(std::string_view group) {
  if (!local_.Stats(group).ok()) {
    return Status::NotFound("unknown metric group \"" + std::string(group) + "\"");
  }
  auto result = std::make_shared<std::promise<Status>>();
  std::future<Status> applied = result->get_future();
  Enqueue(
      group, persist::EncodeResetRecord(group, TimePoint{}),
      [result](const Status& s) { result->set_value(s); }, /*is_reset=*/true);
  return applied.get();
}

Status SharedStore::ScheduledReset(std::string_view group, TimePoint due) {
  if (!local_.Stats(group).ok()) {
    return Status::NotFound("unknown metric group \"" + std::string(group) + "\"");
  }
  Append append;
  append.stream = LogKey(group);
  const std::string tick_key =
      GroupKey(group, "reset:" + std::to_string(due.time_since_epoch().count()));
  constexpr std::string_view kKeepTickKey = "86400000";  // a day, in ms
  append.command = {"EVAL",
                    std::string(kScheduledResetScript),
                    "2",
                    tick_key,
                    append.stream,
                    std::string(kKeepTickKey),
                    persist::EncodeResetRecord(group, due),
                    replica_id_};
  auto result = std::make_shared<std::promise<Status>>();
  std::future<Status> applied = result->get_future();
  append.done = [result](const Status& s) { result->set_value(s); };
  append.reset_group = std::string(group);
  {
    WaitMutexLock lock(mu_);
    queue_.push_back(std::move(append));
  }
  changed_.NotifyAll();
  return applied.get();
}

std::size_t SharedStore::ExpireIdle() { return local_.ExpireIdle(); }

}  // namespace accumulator::shared
