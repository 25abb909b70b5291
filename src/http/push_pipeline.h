#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "http/api_stats.h"
#include "http/push_log.h"
#include "http/rate_limiter.h"
#include "http/request.h"
#include "model/metric.h"
#include "parse/limits.h"
#include "store/store.h"

namespace accumulator::http {

// The steps every push endpoint shares once it has its group: rate limit, the
// Idempotency-Key, body decoding and parsing, applying to the store and answering when
// durable, and counting every refusal. Thread-safe.
class PushPipeline {
 public:
  struct Options {
    parse::Limits limits;
    std::size_t max_body_bytes = std::size_t{16} * 1024 * 1024;  // also after decompression
  };

  // `store`, `clock`, `stats` and `push_log` must outlive the pipeline.
  PushPipeline(store::Store& store, const Clock& clock, ApiStats& stats, PushLog& push_log,
               Options options);

  // Runs `apply` unless the group's push rate is exceeded (429) or the request's
  // Idempotency-Key was answered in this group within global.idempotencyWindow; then
  // it answers that answer again, whole, once the push it belongs to is durable.
  // `apply` gets the tag to pass to ApplyPush, which makes the store remember the key
  // with `success` (the answer `apply` gives when the push is applied).
  using TaggedApply = std::function<Response(const store::PushTag&)>;
  Response Idempotent(const Request& request, const config::GroupConfig& group,
                      const config::Config& config, const Response& success,
                      const TaggedApply& apply);
  // Applies `push` to `group` and answers `accepted` once it is as durable as
  // global.persistence.fsync promises: at once, or (fsync: always) with a deferred
  // response when the fsync covering it completes, so no thread waits for the disk.
  // A refusal is counted and answered at once.
  Response ApplyPush(const config::GroupConfig& group, const model::Push& push,
                     const store::PushTag& tag, Response accepted, bool as_json = false);
  // Counts the refusal by its reason and answers it (JSON: {"message": ...}).
  Response Refuse(const std::string& group_name, const Status& status, bool as_json = false);

  // Sets `body` to the request's body after its Content-Encoding: the request's own
  // (no copy) or, decompressed within the body limit, `inflated`. kUnsupportedMedia
  // for unknown codings.
  Status DecodeBody(const Request& request, std::string& inflated, std::string_view& body) const;
  // Decodes and parses a text, OpenMetrics or protobuf body by its Content-Type.
  Result<model::Push> ParsePushBody(const Request& request) const;
  const parse::Limits& limits() const { return options_.limits; }

 private:
  store::Store& store_;
  const Clock& clock_;
  ApiStats& stats_;
  PushLog& push_log_;  // for the console: accepted pushes and the last refusals
  const Options options_;
  PushRateLimiter rate_limiter_{clock_};
};

// Marks every series of `push` as coming from cumulative writer `writer` (SPEC §2),
// unless the series names its own writer in the body. kInvalidArgument for an
// unusable id (empty, over 256 bytes, not UTF-8).
Status SetWriter(std::string_view writer, model::Push& push);
// SetWriter with the X-Accumulator-Writer header, if the request has one.
Status ApplyWriterHeader(const Request& request, model::Push& push);

}  // namespace accumulator::http
