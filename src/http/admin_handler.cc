#include "http/admin_handler.h"

#include "common/log.h"
#include "http/auth.h"
#include "http/json.h"
#include "http/status_to_http.h"

namespace accumulator::http {

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
