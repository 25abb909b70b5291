#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "config/config_holder.h"
#include "expose/writer.h"
#include "http/api_stats.h"
#include "http/rate_limiter.h"
#include "http/request.h"
#include "parse/limits.h"
#include "store/store.h"

namespace accumulator::http {

class ScrapeBody;  // scrape_handler.cc

struct ApiOptions {
  parse::Limits limits;
  std::size_t max_body_bytes = std::size_t{16} * 1024 * 1024;  // also bounds decompressed bodies
  std::string version;
  TimePoint start_time{};
  // More of the server's own metrics for /metrics (persistence state), if set.
  std::function<std::vector<model::Family>()> extra_self_metrics;
};

// The HTTP API of SPEC §3 as plain functions over Request/Response: routing, keys,
// and the handlers. Knows nothing of sockets. Thread-safe.
class Api {
 public:
  // Re-reads the configuration and applies it; returns why not (kFailedPrecondition).
  using ReloadFunction = std::function<Status()>;

  // `store`, `config`, `clock` and `stats` must outlive the Api.
  Api(store::Store& store, config::ConfigHolder& config, const Clock& clock, ApiStats& stats,
      ReloadFunction reload, ApiOptions options);

  Response Handle(const Request& request);

  // Reloads and counts the outcome (used by the endpoint and by SIGHUP).
  Status Reload();
  void SetReady(bool ready) { ready_ = ready; }

 private:
  Response HandleUpdate(const Request& request, std::string_view group);
  // /metrics/job/... (SPEC §3.2). `grouping_path` is the raw path after "/metrics/".
  Response HandlePushgateway(const Request& request, std::string_view grouping_path);
  Response ApplyPushgatewayPush(const Request& request, const config::GroupConfig& group,
                                model::Labels grouping, const store::PushTag& tag);
  Response HandleJsonPush(const Request& request);
  Response HandleApiStatus();
  Response HandleApiMetrics(const Request& request);
  Response HandleDeleteSeries(const Request& request);
  Response HandleGroupScrape(const Request& request, std::string_view group);
  Response HandleScrapeAll(const Request& request);
  Response CountedRejection(const config::GroupConfig* group, const Status& status,
                            bool as_json = false);
  Response CountedRejection(const std::string& group_name, const Status& status, bool as_json);
  // Applies `push` to `group` and answers `accepted` once it is as durable as
  // global.persistence.fsync promises: at once, or (fsync: always) with a deferred
  // response when the fsync covering it completes, so no thread waits for the disk.
  // A refusal is counted and answered at once.
  Response ApplyPush(const config::GroupConfig& group, const model::Push& push,
                     const store::PushTag& tag, Response accepted, bool as_json = false);
  // Runs `apply` unless the request's Idempotency-Key was already answered in this
  // group within global.idempotencyWindow; then it answers that answer again, whole,
  // once the push it belongs to is durable. `apply` gets the tag to pass to the store,
  // which remembers the key (with `success`, the answer `apply` gives when the push is
  // applied) together with the push, also across restarts.
  using TaggedApply = std::function<Response(const store::PushTag&)>;
  Response Idempotent(const Request& request, const config::GroupConfig& group,
                      const config::Config& config, const Response& success,
                      const TaggedApply& apply);
  Response HandleReset(const Request& request, std::string_view group);
  Response HandleReload(const Request& request);
  Response HandleServiceDiscovery();
  Response HandleCurrentConfiguration();
  Response HandleStatusPage();

  // A scrape answered in the format the request accepts, gzipped if it accepts that,
  // with the families `body` lists; the body is made while it is sent.
  Response ScrapeResponse(const Request& request, std::shared_ptr<ScrapeBody> body) const;
  std::vector<model::Family> SelfMetrics(const config::Config& config) const;
  // 401 unless the request carries global.adminApiKey (when one is configured).
  Status CheckAdminKey(const Request& request, const config::Config& config) const;
  // Decompresses per Content-Encoding; kUnsupportedMedia for unknown codings.
  Result<std::string> DecodedBody(const Request& request) const;
  // Decodes and parses a text, OpenMetrics or protobuf body by its Content-Type.
  Result<model::Push> ParsePushBody(const Request& request) const;
  // The group a Pushgateway-style or JSON push goes to: the one whose key is in
  // X-API-KEY or the basic-auth password, else global.defaultGroup (which must then
  // have no key). kUnauthenticated / kNotFound otherwise.
  Result<const config::GroupConfig*> SelectGroupByKey(const Request& request,
                                                      const config::Config& config) const;

  store::Store& store_;
  config::ConfigHolder& config_;
  const Clock& clock_;
  ApiStats& stats_;
  ReloadFunction reload_;
  ApiOptions options_;
  PushRateLimiter rate_limiter_{clock_};
  std::atomic<bool> ready_{false};
};

// Compares secrets in time independent of where they differ.
bool KeysEqual(std::string_view a, std::string_view b);

// The key a request carries: X-API-KEY, else a Bearer token, else the password of basic
// auth. kUnauthenticated for a malformed basic auth header.
Result<std::optional<std::string>> PresentedKey(const Request& request);

// Whether the request may read `group` (its readApiKey, if set, guards it; its apiKey
// and the admin key open it too).
bool MayRead(const Request& request, const config::GroupConfig& group,
             const config::Config& config);

// Marks every series of `push` as coming from cumulative writer `writer` (SPEC §2),
// unless the series names its own writer in the body. kInvalidArgument for an
// unusable id (empty, over 256 bytes, not UTF-8).
Status SetWriter(std::string_view writer, model::Push& push);
// SetWriter with the X-Accumulator-Writer header, if the request has one.
Status ApplyWriterHeader(const Request& request, model::Push& push);

}  // namespace accumulator::http
