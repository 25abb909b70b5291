#include "http/push_log.h"

#include <numeric>

#include <gtest/gtest.h>

namespace accumulator::http {
namespace {

constexpr TimePoint kStart{std::chrono::seconds(1'700'000'000)};  // a slot boundary

TEST(PushLogTest, CountsAcceptedPushesPerSlotAndForgetsOldOnes) {
  PushLog log;
  log.Accepted("g", kStart);
  log.Accepted("g", kStart + std::chrono::seconds(5));
  log.Accepted("g", kStart + std::chrono::seconds(12));
  auto rate = log.Rate("g", kStart + std::chrono::seconds(15));
  ASSERT_EQ(rate.size(), PushLog::kSlots);
  EXPECT_EQ(rate[PushLog::kSlots - 1], 1u);  // the slot of second 10-19
  EXPECT_EQ(rate[PushLog::kSlots - 2], 2u);
  // Ten minutes on, the same pushes are out of the window; other groups never had any.
  rate = log.Rate("g", kStart + std::chrono::minutes(10) + std::chrono::seconds(5));
  EXPECT_EQ(rate[0], 1u);  // the 10-19 slot is now the oldest
  rate = log.Rate("g", kStart + std::chrono::minutes(11));
  EXPECT_EQ(std::accumulate(rate.begin(), rate.end(), 0u), 0u);
  EXPECT_EQ(log.Rate("other", kStart).size(), PushLog::kSlots);
  // A push counted late (its thread was slow) lands in its own slot, not the newest.
  log.Accepted("h", kStart + std::chrono::seconds(30));
  log.Accepted("h", kStart + std::chrono::seconds(9));
  rate = log.Rate("h", kStart + std::chrono::seconds(30));
  EXPECT_EQ(rate[PushLog::kSlots - 1], 1u);
  EXPECT_EQ(rate[PushLog::kSlots - 4], 1u);
}

TEST(PushLogTest, KeepsTheLastHundredRefusalsNewestFirst) {
  PushLog log;
  for (int i = 0; i < 130; ++i) {
    log.Refused({kStart, "g", 400, "bad_request", "line " + std::to_string(i)});
  }
  const auto refusals = log.Refusals();
  ASSERT_EQ(refusals.size(), PushLog::kMaxRefusals);
  EXPECT_EQ(refusals.front().message, "line 129");
  EXPECT_EQ(refusals.back().message, "line 30");
}

}  // namespace
}  // namespace accumulator::http
