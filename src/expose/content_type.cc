#include "expose/content_type.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "common/ascii.h"
#include "expose/text_writer.h"

namespace accumulator::expose {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

struct MediaRange {
  std::string type;                                         // lower case, e.g. "text/plain"
  std::vector<std::pair<std::string, std::string>> params;  // lower-case names
  double q = 1;
};

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  out.reserve(static_cast<std::size_t>(std::count(s.begin(), s.end(), sep)) + 1);
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(Trim(s.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

MediaRange ParseMediaRange(std::string_view text) {
  MediaRange range;
  const auto parts = Split(text, ';');
  range.type = AsciiLowered(parts[0]);
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::size_t eq = parts[i].find('=');
    if (eq == std::string_view::npos) continue;
    std::string name = AsciiLowered(Trim(parts[i].substr(0, eq)));
    std::string_view value = Trim(parts[i].substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (name == "q") {
      double q = 1;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
      range.q = ec == std::errc() ? q : 0;
    } else {
      range.params.emplace_back(std::move(name), std::string(value));
    }
  }
  return range;
}

const std::string* Param(const MediaRange& r, std::string_view name) {
  for (const auto& [n, v] : r.params) {
    if (n == name) return &v;
  }
  return nullptr;
}

}  // namespace

ScrapeFormat NegotiateScrapeFormat(std::string_view accept) {
  double text_q = -1;
  double om_q = -1;
  for (std::string_view item : Split(accept, ',')) {
    if (item.empty()) continue;
    const MediaRange r = ParseMediaRange(item);
    if (r.type == "application/openmetrics-text") {
      om_q = std::max(om_q, r.q);
    } else if (r.type == "text/plain" || r.type == "text/*" || r.type == "*/*") {
      text_q = std::max(text_q, r.q);
    }
  }
  return om_q > 0 && om_q > text_q ? ScrapeFormat::kOpenMetrics : ScrapeFormat::kText;
}

std::string_view ContentTypeOf(ScrapeFormat format) {
  return format == ScrapeFormat::kOpenMetrics ? kOpenMetricsContentType : kTextContentType;
}

Result<PushFormat> PushFormatOf(const std::string* content_type) {
  if (content_type == nullptr || Trim(*content_type).empty()) return PushFormat::kText;
  // Only protobuf's parameters matter: every other format is known by its media type,
  // without reading the parameters (this runs once per push).
  const std::string_view type =
      Trim(std::string_view(*content_type).substr(0, content_type->find(';')));
  if (SameIgnoringAsciiCase(type, "text/plain") ||
      SameIgnoringAsciiCase(type, "application/x-www-form-urlencoded") ||
      SameIgnoringAsciiCase(type, "*/*")) {
    return PushFormat::kText;
  }
  if (SameIgnoringAsciiCase(type, "application/openmetrics-text")) return PushFormat::kOpenMetrics;
  if (SameIgnoringAsciiCase(type, "application/json")) return PushFormat::kJson;
  if (SameIgnoringAsciiCase(type, "application/vnd.google.protobuf")) {
    const MediaRange r = ParseMediaRange(*content_type);
    const std::string* proto = Param(r, "proto");
    const std::string* encoding = Param(r, "encoding");
    if (proto != nullptr && *proto == "io.prometheus.client.MetricFamily" && encoding != nullptr &&
        *encoding == "delimited") {
      return PushFormat::kProtoDelimited;
    }
    return Status::UnsupportedMedia(
        "protobuf pushes must be "
        "\"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
        "encoding=delimited\"");
  }
  return Status::UnsupportedMedia(
      "unsupported Content-Type \"" + AsciiLowered(type) +
      "\"; send text/plain (Prometheus text 0.0.4), application/openmetrics-text, or "
      "delimited protobuf MetricFamily messages");
}

}  // namespace accumulator::expose
