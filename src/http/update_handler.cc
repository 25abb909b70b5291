#include "http/update_handler.h"

#include "http/auth.h"

namespace accumulator::http {

Response UpdateHandler::Post(const Request& request, std::string_view group_name) {
  const auto config = config_.Get();
  const config::GroupConfig* group = config->FindGroup(group_name);
  if (group == nullptr) {
    return pushes_.Refuse(
        "", Status::NotFound("unknown metric group \"" + std::string(group_name) + "\""));
  }
  if (Status s = CheckGroupKey(request, *group); !s.ok()) return pushes_.Refuse(group->name, s);
  Response accepted;
  accepted.status = 201;
  return pushes_.Idempotent(request, *group, *config, accepted, [&](const store::PushTag& tag) {
    if (request.body.empty()) {
      return pushes_.Refuse(group->name, Status::InvalidArgument("request body is empty"));
    }
    auto push = pushes_.ParsePushBody(request);
    if (!push.ok()) return pushes_.Refuse(group->name, push.status());
    if (Status s = ApplyWriterHeader(request, *push); !s.ok()) {
      return pushes_.Refuse(group->name, s);
    }
    return pushes_.ApplyPush(*group, *push, tag, accepted);
  });
}

}  // namespace accumulator::http
