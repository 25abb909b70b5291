#pragma once

#include <string_view>

#include "common/status.h"
#include "model/selector.h"

namespace accumulator::parse {

// Parses a PromQL series selector such as `http_requests_total{job="x",code=~"5.."}` or
// `{function_version!="3"}` (see model::Selector for how it matches). kInvalidArgument
// names the position and the problem. A selector that would match every series (no
// matcher, or only matchers that accept "") is refused, as Prometheus refuses it.
Result<model::Selector> ParseSelector(std::string_view text);

}  // namespace accumulator::parse
