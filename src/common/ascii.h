#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace accumulator {

// ASCII case folding for protocol tokens (header names, media types, codings). Not
// std::tolower: that is a call per character and depends on the locale.
constexpr char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

inline void AsciiLowerInPlace(std::string& s) {
  std::transform(s.begin(), s.end(), s.begin(), AsciiLower);
}

inline std::string AsciiLowered(std::string_view s) {
  std::string out(s);
  AsciiLowerInPlace(out);
  return out;
}

inline bool SameIgnoringAsciiCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

}  // namespace accumulator
