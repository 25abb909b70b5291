#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/labels.h"
#include "model/metric.h"

namespace accumulator::parse {

// Parses the Pushgateway's grouping key from the URL path after "/metrics/":
// "job/<job>{/<label>/<value>}", where "<name>@base64" means the next segment is
// base64url (padding optional, a lone "=" is the empty value) and other segments are
// percent-decoded. Errors (kInvalidArgument) use the Pushgateway's wording: an empty
// job, an odd number of components, bad base64, an improper label name.
Result<model::Labels> ParseGroupingKey(std::string_view path);

// Adds the grouping labels to every series of `push`, overriding same-named body
// labels, and instance="" where there is no instance label (as the Pushgateway does,
// so `honor_labels: true` scrapes stay stable). kInvalidArgument if two series of a
// family become one.
Status AddGroupingLabels(const model::Labels& grouping, model::Push& push);

// The non-empty '/'-separated segments of a URL path, as views into it ("//" collapses,
// as it does for the Pushgateway).
std::vector<std::string_view> SplitPathSegments(std::string_view path);

// Decodes base64url (RFC 4648 §5), with or without padding; nullopt if malformed.
std::optional<std::string> DecodeBase64Url(std::string_view text);
// Decodes standard base64 (RFC 4648 §4, as in HTTP basic auth); nullopt if malformed.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace accumulator::parse
