#include <cstdint>
#include <string>

#include "config/config_loader.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto config = accumulator::config::ParseConfig(AsText(data, size), "fuzz.yml");
  if (!config.ok()) return 0;
  // Each "<redacted>" becomes one byte that no key contains, so a key such as "a" is
  // not found inside the marker itself.
  std::string redacted = config->RedactedText();
  for (std::size_t pos = redacted.find("<redacted>"); pos != std::string::npos;
       pos = redacted.find("<redacted>", pos + 1)) {
    redacted.replace(pos, 10, "\x01");
  }
  for (const auto& group : config->groups) {
    if (group.api_key) {
      MA_FUZZ_REQUIRE(group.api_key->find('\x01') != std::string::npos ||
                          redacted.find(*group.api_key) == std::string::npos,
                      "no group key survives redaction");
    }
  }
  if (config->admin_api_key) {
    MA_FUZZ_REQUIRE(config->admin_api_key->find('\x01') != std::string::npos ||
                        redacted.find(*config->admin_api_key) == std::string::npos,
                    "the admin key does not survive redaction");
  }
  return 0;
}
