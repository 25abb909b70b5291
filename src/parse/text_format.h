#pragma once

#include <string_view>

#include "common/status.h"
#include "model/metric.h"
#include "parse/limits.h"

namespace accumulator::parse {

// Parses the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), leniently where
// real clients are: CRLF, a missing final newline, a space between name and `{`,
// empty HELP, timestamps (ignored). Errors are kInvalidArgument and name the line.
Result<model::Push> ParseText(std::string_view body, const Limits& limits);

// Parses OpenMetrics text 1.0 (https://openmetrics.io): `# EOF` must end the body,
// `# UNIT` lines, exemplars and `_created` samples are accepted and ignored, and the
// info and stateset types are known. gaugehistogram is refused: it cannot be
// accumulated. Counter `x` is stored as `x_total`, info `x` as `x_info`.
Result<model::Push> ParseOpenMetrics(std::string_view body, const Limits& limits);

}  // namespace accumulator::parse
