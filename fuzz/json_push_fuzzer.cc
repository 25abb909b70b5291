#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include "expose/text_writer.h"
#include "fuzz_check.h"
#include "model/equivalent.h"
#include "parse/json_push.h"
#include "parse/text_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const accumulator::parse::Limits limits;
  auto parsed = accumulator::parse::ParseJsonPush(
      AsText(data, size), limits, accumulator::parse::JsonRecordOptions{true, true});
  if (!parsed.ok()) return 0;
  std::string written;
  accumulator::expose::WriteText(parsed->families, written);
  auto reparsed = accumulator::parse::ParseText(written, limits);
  if (!reparsed.ok() || !accumulator::model::Equivalent(*parsed, *reparsed)) {
    std::fprintf(stderr, "written:\n");
    std::fwrite(written.data(), 1, std::min<std::size_t>(written.size(), 4000), stderr);
    std::fprintf(stderr, "\nreparse: %s\n",
                 reparsed.ok() ? "ok" : reparsed.status().message().c_str());
  }
  MA_FUZZ_REQUIRE(reparsed.ok(), "an accepted JSON push must be exposable as text");
  MA_FUZZ_REQUIRE(accumulator::model::Equivalent(*parsed, *reparsed),
                  "JSON -> text must keep every family, series and value");
  return 0;
}
