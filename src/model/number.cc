#include "model/number.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace accumulator::model {

std::optional<double> ParseFloat(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    text.remove_prefix(1);
    if (text.empty() || text[0] == '+' || text[0] == '-') return std::nullopt;
  }
  double v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ptr != text.data() + text.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // from_chars reports both overflow and underflow here; tell them apart by the exponent.
    const bool tiny = text.find_first_of("eE") != std::string_view::npos &&
                      text[text.find_first_of("eE") + 1] == '-';
    v = tiny ? 0.0 : std::numeric_limits<double>::infinity();
  } else if (ec != std::errc()) {
    return std::nullopt;
  }
  if (std::isnan(v)) return std::numeric_limits<double>::quiet_NaN();
  return negative ? -v : v;
}

namespace {

// Whole numbers are most of what a scrape writes (counters), and to_chars' shortest
// search is most of the cost of writing one. Below 1e15 a whole double is exact, and
// to_chars spells it as plain digits unless the exponent form is shorter, which takes
// five or more trailing zeros (1e+05 against 100000). Returns null when that may be so.
char* WriteWholeNumber(double value, char* out) {
  if (!(value > -1e15 && value < 1e15)) return nullptr;  // also NaN
  const auto whole = static_cast<std::int64_t>(value);
  if (static_cast<double>(whole) != value || (whole == 0 && std::signbit(value))) return nullptr;
  std::uint64_t magnitude = whole < 0 ? 0 - static_cast<std::uint64_t>(whole) : whole;
  int trailing_zeros = 0;
  for (std::uint64_t m = magnitude; m != 0 && m % 10 == 0; m /= 10) ++trailing_zeros;
  if (trailing_zeros >= 5) return nullptr;
  if (whole < 0) *out++ = '-';
  return std::to_chars(out, out + kMaxFloatChars, magnitude).ptr;
}

}  // namespace

char* WriteFloat(double value, char* out) {
  if (char* end = WriteWholeNumber(value, out)) return end;
  std::string_view special;
  if (std::isnan(value)) {
    special = "NaN";
  } else if (std::isinf(value)) {
    special = value > 0 ? "+Inf" : "-Inf";
  } else {
    return std::to_chars(out, out + kMaxFloatChars, value).ptr;
  }
  return std::copy(special.begin(), special.end(), out);
}

void AppendFloat(double value, std::string& out) {
  char buf[kMaxFloatChars];
  out.append(buf, WriteFloat(value, buf));
}

}  // namespace accumulator::model
