#pragma once

// Small constructors for model values, so tests read as the data they describe.

#include <string>
#include <utility>
#include <vector>

#include "model/metric.h"

namespace accumulator::testing {

inline model::Series Scalar(model::Labels labels, double value, model::Labels metadata = {}) {
  return model::Series{std::move(labels), model::ScalarValue{value}, std::move(metadata)};
}

inline model::Series Histogram(model::Labels labels, std::vector<double> bounds,
                               std::vector<double> counts, double sum) {
  model::HistogramValue h{std::move(bounds), std::move(counts), sum, 0};
  h.count = h.bucket_counts.empty() ? 0 : h.bucket_counts.back();
  return model::Series{std::move(labels), std::move(h), {}};
}

inline model::Series Summary(model::Labels labels, std::vector<model::Quantile> quantiles,
                             double sum, double count) {
  return model::Series{
      std::move(labels), model::SummaryValue{std::move(quantiles), sum, count}, {}};
}

inline model::Family Family(std::string name, model::MetricType type,
                            std::vector<model::Series> series) {
  return model::Family{std::move(name), type, "", std::move(series)};
}

inline model::Push Push(std::vector<model::Family> families) {
  return model::Push{std::move(families)};
}

}  // namespace accumulator::testing
