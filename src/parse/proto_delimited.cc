#include "parse/proto_delimited.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>

#include "metrics.pb.h"
#include "model/names.h"
#include "parse/validate.h"

namespace accumulator::parse {
namespace {

namespace pb = io::prometheus::client;

model::Labels LabelsOf(const pb::Metric& metric) {
  model::Labels labels;
  labels.reserve(static_cast<std::size_t>(metric.label_size()));
  for (const pb::LabelPair& pair : metric.label()) labels.push_back({pair.name(), pair.value()});
  return labels;
}

double BucketCount(const pb::Bucket& b) {
  return b.cumulative_count_float() > 0 ? b.cumulative_count_float()
                                        : static_cast<double>(b.cumulative_count());
}

model::HistogramValue ClassicHistogram(const pb::Histogram& h) {
  const double count =
      h.sample_count_float() > 0 ? h.sample_count_float() : static_cast<double>(h.sample_count());
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
  buckets.reserve(static_cast<std::size_t>(h.bucket_size()) + 1);
  bool has_inf = false;
  for (const pb::Bucket& b : h.bucket()) {
    has_inf = has_inf || (std::isinf(b.upper_bound()) && b.upper_bound() > 0);
    buckets.emplace_back(b.upper_bound(), BucketCount(b));
  }
  // client_golang leaves the +Inf bucket implicit: it holds every observation.
  if (!has_inf) buckets.emplace_back(INFINITY, count);
  return model::HistogramValue::FromBuckets(std::move(buckets), h.sample_sum(), count);
}

// One MetricFamily message as a typed family; ValidatePush checks it with the rest.
Status AddFamily(const pb::MetricFamily& family, std::size_t index, model::Push& push) {
  const auto fail = [&](const std::string& what) {
    return Status::InvalidArgument("family " + std::to_string(index) + " (\"" + family.name() +
                                   "\"): " + what);
  };
  model::MetricType type = model::MetricType::kUntyped;
  switch (family.type()) {
    case pb::COUNTER:
      type = model::MetricType::kCounter;
      break;
    case pb::GAUGE:
      type = model::MetricType::kGauge;
      break;
    case pb::SUMMARY:
      type = model::MetricType::kSummary;
      break;
    case pb::UNTYPED:
      type = model::MetricType::kUntyped;
      break;
    case pb::HISTOGRAM:
      type = model::MetricType::kHistogram;
      break;
    case pb::GAUGE_HISTOGRAM:
      return fail("gauge histograms cannot be accumulated; push them as gauges");
  }
  // A family without series adds nothing, but still has to be a family.
  if (!model::IsValidMetricName(family.name())) return fail("invalid metric name");
  if (family.metric_size() == 0) return Status::Ok();
  model::Family out{family.name(), type, family.help(), {}};
  // A trailing CR cannot survive a text line ending; drop it so every format agrees.
  while (!out.help.empty() && out.help.back() == '\r') out.help.pop_back();
  out.series.reserve(static_cast<std::size_t>(family.metric_size()));
  for (const pb::Metric& metric : family.metric()) {
    model::Series& series = out.series.emplace_back();
    series.labels = LabelsOf(metric);
    switch (type) {
      case model::MetricType::kCounter:
        if (!metric.has_counter()) return fail("counter metric without a counter value");
        series.value = model::ScalarValue{metric.counter().value()};
        break;
      case model::MetricType::kGauge:
        if (!metric.has_gauge()) return fail("gauge metric without a gauge value");
        series.value = model::ScalarValue{metric.gauge().value()};
        break;
      case model::MetricType::kUntyped:
        if (!metric.has_untyped()) return fail("untyped metric without an untyped value");
        series.value = model::ScalarValue{metric.untyped().value()};
        break;
      case model::MetricType::kSummary: {
        if (!metric.has_summary()) return fail("summary metric without a summary value");
        const pb::Summary& summary = metric.summary();
        model::SummaryValue value;
        value.quantiles.reserve(static_cast<std::size_t>(summary.quantile_size()));
        for (const pb::Quantile& q : summary.quantile()) {
          value.quantiles.push_back({q.quantile(), q.value()});
        }
        value.sum = summary.sample_sum();
        value.count = static_cast<double>(summary.sample_count());
        series.value = std::move(value);
        break;
      }
      case model::MetricType::kHistogram: {
        if (!metric.has_histogram()) return fail("histogram metric without a histogram value");
        const pb::Histogram& h = metric.histogram();
        const bool is_native = h.has_schema() || h.positive_span_size() > 0 ||
                               h.negative_span_size() > 0 || h.zero_count() > 0;
        if (h.bucket_size() == 0 && is_native) {
          return fail("native histograms are not supported; push classic buckets");
        }
        series.value = ClassicHistogram(h);
        break;
      }
      default:
        break;
    }
  }
  push.families.push_back(std::move(out));
  return Status::Ok();
}

}  // namespace

Result<model::Push> ParseProtoDelimited(std::string_view body, const Limits& limits) {
  model::Push push;
  std::vector<std::size_t> positions;  // the message each family came from, 1-based
  google::protobuf::io::ArrayInputStream input(body.data(), static_cast<int>(body.size()));
  std::size_t index = 0;
  while (true) {
    google::protobuf::io::CodedInputStream coded(&input);
    pb::MetricFamily family;
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromCodedStream(&family, &coded, &clean_eof)) {
      if (clean_eof) break;
      return Status::InvalidArgument("family " + std::to_string(index + 1) +
                                     ": not a valid length-delimited MetricFamily message");
    }
    ++index;
    if (Status s = AddFamily(family, index, push); !s.ok()) return s;
    if (positions.size() < push.families.size()) positions.push_back(index);
  }
  if (Status s = ValidatePush(push, limits,
                              [&](std::size_t f, std::size_t) {
                                return "family " + std::to_string(positions[f]) + ": ";
                              });
      !s.ok()) {
    return s;
  }
  return push;
}

}  // namespace accumulator::parse
