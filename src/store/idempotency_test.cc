#include "store/idempotency.h"

#include <gtest/gtest.h>

namespace accumulator::store {
namespace {

using State = IdempotencyCache::State;
constexpr std::chrono::seconds kWindow{600};

TEST(IdempotencyCacheTest, SecondClaimGetsTheFirstAnswer) {
  FakeClock clock;
  IdempotencyCache cache(clock, 100);
  EXPECT_EQ(cache.Begin("g", "req-1", kWindow).state, State::kNew);
  EXPECT_EQ(cache.Begin("g", "req-1", kWindow).state, State::kInProgress);
  cache.Finish("g", "req-1", 201);
  const auto claim = cache.Begin("g", "req-1", kWindow);
  EXPECT_EQ(claim.state, State::kDone);
  EXPECT_EQ(claim.answer, 201);
  EXPECT_EQ(cache.Begin("other", "req-1", kWindow).state, State::kNew);  // per group
}

TEST(IdempotencyCacheTest, KeysExpireAfterTheWindow) {
  FakeClock clock;
  IdempotencyCache cache(clock, 100);
  ASSERT_EQ(cache.Begin("g", "k", kWindow).state, State::kNew);
  cache.Finish("g", "k", 200);
  clock.Advance(kWindow - std::chrono::seconds(1));
  EXPECT_EQ(cache.Begin("g", "k", kWindow).state, State::kDone);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(cache.Begin("g", "k", kWindow).state, State::kNew);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(IdempotencyCacheTest, ServerErrorsAreForgotten) {
  FakeClock clock;
  IdempotencyCache cache(clock, 100);
  ASSERT_EQ(cache.Begin("g", "k", kWindow).state, State::kNew);
  cache.Finish("g", "k", 503);
  EXPECT_EQ(cache.Begin("g", "k", kWindow).state, State::kNew);
}

TEST(IdempotencyCacheTest, CapacityEvictsTheOldest) {
  FakeClock clock;
  IdempotencyCache cache(clock, 2);
  for (const char* k : {"a", "b", "c"}) {
    ASSERT_EQ(cache.Begin("g", k, kWindow).state, State::kNew);
    cache.Finish("g", k, 200);
  }
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.evictions(), 1u);
  EXPECT_EQ(cache.Begin("g", "c", kWindow).state, State::kDone);
}

}  // namespace
}  // namespace accumulator::store
