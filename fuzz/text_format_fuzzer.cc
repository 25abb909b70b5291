// Any bytes may arrive in a push body. Rejecting them is fine; crashing, hanging or
// accepting something we cannot write back out is not.
#include <cstdint>

#include "fuzz_check.h"
#include "parse/text_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = accumulator::parse::ParseText(AsText(data, size), accumulator::parse::Limits{});
  if (parsed.ok()) RequireTextRoundTrip(*parsed, "text");
  return 0;
}
