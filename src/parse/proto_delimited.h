#pragma once

#include <string_view>

#include "common/status.h"
#include "model/metric.h"
#include "parse/limits.h"

namespace accumulator::parse {

// Parses varint-length-delimited io.prometheus.client.MetricFamily messages (the
// Pushgateway's protobuf format). Histograms without a +Inf bucket get one holding
// sample_count. Native histograms without classic buckets are refused. Errors
// (kInvalidArgument) name the family by position: "family 3: ...".
Result<model::Push> ParseProtoDelimited(std::string_view body, const Limits& limits);

}  // namespace accumulator::parse
