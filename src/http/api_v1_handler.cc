#include "http/api_v1_handler.h"

#include <algorithm>
#include <map>

#include "common/log.h"
#include "http/auth.h"
#include "http/json.h"
#include "http/json_push_handler.h"
#include "http/query.h"
#include "http/status_to_http.h"
#include "model/number.h"
#include "parse/grouping_key.h"
#include "parse/selector.h"

namespace accumulator::http {
namespace {

std::string Rfc3339(TimePoint t) { return FormatUtc(t, "%Y-%m-%dT%H:%M:%SZ"); }

void AppendLabelsObject(const model::Labels& labels, std::string& out) {
  out += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(labels[i].name, out);
    out += ':';
    AppendJsonString(labels[i].value, out);
  }
  out += '}';
}

void AppendNumberString(double v, std::string& out) {
  std::string text;
  model::AppendFloat(v, text);
  AppendJsonString(text, out);
}

std::string UpperTypeName(model::MetricType type) {
  std::string name(
      model::TypeName(type == model::MetricType::kInfo || type == model::MetricType::kStateset
                          ? model::MetricType::kGauge
                          : type));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return name;
}

// One series in the Pushgateway's /api/v1/metrics shape (values are strings).
void AppendPgwMetric(const model::Series& series, std::string& out) {
  out += "{\"labels\":";
  AppendLabelsObject(series.labels, out);
  if (const auto* h = std::get_if<model::HistogramValue>(&series.value)) {
    out += ",\"buckets\":{";
    for (std::size_t i = 0; i < h->upper_bounds.size(); ++i) {
      if (i > 0) out += ',';
      std::string le;
      model::AppendFloat(h->upper_bounds[i], le);
      AppendJsonString(le, out);
      out += ':';
      AppendNumberString(h->bucket_counts[i], out);
    }
    out += "},\"count\":";
    AppendNumberString(h->count, out);
    out += ",\"sum\":";
    AppendNumberString(h->sum, out);
  } else if (const auto* s = std::get_if<model::SummaryValue>(&series.value)) {
    out += ",\"quantiles\":{";
    for (std::size_t i = 0; i < s->quantiles.size(); ++i) {
      if (i > 0) out += ',';
      std::string q;
      model::AppendFloat(s->quantiles[i].quantile, q);
      AppendJsonString(q, out);
      out += ':';
      AppendNumberString(s->quantiles[i].value, out);
    }
    out += "},\"count\":";
    AppendNumberString(s->count, out);
    out += ",\"sum\":";
    AppendNumberString(s->sum, out);
  } else if (const auto* scalar = std::get_if<model::ScalarValue>(&series.value)) {
    out += ",\"value\":";
    AppendNumberString(scalar->value, out);
  }
  out += '}';
}

}  // namespace

Response ApiV1Handler::ServerStatus() const {
  std::string body = "{\"status\":\"success\",\"data\":{\"build_information\":{\"version\":";
  AppendJsonString(options_.version, body);
  body += ",\"program\":\"metrics-accumulator\"},\"flags\":{},\"start_time\":";
  AppendJsonString(Rfc3339(options_.start_time), body);
  body += ",\"ready\":";
  body += ready_ ? "true" : "false";
  body += "}}";
  return Response::Json(200, std::move(body));
}

Response ApiV1Handler::Metrics(const Request& request) const {
  const auto config = config_.Get();
  auto group = SelectGroupByKey(request, *config);
  if (!group.ok()) return JsonMessage(HttpStatusOf(group.status()), group.status().message());
  auto families = store_.Snapshot((*group)->name);
  if (!families.ok()) {
    return JsonMessage(HttpStatusOf(families.status()), families.status().message());
  }
  // Grouping keys are the label sets of push_time_seconds, which every Pushgateway-style
  // push writes; the series of a key are those carrying all of its labels.
  std::vector<std::pair<model::Labels, double>> keys;
  for (const model::Family& f : *families) {
    // Only the gauge our Pushgateway API writes; a family of this name pushed through
    // /update may be of any type.
    if (f.name != "push_time_seconds" || f.type != model::MetricType::kGauge) continue;
    for (const model::Series& s : f.series) {
      if (const auto* time = std::get_if<model::ScalarValue>(&s.value)) {
        keys.emplace_back(s.labels, time->value);
      }
    }
  }
  std::string body = "{\"status\":\"success\",\"data\":[";
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const auto& [key_labels, push_time] = keys[k];
    model::Labels key = key_labels;
    if (const std::string* instance = model::FindLabel(key, "instance");
        instance != nullptr && instance->empty()) {
      std::erase_if(key, [](const model::Label& l) { return l.name == "instance"; });
    }
    if (k > 0) body += ',';
    body += "{\"labels\":";
    AppendLabelsObject(key, body);
    body += ",\"last_push_successful\":true";
    const std::string stamp = Rfc3339(TimePoint(
        std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(push_time))));
    for (const model::Family& f : *families) {
      std::vector<const model::Series*> matching;
      for (const model::Series& s : f.series) {
        const bool all = std::all_of(key_labels.begin(), key_labels.end(), [&](const auto& l) {
          const std::string* v = model::FindLabel(s.labels, l.name);
          return v != nullptr && *v == l.value;
        });
        if (all) matching.push_back(&s);
      }
      if (matching.empty()) continue;
      body += ',';
      AppendJsonString(f.name, body);
      body += ":{\"time_stamp\":";
      AppendJsonString(stamp, body);
      body += ",\"type\":";
      AppendJsonString(UpperTypeName(f.type), body);
      body += ",\"help\":";
      AppendJsonString(f.help, body);
      body += ",\"metrics\":[";
      for (std::size_t i = 0; i < matching.size(); ++i) {
        if (i > 0) body += ',';
        AppendPgwMetric(*matching[i], body);
      }
      body += "]}";
    }
    body += '}';
  }
  body += "]}";
  return Response::Json(200, std::move(body));
}

Response ApiV1Handler::DeleteSeries(const Request& request) {
  auto query = ParseQuery(request.query);
  if (!query) return JsonMessage(400, "malformed query string");
  std::string group_name;
  std::vector<model::Selector> selectors;
  for (const auto& [name, value] : *query) {
    if (name == "group") {
      group_name = value;
    } else if (name == "match[]") {
      auto selector = parse::ParseSelector(value);
      if (!selector.ok()) return JsonMessage(400, "match[]: " + selector.status().message());
      selectors.push_back(std::move(*selector));
    }
  }
  if (group_name.empty()) return JsonMessage(400, "the query parameter \"group\" is required");
  if (selectors.empty()) {
    return JsonMessage(400, "at least one match[] selector is required, e.g. match[]={job=\"x\"}");
  }
  const auto config = config_.Get();
  const config::GroupConfig* group = config->FindGroup(group_name);
  if (group == nullptr) return JsonMessage(404, "unknown metric group \"" + group_name + "\"");
  if (Status s = CheckGroupKey(request, *group, config.get()); !s.ok()) {
    return JsonMessage(HttpStatusOf(s), s.message());
  }
  auto deleted = store_.DeleteMatching(group->name, selectors);
  if (!deleted.ok()) return JsonMessage(HttpStatusOf(deleted.status()), deleted.status().message());
  log::Info("deleted " + std::to_string(*deleted) + " series from metric group \"" + group->name +
            "\" by matcher");
  return Response::Json(200,
                        "{\"status\":\"success\",\"deleted\":" + std::to_string(*deleted) + "}");
}

}  // namespace accumulator::http
