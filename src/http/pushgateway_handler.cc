// The Pushgateway's push API (SPEC §3.2): /metrics/job/<job>{/<label>/<value>}.

#include <algorithm>

#include "common/log.h"
#include "http/api.h"
#include "model/names.h"
#include "parse/grouping_key.h"

namespace accumulator::http {
namespace {

constexpr std::string_view kPushTimeFamily = "push_time_seconds";
constexpr std::string_view kPushFailureFamily = "push_failure_time_seconds";

// Every grouping label, with instance="" standing in when the key has no instance.
model::Labels SeriesLabelsOf(const model::Labels& grouping) {
  model::Labels labels = grouping;
  if (model::FindLabel(labels, "instance") == nullptr) model::SetLabel(labels, "instance", "");
  return labels;
}

}  // namespace

Result<std::optional<std::string>> PresentedKey(const Request& request) {
  if (const std::string* header = request.Header("x-api-key")) return {*header};
  const std::string* auth = request.Header("authorization");
  if (auth == nullptr) return {std::nullopt};
  std::string_view value = *auth;
  // Prometheus' scrape `authorization` (Bearer) and the client libraries' basic_auth
  // handlers, whose password is the key.
  if (value.size() > 7 && (value.substr(0, 7) == "Bearer " || value.substr(0, 7) == "bearer ")) {
    return {std::string(value.substr(7))};
  }
  if (value.size() > 6 && (value.substr(0, 6) == "Basic " || value.substr(0, 6) == "basic ")) {
    auto decoded = parse::DecodeBase64(value.substr(6));
    if (!decoded) return Status::Unauthenticated("malformed basic auth header");
    const std::size_t colon = decoded->find(':');
    return {colon == std::string::npos ? *decoded : decoded->substr(colon + 1)};
  }
  return {std::nullopt};
}

Result<const config::GroupConfig*> Api::SelectGroupByKey(const Request& request,
                                                         const config::Config& config) const {
  auto presented = PresentedKey(request);
  if (!presented.ok()) return presented.status();
  const std::optional<std::string>& key = *presented;
  if (key) {
    for (const config::GroupConfig& group : config.groups) {
      if (group.api_key && KeysEqual(*key, *group.api_key)) return &group;
    }
    return Status::Unauthenticated("no metric group has this API key");
  }
  const config::GroupConfig* group = config.FindGroup(config.default_group);
  if (group == nullptr) {
    return Status::NotFound("no API key given, and there is no default group \"" +
                            config.default_group + "\" (global.defaultGroup)");
  }
  if (group->api_key) {
    return Status::Unauthenticated("the default group \"" + group->name +
                                   "\" needs its API key (X-API-KEY or basic auth password)");
  }
  return group;
}

Response Api::HandlePushgateway(const Request& request, std::string_view grouping_path) {
  const auto config = config_.Get();
  auto group = SelectGroupByKey(request, *config);
  if (!group.ok()) return CountedRejection(nullptr, group.status());
  auto grouping = parse::ParseGroupingKey(grouping_path);
  if (!grouping.ok()) return CountedRejection(*group, grouping.status());
  const std::string& group_name = (*group)->name;

  if (request.method == "DELETE") {
    model::Labels key = *grouping;
    std::erase_if(key, [](const model::Label& l) { return l.name == model::kWriterLabel; });
    const model::Selector of_key[] = {model::Selector::HavingAll(key)};
    auto deleted = store_.DeleteMatching(group_name, of_key);
    if (!deleted.ok()) return CountedRejection(*group, deleted.status());
    log::Debug("deleted " + std::to_string(*deleted) + " series of grouping key " +
               model::DescribeSeries("", key) + " in group \"" + group_name + "\"");
    Response r;
    r.status = 202;
    return r;
  }

  const Response success;  // 200, empty, as the Pushgateway answers
  return Idempotent(request, **group, *config, success, [&](const store::PushTag& tag) {
    return ApplyPushgatewayPush(request, **group, std::move(*grouping), tag);
  });
}

Response Api::ApplyPushgatewayPush(const Request& request, const config::GroupConfig& group,
                                   model::Labels grouping, const store::PushTag& tag) {
  auto push = ParsePushBody(request);
  if (!push.ok()) return CountedRejection(&group, push.status());
  if (Status s = ApplyWriterHeader(request, *push); !s.ok()) return CountedRejection(&group, s);
  // A writer in the path steers merging like the header; it is not a grouping label.
  if (const std::string* writer = model::FindLabel(grouping, model::kWriterLabel)) {
    if (Status s = SetWriter(*writer, *push); !s.ok()) return CountedRejection(&group, s);
    std::erase_if(grouping, [](const model::Label& l) { return l.name == model::kWriterLabel; });
  }
  // The gateway owns these families, as the Pushgateway does.
  std::erase_if(push->families, [](const model::Family& f) {
    return f.name == kPushTimeFamily || f.name == kPushFailureFamily;
  });
  if (Status s = parse::AddGroupingLabels(grouping, *push); !s.ok()) {
    return CountedRejection(&group, s);
  }
  push->families.push_back(model::Family{
      std::string(kPushTimeFamily),
      model::MetricType::kGauge,
      "Last Unix time when changing this group in the Pushgateway succeeded.",
      {model::Series{
          SeriesLabelsOf(grouping), model::ScalarValue{ToUnixSeconds(clock_.Now())}, {}}}});
  return ApplyPush(group, *push, tag, Response{});  // 200, empty, as the Pushgateway answers
}

}  // namespace accumulator::http
