#include "http/api.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "common/log.h"
#include "http/gzip.h"
#include "http/status_to_http.h"
#include "model/names.h"
#include "parse/grouping_key.h"

namespace accumulator::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  segments.reserve(static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) + 1);
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

Response MethodNotAllowed(std::string_view allow) {
  Response r = Response::Text(405, "method not allowed; use " + std::string(allow));
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

bool IsOneOf(std::string_view method, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), method) != allowed.end();
}

}  // namespace

bool KeysEqual(std::string_view a, std::string_view b) {
  // Touch every byte of the longer input whatever the contents, so timing tells nothing
  // about where the first difference is.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

Status SetWriter(std::string_view writer, model::Push& push) {
  constexpr std::size_t kMaxWriterLength = 256;
  if (writer.empty() || writer.size() > kMaxWriterLength || !model::IsValidUtf8(writer)) {
    return Status::InvalidArgument("writer id must be 1 to 256 bytes of UTF-8");
  }
  for (model::Family& family : push.families) {
    for (model::Series& series : family.series) {
      if (model::FindLabel(series.metadata, model::kWriterLabel) == nullptr) {
        model::SetLabel(series.metadata, model::kWriterLabel, writer);
      }
    }
  }
  return Status::Ok();
}

Api::Api(store::Store& store, config::ConfigHolder& config, const Clock& clock, ApiStats& stats,
         ReloadFunction reload, ApiOptions options)
    : store_(store),
      config_(config),
      clock_(clock),
      stats_(stats),
      reload_(std::move(reload)),
      options_(std::move(options)) {}

Status Api::Reload() {
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

Status Api::CheckAdminKey(const Request& request, const config::Config& config) const {
  if (!config.admin_api_key) return Status::Ok();
  const std::string* key = request.Header("x-api-key");
  if (key == nullptr || !KeysEqual(*key, *config.admin_api_key)) {
    return Status::Unauthenticated(
        "this endpoint needs the admin key (global.adminApiKey) in "
        "the X-API-KEY header");
  }
  return Status::Ok();
}

Result<std::string> Api::DecodedBody(const Request& request) const {
  const std::string* encoding = request.Header("content-encoding");
  if (encoding == nullptr || encoding->empty()) return request.body;
  std::string coding = *encoding;
  std::transform(coding.begin(), coding.end(), coding.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (coding == "identity") return request.body;
  if (coding == "gzip" || coding == "x-gzip") {
    return GzipDecompress(request.body, options_.max_body_bytes);
  }
  return Status::UnsupportedMedia("unsupported Content-Encoding \"" + *encoding +
                                  "\"; send gzip or identity");
}

Response Api::Handle(const Request& request) {
  const std::vector<std::string_view> raw = SplitPath(request.path);
  std::vector<std::string> seg;
  seg.reserve(raw.size());
  for (std::string_view s : raw) {
    auto decoded = parse::PercentDecode(s);
    if (!decoded) return Response::Text(400, "malformed percent-encoding in the URL path");
    seg.push_back(std::move(*decoded));
  }
  const std::string& m = request.method;
  const bool is_get = IsOneOf(m, {"GET", "HEAD"});
  const auto route1 = [&](std::string_view a) { return seg.size() == 1 && seg[0] == a; };
  const auto route2 = [&](std::string_view a) { return seg.size() == 2 && seg[0] == a; };

  if (seg.empty()) return is_get ? HandleStatusPage() : MethodNotAllowed("GET, HEAD");
  // Until stored state is recovered, a change could be lost or applied twice.
  if (!ready_ && IsOneOf(m, {"POST", "PUT", "DELETE"})) {
    return Response::Text(503, "not ready: the server is still recovering its stored state");
  }
  // Pushgateway API: /metrics/job/<job>{/<label>/<value>} (a GET of /metrics/job stays
  // the scrape of a group that happens to be named "job").
  if (seg.size() >= 2 && seg[0] == "metrics" && seg[1].starts_with("job") &&
      (seg[1] == "job" || seg[1] == "job@base64") && !(seg.size() == 2 && is_get)) {
    if (!IsOneOf(m, {"PUT", "POST", "DELETE"})) return MethodNotAllowed("PUT, POST, DELETE");
    const std::size_t tail = request.path.find("/metrics/");
    return HandlePushgateway(request, std::string_view(request.path).substr(tail + 9));
  }
  if (route1("metrics")) return is_get ? HandleScrapeAll(request) : MethodNotAllowed("GET, HEAD");
  if (route2("metrics")) {
    return is_get ? HandleGroupScrape(request, seg[1]) : MethodNotAllowed("GET, HEAD");
  }
  const bool api_v1 = seg.size() == 3 && seg[0] == "api" && seg[1] == "v1";
  if (api_v1 && seg[2] == "metrics") {
    if (m == "POST") return HandleJsonPush(request);
    return is_get ? HandleApiMetrics(request) : MethodNotAllowed("GET, HEAD, POST");
  }
  if (api_v1 && seg[2] == "prometheus") {
    return m == "POST" ? HandleJsonPush(request) : MethodNotAllowed("POST");
  }
  if (api_v1 && seg[2] == "status") {
    return is_get ? HandleApiStatus() : MethodNotAllowed("GET, HEAD");
  }
  if (api_v1 && seg[2] == "series") {
    return m == "DELETE" ? HandleDeleteSeries(request) : MethodNotAllowed("DELETE");
  }
  if (route2("update")) {
    return m == "POST" ? HandleUpdate(request, seg[1]) : MethodNotAllowed("POST");
  }
  if (route2("reset-metric-group")) {
    return m == "PUT" ? HandleReset(request, seg[1]) : MethodNotAllowed("PUT");
  }
  if (route1("reload-configuration")) {
    return m == "PUT" ? HandleReload(request) : MethodNotAllowed("PUT");
  }
  if (route1("service-discovery")) {
    return is_get ? HandleServiceDiscovery() : MethodNotAllowed("GET, HEAD");
  }
  if (route1("current-configurations")) {
    return is_get ? HandleCurrentConfiguration() : MethodNotAllowed("GET, HEAD");
  }
  const bool is_health =
      route1("health") || (seg.size() == 2 && seg[0] == "-" && seg[1] == "healthy") ||
      (seg.size() == 3 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "liveness");
  if (is_health) return is_get ? Response::Text(200, "OK") : MethodNotAllowed("GET, HEAD");
  const bool is_ready =
      route1("ready") || (seg.size() == 2 && seg[0] == "-" && seg[1] == "ready") ||
      (seg.size() == 3 && seg[0] == "api" && seg[1] == "v1" && seg[2] == "readiness");
  if (is_ready) {
    if (!is_get) return MethodNotAllowed("GET, HEAD");
    return ready_ ? Response::Text(200, "OK")
                  : Response::Text(503, "not ready: configuration or stored state still loading");
  }
  return Response::Text(404, "no such endpoint: " + request.path);
}

Response Api::HandleReset(const Request& request, std::string_view group) {
  const auto config = config_.Get();
  if (Status s = CheckAdminKey(request, *config); !s.ok()) {
    return Response::Text(HttpStatusOf(s), s.message());
  }
  Status s = store_.Reset(group);
  if (!s.ok()) return Response::Text(HttpStatusOf(s), s.message());
  log::Info("metric group \"" + std::string(group) + "\" reset through the API");
  return Response::ExactText(200, "Metrics reset for " + std::string(group));
}

Response Api::HandleReload(const Request& request) {
  if (Status s = CheckAdminKey(request, *config_.Get()); !s.ok()) {
    return Response::Text(HttpStatusOf(s), s.message());
  }
  Status s = Reload();
  if (!s.ok()) return Response::Text(417, s.message());
  return Response::ExactText(200, "configurations has been reloaded");
}

}  // namespace accumulator::http
