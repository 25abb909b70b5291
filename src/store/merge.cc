#include "store/merge.h"

#include <cmath>
#include <string>

#include "model/names.h"
#include "model/number.h"

namespace accumulator::store {
namespace {

bool IsCount(double v) { return std::isfinite(v) && v >= 0; }

Status BadValue(const model::Family& family, const model::Series& pushed, const std::string& what) {
  return Status::InvalidArgument(model::DescribeSeries(family.name, pushed.labels) + ": " + what);
}

}  // namespace

std::optional<double> LatestStamp(const model::Series& pushed) {
  const std::string* text = model::FindLabel(pushed.metadata, model::kLatestLabel);
  if (text == nullptr) return std::nullopt;
  return model::ParseFloat(*text);
}

Status CheckPushed(const model::Family& family, const model::Series& pushed) {
  const model::MetricType type = family.type;
  if (!model::ValueMatchesType(pushed.value, type)) {
    return BadValue(family, pushed,
                    "value does not fit metric type " + std::string(TypeName(type)));
  }
  if (const std::string* latest = model::FindLabel(pushed.metadata, model::kLatestLabel)) {
    const auto stamp = LatestStamp(pushed);
    if (!stamp || std::isnan(*stamp)) {
      return BadValue(family, pushed,
                      "label _metrics_accumulator_latest=\"" + *latest + "\" is not a number");
    }
  }
  switch (type) {
    case model::MetricType::kCounter: {
      // A counter push is an increment; a negative or non-finite one would corrupt the sum.
      const double v = std::get<model::ScalarValue>(pushed.value).value;
      if (!IsCount(v)) {
        return BadValue(family, pushed,
                        "counter increment must be a finite number >= 0, got " + std::to_string(v));
      }
      return Status::Ok();
    }
    case model::MetricType::kHistogram: {
      const auto& h = std::get<model::HistogramValue>(pushed.value);
      for (double c : h.bucket_counts) {
        if (!IsCount(c))
          return BadValue(family, pushed, "histogram bucket counts must be finite and >= 0");
      }
      if (!IsCount(h.count))
        return BadValue(family, pushed, "histogram _count must be finite and >= 0");
      if (std::isnan(h.sum)) return BadValue(family, pushed, "histogram _sum must be a number");
      return Status::Ok();
    }
    case model::MetricType::kSummary: {
      const auto& s = std::get<model::SummaryValue>(pushed.value);
      if (!IsCount(s.count))
        return BadValue(family, pushed, "summary _count must be finite and >= 0");
      if (std::isnan(s.sum)) return BadValue(family, pushed, "summary _sum must be a number");
      return Status::Ok();
    }
    default:
      return Status::Ok();  // gauges may hold any value, NaN included
  }
}

Status CheckCompatible(const model::Family& family, const model::Value& stored,
                       const model::Series& pushed) {
  const auto* stored_h = std::get_if<model::HistogramValue>(&stored);
  const auto* pushed_h = std::get_if<model::HistogramValue>(&pushed.value);
  // Bucket bounds are part of a histogram's identity: adding counts across two layouts
  // would corrupt every quantile computed from the result.
  if (stored_h != nullptr && pushed_h != nullptr &&
      stored_h->upper_bounds != pushed_h->upper_bounds) {
    return Status::Conflict("histogram " + model::DescribeSeries(family.name, pushed.labels) +
                            ": bucket bounds differ from the stored series");
  }
  return Status::Ok();
}

std::string_view WriterOf(const model::Series& pushed) {
  const std::string* writer = model::FindLabel(pushed.metadata, model::kWriterLabel);
  return writer == nullptr ? std::string_view() : std::string_view(*writer);
}

model::Value CumulativeIncrease(const model::Value& last, const model::Value& pushed) {
  if (const auto* now = std::get_if<model::HistogramValue>(&pushed)) {
    const auto* before = std::get_if<model::HistogramValue>(&last);
    if (before == nullptr || before->upper_bounds != now->upper_bounds) return pushed;
    bool restarted = now->count < before->count;
    for (std::size_t i = 0; i < now->bucket_counts.size(); ++i) {
      restarted = restarted || now->bucket_counts[i] < before->bucket_counts[i];
    }
    if (restarted) return pushed;
    model::HistogramValue increase = *now;
    for (std::size_t i = 0; i < increase.bucket_counts.size(); ++i) {
      increase.bucket_counts[i] -= before->bucket_counts[i];
    }
    increase.count -= before->count;
    increase.sum -= before->sum;
    return increase;
  }
  if (const auto* now = std::get_if<model::SummaryValue>(&pushed)) {
    const auto* before = std::get_if<model::SummaryValue>(&last);
    if (before == nullptr || now->count < before->count) return pushed;
    model::SummaryValue increase = *now;
    increase.count -= before->count;
    increase.sum -= before->sum;
    return increase;
  }
  const auto* now = std::get_if<model::ScalarValue>(&pushed);
  const auto* before = std::get_if<model::ScalarValue>(&last);
  if (now == nullptr || before == nullptr || now->value < before->value) return pushed;
  return model::ScalarValue{now->value - before->value};
}

StoredValue FromPushed(const model::Series& pushed) {
  return StoredValue{pushed.value, LatestStamp(pushed)};
}

void Merge(model::MetricType type, StoredValue& stored, const model::Series& pushed) {
  switch (type) {
    case model::MetricType::kCounter:
      std::get<model::ScalarValue>(stored.value).value +=
          std::get<model::ScalarValue>(pushed.value).value;
      return;
    case model::MetricType::kHistogram: {
      auto& into = std::get<model::HistogramValue>(stored.value);
      const auto& from = std::get<model::HistogramValue>(pushed.value);
      for (std::size_t i = 0; i < into.bucket_counts.size(); ++i) {
        into.bucket_counts[i] += from.bucket_counts[i];
      }
      into.sum += from.sum;
      into.count += from.count;
      return;
    }
    case model::MetricType::kSummary: {
      // Quantiles from different processes cannot be combined; the latest wins.
      auto& into = std::get<model::SummaryValue>(stored.value);
      const auto& from = std::get<model::SummaryValue>(pushed.value);
      into.quantiles = from.quantiles;
      into.sum += from.sum;
      into.count += from.count;
      return;
    }
    default: {
      // Gauge-like: replace, unless the push is older by its _metrics_accumulator_latest
      // stamp (upstream semantics: a lower stamp than the stored one is ignored).
      const auto stamp = LatestStamp(pushed);
      if (stamp && stored.latest && *stamp < *stored.latest) return;
      stored.value = pushed.value;
      if (stamp) stored.latest = stamp;
      return;
    }
  }
}

}  // namespace accumulator::store
