#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "model/metric.h"
#include "parse/limits.h"

namespace accumulator::http {

struct ApiOptions {
  parse::Limits limits;
  std::size_t max_body_bytes = std::size_t{16} * 1024 * 1024;  // also bounds decompressed bodies
  std::string version;
  TimePoint start_time{};
  // More of the server's own metrics for /metrics (persistence state), if set.
  std::function<std::vector<model::Family>()> extra_self_metrics;
  // Why changes are refused (503) while the server is not ready.
  std::string not_ready_reason = "the server is still recovering its stored state";
};

}  // namespace accumulator::http
