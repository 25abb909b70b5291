#include "config/cron.h"

#include <cstdlib>
#include <ctime>

#include <gtest/gtest.h>

namespace accumulator::config {
namespace {

class CronTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);  // NOLINT(concurrency-mt-unsafe): before any thread
    tzset();                 // NOLINT(concurrency-mt-unsafe)
  }
  // 2024-03-15 10:20:30 UTC, a Friday.
  static TimePoint Base() { return std::chrono::system_clock::from_time_t(1710498030); }
  static std::string Next(std::string_view expr, TimePoint after = Base()) {
    auto cron = CronSchedule::Parse(expr);
    EXPECT_TRUE(cron.ok()) << cron.status().message();
    if (!cron.ok()) return "invalid";
    auto next = cron->NextAfter(after);
    if (!next) return "never";
    const std::time_t t = std::chrono::system_clock::to_time_t(*next);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a", &tm);
    return buf;
  }
};

TEST_F(CronTest, UpstreamDailyMidnight) {
  EXPECT_EQ(Next("0 0 0 ? * *"), "2024-03-16 00:00:00 Sat");
}

TEST_F(CronTest, EverySecondAndSteps) {
  EXPECT_EQ(Next("* * * * * *"), "2024-03-15 10:20:31 Fri");
  EXPECT_EQ(Next("*/15 * * * * *"), "2024-03-15 10:20:45 Fri");
  EXPECT_EQ(Next("0 */30 * * * ?"), "2024-03-15 10:30:00 Fri");
  EXPECT_EQ(Next("10/20 * * * * *"), "2024-03-15 10:20:50 Fri");
}

TEST_F(CronTest, ListsRangesAndNames) {
  EXPECT_EQ(Next("0 0 9-17 * * MON-FRI"), "2024-03-15 11:00:00 Fri");
  EXPECT_EQ(Next("0 0 0 * * SUN"), "2024-03-17 00:00:00 Sun");
  EXPECT_EQ(Next("0 0 0 * * 7"), "2024-03-17 00:00:00 Sun");
  EXPECT_EQ(Next("0 0 0 1 JAN,jul ?"), "2024-07-01 00:00:00 Mon");
  EXPECT_EQ(Next("0 5,10 10 * * *"), "2024-03-16 10:05:00 Sat");
}

TEST_F(CronTest, DayOfMonthAndWeekdayMustBothMatch) {
  // The next 13th that is a Friday after 2024-03-15 is 2024-09-13.
  EXPECT_EQ(Next("0 0 0 13 * FRI"), "2024-09-13 00:00:00 Fri");
}

TEST_F(CronTest, MacrosExpand) {
  EXPECT_EQ(Next("@hourly"), "2024-03-15 11:00:00 Fri");
  EXPECT_EQ(Next("@daily"), "2024-03-16 00:00:00 Sat");
}

TEST_F(CronTest, ImpossibleDateNeverFires) { EXPECT_EQ(Next("0 0 0 30 2 ?"), "never"); }

TEST_F(CronTest, InvalidExpressionsAreRejectedWithReason) {
  EXPECT_NE(CronSchedule::Parse("0 0 * * *").status().message().find("6 fields"),
            std::string::npos);
  EXPECT_NE(CronSchedule::Parse("60 * * * * *").status().message().find("second field"),
            std::string::npos);
  EXPECT_FALSE(CronSchedule::Parse("0 0 0 L * ?").ok());
  EXPECT_FALSE(CronSchedule::Parse("0 0 0 * * FOO").ok());
  EXPECT_FALSE(CronSchedule::Parse("*/0 * * * * *").ok());
  EXPECT_FALSE(CronSchedule::Parse("0 0 5-2 * * *").ok());
}

}  // namespace
}  // namespace accumulator::config
