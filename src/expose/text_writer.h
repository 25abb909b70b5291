#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/metric.h"

namespace accumulator::expose {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Appends `families` to `out` in the Prometheus text format 0.0.4, in the order given
// (the store hands them sorted, so output is deterministic). Info and stateset
// families, which 0.0.4 has no word for, are written as gauges.
void WriteText(const std::vector<model::Family>& families, std::string& out);

// Appends one sample line, `name<suffix>{labels,extra_name="extra_value"} value\n`,
// the syntax the text and OpenMetrics formats share. `extra_name` empty: no extra label.
void AppendSample(std::string_view name, std::string_view suffix, const model::Labels& labels,
                  std::string_view extra_name, double extra_value, double value, std::string& out);

// Escapes a label value (\\, \", \n) onto `out`.
void AppendEscapedLabelValue(std::string_view value, std::string& out);

}  // namespace accumulator::expose
