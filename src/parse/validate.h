#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "common/status.h"
#include "model/metric.h"
#include "parse/limits.h"

namespace accumulator::parse {

// Where series `series` of family `family` (indexes into the push) came from, as an
// error message prefix such as "line 12: " or "family 3: ".
using PushLocator = std::function<std::string(std::size_t family, std::size_t series)>;

// The checks every push passes, whatever its wire format, so a parser only has to
// build a typed model::Push: names (metric names, label names, the metadata labels'
// too) by Prometheus' rules and within `limits`; label values and HELP as UTF-8 within
// `limits`; no label name twice in a series, no series twice in a family, no family
// twice; a value of the shape the type needs; histograms with increasing bounds ending
// at +Inf and cumulative counts; summaries with quantiles in [0, 1]; no two families
// claiming one sample name (an untyped `x_sum` beside histogram `x`). Puts each
// series' labels and each summary's quantiles in order. kInvalidArgument
// names the problem after `where`'s prefix. Merge rules (a counter's increment must not be
// negative, ...) are the store's (store/merge.h).
Status ValidatePush(model::Push& push, const Limits& limits, const PushLocator& where);

}  // namespace accumulator::parse
