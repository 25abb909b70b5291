#pragma once

#include <atomic>

#include "config/config_holder.h"
#include "http/api_options.h"
#include "http/request.h"
#include "store/store.h"

namespace accumulator::http {

// The Pushgateway's JSON views (GET /api/v1/status, GET /api/v1/metrics) and delete by
// matcher (DELETE /api/v1/series, SPEC §3.1).
class ApiV1Handler {
 public:
  // Every argument must outlive the handler.
  ApiV1Handler(store::Store& store, config::ConfigHolder& config, const ApiOptions& options,
               const std::atomic<bool>& ready)
      : store_(store), config_(config), options_(options), ready_(ready) {}

  Response ServerStatus() const;
  Response Metrics(const Request& request) const;
  Response DeleteSeries(const Request& request);

 private:
  store::Store& store_;
  config::ConfigHolder& config_;
  const ApiOptions& options_;
  const std::atomic<bool>& ready_;
};

}  // namespace accumulator::http
