#include "http/api.h"

namespace accumulator::http {
namespace {

Response Ok() { return Response::Text(200, "OK"); }

}  // namespace

Api::Api(store::Store& store, config::ConfigHolder& config, const Clock& clock, ApiStats& stats,
         ReloadFunction reload, ApiOptions options)
    : options_(std::move(options)),
      pushes_(store, clock, stats, push_log_, {options_.limits, options_.max_body_bytes}),
      update_(config, pushes_),
      pushgateway_(store, config, clock, pushes_),
      json_push_(config, pushes_),
      api_v1_(store, config, options_, ready_),
      scrape_(store, config, clock, stats, options_, ready_),
      admin_(store, config, stats, std::move(reload)),
      console_(store, config, clock, push_log_, options_, ready_) {
  AddRoutes();
}

void Api::AddRoutes() {
  using M = const PathMatch&;
  Router& r = router_;
  // The console (SPEC §10).
  r.Add("/", {"GET"}, [this](const Request&, M) { return console_.Overview(); });
  r.Add("/console/groups/{group}", {"GET"},
        [this](const Request& q, M m) { return console_.Group(q, m.params[0]); });
  r.Add("/console/console.js", {"GET"}, [](const Request&, M) { return ConsoleHandler::Script(); });
  // Upstream (SPEC §3.1).
  r.Add("/update/{group}", {"POST"},
        [this](const Request& q, M m) { return update_.Post(q, m.params[0]); });
  r.Add("/metrics", {"GET"}, [this](const Request& q, M) { return scrape_.All(q); });
  // A GET of /metrics/job stays the scrape of a group that happens to be named "job".
  r.Add("/metrics/{group}", {"GET"},
        [this](const Request& q, M m) { return scrape_.Group(q, m.params[0]); });
  r.Add("/reset-metric-group/{group}", {"PUT"},
        [this](const Request& q, M m) { return admin_.Reset(q, m.params[0]); });
  r.Add("/reload-configuration", {"PUT"}, [this](const Request& q, M) { return admin_.Reload(q); });
  r.Add("/service-discovery", {"GET"},
        [this](const Request&, M) { return admin_.ServiceDiscovery(); });
  r.Add("/current-configurations", {"GET"},
        [this](const Request&, M) { return admin_.CurrentConfiguration(); });
  // Pushgateway (SPEC §3.2): /metrics/job/<job>{/<label>/<value>}.
  for (const char* job : {"/metrics/job/*", "/metrics/job@base64/*"}) {
    r.Add(job, {"PUT", "POST", "DELETE"},
          [this](const Request& q, M m) { return pushgateway_.Handle(q, m.RawFrom(1)); });
  }
  // JSON push and the /api/v1 views (SPEC §3.1-3.3).
  r.Add("/api/v1/metrics", {"POST"}, [this](const Request& q, M) { return json_push_.Post(q); });
  r.Add("/api/v1/metrics", {"GET"}, [this](const Request& q, M) { return api_v1_.Metrics(q); });
  r.Add("/api/v1/prometheus", {"POST"}, [this](const Request& q, M) { return json_push_.Post(q); });
  r.Add("/api/v1/status", {"GET"}, [this](const Request&, M) { return api_v1_.ServerStatus(); });
  r.Add("/api/v1/series", {"DELETE"},
        [this](const Request& q, M) { return api_v1_.DeleteSeries(q); });
  // Health (SPEC §3.4).
  for (const char* path : {"/health", "/-/healthy", "/api/v1/liveness"}) {
    r.Add(path, {"GET"}, [](const Request&, M) { return Ok(); });
  }
  for (const char* path : {"/ready", "/-/ready", "/api/v1/readiness"}) {
    r.Add(path, {"GET"}, [this](const Request&, M) {
      return ready_ ? Ok() : Response::Text(503, "not ready: " + options_.not_ready_reason);
    });
  }
}

Response Api::Handle(const Request& request) const {
  // Until stored state is recovered, a change could be lost or applied twice.
  const std::string& m = request.method;
  const bool changes = m == "POST" || m == "PUT" || m == "DELETE";
  if (!ready_ && changes && request.path != "/") {
    Response r = Response::Text(503, "not ready: " + options_.not_ready_reason);
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  return router_.Route(request);
}

}  // namespace accumulator::http
