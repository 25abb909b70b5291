#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"

namespace accumulator::store {

// A remembered answer, as persistence saves and restores it.
struct IdempotencyImage {
  std::string group;
  std::string key;
  int answer = 0;
  TimePoint expires{};
};

// Remembers the answers to pushes that carried an Idempotency-Key, per group, for a
// window, so a retried push is answered again instead of applied again (SPEC §2).
// Bounded: past `capacity` keys the oldest is forgotten early (counted in evictions()).
// Thread-safe.
class IdempotencyCache {
 public:
  enum class State { kNew, kInProgress, kDone };
  struct Claim {
    State state = State::kNew;
    int answer = 0;  // the first answer's status, when kDone
  };

  // `clock` must outlive the cache.
  IdempotencyCache(const Clock& clock, std::size_t capacity);

  // kNew: the caller applies the push and then calls Finish. kInProgress: the same key
  // is being applied right now. kDone: answer with `answer`, apply nothing.
  Claim Begin(std::string_view group, std::string_view key, std::chrono::seconds window);
  // Records the answer; answers >= 500 are forgotten so the retry can succeed. A key
  // already answered keeps its first answer (the store records a push's answer at the
  // moment it applies it, even if the request later fails to report it).
  void Finish(std::string_view group, std::string_view key, int answer);

  // Recovery: remembers an answer given before a restart (no Begin needed).
  void Remember(std::string_view group, std::string_view key, int answer, TimePoint expires);
  // Every answered, unexpired key.
  std::vector<IdempotencyImage> Export() const;
  void Clear();

  std::size_t size() const;
  std::uint64_t evictions() const;

 private:
  struct Entry {
    int answer = 0;
    bool done = false;
    TimePoint expires;
  };
  static std::string MapKey(std::string_view group, std::string_view key);
  void DropExpiredLocked(TimePoint now) MA_REQUIRES(mu_);

  const Clock& clock_;
  const std::size_t capacity_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ MA_GUARDED_BY(mu_);
  std::deque<std::pair<TimePoint, std::string>> order_ MA_GUARDED_BY(mu_);  // by insertion
  std::uint64_t evictions_ MA_GUARDED_BY(mu_) = 0;
};

}  // namespace accumulator::store
