#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config/config.h"

namespace accumulator::app {

// Decides when each group's restartCronExpression fires. Pure: the caller passes the
// time, so tests need no sleeping. Not thread-safe (one background thread owns it).
class ResetScheduler {
 public:
  struct DueReset {
    std::string group;
    TimePoint due;  // the time the expression named, the same for every replica
  };
  // The groups whose reset time has come since the last call. A group seen for the
  // first time, or whose expression changed, is scheduled from `now` on.
  std::vector<DueReset> Due(const config::Config& config, TimePoint now);

 private:
  struct Entry {
    std::string expression;
    std::optional<TimePoint> next;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace accumulator::app
