#include "http/admin_handler.h"

#include "common/log.h"
#include "http/auth.h"
#include "http/json.h"
#include "http/status_to_http.h"

namespace accumulator::http {
namespace {

std::string FormatTime(TimePoint t) {
  if (t.time_since_epoch().count() == 0) return "never";
  return FormatUtc(t, "%Y-%m-%d %H:%M:%S UTC");
}

std::string FormatTtl(std::chrono::seconds ttl) {
  if (ttl.count() == 0) return "never";
  const long long s = ttl.count();
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace

Response AdminHandler::ServiceDiscovery() const {
  const auto config = config_.Get();
  std::string body = "[";
  bool first = true;
  for (const config::GroupConfig& group : config->groups) {
    if (!group.display_metrics) continue;
    if (!first) body += ',';
    first = false;
    body += "{\"targets\":[";
    AppendJsonString(config->host_address, body);
    body += "],\"labels\":{";
    for (const auto& [name, value] : group.service_discovery_labels) {
      AppendJsonString(name, body);
      body += ':';
      AppendJsonString(value, body);
      body += ',';
    }
    body += "\"__meta_metrics_path\":";
    AppendJsonString("metrics/" + group.name, body);
    body += "}}";
  }
  body += "]";
  return Response::Json(200, std::move(body));
}

Response AdminHandler::CurrentConfiguration() const {
  const auto config = config_.Get();
  std::string body = "{\"configuration\":";
  AppendJsonString(config->RedactedText(), body);
  body += ",\"configurationFile\":";
  AppendJsonString(config->source_path.empty() ? "(embedded default)" : config->source_path, body);
  body += "}";
  return Response::Json(200, std::move(body));
}

Response AdminHandler::StatusPage() const {
  const auto config = config_.Get();
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>metrics-accumulator</title><style>"
      "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .7em;"
      "text-align:left}th{background:#f3f3f3}pre{background:#f7f7f7;padding:1em;"
      "overflow:auto}</style></head><body>\n"
      "<h1>metrics-accumulator</h1>\n<p>Version ";
  html += EscapeHtml(options_.version);
  html += " &middot; started ";
  html += FormatTime(options_.start_time);
  html += " &middot; ";
  html += ready_ ? "ready" : "starting";
  html +=
      " &middot; <a href=\"metrics\">/metrics</a> &middot; "
      "<a href=\"service-discovery\">/service-discovery</a></p>\n"
      "<h2>Metric groups</h2>\n<table><tr><th>group</th><th>series</th><th>maxTimeSeries</th>"
      "<th>seriesTtl</th><th>reset schedule</th><th>API key</th><th>on /metrics</th>"
      "<th>last push</th></tr>\n";
  for (const config::GroupConfig& group : config->groups) {
    auto stats = store_.Stats(group.name);
    html += "<tr><td><a href=\"metrics/" + EscapeHtml(group.name) + "\">" + EscapeHtml(group.name) +
            "</a></td><td>";
    html += stats.ok() ? std::to_string(stats->series) : "-";
    html += "</td><td>" + std::to_string(group.max_time_series) + "</td><td>" +
            FormatTtl(group.series_ttl) + "</td><td>";
    html += group.restart_cron ? EscapeHtml(group.restart_cron->expression()) : "none";
    html += "</td><td>";
    html += group.api_key ? "required" : "none";
    html += "</td><td>";
    html += group.display_metrics ? "yes" : "no";
    html += "</td><td>";
    html += stats.ok() ? FormatTime(stats->last_push) : "-";
    html += "</td></tr>\n";
  }
  html += "</table>\n<h2>Configuration</h2>\n<p>";
  html += EscapeHtml(config->source_path.empty() ? "(embedded default)" : config->source_path);
  html += " (API keys redacted)</p>\n<pre>";
  html += EscapeHtml(config->RedactedText());
  html += "</pre>\n</body></html>\n";
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(html);
  return r;
}

Status AdminHandler::ReloadNow() {
  Status status = reload_();
  stats_.CountReload(status.ok());
  if (status.ok()) {
    log::Info("configuration reloaded");
  } else {
    log::Error("configuration reload refused, the previous one stays in force: " +
               status.message());
  }
  return status;
}

Response AdminHandler::Reset(const Request& request, std::string_view group) {
  const auto config = config_.Get();
  if (Status s = CheckAdminKey(request, *config); !s.ok()) {
    return Response::Text(HttpStatusOf(s), s.message());
  }
  Status s = store_.Reset(group);
  if (!s.ok()) return Response::Text(HttpStatusOf(s), s.message());
  log::Info("metric group \"" + std::string(group) + "\" reset through the API");
  return Response::ExactText(200, "Metrics reset for " + std::string(group));
}

Response AdminHandler::Reload(const Request& request) {
  if (Status s = CheckAdminKey(request, *config_.Get()); !s.ok()) {
    return Response::Text(HttpStatusOf(s), s.message());
  }
  Status s = ReloadNow();
  if (!s.ok()) return Response::Text(417, s.message());
  return Response::ExactText(200, "configurations has been reloaded");
}

}  // namespace accumulator::http
