#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace accumulator::model {

// A float as the Prometheus formats spell it: decimal or exponent, an optional sign,
// NaN, Inf, +Inf, -Inf (case-insensitive). Overflow rounds to ±Inf, as Go does.
std::optional<double> ParseFloat(std::string_view text);

// Appends the shortest spelling that reads back to the same double; NaN, +Inf and
// -Inf as Prometheus writes them.
void AppendFloat(double value, std::string& out);
// The same, written at `out`, which must have room for kMaxFloatChars; returns the end.
inline constexpr std::size_t kMaxFloatChars = 32;
char* WriteFloat(double value, char* out);

}  // namespace accumulator::model
