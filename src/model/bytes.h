#pragma once

// Byte-string comparisons for label names and values, inline: they are a few bytes
// long, and a call to memcmp costs more than comparing them. For the hot paths that
// compare labels: model/ and the parsers.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace accumulator::model {

// As std::string_view::compare (as signs), eight bytes at a time; the bytes after the
// last whole eight in one more load, overlapping what was compared (equal so far).
inline int CompareBytes(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  // Loads `width` bytes at `at` from both; big-endian order compares as the bytes do.
  const auto differ = [&](std::size_t at, auto width, int& order) {
    decltype(width) x = 0;
    decltype(width) y = 0;
    std::memcpy(&x, a.data() + at, sizeof x);
    std::memcpy(&y, b.data() + at, sizeof y);
    if (x == y) return false;
    if constexpr (sizeof x == 8) {
      x = __builtin_bswap64(x);
      y = __builtin_bswap64(y);
    } else {
      x = __builtin_bswap32(x);
      y = __builtin_bswap32(y);
    }
    order = x < y ? -1 : 1;
    return true;
  };
  int order = 0;
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      if (differ(i, std::uint64_t{}, order)) return order;
    }
    if (n % 8 != 0 && differ(n - 8, std::uint64_t{}, order)) return order;
  } else if (n >= 4) {
    if (differ(0, std::uint32_t{}, order) || differ(n - 4, std::uint32_t{}, order)) return order;
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const auto x = static_cast<unsigned char>(a[i]);
      const auto y = static_cast<unsigned char>(b[i]);
      if (x != y) return x < y ? -1 : 1;
    }
  }
  return static_cast<int>(a.size() > b.size()) - static_cast<int>(a.size() < b.size());
}

// a == b, in a few loads.
inline bool SameBytes(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  const auto same = [&](std::size_t at, auto width) {
    decltype(width) u = 0;
    decltype(width) v = 0;
    std::memcpy(&u, x + at, sizeof u);
    std::memcpy(&v, y + at, sizeof v);
    return u == v;
  };
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      if (!same(i, std::uint64_t{})) return false;
    }
    return same(n - 8, std::uint64_t{});  // the tail, overlapping what was compared
  }
  if (n >= 4) return same(0, std::uint32_t{}) && same(n - 4, std::uint32_t{});
  // 0 to 3 bytes: the first, middle and last byte cover them all.
  return n == 0 || (x[0] == y[0] && x[n / 2] == y[n / 2] && x[n - 1] == y[n - 1]);
}

}  // namespace accumulator::model
