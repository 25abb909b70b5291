#include "persist/persistence.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "persist/files.h"
#include "store/series_store.h"
#include "support/builders.h"

namespace accumulator::persist {
namespace {

using model::MetricType;
namespace t = accumulator::testing;

// Everything a store holds, as sorted text, so two stores compare exactly.
std::string Dump(store::SeriesStore& store) {
  std::vector<std::string> lines;
  store::StoreImage image = store.Checkpoint([] {});
  for (const auto& group : image.groups) {
    lines.push_back("group " + group.name + " ttl=" + std::to_string(group.ttl.count()));
    for (const auto& family : group.families) {
      for (const auto& series : family.series) {
        std::ostringstream line;
        line << group.name << " " << family.name << " " << model::TypeName(family.type) << " "
             << model::DescribeSeries("", series.labels)
             << " at=" << series.last_push.time_since_epoch().count();
        if (const auto* s = std::get_if<model::ScalarValue>(&series.value.value)) {
          line << " v=" << s->value;
        } else if (const auto* h = std::get_if<model::HistogramValue>(&series.value.value)) {
          line << " count=" << h->count << " sum=" << h->sum;
        }
        for (const auto& w : series.writers) line << " writer=" << w.writer;
        lines.push_back(line.str());
      }
    }
  }
  for (const auto& key : image.idempotency) {
    lines.push_back("key " + key.group + "/" + key.key + "=" + std::to_string(key.answer.status));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

model::Push Counter(std::string name, double v, model::Labels labels = {}) {
  return t::Push(
      {t::Family(std::move(name), MetricType::kCounter, {t::Scalar(std::move(labels), v)})});
}

// A server's worth of state: a store (with its idempotency answers) and its persistence.
struct Instance {
  Instance(const std::string& dir, const Clock& clock, PersistenceOptions options = {})
      : store(clock, 1000) {
    options.dir = dir;
    options.server_version = "test";
    auto opened = Persistence::Open(options, store, clock);
    status = opened.status();
    if (opened.ok()) {
      persistence = std::move(*opened);
      store.Configure({{"g", 100, std::chrono::seconds(60)}, {"h", 100, std::chrono::seconds(0)}});
      store.SetJournal(persistence.get());
    }
  }
  ~Instance() { store.SetJournal(nullptr); }

  store::SeriesStore store;
  std::unique_ptr<Persistence> persistence;
  Status status;
};

class PersistenceTest : public ::testing::Test {
 protected:
  PersistenceTest() {
    char pattern[] = "/tmp/ma-persist-test-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  ~PersistenceTest() override { std::filesystem::remove_all(dir_); }

  // Pushes, writers, an idempotency key, a reset and a delete: every kind of record.
  void MakeHistory(Instance& in) {
    ASSERT_TRUE(in.store.Apply("g", Counter("a_total", 1, {{"x", "1"}})).ok());
    ASSERT_TRUE(in.store.Apply("g", Counter("a_total", 2, {{"x", "1"}})).ok());
    ASSERT_TRUE(in.store.Apply("g", Counter("a_total", 5, {{"x", "2"}})).ok());
    model::Push cumulative = Counter("w_total", 10);
    cumulative.families[0].series[0].metadata = {{"_metrics_accumulator_writer", "lambda-1"}};
    ASSERT_TRUE(in.store.Apply("g", cumulative).ok());
    cumulative.families[0].series[0].value = model::ScalarValue{15};
    ASSERT_TRUE(in.store.Apply("g", cumulative).ok());
    const TimePoint expires = clock_.Now() + std::chrono::minutes(10);
    ASSERT_TRUE(
        in.store.ClaimIdempotencyKey("g", "retry-1", std::chrono::minutes(10), nullptr).state ==
        store::IdempotencyCache::State::kNew);
    ASSERT_TRUE(
        in.store
            .Apply("g", Counter("k_total", 1),
                   {"retry-1", {201, "application/json", "{\"message\":\"success\"}"}, expires})
            .ok());
    clock_.Advance(std::chrono::seconds(5));
    ASSERT_TRUE(in.store.Apply("h", Counter("gone_total", 1)).ok());
    ASSERT_TRUE(in.store.Reset("h").ok());
    ASSERT_TRUE(in.store.Apply("h", Counter("kept_total", 3)).ok());
    const model::Selector x2[] = {model::Selector::HavingAll({{"x", "2"}})};
    auto deleted = in.store.DeleteMatching("g", x2);
    ASSERT_TRUE(deleted.ok());
    ASSERT_EQ(*deleted, 1u);
  }

  std::string LastSegment() { return ListSegments(dir_)->back().path; }
  std::string NewestNonEmptySegment() {
    std::string path;
    const auto segments = *ListSegments(dir_);
    for (const auto& s : segments) {
      if (std::filesystem::file_size(s.path) > kSegmentHeaderBytes) path = s.path;
    }
    return path;
  }

  FakeClock clock_;
  std::string dir_;
};

TEST_F(PersistenceTest, LogAloneReproducesTheStoreExactly) {
  std::string before;
  {
    Instance first(dir_, clock_);
    ASSERT_TRUE(first.status.ok()) << first.status.message();
    MakeHistory(first);
    before = Dump(first.store);
  }
  Instance second(dir_, clock_);
  ASSERT_TRUE(second.status.ok()) << second.status.message();
  EXPECT_EQ(Dump(second.store), before);
  EXPECT_EQ(second.persistence->recovery().records, 10u);  // 8 pushes, a reset, a delete
  EXPECT_TRUE(second.persistence->recovery().problems.empty());
  // The retried push is recognised after the restart; the writer's state survived.
  const auto retried =
      second.store.ClaimIdempotencyKey("g", "retry-1", std::chrono::minutes(10), nullptr);
  EXPECT_EQ(retried.state, store::IdempotencyCache::State::kDone);
  EXPECT_EQ(retried.answer.status, 201);
  EXPECT_EQ(retried.answer.content_type, "application/json");
  EXPECT_EQ(retried.answer.body, "{\"message\":\"success\"}");
  model::Push cumulative = Counter("w_total", 16);
  cumulative.families[0].series[0].metadata = {{"_metrics_accumulator_writer", "lambda-1"}};
  ASSERT_TRUE(second.store.Apply("g", cumulative).ok());
  EXPECT_NE(Dump(second.store).find("w_total counter {} at="), std::string::npos);
  EXPECT_NE(Dump(second.store).find("v=16 writer=lambda-1"), std::string::npos);
}

TEST_F(PersistenceTest, SnapshotPlusLogReproducesTheStoreAndBoundsTheLog) {
  std::string before;
  {
    Instance first(dir_, clock_);
    ASSERT_TRUE(first.status.ok());
    MakeHistory(first);
    ASSERT_TRUE(first.persistence->Checkpoint().ok());
    ASSERT_TRUE(first.store.Apply("g", Counter("after_total", 4)).ok());
    ASSERT_TRUE(first.persistence->Checkpoint().ok());
    ASSERT_TRUE(first.store.Apply("g", Counter("after_total", 4)).ok());
    ASSERT_TRUE(first.persistence->Checkpoint().ok());
    ASSERT_TRUE(first.store.Apply("g", Counter("after_total", 4)).ok());
    before = Dump(first.store);
  }
  std::size_t snapshots = 0;
  const auto files = *ListFiles(dir_);
  for (const auto& name : files) snapshots += name.ends_with(".snap") ? 1 : 0;
  EXPECT_EQ(snapshots, 2u);  // the newest and its fallback
  EXPECT_LE(ListSegments(dir_)->size(), 3u);
  Instance second(dir_, clock_);
  ASSERT_TRUE(second.status.ok());
  EXPECT_EQ(Dump(second.store), before);
  EXPECT_FALSE(second.persistence->recovery().snapshot.empty());
  EXPECT_EQ(second.persistence->recovery().records, 1u);
}

TEST_F(PersistenceTest, TornTailIsCutOffAndEverythingBeforeItKept) {
  std::string before;
  {
    Instance first(dir_, clock_);
    MakeHistory(first);
    before = Dump(first.store);
    ASSERT_TRUE(first.store.Apply("g", Counter("torn_total", 1)).ok());
  }
  const std::string segment = NewestNonEmptySegment();
  const auto size = std::filesystem::file_size(segment);
  std::filesystem::resize_file(segment, size - 3);  // the last record, cut short
  Instance second(dir_, clock_);
  ASSERT_TRUE(second.status.ok());
  EXPECT_EQ(Dump(second.store), before);
  const RecoveryReport& report = second.persistence->recovery();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find("torn"), std::string::npos);
  EXPECT_GT(report.truncated_bytes, 0u);
  // The damaged bytes are gone, so the next start finds nothing wrong.
  ASSERT_TRUE(second.store.Apply("g", Counter("next_total", 1)).ok());
  const std::string after = Dump(second.store);
  second.store.SetJournal(nullptr);
  second.persistence.reset();
  Instance third(dir_, clock_);
  EXPECT_EQ(Dump(third.store), after);
  EXPECT_TRUE(third.persistence->recovery().problems.empty());
}

TEST_F(PersistenceTest, FlippedBitInALogRecordIsDetected) {
  std::string before;
  {
    Instance first(dir_, clock_);
    MakeHistory(first);
    before = Dump(first.store);
    ASSERT_TRUE(first.store.Apply("g", Counter("flipped_total", 1)).ok());
  }
  const std::string segment = NewestNonEmptySegment();
  std::string data = *ReadWholeFile(segment);
  data[data.size() - 5] = static_cast<char>(data[data.size() - 5] ^ 0x04);
  std::ofstream(segment, std::ios::binary | std::ios::trunc) << data;
  Instance second(dir_, clock_);
  ASSERT_TRUE(second.status.ok());
  EXPECT_EQ(Dump(second.store), before);
  ASSERT_EQ(second.persistence->recovery().problems.size(), 1u);
  EXPECT_NE(second.persistence->recovery().problems[0].find("damaged"), std::string::npos);
}

TEST_F(PersistenceTest, DamagedNewestSnapshotFallsBackToThePreviousOne) {
  std::string before;
  {
    Instance first(dir_, clock_);
    MakeHistory(first);
    ASSERT_TRUE(first.persistence->Checkpoint().ok());
    ASSERT_TRUE(first.store.Apply("g", Counter("between_total", 7)).ok());
    ASSERT_TRUE(first.persistence->Checkpoint().ok());
    ASSERT_TRUE(first.store.Apply("g", Counter("after_total", 1)).ok());
    before = Dump(first.store);
  }
  std::string newest;
  const auto files = *ListFiles(dir_);
  for (const auto& name : files) {
    if (name.ends_with(".snap")) newest = dir_ + "/" + name;
  }
  std::string data = *ReadWholeFile(newest);
  data[data.size() / 2] = static_cast<char>(data[data.size() / 2] ^ 0x01);
  std::ofstream(newest, std::ios::binary | std::ios::trunc) << data;
  Instance second(dir_, clock_);
  ASSERT_TRUE(second.status.ok()) << second.status.message();
  EXPECT_EQ(Dump(second.store), before);
  const RecoveryReport& report = second.persistence->recovery();
  ASSERT_FALSE(report.problems.empty());
  EXPECT_NE(report.problems[0].find("unusable"), std::string::npos);
  EXPECT_EQ(report.records, 2u);  // replayed from the older snapshot's cut
}

TEST_F(PersistenceTest, TtlClocksSurviveARestart) {
  {
    Instance first(dir_, clock_);
    ASSERT_TRUE(first.store.Apply("g", Counter("old_total", 1)).ok());
    clock_.Advance(std::chrono::seconds(50));
    ASSERT_TRUE(first.store.Apply("g", Counter("young_total", 1)).ok());
    ASSERT_TRUE(first.persistence->Checkpoint().ok());
  }
  clock_.Advance(std::chrono::seconds(20));  // old: 70 s idle, past the 60 s TTL
  Instance second(dir_, clock_);
  auto snapshot = second.store.Snapshot("g");
  ASSERT_TRUE(snapshot.ok());
  ASSERT_EQ(snapshot->size(), 1u);
  EXPECT_EQ((*snapshot)[0].name, "young_total");
}

TEST_F(PersistenceTest, ReloadThatDropsAGroupIsReplayed) {
  {
    Instance first(dir_, clock_);
    ASSERT_TRUE(first.store.Apply("h", Counter("x_total", 1)).ok());
    first.store.Configure({{"g", 100, std::chrono::seconds(60)}});
    first.store.Configure({{"g", 100, std::chrono::seconds(60)}, {"h", 100, {}}});
  }
  Instance second(dir_, clock_);
  EXPECT_TRUE(second.store.Snapshot("h")->empty());
}

TEST_F(PersistenceTest, SecondProcessOnTheSameDirectoryIsRefused) {
  Instance first(dir_, clock_);
  ASSERT_TRUE(first.status.ok());
  Instance second(dir_, clock_);
  EXPECT_EQ(second.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status.message().find("in use"), std::string::npos);
}

TEST_F(PersistenceTest, SelfMetricsDescribeTheLog) {
  Instance first(dir_, clock_);
  ASSERT_TRUE(first.store.Apply("g", Counter("a_total", 1)).ok());
  ASSERT_TRUE(first.persistence->Checkpoint().ok());
  std::vector<std::string> names;
  for (const auto& family : first.persistence->SelfMetrics()) names.push_back(family.name);
  for (const char* want :
       {"metrics_accumulator_wal_records_total", "metrics_accumulator_wal_fsync_duration_seconds",
        "metrics_accumulator_snapshot_last_success_timestamp_seconds",
        "metrics_accumulator_recovery_duration_seconds",
        "metrics_accumulator_persistence_healthy"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

}  // namespace
}  // namespace accumulator::persist
