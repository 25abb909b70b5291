#include "model/number.h"

#include <algorithm>
#include <charconv>
#include <cmath>
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

char* WriteFloat(double value, char* out) {
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
