#include "model/metric.h"

#include <algorithm>
#include <cmath>

namespace accumulator::model {

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kUntyped:
      return "untyped";
    case MetricType::kInfo:
      return "info";
    case MetricType::kStateset:
      return "stateset";
  }
  return "untyped";
}

std::optional<MetricType> ParseTypeName(std::string_view name) {
  for (MetricType t :
       {MetricType::kCounter, MetricType::kGauge, MetricType::kHistogram, MetricType::kSummary,
        MetricType::kUntyped, MetricType::kInfo, MetricType::kStateset}) {
    if (TypeName(t) == name) return t;
  }
  if (name == "unknown") return MetricType::kUntyped;  // OpenMetrics' word for untyped
  return std::nullopt;
}

std::size_t Push::SeriesCount() const {
  std::size_t n = 0;
  for (const Family& f : families) n += f.series.size();
  return n;
}

std::vector<std::string> SampleNames(std::string_view family, MetricType type) {
  const std::string name(family);
  switch (type) {
    case MetricType::kHistogram:
      return {name + "_bucket", name + "_sum", name + "_count"};
    case MetricType::kSummary:
      return {name, name + "_sum", name + "_count"};
    default:
      return {name};
  }
}

HistogramValue HistogramValue::FromBuckets(std::vector<std::pair<double, double>> buckets,
                                           double sum, double count) {
  std::sort(buckets.begin(), buckets.end());
  HistogramValue h;
  h.upper_bounds.reserve(buckets.size());
  h.bucket_counts.reserve(buckets.size());
  for (const auto& [le, c] : buckets) {
    h.upper_bounds.push_back(le);
    h.bucket_counts.push_back(c);
  }
  h.sum = sum;
  h.count = count;
  return h;
}

bool ValueMatchesType(const Value& value, MetricType type) {
  switch (type) {
    case MetricType::kHistogram:
      return std::holds_alternative<HistogramValue>(value);
    case MetricType::kSummary:
      return std::holds_alternative<SummaryValue>(value);
    default:
      return std::holds_alternative<ScalarValue>(value);
  }
}

namespace {

bool SameDouble(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

bool SameDoubles(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!SameDouble(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace

bool SameValue(const Value& a, const Value& b) {
  if (a.index() != b.index()) return false;
  if (const auto* sa = std::get_if<ScalarValue>(&a)) {
    return SameDouble(sa->value, std::get<ScalarValue>(b).value);
  }
  if (const auto* ha = std::get_if<HistogramValue>(&a)) {
    const auto& hb = std::get<HistogramValue>(b);
    return SameDoubles(ha->upper_bounds, hb.upper_bounds) &&
           SameDoubles(ha->bucket_counts, hb.bucket_counts) && SameDouble(ha->sum, hb.sum) &&
           SameDouble(ha->count, hb.count);
  }
  const auto& qa = std::get<SummaryValue>(a);
  const auto& qb = std::get<SummaryValue>(b);
  if (qa.quantiles.size() != qb.quantiles.size()) return false;
  for (std::size_t i = 0; i < qa.quantiles.size(); ++i) {
    if (!SameDouble(qa.quantiles[i].quantile, qb.quantiles[i].quantile) ||
        !SameDouble(qa.quantiles[i].value, qb.quantiles[i].value)) {
      return false;
    }
  }
  return SameDouble(qa.sum, qb.sum) && SameDouble(qa.count, qb.count);
}

}  // namespace accumulator::model
