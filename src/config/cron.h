#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace accumulator::config {

// A Spring-style 6-field cron expression (the upstream's `restartCronExpression`):
// "second minute hour day-of-month month day-of-week", with *, ?, lists, ranges,
// steps, month and weekday names, and the @hourly/@daily/@weekly/@monthly/@yearly
// macros. As in Spring, day-of-month and day-of-week must both match. Times are in
// the process's local time zone (TZ), as the upstream used the JVM's.
class CronSchedule {
 public:
  static Result<CronSchedule> Parse(std::string_view expression);

  // The first matching time strictly after `after`; nullopt if none within 5 years
  // (e.g. "0 0 0 30 2 ?").
  std::optional<TimePoint> NextAfter(TimePoint after) const;

  const std::string& expression() const { return expression_; }

 private:
  std::string expression_;
  std::bitset<60> seconds_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<7> days_of_week_;    // 0 = Sunday
};

}  // namespace accumulator::config
