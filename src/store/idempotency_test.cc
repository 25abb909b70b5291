#include "store/idempotency.h"

#include <optional>

#include <gtest/gtest.h>

namespace accumulator::store {
namespace {

using State = IdempotencyCache::State;
constexpr std::chrono::seconds kWindow{600};

RememberedAnswer Answer(int status, std::string body = "") {
  return {status, "application/json", std::move(body)};
}

TEST(IdempotencyCacheTest, SecondClaimGetsTheWholeFirstAnswer) {
  FakeClock clock;
  IdempotencyCache cache(clock, 100);
  EXPECT_EQ(cache.Begin("g", "req-1", kWindow).state, State::kNew);
  EXPECT_EQ(cache.Begin("g", "req-1", kWindow).state, State::kInProgress);
  cache.Finish("g", "req-1", Answer(400, "{\"message\":\"line 1: bad\"}"));
  const auto claim = cache.Begin("g", "req-1", kWindow);
  EXPECT_EQ(claim.state, State::kDone);
  EXPECT_EQ(claim.answer.status, 400);
  EXPECT_EQ(claim.answer.content_type, "application/json");
  EXPECT_EQ(claim.answer.body, "{\"message\":\"line 1: bad\"}");
  EXPECT_EQ(cache.Begin("other", "req-1", kWindow).state, State::kNew);  // per group
}

TEST(IdempotencyCacheTest, RetryOfAnAppliedPushWaitsUntilItIsDurable) {
  FakeClock clock;
  IdempotencyCache cache(clock, 100);
  ASSERT_EQ(cache.Begin("g", "k", kWindow).state, State::kNew);
  cache.Applied("g", "k", Answer(201, "ok"));
  std::optional<RememberedAnswer> replayed;
  const auto waiting =
      cache.Begin("g", "k", kWindow, [&](const RememberedAnswer& a) { replayed = a; });
  EXPECT_EQ(waiting.state, State::kWaiting);
  EXPECT_FALSE(replayed.has_value());  // not before the first copy is durable
  // Without a way to wait, the caller is told to retry.
  EXPECT_EQ(cache.Begin("g", "k", kWindow).state, State::kInProgress);
  cache.Durable("g", "k", nullptr);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(replayed->status, 201);
  EXPECT_EQ(replayed->body, "ok");
  const auto done = cache.Begin("g", "k", kWindow, [](const RememberedAnswer&) { FAIL(); });
  EXPECT_EQ(done.state, State::kDone);
  EXPECT_EQ(done.answer.status, 201);
}

TEST(IdempotencyCacheTest, PushThatCouldNotBeMadeDurableAnswersItsRetriesTheSame) {
  FakeClock clock;
  IdempotencyCache cache(clock, 100);
  ASSERT_EQ(cache.Begin("g", "k", kWindow).state, State::kNew);
  cache.Applied("g", "k", Answer(201));
  std::optional<RememberedAnswer> replayed;
  ASSERT_EQ(cache.Begin("g", "k", kWindow, [&](const RememberedAnswer& a) { replayed = a; }).state,
            State::kWaiting);
  const RememberedAnswer failure = Answer(503, "not durable");
  cache.Durable("g", "k", &failure);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(replayed->status, 503);
  // It is applied in memory: a retry must not apply it a second time.
  EXPECT_EQ(cache.Begin("g", "k", kWindow).state, State::kDone);
}

TEST(IdempotencyCacheTest, KeysExpireAfterTheWindow) {
  FakeClock clock;
  IdempotencyCache cache(clock, 100);
  ASSERT_EQ(cache.Begin("g", "k", kWindow).state, State::kNew);
  cache.Finish("g", "k", Answer(200));
  clock.Advance(kWindow - std::chrono::seconds(1));
  EXPECT_EQ(cache.Begin("g", "k", kWindow).state, State::kDone);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(cache.Begin("g", "k", kWindow).state, State::kNew);
  EXPECT_TRUE(cache.Export().empty());  // the expired answer is gone, the new claim unanswered
}

TEST(IdempotencyCacheTest, ServerErrorsAreForgotten) {
  FakeClock clock;
  IdempotencyCache cache(clock, 100);
  ASSERT_EQ(cache.Begin("g", "k", kWindow).state, State::kNew);
  cache.Finish("g", "k", Answer(503));
  EXPECT_EQ(cache.Begin("g", "k", kWindow).state, State::kNew);
}

TEST(IdempotencyCacheTest, CapacityEvictsTheOldestButNeverAPushAwaitingDurability) {
  FakeClock clock;
  IdempotencyCache cache(clock, 2);
  for (const char* k : {"a", "b", "c"}) {
    ASSERT_EQ(cache.Begin("g", k, kWindow).state, State::kNew);
    cache.Finish("g", k, Answer(200));
  }
  EXPECT_EQ(cache.Export().size(), 2u);
  EXPECT_EQ(cache.Begin("g", "c", kWindow).state, State::kDone);
  EXPECT_EQ(cache.Begin("g", "b", kWindow).state, State::kDone);
  EXPECT_EQ(cache.Begin("g", "a", kWindow).state, State::kNew);  // the oldest went

  IdempotencyCache small(clock, 1);
  ASSERT_EQ(small.Begin("g", "pending", kWindow).state, State::kNew);
  small.Applied("g", "pending", Answer(201));
  ASSERT_EQ(small.Begin("g", "next", kWindow).state, State::kNew);
  EXPECT_EQ(small.Begin("g", "pending", kWindow, [](const RememberedAnswer&) {}).state,
            State::kWaiting);
}

}  // namespace
}  // namespace accumulator::store
