#pragma once

#include <optional>

#include "common/status.h"
#include "model/metric.h"

namespace accumulator::store {

// The merge rules of SPEC §2 (docs/merge-rules.md) as pure functions over values.

// A stored series: its merged value and the ordering stamp of "latest wins" gauges.
struct StoredValue {
  model::Value value;
  std::optional<double> latest;  // _metrics_accumulator_latest of the value kept
};

// Checks a pushed series on its own: counter increments, histogram and summary counts
// must be finite and not negative; _metrics_accumulator_latest must be a number.
// kInvalidArgument names the problem.
Status CheckPushed(const model::Family& family, const model::Series& pushed);

// Checks that `pushed` can merge into `stored` (kConflict if histogram bounds differ).
Status CheckCompatible(const model::Family& family, const model::Value& stored,
                       const model::Series& pushed);

// The first push of a series.
StoredValue FromPushed(const model::Series& pushed);

// Merges a checked push into the stored value, by the rule of the family's type.
void Merge(model::MetricType type, StoredValue& stored, const model::Series& pushed);

// For a cumulative writer (SPEC §2): what `pushed` adds given the writer's previous
// push `last` of the same series. For counters, histograms and summaries only (gauges
// are not cumulative). Counters, histogram buckets/sum/count and summary sum/count
// give their increase; a value lower than before means the writer restarted, and the
// whole pushed value counts.
model::Value CumulativeIncrease(const model::Value& last, const model::Value& pushed);

// The writer named by a push's _metrics_accumulator_writer label, or "" for a delta push.
std::string_view WriterOf(const model::Series& pushed);

// The number in a push's _metrics_accumulator_latest label, if it has one.
std::optional<double> LatestStamp(const model::Series& pushed);

}  // namespace accumulator::store
