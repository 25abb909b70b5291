#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/mutex.h"

namespace accumulator::http {

// Token buckets per metric group (pushRateLimit): on average `rate` pushes per second,
// in bursts of up to max(1, rate). Thread-safe.
class PushRateLimiter {
 public:
  // `clock` must outlive the limiter.
  explicit PushRateLimiter(const Clock& clock) : clock_(clock) {}

  // Whether a push to `group` may go ahead now; if so it uses up one token.
  bool Allow(std::string_view group, double rate);

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint refilled{};
  };

  const Clock& clock_;
  Mutex mu_;
  std::map<std::string, Bucket, std::less<>> buckets_ MA_GUARDED_BY(mu_);
};

}  // namespace accumulator::http
