#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"

namespace accumulator::store {

// The first answer to a push with an Idempotency-Key, whole: a retry gets exactly this
// (status, content type and body), so a JSON client still reads its JSON and a refused
// text push still reads its line number.
struct RememberedAnswer {
  int status = 0;
  std::string content_type;
  std::string body;
};

// A remembered answer, as persistence saves and restores it.
struct IdempotencyImage {
  std::string group;
  std::string key;
  RememberedAnswer answer;
  TimePoint expires{};
};

// Remembers the answers to pushes that carried an Idempotency-Key, per group, for a
// window, so a retried push is answered again instead of applied again (SPEC §2).
// An applied push's answer is replayed only once the push is durable: until then a
// retry waits for it, so no retry is acknowledged that a crash could still undo.
// Bounded: past `capacity` keys the oldest is forgotten early.
// Thread-safe.
class IdempotencyCache {
 public:
  enum class State {
    kNew,         // the caller applies the push, then calls Applied or Finish
    kInProgress,  // the same key is being applied right now
    kDone,        // answer with `answer`, apply nothing
    kWaiting,     // applied, not yet durable: `when_durable` will get the answer
  };
  struct Claim {
    State state = State::kNew;
    RememberedAnswer answer;  // when kDone
  };
  // Called once, from the thread that reports durability, with the answer to replay.
  using Waiter = std::function<void(const RememberedAnswer&)>;

  // `clock` must outlive the cache.
  IdempotencyCache(const Clock& clock, std::size_t capacity);

  // Claims `key` in `group`, or says how it was claimed before. `when_durable` is kept
  // (and the state is kWaiting) only if the earlier push is applied but not yet durable.
  Claim Begin(std::string_view group, std::string_view key, std::chrono::seconds window,
              Waiter when_durable = nullptr);
  // The store applied the push: `answer` is its answer once Durable says so. A key
  // answered already keeps its first answer.
  void Applied(std::string_view group, std::string_view key, RememberedAnswer answer);
  // The applied push is as durable as promised (`failure` null), or cannot be made so
  // (then `failure` is the answer it got, and retries get it too: the push is applied
  // in memory, so letting a retry through would count it twice). Wakes the waiters.
  void Durable(std::string_view group, std::string_view key, const RememberedAnswer* failure);
  // Records the answer of a push that was not applied (a refusal), which needs no
  // durability. Answers >= 500 are forgotten so the retry can succeed.
  void Finish(std::string_view group, std::string_view key, RememberedAnswer answer);

  // Whether `key` has an answer to replay (its push was applied or refused), unexpired.
  bool Answered(std::string_view group, std::string_view key) const;
  // Recovery: remembers an answer given (and made durable) before a restart.
  void Remember(std::string_view group, std::string_view key, RememberedAnswer answer,
                TimePoint expires);
  // Every answered, unexpired key.
  std::vector<IdempotencyImage> Export() const;
  void Clear();

 private:
  enum class Phase { kClaimed, kApplied, kDone };
  struct Entry {
    Phase phase = Phase::kClaimed;
    RememberedAnswer answer;
    TimePoint expires;
    std::vector<Waiter> waiters;  // while kApplied
  };
  static std::string MapKey(std::string_view group, std::string_view key);
  void DropExpiredLocked(TimePoint now) MA_REQUIRES(mu_);
  void MakeRoomLocked() MA_REQUIRES(mu_);

  const Clock& clock_;
  const std::size_t capacity_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ MA_GUARDED_BY(mu_);
  std::deque<std::pair<TimePoint, std::string>> order_ MA_GUARDED_BY(mu_);  // by insertion
};

}  // namespace accumulator::store
