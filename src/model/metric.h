#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "model/labels.h"

namespace accumulator::model {

// The family types of SPEC §2. Info and stateset come from OpenMetrics and merge as gauges.
enum class MetricType { kCounter, kGauge, kHistogram, kSummary, kUntyped, kInfo, kStateset };

std::string_view TypeName(MetricType type);
std::optional<MetricType> ParseTypeName(std::string_view name);

struct ScalarValue {  // counter, gauge, untyped, info, stateset
  double value = 0;
  bool operator==(const ScalarValue&) const = default;
};

// Cumulative buckets, as on the wire: counts[i] observations <= upper_bounds[i];
// the last bound is +Inf.
struct HistogramValue {
  std::vector<double> upper_bounds;
  std::vector<double> bucket_counts;
  double sum = 0;
  double count = 0;
  bool operator==(const HistogramValue&) const = default;

  // From (upper bound, cumulative count) pairs, as parsers collect them: sorted by bound.
  static HistogramValue FromBuckets(std::vector<std::pair<double, double>> buckets, double sum,
                                    double count);
};

struct Quantile {
  double quantile = 0;
  double value = 0;
  bool operator==(const Quantile&) const = default;
};

struct SummaryValue {
  std::vector<Quantile> quantiles;
  double sum = 0;
  double count = 0;
  bool operator==(const SummaryValue&) const = default;
};

using Value = std::variant<ScalarValue, HistogramValue, SummaryValue>;

// One series as pushed: identity labels (canonical, metadata removed) plus the
// metadata labels that steer merging (e.g. _metrics_accumulator_latest).
struct Series {
  Labels labels;
  Value value;
  Labels metadata;
};

// A series with a plain value and no metadata, e.g. one of the server's own metrics.
inline Series ScalarSeries(Labels labels, double value) {
  return Series{std::move(labels), ScalarValue{value}, {}};
}

struct Family {
  std::string name;
  MetricType type = MetricType::kUntyped;
  std::string help;
  std::vector<Series> series;
};

// Everything one request pushes, validated by its parser: family names unique,
// no series twice within a family, values shaped for the family's type.
struct Push {
  std::vector<Family> families;
  std::size_t SeriesCount() const;
};

// The sample names a family is exposed under in text 0.0.4: `x_bucket`, `x_sum`,
// `x_count` for histogram `x`; `x`, `x_sum`, `x_count` for a summary; else `x`.
std::vector<std::string> SampleNames(std::string_view family, MetricType type);

// The value shape a type needs (ScalarValue for counter/gauge/untyped/info/stateset).
bool ValueMatchesType(const Value& value, MetricType type);

// Equality that treats NaN as equal to NaN; for tests and round-trip checks.
bool SameValue(const Value& a, const Value& b);

}  // namespace accumulator::model
