#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace accumulator::http {

// name=value pairs of a query string, '+' as space, percent-decoded; nullopt if malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view q);

// `text` percent-encoded for a query string value: only unreserved characters stay.
std::string QueryEscape(std::string_view text);

}  // namespace accumulator::http
