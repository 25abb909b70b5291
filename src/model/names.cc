#include "model/names.h"

#include <cstdint>
#include <cstring>

namespace accumulator::model {
namespace {

using name_chars::kCharClasses;
using name_chars::kColon;
using name_chars::kDigit;
using name_chars::kLetterOrUnderscore;

// True if `name` is non-empty, starts with a `first` class and continues with `rest`.
bool MatchesClasses(std::string_view name, unsigned first, unsigned rest) {
  if (name.empty() || (kCharClasses[static_cast<unsigned char>(name[0])] & first) == 0) {
    return false;
  }
  for (std::size_t i = 1; i < name.size(); ++i) {
    if ((kCharClasses[static_cast<unsigned char>(name[i])] & rest) == 0) return false;
  }
  return true;
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
  return MatchesClasses(name, kLetterOrUnderscore | kColon, kLetterOrUnderscore | kColon | kDigit);
}

bool IsValidLabelName(std::string_view name) {
  return MatchesClasses(name, kLetterOrUnderscore, kLetterOrUnderscore | kDigit);
}

bool IsReservedLabelName(std::string_view name) { return name.starts_with("__"); }

bool IsMetadataLabel(std::string_view name) { return name.starts_with(kMetadataLabelPrefix); }

bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  // Label values are nearly always ASCII: skip it eight bytes at a time.
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  while (i + 8 <= n) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + i, sizeof word);
    if ((word & kHighBits) != 0) break;
    i += 8;
  }
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t extra = 0;
    unsigned min_code = 0;
    unsigned code = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
      min_code = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
      min_code = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
      min_code = 0x10000;
    } else {
      return false;
    }
    if (i + extra >= n) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if (code < min_code || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace accumulator::model
