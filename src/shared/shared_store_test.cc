#include "shared/shared_store.h"

#include <atomic>
#include <cmath>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "redis/redis_server_for_test.h"
#include "support/builders.h"

namespace accumulator::shared {
namespace {

using model::MetricType;
namespace t = accumulator::testing;
using redis::EventuallyForTest;
using redis::RedisServerForTest;

model::Push Counter(double v, model::Labels labels = {}) {
  return t::Push({t::Family("c_total", MetricType::kCounter, {t::Scalar(std::move(labels), v)})});
}

// A push through `store` as the HTTP layer makes it: the answer is what `durable` gets.
Status Push(SharedStore& store, const model::Push& push, const store::PushTag& tag = {}) {
  auto answer = std::make_shared<std::promise<Status>>();
  std::future<Status> answered = answer->get_future();
  if (Status s =
          store.ApplyThen("g", push, tag, [answer](const Status& d) { answer->set_value(d); });
      !s.ok()) {
    return s;
  }
  return answered.get();
}

double CounterValue(const SharedStore& store, const model::Labels& labels = {}) {
  auto snapshot = store.Snapshot("g");
  if (!snapshot.ok()) return NAN;
  for (const model::Family& family : *snapshot) {
    if (family.name != "c_total") continue;
    for (const model::Series& series : family.series) {
      if (series.labels == labels) return std::get<model::ScalarValue>(series.value).value;
    }
  }
  return NAN;
}

class SharedStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SharedStore> Replica(std::size_t max_series = 1000,
                                       std::size_t snapshot_entries = 10'000) {
    SharedStateOptions options;
    options.endpoint = redis::LocalForTest(redis_.Port());
    options.timeout = std::chrono::milliseconds(1000);
    options.snapshot_entries = snapshot_entries;
    auto replica = std::make_unique<SharedStore>(clock_, options);
    replica->Configure({store::GroupSettings{"g", max_series, std::chrono::seconds(0)}});
    replica->Start();
    EXPECT_TRUE(EventuallyForTest([&] { return replica->Ready(); }));
    return replica;
  }

  SystemClock clock_;
  RedisServerForTest redis_;
};

TEST_F(SharedStoreTest, PushesToEveryReplicaAddUpExactlyOnEvery) {
  auto a = Replica();
  auto b = Replica();
  auto c = Replica();
  SharedStore* replicas[] = {a.get(), b.get(), c.get()};
  std::atomic<int> refused{0};
  std::vector<std::thread> writers;
  writers.reserve(6);
  for (int w = 0; w < 6; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 200; ++i) {
        if (!Push(*replicas[w % 3], Counter(1)).ok()) ++refused;
      }
    });
  }
  for (std::thread& w : writers) w.join();
  EXPECT_EQ(refused, 0);
  // Read-your-writes: every push was answered, so every replica's next read has it.
  for (SharedStore* r : replicas) EXPECT_EQ(CounterValue(*r), 1200);
}

TEST_F(SharedStoreTest, SeriesLimitIsExactUnderNewSeriesFromEveryReplica) {
  auto a = Replica(50);
  auto b = Replica(50);
  std::atomic<int> accepted{0};
  std::atomic<int> exhausted{0};
  std::vector<std::thread> writers;
  writers.reserve(4);
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      SharedStore& replica = w % 2 == 0 ? *a : *b;
      for (int i = 0; i < 30; ++i) {
        Status s = Push(replica, Counter(1, {{"w", std::to_string(w)}, {"i", std::to_string(i)}}));
        if (s.ok()) ++accepted;
        if (s.code() == StatusCode::kResourceExhausted) ++exhausted;
      }
    });
  }
  for (std::thread& w : writers) w.join();
  EXPECT_EQ(accepted, 50);
  EXPECT_EQ(exhausted, 70);
  EXPECT_EQ(a->Stats("g")->series, 50u);
  EXPECT_EQ(b->Stats("g")->series, 50u);
}

