#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

// Stops the fuzzer (or the corpus replay) when a property does not hold.
#define MA_FUZZ_REQUIRE(condition, what)                            \
  do {                                                              \
    if (!(condition)) {                                             \
      std::fprintf(stderr, "fuzz property violated: %s\n", (what)); \
      std::abort();                                                 \
    }                                                               \
  } while (false)

inline std::string_view AsText(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}
