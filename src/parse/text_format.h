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

}  // namespace accumulator::parse
