#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace accumulator::redis {

// Where a Redis server is and how to log in to it, from a URL.
struct Endpoint {
  std::string host;
  std::uint16_t port = 6379;
  std::string user;      // empty: the default user (AUTH <password>)
  std::string password;  // empty: no AUTH
  int db = 0;
  bool tls = false;  // rediss://
};

// redis://[[user]:password@]host[:port][/db], or rediss:// for TLS, as redis-cli and
// most clients read them: user and password percent-decoded, an IPv6 host in brackets.
// Errors (kInvalidArgument) say what is wrong without repeating the password.
Result<Endpoint> ParseRedisUrl(std::string_view url);

}  // namespace accumulator::redis
