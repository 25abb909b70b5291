#pragma once

#include <string_view>

#include "common/clock.h"
#include "config/config_holder.h"
#include "http/push_pipeline.h"
#include "http/request.h"
#include "store/store.h"

namespace accumulator::http {

// The Pushgateway's push API (SPEC §3.2): PUT, POST and DELETE of
// /metrics/job/<job>{/<label>/<value>}, with the group chosen by the presented key.
class PushgatewayHandler {
 public:
  // Every argument must outlive the handler.
  PushgatewayHandler(store::Store& store, config::ConfigHolder& config, const Clock& clock,
                     PushPipeline& pushes)
      : store_(store), config_(config), clock_(clock), pushes_(pushes) {}

  // `grouping_path` is the raw path after "/metrics/" ("job/...").
  Response Handle(const Request& request, std::string_view grouping_path);

 private:
  Response Push(const Request& request, const config::GroupConfig& group, model::Labels grouping,
                const store::PushTag& tag);

  store::Store& store_;
  config::ConfigHolder& config_;
  const Clock& clock_;
  PushPipeline& pushes_;
};

}  // namespace accumulator::http
