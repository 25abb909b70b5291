#pragma once

#include <string_view>

#include "config/config_holder.h"
#include "http/push_pipeline.h"
#include "http/request.h"

namespace accumulator::http {

// POST /update/{group}: the upstream server's push endpoint (SPEC §3.1), for text,
// OpenMetrics and protobuf bodies, with the group's key in X-API-KEY.
class UpdateHandler {
 public:
  // `config` and `pushes` must outlive the handler.
  UpdateHandler(config::ConfigHolder& config, PushPipeline& pushes)
      : config_(config), pushes_(pushes) {}

  Response Post(const Request& request, std::string_view group);

 private:
  config::ConfigHolder& config_;
  PushPipeline& pushes_;
};

}  // namespace accumulator::http
