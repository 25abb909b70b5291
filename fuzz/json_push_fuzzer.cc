#include <cstdint>

#include "fuzz_check.h"
#include "parse/json_push.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed =
      accumulator::parse::ParseJsonPush(AsText(data, size), accumulator::parse::Limits{},
                                        accumulator::parse::JsonRecordOptions{true, true});
  if (parsed.ok()) RequireTextRoundTrip(*parsed, "JSON");
  return 0;
}
