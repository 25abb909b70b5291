#include "app/reset_scheduler.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "config/config_loader.h"

namespace accumulator::app {
namespace {

config::Config Load(std::string_view text) {
  auto c = config::ParseConfig(text, "t.yml");
  EXPECT_TRUE(c.ok()) << c.status().message();
  return std::move(*c);
}

std::vector<std::string> Names(const std::vector<ResetScheduler::DueReset>& due) {
  std::vector<std::string> out;
  out.reserve(due.size());
  for (const auto& d : due) out.push_back(d.group);
  return out;
}

// Cron times are local times: every test here runs in UTC, whichever runs first.
class ResetSchedulerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("TZ", "UTC", 1);  // NOLINT(concurrency-mt-unsafe): before any thread
    tzset();                 // NOLINT(concurrency-mt-unsafe)
  }
};

TEST_F(ResetSchedulerTest, FiresOncePerScheduledTime) {
  const auto config = Load(R"(metricGroups:
  a: {restartCronExpression: "0 0 0 ? * *"}
  b: {restartCronExpression: "*/10 * * * * *"}
  c: {}
)");
  ResetScheduler scheduler;
  // 2024-03-15 23:59:55 UTC
  const TimePoint start = std::chrono::system_clock::from_time_t(1710547195);
  EXPECT_TRUE(scheduler.Due(config, start).empty());  // first sight only schedules
  EXPECT_TRUE(scheduler.Due(config, start + std::chrono::seconds(4)).empty());
  const auto midnight = scheduler.Due(config, start + std::chrono::seconds(5));
  EXPECT_EQ(Names(midnight), (std::vector<std::string>{"a", "b"}));
  // The time the expression named, not the time the tick saw it: every replica's
  // scheduler names the same reset.
  ASSERT_EQ(midnight.size(), 2u);
  EXPECT_EQ(midnight[0].due, start + std::chrono::seconds(5));
  EXPECT_TRUE(scheduler.Due(config, start + std::chrono::seconds(6)).empty());
  const auto late = scheduler.Due(config, start + std::chrono::seconds(17));
  EXPECT_EQ(Names(late), (std::vector<std::string>{"b"}));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].due, start + std::chrono::seconds(15));
}

TEST_F(ResetSchedulerTest, ChangedExpressionIsRescheduled) {
  ResetScheduler scheduler;
  const TimePoint t0 = std::chrono::system_clock::from_time_t(1710547195);
  (void)scheduler.Due(Load("metricGroups: {a: {restartCronExpression: '0 0 0 ? * *'}}"), t0);
  const auto hourly = Load("metricGroups: {a: {restartCronExpression: '@hourly'}}");
  EXPECT_TRUE(scheduler.Due(hourly, t0).empty());
  EXPECT_EQ(Names(scheduler.Due(hourly, t0 + std::chrono::seconds(5))),
            (std::vector<std::string>{"a"}));
}

}  // namespace
}  // namespace accumulator::app
