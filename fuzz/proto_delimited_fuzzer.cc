#include <cstdint>

#include "fuzz_check.h"
#include "parse/proto_delimited.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed =
      accumulator::parse::ParseProtoDelimited(AsText(data, size), accumulator::parse::Limits{});
  if (parsed.ok()) RequireTextRoundTrip(*parsed, "protobuf");
  return 0;
}
