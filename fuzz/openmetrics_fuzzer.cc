#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include "expose/openmetrics_writer.h"
#include "fuzz_check.h"
#include "model/equivalent.h"
#include "parse/text_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const accumulator::parse::Limits limits;
  auto parsed = accumulator::parse::ParseOpenMetrics(AsText(data, size), limits);
  if (!parsed.ok()) return 0;
  std::string written;
  accumulator::expose::WriteOpenMetrics(parsed->families, written);
  auto reparsed = accumulator::parse::ParseOpenMetrics(written, limits);
  if (!reparsed.ok() || !accumulator::model::Equivalent(*parsed, *reparsed)) {
    std::fprintf(stderr, "written:\n");
    std::fwrite(written.data(), 1, std::min<std::size_t>(written.size(), 4000), stderr);
    std::fprintf(stderr, "\nreparse: %s\n",
                 reparsed.ok() ? "ok" : reparsed.status().message().c_str());
  }
  MA_FUZZ_REQUIRE(reparsed.ok(), "OpenMetrics written from an accepted push must parse");
  MA_FUZZ_REQUIRE(accumulator::model::Equivalent(*parsed, *reparsed),
                  "OpenMetrics round trip must keep every family, series and value");
  return 0;
}
