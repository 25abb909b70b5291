#pragma once

#include <functional>
#include <string_view>

#include "common/status.h"
#include "config/config_holder.h"
#include "http/api_stats.h"
#include "http/request.h"
#include "store/store.h"

namespace accumulator::http {

// The upstream server's admin and discovery endpoints (SPEC §3.1): group reset,
// configuration reload, Prometheus HTTP service discovery and the configuration view.
class AdminHandler {
 public:
  // Re-reads the configuration and applies it; returns why not (kFailedPrecondition).
  using ReloadFunction = std::function<Status()>;

  // Every reference must outlive the handler.
  AdminHandler(store::Store& store, config::ConfigHolder& config, ApiStats& stats,
               ReloadFunction reload)
      : store_(store), config_(config), stats_(stats), reload_(std::move(reload)) {}

  Response Reset(const Request& request, std::string_view group);
  Response Reload(const Request& request);
  // Reloads and counts and logs the outcome (the endpoint and SIGHUP).
  Status ReloadNow();
  Response ServiceDiscovery() const;
  Response CurrentConfiguration() const;

 private:
  store::Store& store_;
  config::ConfigHolder& config_;
  ApiStats& stats_;
  ReloadFunction reload_;
};

}  // namespace accumulator::http
