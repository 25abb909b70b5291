#pragma once

#include <atomic>
#include <functional>

#include "common/clock.h"
#include "common/status.h"
#include "config/config_holder.h"
#include "http/admin_handler.h"
#include "http/api_options.h"
#include "http/api_stats.h"
#include "http/api_v1_handler.h"
#include "http/console_handler.h"
#include "http/json_push_handler.h"
#include "http/push_log.h"
#include "http/push_pipeline.h"
#include "http/pushgateway_handler.h"
#include "http/request.h"
#include "http/router.h"
#include "http/scrape_handler.h"
#include "http/update_handler.h"
#include "store/store.h"

namespace accumulator::http {

// The HTTP API of SPEC §3 as plain functions over Request/Response: the route table
// in front of one handler per endpoint family. Knows nothing of sockets. Thread-safe.
class Api {
 public:
  using ReloadFunction = AdminHandler::ReloadFunction;

  // `store`, `config`, `clock` and `stats` must outlive the Api.
  Api(store::Store& store, config::ConfigHolder& config, const Clock& clock, ApiStats& stats,
      ReloadFunction reload, ApiOptions options);
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  Response Handle(const Request& request) const;

  // Reloads and counts the outcome (used by the endpoint and by SIGHUP).
  Status Reload() { return admin_.ReloadNow(); }
  void SetReady(bool ready) { ready_ = ready; }

 private:
  void AddRoutes();

  const ApiOptions options_;
  std::atomic<bool> ready_{false};
  PushLog push_log_;
  PushPipeline pushes_;
  UpdateHandler update_;
  PushgatewayHandler pushgateway_;
  JsonPushHandler json_push_;
  ApiV1Handler api_v1_;
  ScrapeHandler scrape_;
  AdminHandler admin_;
  ConsoleHandler console_;
  Router router_;
};

}  // namespace accumulator::http
