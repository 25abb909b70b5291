#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "config/config.h"
#include "http/request.h"

namespace accumulator::http {

// Compares secrets in time independent of where they differ.
bool KeysEqual(std::string_view a, std::string_view b);

// The key a request carries: X-API-KEY, else a Bearer token, else the password of basic
// auth. kUnauthenticated for a malformed basic auth header.
Result<std::optional<std::string>> PresentedKey(const Request& request);

// Whether the request may read `group` (its readApiKey, if set, guards it; its apiKey
// and the admin key open it too).
bool MayRead(const Request& request, const config::GroupConfig& group,
             const config::Config& config);

// kUnauthenticated unless X-API-KEY holds the group's apiKey (when it has one), or,
// with `admin` set, global.adminApiKey.
Status CheckGroupKey(const Request& request, const config::GroupConfig& group,
                     const config::Config* admin = nullptr);

// kUnauthenticated unless X-API-KEY holds global.adminApiKey (when one is configured).
Status CheckAdminKey(const Request& request, const config::Config& config);

// The group a Pushgateway-style or JSON push goes to: the one whose key is presented
// (PresentedKey), else global.defaultGroup, which must then have no key. A key that no
// group has is refused, not sent to the default group. kUnauthenticated / kNotFound.
Result<const config::GroupConfig*> SelectGroupByKey(const Request& request,
                                                    const config::Config& config);

}  // namespace accumulator::http
