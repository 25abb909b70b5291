#include "parse/json_push.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "model/names.h"
#include "model/number.h"
#include "parse/validate.h"

namespace accumulator::parse {
namespace {

using nlohmann::json;

// Prometheus' default buckets (client_golang DefBuckets), for request durations.
constexpr double kDefaultBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
constexpr std::size_t kMaxDepth = 64;

// Refuses pathological nesting before the parser sees it.
bool NestingWithin(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

Status FieldError(const std::string& where, std::string_view field, const std::string& what) {
  return Status::InvalidArgument(where + ": field \"" + std::string(field) + "\" " + what);
}

std::string LabelText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();  // integers such as status_code 200 -> "200"
}

struct RecordSeries {
  double requests = 0;
  std::vector<double> buckets = std::vector<double>(std::size(kDefaultBuckets) + 1, 0);
  double sum = 0;
};

Status AddRecord(const json& record, const std::string& where, const JsonRecordOptions& options,
                 std::map<model::Labels, RecordSeries>& series) {
  if (!record.is_object()) return Status::InvalidArgument(where + ": must be a JSON object");
  model::Labels labels;
  for (const char* field : {"endpoint", "request_method", "status_code"}) {
    auto it = record.find(field);
    if (it == record.end() || it->is_null()) return FieldError(where, field, "is required");
    const bool is_status = std::string_view(field) == "status_code";
    const bool digits =
        it->is_string() && !it->get_ref<const std::string&>().empty() &&
        it->get_ref<const std::string&>().find_first_not_of("0123456789") == std::string::npos;
    if (is_status ? !(it->is_number_integer() || digits) : !it->is_string()) {
      return FieldError(where, field, is_status ? "must be an integer" : "must be a string");
    }
    const std::string name = std::string_view(field) == "request_method" ? "method" : field;
    labels.push_back({name, LabelText(*it)});
  }
  auto value = record.find("value");
  if (value == record.end() || value->is_null()) return FieldError(where, "value", "is required");
  if (!value->is_number()) return FieldError(where, "value", "must be a number (seconds)");
  const double seconds = value->get<double>();
  if (!std::isfinite(seconds) || seconds < 0) {
    return FieldError(where, "value", "must be a duration in seconds, >= 0");
  }
  const auto optional_label = [&](const char* field, bool wanted) -> Status {
    auto it = record.find(field);
    if (!wanted || it == record.end() || it->is_null()) return Status::Ok();
    if (!it->is_string() && !it->is_number_integer()) {
      return FieldError(where, field, "must be a string or an integer");
    }
    labels.push_back({field, LabelText(*it)});
    return Status::Ok();
  };
  if (Status s = optional_label("hostname", options.hostname_label); !s.ok()) return s;
  if (Status s = optional_label("pid", options.pid_label); !s.ok()) return s;
  model::Canonicalize(labels);
  RecordSeries& out = series[labels];
  out.requests += 1;
  out.sum += seconds;
  for (std::size_t i = 0; i < std::size(kDefaultBuckets); ++i) {
    if (seconds <= kDefaultBuckets[i]) out.buckets[i] += 1;
  }
  out.buckets.back() += 1;  // +Inf
  return Status::Ok();
}

model::Push RecordsToPush(const std::map<model::Labels, RecordSeries>& series) {
  model::Family requests{
      "requests_total", model::MetricType::kCounter, "Requests reported through the JSON API.", {}};
  model::Family durations{"request_duration_seconds",
                          model::MetricType::kHistogram,
                          "Request durations reported through the JSON API.",
                          {}};
  std::vector<double> bounds(std::begin(kDefaultBuckets), std::end(kDefaultBuckets));
  bounds.push_back(INFINITY);
  for (const auto& [labels, s] : series) {
    requests.series.push_back(model::Series{labels, model::ScalarValue{s.requests}, {}});
    durations.series.push_back(
        model::Series{labels, model::HistogramValue{bounds, s.buckets, s.sum, s.requests}, {}});
  }
  model::Push push;
  if (!series.empty()) {
    push.families.push_back(std::move(requests));
    push.families.push_back(std::move(durations));
  }
  return push;
}

Result<model::Labels> LabelsField(const json& metric, const std::string& where) {
  model::Labels labels;
  auto it = metric.find("labels");
  if (it == metric.end() || it->is_null()) return labels;
  if (!it->is_object()) return FieldError(where, "labels", "must be an object of strings");
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string()) {
      return FieldError(where, "labels." + name, "must be a string");
    }
    labels.push_back({name, value.get<std::string>()});
  }
  return labels;
}

Result<double> NumberField(const json& metric, std::string_view field, const std::string& where,
                           bool required) {
  auto it = metric.find(field);
  if (it == metric.end() || it->is_null()) {
    if (required) return FieldError(where, field, "is required");
    return 0.0;
  }
  if (it->is_number()) return it->get<double>();
  // Prometheus spells special values as strings: "NaN", "+Inf", "-Inf".
  if (it->is_string()) {
    if (auto v = model::ParseFloat(it->get<std::string>())) return *v;
  }
  return FieldError(where, field, "must be a number");
}

// Where each series of a {"metrics": [...]} document came from.
struct Positions {
  std::map<std::string, std::size_t> family_of;   // name -> index in the push
  std::vector<std::vector<std::size_t>> entries;  // per family, per series: metrics[] index
};

