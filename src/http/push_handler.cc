// POST /update/{group}: the upstream push endpoint (SPEC §3.1), and the body decoding
// shared by every push endpoint.

#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>

#include "common/log.h"
#include "expose/content_type.h"
#include "http/api.h"
#include "http/json.h"
#include "http/status_to_http.h"
#include "parse/proto_delimited.h"
#include "parse/text_format.h"

namespace accumulator::http {

Status ApplyWriterHeader(const Request& request, model::Push& push) {
  const std::string* writer = request.Header("x-accumulator-writer");
  return writer == nullptr ? Status::Ok() : SetWriter(*writer, push);
}

Result<model::Push> Api::ParsePushBody(const Request& request) const {
  auto format = expose::PushFormatOf(request.Header("content-type"));
  if (!format.ok()) return format.status();
  auto body = DecodedBody(request);
  if (!body.ok()) return body.status();
  switch (*format) {
    case expose::PushFormat::kText:
      return parse::ParseText(*body, options_.limits);
    case expose::PushFormat::kOpenMetrics:
      return parse::ParseOpenMetrics(*body, options_.limits);
    case expose::PushFormat::kProtoDelimited:
      return parse::ParseProtoDelimited(*body, options_.limits);
    case expose::PushFormat::kJson:
      return Status::UnsupportedMedia("JSON pushes go to POST /api/v1/metrics");
  }
  return Status::UnsupportedMedia("unsupported Content-Type");
}

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

Response Api::Idempotent(const Request& request, const config::GroupConfig& group,
                         const config::Config& config, const Response& success,
                         const TaggedApply& apply) {
  if (group.push_rate_limit > 0 && !rate_limiter_.Allow(group.name, group.push_rate_limit)) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", group.push_rate_limit);
    Response r = CountedRejection(
        &group, Status::RateLimited("metric group \"" + group.name + "\" accepts at most " + rate +
                                    " push(es) per second (pushRateLimit); retry later"));
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  const std::string* key = request.Header("idempotency-key");
  if (key == nullptr) return apply(store::PushTag{});
  constexpr std::size_t kMaxKeyLength = 256;
  if (key->empty() || key->size() > kMaxKeyLength) {
    return CountedRejection(&group,
                            Status::InvalidArgument("Idempotency-Key must be 1 to 256 bytes"));
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
      return CountedRejection(&group, Status::Conflict("a push with this Idempotency-Key is still "
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

Response Api::CountedRejection(const config::GroupConfig* group, const Status& status,
                               bool as_json) {
  return CountedRejection(group != nullptr ? group->name : std::string(), status, as_json);
}

Response Api::CountedRejection(const std::string& group_name, const Status& status, bool as_json) {
  stats_.CountPush(group_name, ReasonOf(status));
  log::Debug("push to \"" + (group_name.empty() ? std::string("?") : group_name) +
             "\" refused: " + status.message());
  if (as_json) {
    std::string body = "{\"message\":";
    AppendJsonString(status.message(), body);
    body += "}";
    return Response::Json(HttpStatusOf(status), std::move(body));
  }
  return Response::Text(HttpStatusOf(status), status.message());
}

Response Api::ApplyPush(const config::GroupConfig& group, const model::Push& push,
                        const store::PushTag& tag, Response accepted, bool as_json) {
  auto late = std::make_shared<LateAnswer>();
  auto on_durable = [this, late, group_name = group.name, accepted = std::move(accepted),
                     as_json](const Status& durable) {
    if (!durable.ok()) return late->Set(CountedRejection(group_name, durable, as_json));
    stats_.CountPush(group_name, "ok");
    late->Set(accepted);
  };
  if (Status s = store_.ApplyThen(group.name, push, tag, std::move(on_durable)); !s.ok()) {
    return CountedRejection(&group, s, as_json);
  }
  return AnswerWhenSet(late);
}

Response Api::HandleUpdate(const Request& request, std::string_view group_name) {
  const auto config = config_.Get();
  const config::GroupConfig* group = config->FindGroup(group_name);
  if (group == nullptr) {
    return CountedRejection(
        nullptr, Status::NotFound("unknown metric group \"" + std::string(group_name) + "\""));
  }
  if (group->api_key) {
    const std::string* key = request.Header("x-api-key");
    if (key == nullptr) {
      return CountedRejection(
          group, Status::Unauthenticated("missing X-API-KEY header for metric group \"" +
                                         group->name + "\""));
    }
    if (!KeysEqual(*key, *group->api_key)) {
      return CountedRejection(
          group, Status::Unauthenticated("wrong API key for metric group \"" + group->name + "\""));
    }
  }
  Response accepted;
  accepted.status = 201;
  return Idempotent(request, *group, *config, accepted, [&](const store::PushTag& tag) {
    if (request.body.empty()) {
      return CountedRejection(group, Status::InvalidArgument("request body is empty"));
    }
    auto push = ParsePushBody(request);
    if (!push.ok()) return CountedRejection(group, push.status());
    if (Status s = ApplyWriterHeader(request, *push); !s.ok()) return CountedRejection(group, s);
    return ApplyPush(*group, *push, tag, accepted);
  });
}

}  // namespace accumulator::http
