#include "http/push_log.h"

#include <algorithm>
#include <utility>

namespace accumulator::http {

std::int64_t PushLog::SlotOf(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() /
         kSlot.count();
}

void PushLog::Advance(Ring& ring, std::int64_t slot) {
  if (slot <= ring.newest_slot) return;
  const auto shift = static_cast<std::size_t>(
      std::min<std::int64_t>(slot - ring.newest_slot, static_cast<std::int64_t>(kSlots)));
  std::move(ring.counts.begin() + static_cast<std::ptrdiff_t>(shift), ring.counts.end(),
            ring.counts.begin());
  std::fill(ring.counts.end() - static_cast<std::ptrdiff_t>(shift), ring.counts.end(), 0);
  ring.newest_slot = slot;
}

void PushLog::Accepted(std::string_view group, TimePoint at) {
  const std::int64_t slot = SlotOf(at);
  MutexLock lock(mu_);
  auto it = rates_.find(group);
  if (it == rates_.end()) it = rates_.emplace(std::string(group), Ring{{}, slot}).first;
  Ring& ring = it->second;
  Advance(ring, slot);
  const std::int64_t age = ring.newest_slot - slot;  // a push a thread took long to count
  if (age >= 0 && age < static_cast<std::int64_t>(kSlots)) {
    ++ring.counts[kSlots - 1 - static_cast<std::size_t>(age)];
  }
}

void PushLog::Refused(Refusal refusal) {
  MutexLock lock(mu_);
  refusals_.push_front(std::move(refusal));
  if (refusals_.size() > kMaxRefusals) refusals_.pop_back();
}

std::vector<std::uint32_t> PushLog::Rate(std::string_view group, TimePoint now) const {
  MutexLock lock(mu_);
  auto it = rates_.find(group);
  if (it == rates_.end()) {
    std::vector<std::uint32_t> none(kSlots, 0);  // braces would make a vector of {60, 0}
    return none;
  }
  Ring ring = it->second;  // a copy, moved on to now without changing the log
  Advance(ring, SlotOf(now));
  return {ring.counts.begin(), ring.counts.end()};
}

std::vector<PushLog::Refusal> PushLog::Refusals() const {
  MutexLock lock(mu_);
  return {refusals_.begin(), refusals_.end()};
}

}  // namespace accumulator::http
