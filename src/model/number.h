#pragma once

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

}  // namespace accumulator::model
