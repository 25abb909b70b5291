#include "http/rate_limiter.h"

#include <algorithm>

namespace accumulator::http {

bool PushRateLimiter::Allow(std::string_view group, double rate) {
  const TimePoint now = clock_.Now();
  const double burst = std::max(1.0, rate);
  MutexLock lock(mu_);
  auto it = buckets_.find(group);
  if (it == buckets_.end()) {
    it = buckets_.emplace(std::string(group), Bucket{burst, now}).first;
  }
  Bucket& bucket = it->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
  bucket.tokens = std::min(burst, bucket.tokens + std::max(0.0, elapsed) * rate);
  bucket.refilled = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

}  // namespace accumulator::http
