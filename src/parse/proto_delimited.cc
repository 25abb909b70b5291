#include "parse/proto_delimited.h"

#include <cmath>
#include <string>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>

#include "metrics.pb.h"
#include "model/number.h"
#include "parse/push_builder.h"

namespace accumulator::parse {
namespace {

namespace pb = io::prometheus::client;

model::Labels LabelsOf(const pb::Metric& metric) {
  model::Labels labels;
  labels.reserve(static_cast<std::size_t>(metric.label_size()));
  for (const pb::LabelPair& pair : metric.label()) labels.push_back({pair.name(), pair.value()});
  return labels;
}

model::Labels With(model::Labels labels, const char* name, double bound) {
  std::string text;
  model::AppendFloat(bound, text);
  labels.push_back({name, std::move(text)});
  return labels;
}

double BucketCount(const pb::Bucket& b) {
  return b.cumulative_count_float() > 0 ? b.cumulative_count_float()
                                        : static_cast<double>(b.cumulative_count());
}

Status AddFamily(const pb::MetricFamily& family, std::size_t index, PushBuilder& builder) {
  const std::string& name = family.name();
  const auto fail = [&](const std::string& what) {
    return Status::InvalidArgument("family " + std::to_string(index) + " (\"" + name +
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
  if (Status s = builder.DeclareType(name, type, index); !s.ok()) return s;
  if (family.has_help()) {
    if (Status s = builder.DeclareHelp(name, family.help(), index); !s.ok()) return s;
  }
  for (const pb::Metric& metric : family.metric()) {
    Status s;
    switch (type) {
      case model::MetricType::kCounter:
        if (!metric.has_counter()) return fail("counter metric without a counter value");
        s = builder.AddSample(name, LabelsOf(metric), metric.counter().value(), index);
        break;
      case model::MetricType::kGauge:
        if (!metric.has_gauge()) return fail("gauge metric without a gauge value");
        s = builder.AddSample(name, LabelsOf(metric), metric.gauge().value(), index);
        break;
      case model::MetricType::kUntyped:
        if (!metric.has_untyped()) return fail("untyped metric without an untyped value");
        s = builder.AddSample(name, LabelsOf(metric), metric.untyped().value(), index);
        break;
      case model::MetricType::kSummary: {
        if (!metric.has_summary()) return fail("summary metric without a summary value");
        const pb::Summary& summary = metric.summary();
        for (const pb::Quantile& q : summary.quantile()) {
          s = builder.AddSample(name, With(LabelsOf(metric), "quantile", q.quantile()), q.value(),
                                index);
          if (!s.ok()) return s;
        }
        s = builder.AddSample(name + "_sum", LabelsOf(metric), summary.sample_sum(), index);
        if (s.ok()) {
          s = builder.AddSample(name + "_count", LabelsOf(metric),
                                static_cast<double>(summary.sample_count()), index);
        }
        break;
      }
      case model::MetricType::kHistogram: {
        if (!metric.has_histogram()) return fail("histogram metric without a histogram value");
        const pb::Histogram& h = metric.histogram();
        const double count = h.sample_count_float() > 0 ? h.sample_count_float()
                                                        : static_cast<double>(h.sample_count());
        const bool is_native = h.has_schema() || h.positive_span_size() > 0 ||
                               h.negative_span_size() > 0 || h.zero_count() > 0;
        if (h.bucket_size() == 0 && is_native) {
          return fail("native histograms are not supported; push classic buckets");
        }
        bool has_inf = false;
        for (const pb::Bucket& b : h.bucket()) {
          has_inf = has_inf || std::isinf(b.upper_bound());
          s = builder.AddSample(name + "_bucket", With(LabelsOf(metric), "le", b.upper_bound()),
                                BucketCount(b), index);
          if (!s.ok()) return s;
        }
        // client_golang leaves the +Inf bucket implicit: it holds every observation.
        if (!has_inf) {
          s = builder.AddSample(name + "_bucket", With(LabelsOf(metric), "le", INFINITY), count,
                                index);
          if (!s.ok()) return s;
        }
        s = builder.AddSample(name + "_sum", LabelsOf(metric), h.sample_sum(), index);
        if (s.ok()) s = builder.AddSample(name + "_count", LabelsOf(metric), count, index);
        break;
      }
      default:
        break;
    }
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Result<model::Push> ParseProtoDelimited(std::string_view body, const Limits& limits) {
  PushBuilder builder(limits, "family");
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
    if (Status s = AddFamily(family, index, builder); !s.ok()) return s;
  }
  return std::move(builder).Finish();
}

}  // namespace accumulator::parse
