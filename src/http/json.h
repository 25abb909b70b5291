#pragma once

#include <string>
#include <string_view>

namespace accumulator::http {

// Appends `text` as a JSON string literal, quotes included.
void AppendJsonString(std::string_view text, std::string& out);

// Escapes text for HTML element content and attribute values.
std::string EscapeHtml(std::string_view text);

}  // namespace accumulator::http