TEST_F(SharedStoreTest, TypeConflictIsDecidedInLogOrderOnEveryReplica) {
  auto a = Replica();
  auto b = Replica();
  ASSERT_TRUE(Push(*a, Counter(2)).ok());
  const model::Push gauge = t::Push({t::Family("c_total", MetricType::kGauge, {t::Scalar({}, 7)})});
  EXPECT_EQ(Push(*b, gauge).code(), StatusCode::kConflict);
  EXPECT_EQ(CounterValue(*a), 2);
  EXPECT_EQ(CounterValue(*b), 2);
}

TEST_F(SharedStoreTest, RetryThroughAnotherReplicaCountsOnce) {
  auto a = Replica();
  auto b = Replica();
  const store::PushTag tag{"k1", {200, "text/plain", ""}, clock_.Now() + std::chrono::minutes(5)};
  // The first copy reaches the log through a; the retry goes to b before b has read
  // it, so it reaches the log too, and is ignored where it is applied.
  ASSERT_EQ(a->ClaimIdempotencyKey("g", "k1", std::chrono::minutes(5), nullptr).state,
            store::IdempotencyCache::State::kNew);
  ASSERT_TRUE(Push(*a, Counter(5), tag).ok());
  ASSERT_TRUE(Push(*b, Counter(5), tag).ok());
  EXPECT_EQ(CounterValue(*a), 5);
  EXPECT_EQ(CounterValue(*b), 5);
  // A later retry is answered from what b remembers, without a log entry.
  EXPECT_EQ(b->ClaimIdempotencyKey("g", "k1", std::chrono::minutes(5), nullptr).state,
            store::IdempotencyCache::State::kDone);
}

TEST_F(SharedStoreTest, ResetAndDeleteReachEveryReplica) {
  auto a = Replica();
  auto b = Replica();
  ASSERT_TRUE(Push(*a, Counter(1, {{"x", "1"}})).ok());
  ASSERT_TRUE(Push(*a, Counter(1, {{"x", "2"}})).ok());
  const model::Selector x1 = model::Selector::HavingAll({{"x", "1"}});
  auto deleted = b->DeleteMatching("g", std::span(&x1, 1));
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  EXPECT_EQ(*deleted, 1u);
  EXPECT_TRUE(std::isnan(CounterValue(*a, {{"x", "1"}})));
  EXPECT_EQ(CounterValue(*a, {{"x", "2"}}), 1);
  ASSERT_TRUE(b->Reset("g").ok());
  EXPECT_EQ(a->Stats("g")->series, 0u);
}

TEST_F(SharedStoreTest, ScheduledResetHappensOncePerTickWhateverTheReplicas) {
  auto a = Replica();
  auto b = Replica();
  const TimePoint tick = clock_.Now();
  ASSERT_TRUE(Push(*a, Counter(3)).ok());
  ASSERT_TRUE(a->ScheduledReset("g", tick).ok());
  ASSERT_TRUE(Push(*b, Counter(4)).ok());
  // b's scheduler asks for the same tick late: nothing is reset again.
  ASSERT_TRUE(b->ScheduledReset("g", tick).ok());
  EXPECT_EQ(CounterValue(*a), 4);
  EXPECT_EQ(CounterValue(*b), 4);
  // Each replica counts the resets it performed: one in all for the tick.
  EXPECT_EQ(a->Stats("g")->resets, 1u);
  EXPECT_EQ(b->Stats("g")->resets, 0u);
  ASSERT_TRUE(b->Reset("g").ok());
  EXPECT_EQ(b->Stats("g")->resets, 1u);
  EXPECT_EQ(a->Stats("g")->resets, 1u);
}

TEST_F(SharedStoreTest, NewReplicaJoinsWithTheWholeState) {
  auto a = Replica();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Push(*a, Counter(2)).ok());
  auto late = Replica();
  EXPECT_EQ(CounterValue(*late), 100);
}

