#pragma once

#include <charconv>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace accumulator::shared {

// A Redis stream entry ID, "<milliseconds>-<sequence>": Redis' own clock when the
// entry was added, then a counter within that millisecond. IDs grow along a stream.
struct StreamId {
  std::uint64_t ms = 0;
  std::uint64_t seq = 0;

  static std::optional<StreamId> Parse(std::string_view text) {
    const auto dash = text.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    StreamId id;
    const char* end = text.data() + dash;
    auto [p1, e1] = std::from_chars(text.data(), end, id.ms);
    if (e1 != std::errc() || p1 != end || dash == 0) return std::nullopt;
    const char* tail = text.data() + text.size();
    auto [p2, e2] = std::from_chars(end + 1, tail, id.seq);
    if (e2 != std::errc() || p2 != tail || dash + 1 == text.size()) return std::nullopt;
    return id;
  }
  std::string ToString() const { return std::to_string(ms) + "-" + std::to_string(seq); }
  // clang-tidy 14 reads the 0 of a defaulted <=> as a null pointer.
  auto operator<=>(const StreamId&) const = default;  // NOLINT(modernize-use-nullptr)
};

}  // namespace accumulator::shared
