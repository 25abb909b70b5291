#pragma once

#include "config/config_holder.h"
#include "http/push_pipeline.h"
#include "http/request.h"

namespace accumulator::http {

// POST /api/v1/metrics and /api/v1/prometheus: the seed's JSON push (SPEC §3.3), with the
// group chosen by the presented key; every answer is JSON.
class JsonPushHandler {
 public:
  // `config` and `pushes` must outlive the handler.
  JsonPushHandler(config::ConfigHolder& config, PushPipeline& pushes)
      : config_(config), pushes_(pushes) {}

  Response Post(const Request& request);

 private:
  config::ConfigHolder& config_;
  PushPipeline& pushes_;
};

// {"message": <message>} with `status`.
Response JsonMessage(int status, std::string_view message);

}  // namespace accumulator::http
