#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "expose/text_writer.h"
#include "model/equivalent.h"
#include "parse/text_format.h"

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

// An accepted push must be exposable as text that parses back to the same push.
inline void RequireTextRoundTrip(const accumulator::model::Push& parsed, const char* source) {
  std::string written;
  accumulator::expose::WriteText(parsed.families, written);
  auto reparsed = accumulator::parse::ParseText(written, accumulator::parse::Limits{});
  const bool same = reparsed.ok() && accumulator::model::Equivalent(parsed, *reparsed);
  if (!same) {
    std::fprintf(stderr, "%s -> text round trip failed; written:\n", source);
    std::fwrite(written.data(), 1, std::min<std::size_t>(written.size(), 4000), stderr);
    std::fprintf(stderr, "\nreparse: %s\n",
                 reparsed.ok() ? "ok, but not equivalent" : reparsed.status().message().c_str());
  }
  MA_FUZZ_REQUIRE(same, "text round trip must keep every family, series and value");
}
