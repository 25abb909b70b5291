#include "http/auth.h"

#include <algorithm>

#include "parse/grouping_key.h"

namespace accumulator::http {

bool KeysEqual(std::string_view a, std::string_view b) {
  // Touch every byte of the longer input whatever the contents, so timing tells nothing
  // about where the first difference is.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

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

bool MayRead(const Request& request, const config::GroupConfig& group,
             const config::Config& config) {
  if (!group.read_api_key) return true;
  auto key = PresentedKey(request);
  if (!key.ok() || !*key) return false;
  const std::string& k = **key;
  // Every comparison runs, so the time taken does not tell which key came close.
  const bool read = KeysEqual(k, *group.read_api_key);
  const bool write = group.api_key && KeysEqual(k, *group.api_key);
  const bool admin = config.admin_api_key && KeysEqual(k, *config.admin_api_key);
  return read || write || admin;
}

Status CheckGroupKey(const Request& request, const config::GroupConfig& group,
                     const config::Config* admin) {
  if (!group.api_key) return Status::Ok();
  const bool admin_opens = admin != nullptr && admin->admin_api_key.has_value();
  const std::string or_admin = admin_opens ? " (or the admin key)" : "";
  const std::string* key = request.Header("x-api-key");
  if (key == nullptr) {
    return Status::Unauthenticated("missing X-API-KEY header for metric group \"" + group.name +
                                   "\"" + or_admin);
  }
  const bool is_admin = admin_opens && KeysEqual(*key, *admin->admin_api_key);
  if (!KeysEqual(*key, *group.api_key) && !is_admin) {
    return Status::Unauthenticated("wrong API key for metric group \"" + group.name + "\"" +
                                   or_admin);
  }
  return Status::Ok();
}

Status CheckAdminKey(const Request& request, const config::Config& config) {
  if (!config.admin_api_key) return Status::Ok();
  const std::string* key = request.Header("x-api-key");
  if (key == nullptr || !KeysEqual(*key, *config.admin_api_key)) {
    return Status::Unauthenticated(
        "this endpoint needs the admin key (global.adminApiKey) in the X-API-KEY header");
  }
  return Status::Ok();
}

Result<const config::GroupConfig*> SelectGroupByKey(const Request& request,
                                                    const config::Config& config) {
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

}  // namespace accumulator::http
