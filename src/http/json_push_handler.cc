#include "http/json_push_handler.h"

#include "http/auth.h"
#include "http/json.h"
#include "parse/json_push.h"

namespace accumulator::http {

Response JsonMessage(int status, std::string_view message) {
  std::string body = "{\"message\":";
  AppendJsonString(message, body);
  body += "}";
  return Response::Json(status, std::move(body));
}

Response JsonPushHandler::Post(const Request& request) {
  const auto config = config_.Get();
  auto group = SelectGroupByKey(request, *config);
  if (!group.ok()) return pushes_.Refuse("", group.status(), /*as_json=*/true);
  const std::string& name = (*group)->name;
  const Response success = JsonMessage(200, "success");
  return pushes_.Idempotent(request, **group, *config, success, [&](const store::PushTag& tag) {
    std::string inflated;
    std::string_view body;
    if (Status s = pushes_.DecodeBody(request, inflated, body); !s.ok()) {
      return pushes_.Refuse(name, s, true);
    }
    parse::JsonRecordOptions options;
    options.hostname_label = config->json_hostname_label;
    options.pid_label = config->json_pid_label;
    auto push = parse::ParseJsonPush(body, pushes_.limits(), options);
    if (!push.ok()) return pushes_.Refuse(name, push.status(), true);
    if (Status s = ApplyWriterHeader(request, *push); !s.ok()) return pushes_.Refuse(name, s, true);
    return pushes_.ApplyPush(**group, *push, tag, success, /*as_json=*/true);
  });
}

}  // namespace accumulator::http
