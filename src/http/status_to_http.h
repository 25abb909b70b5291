#pragma once

#include "common/status.h"

namespace accumulator::http {

// The one place that maps a Status to an HTTP status code (SPEC §3).
int HttpStatusOf(const Status& status);

// A short machine-friendly reason for self-metrics: "bad_request", "conflict", ...
const char* ReasonOf(const Status& status);

}  // namespace accumulator::http
