#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace accumulator {

// Decodes %XX escapes (RFC 3986); nullopt on a malformed escape. For URL paths, query
// strings and the credentials of a Redis URL.
std::optional<std::string> PercentDecode(std::string_view text);

}  // namespace accumulator
