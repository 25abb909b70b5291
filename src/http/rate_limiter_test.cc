#include "http/rate_limiter.h"

#include <gtest/gtest.h>

namespace accumulator::http {
namespace {

TEST(PushRateLimiterTest, AllowsTheBurstThenTheRate) {
  FakeClock clock;
  PushRateLimiter limiter(clock);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Allow("g", 5)) << i;
  EXPECT_FALSE(limiter.Allow("g", 5));
  clock.Advance(std::chrono::milliseconds(200));  // one token at 5/s
  EXPECT_TRUE(limiter.Allow("g", 5));
  EXPECT_FALSE(limiter.Allow("g", 5));
  clock.Advance(std::chrono::seconds(10));  // refills only up to the burst
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Allow("g", 5)) << i;
  EXPECT_FALSE(limiter.Allow("g", 5));
}

TEST(PushRateLimiterTest, GroupsHaveTheirOwnBuckets) {
  FakeClock clock;
  PushRateLimiter limiter(clock);
  EXPECT_TRUE(limiter.Allow("a", 1));
  EXPECT_FALSE(limiter.Allow("a", 1));
  EXPECT_TRUE(limiter.Allow("b", 1));
}

TEST(PushRateLimiterTest, SlowRatesStillAllowOnePush) {
  FakeClock clock;
  PushRateLimiter limiter(clock);
  EXPECT_TRUE(limiter.Allow("g", 0.5));
  EXPECT_FALSE(limiter.Allow("g", 0.5));
  clock.Advance(std::chrono::seconds(2));
  EXPECT_TRUE(limiter.Allow("g", 0.5));
}

}  // namespace
}  // namespace accumulator::http
