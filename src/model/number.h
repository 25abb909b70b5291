#pragma once

#include <optional>
#include <string_view>

namespace accumulator::model {

// A float as the Prometheus formats spell it: decimal or exponent, an optional sign,
// NaN, Inf, +Inf, -Inf (case-insensitive). Overflow rounds to ±Inf, as Go does.
std::optional<double> ParseFloat(std::string_view text);

}  // namespace accumulator::model
