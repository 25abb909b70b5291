#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"

namespace accumulator::http {

// What the console shows of recent pushes (SPEC §10): per group, accepted pushes in
// 10-second slots over the last ten minutes, and the last refused pushes with their
// answer. In memory only, bounded, thread-safe. It keeps no part of a body but the
// error message, and never a key.
class PushLog {
 public:
  static constexpr std::chrono::seconds kSlot{10};
  static constexpr std::size_t kSlots = 60;  // ten minutes
  static constexpr std::size_t kMaxRefusals = 100;

  struct Refusal {
    TimePoint at{};
    std::string group;  // "" when no group could be told (e.g. an unknown key)
    int http_status = 0;
    std::string reason;   // e.g. "bad_request", as the self-metrics name it
    std::string message;  // the answer's error text
  };

  void Accepted(std::string_view group, TimePoint at);
  void Refused(Refusal refusal);

  // Accepted pushes per slot, oldest first, the last slot being the one `now` is in.
  std::vector<std::uint32_t> Rate(std::string_view group, TimePoint now) const;
  // Newest first.
  std::vector<Refusal> Refusals() const;

 private:
  struct Ring {
    std::array<std::uint32_t, kSlots> counts{};
    std::int64_t newest_slot = 0;  // the slot number (time / kSlot) counts.back() holds
  };
  static std::int64_t SlotOf(TimePoint t);
  // Moves `ring` on to `slot`, emptying the slots it passes.
  static void Advance(Ring& ring, std::int64_t slot);

  mutable Mutex mu_;
  std::map<std::string, Ring, std::less<>> rates_ MA_GUARDED_BY(mu_);
  std::deque<Refusal> refusals_ MA_GUARDED_BY(mu_);
};

}  // namespace accumulator::http