TEST_F(SharedStoreTest, SnapshotsKeepTheLogShortAndANewReplicaJoinsFromThem) {
  auto a = Replica(1000, 40);
  auto b = Replica(1000, 40);
  const store::PushTag tag{
      "early-key", {200, "text/plain", ""}, clock_.Now() + std::chrono::minutes(5)};
  ASSERT_TRUE(Push(*a, Counter(1, {{"k", "tagged"}}), tag).ok());
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(Push(i % 2 == 0 ? *a : *b, Counter(1, {{"i", std::to_string(i % 7)}})).ok());
  }
  auto redis = redis::Connection::Open(redis::LocalForTest(redis_.Port()));
  ASSERT_TRUE(redis.ok());
  const std::string log = a->LogKey("g");
  // Trimmed to the snapshot before the last one: at most about two intervals remain.
  EXPECT_TRUE(EventuallyForTest([&] {
    auto length = (*redis)->Run({"XLEN", log}, std::chrono::seconds(1));
    return length.ok() && length->integer <= 2 * 40 + 10;
  }));
  auto pointer = (*redis)->Run({"GET", "{ma:g}:snapshot"}, std::chrono::seconds(1));
  ASSERT_TRUE(pointer.ok());
  EXPECT_EQ(pointer->type, redis::Reply::Type::kString);
  auto late = Replica(1000, 40);
  double sum = 0;
  for (int i = 0; i < 7; ++i) sum += CounterValue(*late, {{"i", std::to_string(i)}});
  EXPECT_EQ(sum, 300);
  EXPECT_EQ(CounterValue(*late, {{"k", "tagged"}}), 1);
  // The key's answer came with the snapshot: its retry counts once here too.
  ASSERT_TRUE(Push(*late, Counter(1, {{"k", "tagged"}}), tag).ok());
  EXPECT_EQ(CounterValue(*a, {{"k", "tagged"}}), 1);
  EXPECT_EQ(CounterValue(*late, {{"k", "tagged"}}), 1);
}

TEST_F(SharedStoreTest, ARedisOutOfMemoryRefusesPushesAndIsNotReadyUntilItTakesWritesAgain) {
  auto a = Replica();
  ASSERT_TRUE(Push(*a, Counter(1)).ok());
  auto redis = redis::Connection::Open(redis::LocalForTest(redis_.Port()));
  ASSERT_TRUE(redis.ok());
  // Redis 7's default policy is noeviction: over maxmemory, every write is refused.
  ASSERT_TRUE((*redis)->Run({"CONFIG", "SET", "maxmemory", "1"}, std::chrono::seconds(1)).ok());
  const Status full = Push(*a, Counter(1));
  EXPECT_EQ(full.code(), StatusCode::kUnavailable);
  EXPECT_NE(full.message().find("OOM"), std::string::npos) << full.message();
  EXPECT_FALSE(a->Ready());
  ASSERT_TRUE((*redis)->Run({"CONFIG", "SET", "maxmemory", "0"}, std::chrono::seconds(1)).ok());
  EXPECT_TRUE(EventuallyForTest([&] { return a->Ready(); }));
  ASSERT_TRUE(Push(*a, Counter(1)).ok());
  EXPECT_EQ(CounterValue(*a), 2);
}

TEST_F(SharedStoreTest, RedisAwayRefusesPushesAndTheReplicaRecoversByItself) {
  auto a = Replica();
  ASSERT_TRUE(Push(*a, Counter(1)).ok());
  const std::uint16_t port = redis_.Port();
  redis_.Stop();
  const Status away = Push(*a, Counter(1));
  EXPECT_EQ(away.code(), StatusCode::kUnavailable) << away.message();
  EXPECT_TRUE(EventuallyForTest([&] { return !a->Ready(); }));
  // A Redis with nothing (no persistence here): the replica reconnects and serves it.
  RedisServerForTest again({}, "", port);
  ASSERT_TRUE(EventuallyForTest([&] { return Push(*a, Counter(1)).ok(); }));
  EXPECT_TRUE(EventuallyForTest([&] { return a->Ready(); }));
}

}  // namespace
}  // namespace accumulator::shared
