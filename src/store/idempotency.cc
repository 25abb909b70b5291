#include "store/idempotency.h"

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
    // A key re-claimed after expiry has a later expiry; keep that entry.
    if (it != entries_.end() && it->second.expires <= now) entries_.erase(it);
    order_.pop_front();
  }
}

IdempotencyCache::Claim IdempotencyCache::Begin(std::string_view group, std::string_view key,
                                                std::chrono::seconds window) {
  const TimePoint now = clock_.Now();
  MutexLock lock(mu_);
  DropExpiredLocked(now);
  std::string map_key = MapKey(group, key);
  auto it = entries_.find(map_key);
  if (it != entries_.end() && it->second.expires > now) {
    return it->second.done ? Claim{State::kDone, it->second.answer} : Claim{State::kInProgress, 0};
  }
  while (entries_.size() >= capacity_ && !order_.empty()) {
    entries_.erase(order_.front().second);
    order_.pop_front();
    ++evictions_;
  }
  const TimePoint expires = now + window;
  entries_[map_key] = Entry{0, false, expires};
  order_.emplace_back(expires, std::move(map_key));
  return Claim{State::kNew, 0};
}

void IdempotencyCache::Finish(std::string_view group, std::string_view key, int answer) {
  MutexLock lock(mu_);
  auto it = entries_.find(MapKey(group, key));
  if (it == entries_.end() || it->second.done) return;
  if (answer >= 500) {
    entries_.erase(it);  // a transient failure: let the retry through
    return;
  }
  it->second.answer = answer;
  it->second.done = true;
}

void IdempotencyCache::Remember(std::string_view group, std::string_view key, int answer,
                                TimePoint expires) {
  const TimePoint now = clock_.Now();
  if (expires <= now) return;
  MutexLock lock(mu_);
  std::string map_key = MapKey(group, key);
  while (entries_.size() >= capacity_ && !order_.empty()) {
    entries_.erase(order_.front().second);
    order_.pop_front();
    ++evictions_;
  }
  entries_[map_key] = Entry{answer, true, expires};
  order_.emplace_back(expires, std::move(map_key));
}

std::vector<IdempotencyImage> IdempotencyCache::Export() const {
  const TimePoint now = clock_.Now();
  MutexLock lock(mu_);
  std::vector<IdempotencyImage> out;
  out.reserve(entries_.size());
  for (const auto& [map_key, entry] : entries_) {
    if (!entry.done || entry.expires <= now) continue;
    const auto nul = map_key.find('\0');
    out.push_back({map_key.substr(0, nul), map_key.substr(nul + 1), entry.answer, entry.expires});
  }
  return out;
}

void IdempotencyCache::Clear() {
  MutexLock lock(mu_);
  entries_.clear();
  order_.clear();
}

std::size_t IdempotencyCache::size() const {
  MutexLock lock(mu_);
  return entries_.size();
}

std::uint64_t IdempotencyCache::evictions() const {
  MutexLock lock(mu_);
  return evictions_;
}

}  // namespace accumulator::store
