#include "store/idempotency.h"

#include <utility>

namespace accumulator::store {

IdempotencyCache::IdempotencyCache(const Clock& clock, std::size_t capacity)
    : clock_(clock), capacity_(capacity) {}

std::string IdempotencyCache::MapKey(std::string_view group, std::string_view key) {
  std::string out(group);
  out += '\0';  // group names cannot contain NUL, so keys of two groups never collide
  out += key;
  return out;
}

void IdempotencyCache::DropExpiredLocked(TimePoint now) {
  while (!order_.empty() && order_.front().first <= now) {
    auto it = entries_.find(order_.front().second);
    // A key re-claimed after expiry has a later expiry; keep that entry. One whose push
    // still waits for durability has waiters to answer: Durable drops it then.
    if (it != entries_.end() && it->second.expires <= now && it->second.phase != Phase::kApplied) {
      entries_.erase(it);
    }
    order_.pop_front();
  }
}

void IdempotencyCache::MakeRoomLocked() {
  while (entries_.size() >= capacity_ && !order_.empty()) {
    auto it = entries_.find(order_.front().second);
    // Never forget a push that is applied but not durable: its retries must wait for it.
    // Such entries are few (pushes in flight), so the bound is exceeded only briefly.
    if (it != entries_.end() && it->second.phase == Phase::kApplied) return;
    if (it != entries_.end()) entries_.erase(it);
    order_.pop_front();
  }
}

IdempotencyCache::Claim IdempotencyCache::Begin(std::string_view group, std::string_view key,
                                                std::chrono::seconds window, Waiter when_durable) {
  const TimePoint now = clock_.Now();
  MutexLock lock(mu_);
  DropExpiredLocked(now);
  std::string map_key = MapKey(group, key);
  auto it = entries_.find(map_key);
  if (it != entries_.end() && it->second.expires > now) {
    Entry& entry = it->second;
    switch (entry.phase) {
      case Phase::kClaimed:
        return Claim{State::kInProgress, {}};
      case Phase::kDone:
        return Claim{State::kDone, entry.answer};
      case Phase::kApplied:
        if (!when_durable) return Claim{State::kInProgress, {}};
        entry.waiters.push_back(std::move(when_durable));
        return Claim{State::kWaiting, {}};
    }
  }
  MakeRoomLocked();
  const TimePoint expires = now + window;
  entries_[map_key] = Entry{Phase::kClaimed, {}, expires, {}};
  order_.emplace_back(expires, std::move(map_key));
  return Claim{State::kNew, {}};
}

void IdempotencyCache::Applied(std::string_view group, std::string_view key,
                               RememberedAnswer answer) {
  MutexLock lock(mu_);
  auto it = entries_.find(MapKey(group, key));
  if (it == entries_.end() || it->second.phase != Phase::kClaimed) return;
  it->second.answer = std::move(answer);
  it->second.phase = Phase::kApplied;
}

void IdempotencyCache::Durable(std::string_view group, std::string_view key,
                               const RememberedAnswer* failure) {
  std::vector<Waiter> waiters;
  RememberedAnswer answer;
  {
    MutexLock lock(mu_);
    auto it = entries_.find(MapKey(group, key));
    if (it == entries_.end() || it->second.phase != Phase::kApplied) return;
    Entry& entry = it->second;
    if (failure != nullptr) entry.answer = *failure;
    entry.phase = Phase::kDone;
    waiters = std::move(entry.waiters);
    entry.waiters.clear();
    answer = entry.answer;
    if (entry.expires <= clock_.Now()) entries_.erase(it);  // DropExpiredLocked skipped it
  }
  for (const Waiter& waiter : waiters) waiter(answer);
}

void IdempotencyCache::Finish(std::string_view group, std::string_view key,
                              RememberedAnswer answer) {
  MutexLock lock(mu_);
  auto it = entries_.find(MapKey(group, key));
  if (it == entries_.end() || it->second.phase != Phase::kClaimed) return;
  if (answer.status >= 500) {
    entries_.erase(it);  // a transient failure: let the retry through
    return;
  }
  it->second.answer = std::move(answer);
  it->second.phase = Phase::kDone;
}

bool IdempotencyCache::Answered(std::string_view group, std::string_view key) const {
  const TimePoint now = clock_.Now();
  MutexLock lock(mu_);
  auto it = entries_.find(MapKey(group, key));
  return it != entries_.end() && it->second.phase != Phase::kClaimed && it->second.expires > now;
}

void IdempotencyCache::Remember(std::string_view group, std::string_view key,
                                RememberedAnswer answer, TimePoint expires) {
  const TimePoint now = clock_.Now();
  if (expires <= now) return;
  MutexLock lock(mu_);
  std::string map_key = MapKey(group, key);
  MakeRoomLocked();
  entries_[map_key] = Entry{Phase::kDone, std::move(answer), expires, {}};
  order_.emplace_back(expires, std::move(map_key));
}

std::vector<IdempotencyImage> IdempotencyCache::Export() const {
  const TimePoint now = clock_.Now();
  MutexLock lock(mu_);
  std::vector<IdempotencyImage> out;
  out.reserve(entries_.size());
  for (const auto& [map_key, entry] : entries_) {
    // An applied push is in the snapshot's data already; its key must come along, or a
    // retry after a restart would apply it again.
    if (entry.phase == Phase::kClaimed || entry.expires <= now) continue;
    const auto nul = map_key.find('\0');
    out.push_back({map_key.substr(0, nul), map_key.substr(nul + 1), entry.answer, entry.expires});
  }
  return out;
}

void IdempotencyCache::Clear() {
  std::vector<Waiter> orphans;
  {
    MutexLock lock(mu_);
    for (auto& [map_key, entry] : entries_) {
      for (Waiter& waiter : entry.waiters) orphans.push_back(std::move(waiter));
    }
    entries_.clear();
    order_.clear();
  }
  // Only recovery clears, before anything is served; answer any waiter all the same.
  const RememberedAnswer gone{503, "text/plain; charset=utf-8",
                              "the stored state was replaced; retry the push\n"};
  for (const Waiter& waiter : orphans) waiter(gone);
}

}  // namespace accumulator::store
