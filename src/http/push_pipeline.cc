#include "http/push_pipeline.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>

#include "common/ascii.h"
#include "common/log.h"
#include "expose/content_type.h"
#include "http/gzip.h"
#include "http/json.h"
#include "http/status_to_http.h"
#include "model/names.h"
#include "parse/proto_delimited.h"
#include "parse/text_format.h"

namespace accumulator::http {

namespace {

store::RememberedAnswer Remembered(const Response& response) {
  return {response.status, response.content_type, response.body};
}

Response Replayed(const store::RememberedAnswer& answer) {
  Response r;
  r.status = answer.status;
  r.content_type = answer.content_type;
  r.body = answer.body;
  r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

// The answer to a push that the journal reports durable from its own thread: it may
// come before the server asks for it (then it is kept) or after (then passed on).
class LateAnswer {
 public:
  void Set(Response response) {
    std::unique_lock lock(mu_);
    if (!answer_) {
      ready_ = std::move(response);
      return;
    }
    Response::Answer answer = std::move(answer_);
    lock.unlock();
    answer(std::move(response));
  }
  void WhenSet(Response::Answer answer) {
    std::unique_lock lock(mu_);
    if (!ready_) {
      answer_ = std::move(answer);
      return;
    }
    Response response = std::move(*ready_);
    ready_.reset();
    lock.unlock();
    answer(std::move(response));
  }
  std::optional<Response> TakeIfSet() {
    std::lock_guard lock(mu_);
    std::optional<Response> response = std::move(ready_);
    ready_.reset();
    return response;
  }

 private:
  std::mutex mu_;
  std::optional<Response> ready_;
  Response::Answer answer_;
};

// `late` as the Response to return now: its answer if it has one, else deferred.
Response AnswerWhenSet(const std::shared_ptr<LateAnswer>& late) {
  if (std::optional<Response> ready = late->TakeIfSet()) return std::move(*ready);
  Response deferred;
  deferred.deferred = [late](Response::Answer answer) { late->WhenSet(std::move(answer)); };
  return deferred;
}

}  // namespace

PushPipeline::PushPipeline(store::Store& store, const Clock& clock, ApiStats& stats,
                           PushLog& push_log, Options options)
    : store_(store), clock_(clock), stats_(stats), push_log_(push_log), options_(options) {}

Status SetWriter(std::string_view writer, model::Push& push) {
  constexpr std::size_t kMaxWriterLength = 256;
  if (writer.empty() || writer.size() > kMaxWriterLength || !model::IsValidUtf8(writer)) {
    return Status::InvalidArgument("writer id must be 1 to 256 bytes of UTF-8");
  }
  for (model::Family& family : push.families) {
    for (model::Series& series : family.series) {
      if (model::FindLabel(series.metadata, model::kWriterLabel) == nullptr) {
        model::SetLabel(series.metadata, model::kWriterLabel, writer);
      }
    }
  }
  return Status::Ok();
}

Status ApplyWriterHeader(const Request& request, model::Push& push) {
  const std::string* writer = request.Header("x-accumulator-writer");
  return writer == nullptr ? Status::Ok() : SetWriter(*writer, push);
}

Status PushPipeline::DecodeBody(const Request& request, std::string& inflated,
                                std::string_view& body) const {
  body = request.body;
  const std::string* encoding = request.Header("content-encoding");
  if (encoding == nullptr || encoding->empty() || SameIgnoringAsciiCase(*encoding, "identity")) {
    return Status::Ok();
  }
  if (SameIgnoringAsciiCase(*encoding, "gzip") || SameIgnoringAsciiCase(*encoding, "x-gzip")) {
    auto decompressed = GzipDecompress(request.body, options_.max_body_bytes);
    if (!decompressed.ok()) return decompressed.status();
    inflated = std::move(*decompressed);
    body = inflated;
    return Status::Ok();
  }
  return Status::UnsupportedMedia("unsupported Content-Encoding \"" + *encoding +
                                  "\"; send gzip or identity");
}

Result<model::Push> PushPipeline::ParsePushBody(const Request& request) const {
  auto format = expose::PushFormatOf(request.Header("content-type"));
  if (!format.ok()) return format.status();
  std::string inflated;
  std::string_view body;
  if (Status s = DecodeBody(request, inflated, body); !s.ok()) return s;
  switch (*format) {
    case expose::PushFormat::kText:
      return parse::ParseText(body, options_.limits);
    case expose::PushFormat::kOpenMetrics:
      return parse::ParseOpenMetrics(body, options_.limits);
    case expose::PushFormat::kProtoDelimited:
      return parse::ParseProtoDelimited(body, options_.limits);
    case expose::PushFormat::kJson:
      return Status::UnsupportedMedia("JSON pushes go to POST /api/v1/metrics");
  }
  return Status::UnsupportedMedia("unsupported Content-Type");
}

Response PushPipeline::Idempotent(const Request& request, const config::GroupConfig& group,
                                  const config::Config& config, const Response& success,
                                  const TaggedApply& apply) {
  if (group.push_rate_limit > 0 && !rate_limiter_.Allow(group.name, group.push_rate_limit)) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", group.push_rate_limit);
    Response r =
        Refuse(group.name,
               Status::RateLimited("metric group \"" + group.name + "\" accepts at most " + rate +
                                   " push(es) per second (pushRateLimit); retry later"));
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  const std::string* key = request.Header("idempotency-key");
  if (key == nullptr) return apply(store::PushTag{});
  constexpr std::size_t kMaxKeyLength = 256;
  if (key->empty() || key->size() > kMaxKeyLength) {
    return Refuse(group.name, Status::InvalidArgument("Idempotency-Key must be 1 to 256 bytes"));
  }
  // A retry of a push that is applied but not yet durable waits for it: a 2xx before
  // then could acknowledge a push that a crash still undoes.
  auto late = std::make_shared<LateAnswer>();
  auto claim = store_.ClaimIdempotencyKey(
      group.name, *key, config.idempotency_window,
      [late](const store::RememberedAnswer& answer) { late->Set(Replayed(answer)); });
  switch (claim.state) {
    case store::IdempotencyCache::State::kDone:
      stats_.CountPush(group.name, "duplicate");
      return Replayed(claim.answer);
    case store::IdempotencyCache::State::kWaiting:
      stats_.CountPush(group.name, "duplicate");
      return AnswerWhenSet(late);
    case store::IdempotencyCache::State::kInProgress:
      return Refuse(group.name, Status::Conflict("a push with this Idempotency-Key is still "
                                                 "being applied; retry later"));
    case store::IdempotencyCache::State::kNew:
      break;
  }
  const store::PushTag tag{*key, Remembered(success), clock_.Now() + config.idempotency_window};
  Response response = apply(tag);
  // A push the store applied has its answer recorded already; this records refusals.
  if (!response.deferred) store_.RememberRefusal(group.name, *key, Remembered(response));
  return response;
}

Response PushPipeline::Refuse(const std::string& group_name, const Status& status, bool as_json) {
  stats_.CountPush(group_name, ReasonOf(status));
  push_log_.Refused(
      {clock_.Now(), group_name, HttpStatusOf(status), ReasonOf(status), status.message()});
  log::Debug("push to \"" + (group_name.empty() ? std::string("?") : group_name) +
             "\" refused: " + status.message());
  Response response;
  if (as_json) {
    std::string body = "{\"message\":";
    AppendJsonString(status.message(), body);
    body += "}";
    response = Response::Json(HttpStatusOf(status), std::move(body));
  } else {
    response = Response::Text(HttpStatusOf(status), status.message());
  }
  // Nothing was kept (a disk or Redis away): clients that honour it retry later.
  if (status.code() == StatusCode::kUnavailable) response.headers.emplace_back("Retry-After", "1");
  return response;
}

Response PushPipeline::ApplyPush(const config::GroupConfig& group, const model::Push& push,
                                 const store::PushTag& tag, Response accepted, bool as_json) {
  auto late = std::make_shared<LateAnswer>();
  auto on_durable = [this, late, group_name = group.name, accepted = std::move(accepted),
                     as_json](const Status& durable) {
    if (!durable.ok()) return late->Set(Refuse(group_name, durable, as_json));
    stats_.CountPush(group_name, "ok");
    push_log_.Accepted(group_name, clock_.Now());
    late->Set(accepted);
  };
  if (Status s = store_.ApplyThen(group.name, push, tag, std::move(on_durable)); !s.ok()) {
    return Refuse(group.name, s, as_json);
  }
  return AnswerWhenSet(late);
}

}  // namespace accumulator::http
