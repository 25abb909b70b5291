#pragma once

#include <atomic>
#include <chrono>
#include <ctime>
#include <string>

namespace accumulator {

using TimePoint = std::chrono::system_clock::time_point;

// Wall-clock time enters the core only through this interface, so TTL and cron
// behaviour is tested with a FakeClock instead of sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint(std::chrono::seconds(1'700'000'000)))
      : now_ns_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(TimePoint::duration(now_ns_.load())); }
  void Advance(std::chrono::nanoseconds by) {
    now_ns_ += std::chrono::duration_cast<TimePoint::duration>(by).count();
  }
  void Set(TimePoint t) { now_ns_ = t.time_since_epoch().count(); }

 private:
  std::atomic<TimePoint::rep> now_ns_;
};

inline double ToUnixSeconds(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// `t` in UTC by a strftime format, e.g. "%Y-%m-%dT%H:%M:%SZ" for RFC 3339.
inline std::string FormatUtc(TimePoint t, const char* format) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return {buf, n};
}

}  // namespace accumulator
