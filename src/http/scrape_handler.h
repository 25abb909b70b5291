#pragma once

#include <atomic>
#include <memory>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "config/config_holder.h"
#include "http/api_options.h"
#include "http/api_stats.h"
#include "http/request.h"
#include "store/store.h"

namespace accumulator::http {

class ScrapeBody;  // scrape_handler.cc

// GET /metrics (every displayed group merged, plus the server's own metrics) and
// GET /metrics/{group} (SPEC §3.1, §3.4), streamed while they are sent.
class ScrapeHandler {
 public:
  // Every argument must outlive the handler.
  ScrapeHandler(const store::Store& store, config::ConfigHolder& config, const Clock& clock,
                ApiStats& stats, const ApiOptions& options, const std::atomic<bool>& ready)
      : store_(store),
        config_(config),
        clock_(clock),
        stats_(stats),
        options_(options),
        ready_(ready) {}

  Response Group(const Request& request, std::string_view group) const;
  Response All(const Request& request) const;

 private:
  // A scrape answered in the format the request accepts, gzipped if it accepts that,
  // with the families `body` lists; the body is made while it is sent.
  Response Stream(const Request& request, std::shared_ptr<ScrapeBody> body) const;
  std::vector<model::Family> SelfMetrics(const config::Config& config) const;

  const store::Store& store_;
  config::ConfigHolder& config_;
  const Clock& clock_;
  ApiStats& stats_;
  const ApiOptions& options_;
  const std::atomic<bool>& ready_;
};

}  // namespace accumulator::http
