#include "http/query.h"

#include <algorithm>

#include "common/percent_decode.h"

namespace accumulator::http {

std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start < q.size()) {
    std::size_t end = q.find('&', start);
    if (end == std::string_view::npos) end = q.size();
    std::string item(q.substr(start, end - start));
    std::replace(item.begin(), item.end(), '+', ' ');
    const std::size_t eq = item.find('=');
    auto name = PercentDecode(std::string_view(item).substr(0, eq));
    auto value =
        PercentDecode(eq == std::string::npos ? "" : std::string_view(item).substr(eq + 1));
    if (!name || !value) return std::nullopt;
    if (!name->empty()) out.emplace_back(std::move(*name), std::move(*value));
    start = end + 1;
  }
  return out;
}

std::string QueryEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                            (u >= '0' && u <= '9') || u == '-' || u == '_' || u == '.' || u == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace accumulator::http
