// The Pushgateway's push API (SPEC §3.2): /metrics/job/<job>{/<label>/<value>}.

#include "http/pushgateway_handler.h"

#include <algorithm>

#include "common/log.h"
#include "http/auth.h"
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

Response PushgatewayHandler::Handle(const Request& request, std::string_view grouping_path) {
  const auto config = config_.Get();
  auto group = SelectGroupByKey(request, *config);
  if (!group.ok()) return pushes_.Refuse("", group.status());
  auto grouping = parse::ParseGroupingKey(grouping_path);
  if (!grouping.ok()) return pushes_.Refuse((*group)->name, grouping.status());
  const std::string& group_name = (*group)->name;

  if (request.method == "DELETE") {
    model::Labels key = *grouping;
    std::erase_if(key, [](const model::Label& l) { return l.name == model::kWriterLabel; });
    const model::Selector of_key[] = {model::Selector::HavingAll(key)};
    auto deleted = store_.DeleteMatching(group_name, of_key);
    if (!deleted.ok()) return pushes_.Refuse((*group)->name, deleted.status());
    log::Debug("deleted " + std::to_string(*deleted) + " series of grouping key " +
               model::DescribeSeries("", key) + " in group \"" + group_name + "\"");
    Response r;
    r.status = 202;
    return r;
  }

  const Response success;  // 200, empty, as the Pushgateway answers
  return pushes_.Idempotent(request, **group, *config, success, [&](const store::PushTag& tag) {
    return Push(request, **group, std::move(*grouping), tag);
  });
}

Response PushgatewayHandler::Push(const Request& request, const config::GroupConfig& group,
                                  model::Labels grouping, const store::PushTag& tag) {
  auto push = pushes_.ParsePushBody(request);
  if (!push.ok()) return pushes_.Refuse(group.name, push.status());
  if (Status s = ApplyWriterHeader(request, *push); !s.ok()) return pushes_.Refuse(group.name, s);
  // A writer in the path steers merging like the header; it is not a grouping label.
  if (const std::string* writer = model::FindLabel(grouping, model::kWriterLabel)) {
    if (Status s = SetWriter(*writer, *push); !s.ok()) return pushes_.Refuse(group.name, s);
    std::erase_if(grouping, [](const model::Label& l) { return l.name == model::kWriterLabel; });
  }
  // The gateway owns these families, as the Pushgateway does.
  std::erase_if(push->families, [](const model::Family& f) {
    return f.name == kPushTimeFamily || f.name == kPushFailureFamily;
  });
  if (Status s = parse::AddGroupingLabels(grouping, *push); !s.ok()) {
    return pushes_.Refuse(group.name, s);
  }
  push->families.push_back(model::Family{
      std::string(kPushTimeFamily),
      model::MetricType::kGauge,
      "Last Unix time when changing this group in the Pushgateway succeeded.",
      {model::Series{
          SeriesLabelsOf(grouping), model::ScalarValue{ToUnixSeconds(clock_.Now())}, {}}}});
  return pushes_.ApplyPush(group, *push, tag,
                           Response{});  // 200, empty, as the Pushgateway answers
}

}  // namespace accumulator::http