// Reads a {"<bound>": number} object (histogram buckets, summary quantiles).
Result<std::vector<std::pair<double, double>>> BoundsField(const json& map, const char* field,
                                                           const std::string& where) {
  std::vector<std::pair<double, double>> out;
  if (!map.is_object()) return FieldError(where, field, "must be an object");
  out.reserve(map.size());
  for (const auto& [bound, value] : map.items()) {
    if (!value.is_number()) {
      return FieldError(where, std::string(field) + "." + bound, "must be a number");
    }
    auto parsed = model::ParseFloat(bound);
    if (!parsed) {
      return FieldError(where, std::string(field) + "." + bound,
                        "must be keyed by a number (\"0.5\", \"+Inf\")");
    }
    out.emplace_back(*parsed, value.get<double>());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// One metrics[] entry: a series of the family its name gives. ValidatePush checks it.
Status AddGenericMetric(const json& metric, std::size_t index, model::Push& push,
                        Positions& positions) {
  const std::string where = "metrics[" + std::to_string(index) + "]";
  if (!metric.is_object()) return Status::InvalidArgument(where + ": must be a JSON object");
  auto name_it = metric.find("name");
  if (name_it == metric.end() || !name_it->is_string()) {
    return FieldError(where, "name", "is required and must be a string");
  }
  const std::string name = name_it->get<std::string>();
  model::MetricType type = model::MetricType::kUntyped;
  if (auto t = metric.find("type"); t != metric.end() && !t->is_null()) {
    if (!t->is_string()) return FieldError(where, "type", "must be a string");
    auto parsed = model::ParseTypeName(t->get<std::string>());
    if (!parsed || *parsed == model::MetricType::kInfo || *parsed == model::MetricType::kStateset) {
      return FieldError(where, "type", "must be counter, gauge, histogram, summary or untyped");
    }
    type = *parsed;
  }
  auto [it, inserted] = positions.family_of.try_emplace(name, push.families.size());
  if (inserted) {
    model::Family& family = push.families.emplace_back(model::Family{name, type, "", {}});
    if (auto help = metric.find("help"); help != metric.end() && help->is_string()) {
      family.help = help->get<std::string>();
    }
    positions.entries.emplace_back();
  } else if (push.families[it->second].type != type) {
    return FieldError(where, "type", "differs from an earlier entry for \"" + name + "\"");
  }
  model::Family& family = push.families[it->second];
  auto labels = LabelsField(metric, where);
  if (!labels.ok()) return labels.status();
  model::Series series{std::move(*labels), model::ScalarValue{}, {}};
  if (type == model::MetricType::kHistogram || type == model::MetricType::kSummary) {
    const bool hist = type == model::MetricType::kHistogram;
    const char* map_field = hist ? "buckets" : "quantiles";
    auto map = metric.find(map_field);
    if (hist && (map == metric.end() || !map->is_object())) {
      return FieldError(where, map_field, "is required: an object of \"<le>\": count");
    }
    auto count = NumberField(metric, "count", where, /*required=*/hist);
    if (!count.ok()) return count.status();
    auto sum = NumberField(metric, "sum", where, /*required=*/false);
    if (!sum.ok()) return sum.status();
    std::vector<std::pair<double, double>> bounds;
    if (map != metric.end() && !map->is_null()) {
      auto read = BoundsField(*map, map_field, where);
      if (!read.ok()) return read.status();
      bounds = std::move(*read);
    }
    if (hist) {
      // The +Inf bucket may be left out: it holds every observation.
      if (bounds.empty() || !std::isinf(bounds.back().first) || bounds.back().first < 0) {
        bounds.emplace_back(INFINITY, *count);
      }
      series.value = model::HistogramValue::FromBuckets(std::move(bounds), *sum, *count);
    } else {
      model::SummaryValue q;
      for (const auto& [quantile, v] : bounds) q.quantiles.push_back({quantile, v});
      q.sum = *sum;
      q.count = *count;
      series.value = std::move(q);
    }
  } else {
    auto value = NumberField(metric, "value", where, /*required=*/true);
    if (!value.ok()) return value.status();
    series.value = model::ScalarValue{*value};
  }
  family.series.push_back(std::move(series));
  positions.entries[it->second].push_back(index);
  return Status::Ok();
}

}  // namespace

Result<model::Push> ParseJsonPush(std::string_view body, const Limits& limits,
                                  const JsonRecordOptions& options) {
  if (!NestingWithin(body, kMaxDepth)) {
    return Status::InvalidArgument("JSON nested deeper than 64 levels");
  }
  json doc;
  try {
    doc = json::parse(body);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for 1e999
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> the rest
    if (const auto bracket = what.find("] "); bracket != std::string::npos) {
      what = what.substr(bracket + 2);
    }
    return Status::InvalidArgument("invalid JSON: " + what);
  }
  if (doc.is_object() && doc.contains("metrics")) {
    const json& metrics = doc["metrics"];
    if (!metrics.is_array()) return FieldError("document", "metrics", "must be an array");
    model::Push push;
    Positions positions;
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      if (Status s = AddGenericMetric(metrics[i], i, push, positions); !s.ok()) return s;
    }
    if (Status s = ValidatePush(push, limits,
                                [&](std::size_t f, std::size_t series) {
                                  return "metric " +
                                         std::to_string(positions.entries[f][series] + 1) + ": ";
                                });
        !s.ok()) {
      return s;
    }
    return push;
  }
  std::map<model::Labels, RecordSeries> series;
  if (doc.is_array()) {
    for (std::size_t i = 0; i < doc.size(); ++i) {
      Status s = AddRecord(doc[i], "record " + std::to_string(i), options, series);
      if (!s.ok()) return s;
    }
  } else if (doc.is_object()) {
    if (Status s = AddRecord(doc, "record", options, series); !s.ok()) return s;
  } else {
    return Status::InvalidArgument(
        "expected a request record, an array of records, or {\"metrics\": [...]}");
  }
  model::Push push = RecordsToPush(series);
  if (Status s = ValidatePush(push, limits, [](std::size_t, std::size_t) { return ""; }); !s.ok()) {
    return s;
  }
  return push;
}

}  // namespace accumulator::parse
