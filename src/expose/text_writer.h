#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/metric.h"

namespace accumulator::expose {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Appends `families` to `out` in the Prometheus text format 0.0.4, in the order given
// (the store hands them sorted, so output is deterministic). See ExpositionWriter.
void WriteText(const std::vector<model::Family>& families, std::string& out);

}  // namespace accumulator::expose
