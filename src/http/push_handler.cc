// POST /update/{group}: the upstream push endpoint (SPEC §3.1).

#include <algorithm>
#include <cctype>

#include "common/log.h"
#include "http/api.h"
#include "http/status_to_http.h"
#include "parse/text_format.h"

namespace accumulator::http {
namespace {

// The media type of a Content-Type header, lower case, without parameters.
std::string MediaType(const std::string* content_type) {
  if (content_type == nullptr) return {};
  std::string media = content_type->substr(0, content_type->find(';'));
  media.erase(
      std::remove_if(media.begin(), media.end(), [](unsigned char c) { return std::isspace(c); }),
      media.end());
  std::transform(media.begin(), media.end(), media.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return media;
}

// Text format 0.0.4 is what the upstream takes. curl -d sends form-urlencoded unless
// told otherwise, so that is read as text too rather than refused.
bool IsTextFormat(std::string_view media) {
  return media.empty() || media == "text/plain" || media == "application/x-www-form-urlencoded" ||
         media == "*/*";
}

}  // namespace

Response Api::HandleUpdate(const Request& request, std::string_view group_name) {
  const auto config = config_.Get();
  const config::GroupConfig* group = config->FindGroup(group_name);
  const auto reject = [&](const Status& status) {
    stats_.CountPush(group != nullptr ? group->name : "", ReasonOf(status));
    log::Debug("push to \"" + std::string(group_name) + "\" refused: " + status.message());
    return Response::Text(HttpStatusOf(status), status.message());
  };
  if (group == nullptr) {
    return reject(Status::NotFound("unknown metric group \"" + std::string(group_name) + "\""));
  }
  if (group->api_key) {
    const std::string* key = request.Header("x-api-key");
    if (key == nullptr) {
      return reject(Status::Unauthenticated("missing X-API-KEY header for metric group \"" +
                                            group->name + "\""));
    }
    if (!KeysEqual(*key, *group->api_key)) {
      return reject(
          Status::Unauthenticated("wrong API key for metric group \"" + group->name + "\""));
    }
  }
  const std::string media = MediaType(request.Header("content-type"));
  if (!IsTextFormat(media)) {
    return reject(Status::UnsupportedMedia(
        "unsupported Content-Type \"" + media +
        "\"; send the Prometheus text format (text/plain; version=0.0.4)"));
  }
  auto body = DecodedBody(request);
  if (!body.ok()) return reject(body.status());
  if (body->empty()) return reject(Status::InvalidArgument("request body is empty"));

  auto push = parse::ParseText(*body, options_.limits);
  if (!push.ok()) return reject(push.status());
  if (Status s = store_.Apply(group->name, *push); !s.ok()) return reject(s);
  stats_.CountPush(group->name, "ok");
  Response r;
  r.status = 201;
  return r;
}

}  // namespace accumulator::http
