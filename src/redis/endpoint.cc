#include "redis/endpoint.h"

#include <charconv>
#include <utility>

#include "common/percent_decode.h"

namespace accumulator::redis {
namespace {

template <typename Int>
bool ParseNumber(std::string_view text, Int& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<Endpoint> ParseRedisUrl(std::string_view url) {
  Endpoint endpoint;
  if (url.starts_with("redis://")) {
    url.remove_prefix(8);
  } else if (url.starts_with("rediss://")) {
    url.remove_prefix(9);
    endpoint.tls = true;
  } else {
    return Status::InvalidArgument("Redis URL must start with redis:// or rediss://");
  }
  // The credentials end at the last '@': a password may hold '@' unescaped.
  if (const std::size_t at = url.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = url.substr(0, at);
    url.remove_prefix(at + 1);
    const std::size_t colon = credentials.find(':');
    auto user = PercentDecode(credentials.substr(0, colon));
    auto password = PercentDecode(colon == std::string_view::npos ? std::string_view()
                                                                  : credentials.substr(colon + 1));
    if (!user || !password) {
      return Status::InvalidArgument("Redis URL has a malformed %-escape in its credentials");
    }
    // redis://secret@host is a password alone, as redis-cli reads it.
    if (colon == std::string_view::npos) std::swap(*user, *password);
    endpoint.user = std::move(*user);
    endpoint.password = std::move(*password);
  }
  std::string_view path;
  if (const std::size_t slash = url.find('/'); slash != std::string_view::npos) {
    path = url.substr(slash + 1);
    url = url.substr(0, slash);
  }
  std::string_view port;
  if (url.starts_with('[')) {  // [IPv6]:port
    const std::size_t close = url.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("Redis URL has an IPv6 host without its ']'");
    }
    endpoint.host = std::string(url.substr(1, close - 1));
    const std::string_view rest = url.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return Status::InvalidArgument("Redis URL has text after its IPv6 host");
      }
      port = rest.substr(1);
      if (port.empty()) return Status::InvalidArgument("Redis URL has an empty port");
    }
  } else {
    const std::size_t colon = url.rfind(':');
    endpoint.host = std::string(url.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = url.substr(colon + 1);
      if (port.empty()) return Status::InvalidArgument("Redis URL has an empty port");
    }
  }
  if (endpoint.host.empty()) return Status::InvalidArgument("Redis URL has no host");
  if (!port.empty() && (!ParseNumber(port, endpoint.port) || endpoint.port == 0)) {
    return Status::InvalidArgument("Redis URL port \"" + std::string(port) +
                                   "\" is not a number from 1 to 65535");
  }
  if (!path.empty() && (!ParseNumber(path, endpoint.db) || endpoint.db < 0)) {
    return Status::InvalidArgument("Redis URL database \"" + std::string(path) +
                                   "\" is not a number from 0 up");
  }
  return endpoint;
}

}  // namespace accumulator::redis
