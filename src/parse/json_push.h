#pragma once

#include <string_view>

#include "common/status.h"
#include "model/metric.h"
#include "parse/limits.h"

namespace accumulator::parse {

struct JsonRecordOptions {
  // Record fields that are labels too; off by default, since host names and process
  // ids of short-lived functions explode cardinality (SPEC §3.3).
  bool hostname_label = false;
  bool pid_label = false;
};

// Parses a JSON push (SPEC §3.3): a request record, an array of them, or a document
// {"metrics": [{"name", "type", "help", "labels", "value" | "buckets"/"sum"/"count" |
// "quantiles"/"sum"/"count"}]}. Each record adds 1 to requests_total and observes
// `value` (seconds) in request_duration_seconds, both labelled endpoint, method and
// status_code. kInvalidArgument names the record or metric and the field.
Result<model::Push> ParseJsonPush(std::string_view body, const Limits& limits,
                                  const JsonRecordOptions& options);

}  // namespace accumulator::parse
