#include <cstdint>

#include "fuzz_check.h"
#include "redis/endpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto endpoint = accumulator::redis::ParseRedisUrl(AsText(data, size));
  if (!endpoint.ok()) {
    MA_FUZZ_REQUIRE(!endpoint.status().message().empty(), "a refusal says why");
    return 0;
  }
  MA_FUZZ_REQUIRE(!endpoint->host.empty(), "an accepted URL names a host");
  MA_FUZZ_REQUIRE(endpoint->port != 0, "an accepted URL has a usable port");
  MA_FUZZ_REQUIRE(endpoint->db >= 0, "databases count from 0");
  return 0;
}
