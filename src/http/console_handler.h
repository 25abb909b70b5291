#pragma once

#include <atomic>
#include <cstddef>
#include <string_view>

#include "common/clock.h"
#include "config/config_holder.h"
#include "http/api_options.h"
#include "http/push_log.h"
#include "http/request.h"
#include "store/store.h"

namespace accumulator::http {

// The console a person debugs with in a browser (SPEC §10): `GET /` shows every group
// (series against its limit, TTL, reset schedule, last push, push rate) and the last
// refused pushes; `GET /console/groups/{group}` browses a group's series through a
// PromQL selector, a page at a time, with delete and reset actions. Pages are plain
// HTML that works without JavaScript; the one script (`/console/console.js`, same
// origin, nothing external) only sends the actions with the key as a header. Every
// value from a push or the config is HTML-escaped, and a Content-Security-Policy
// allows no other script.
class ConsoleHandler {
 public:
  static constexpr std::size_t kPageSize = 100;

  // Every reference must outlive the handler.
  ConsoleHandler(store::Store& store, config::ConfigHolder& config, const Clock& clock,
                 const PushLog& push_log, const ApiOptions& options, const std::atomic<bool>& ready)
      : store_(store),
        config_(config),
        clock_(clock),
        push_log_(push_log),
        options_(options),
        ready_(ready) {}

  Response Overview() const;
  // Query: match (a PromQL selector; empty: every series), page (from 0).
  Response Group(const Request& request, std::string_view group) const;
  static Response Script();

 private:
  store::Store& store_;
  config::ConfigHolder& config_;
  const Clock& clock_;
  const PushLog& push_log_;
  const ApiOptions& options_;
  const std::atomic<bool>& ready_;
};

}  // namespace accumulator::http
