#include <cstdint>

#include "fuzz_check.h"
#include "parse/selector.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto selector = accumulator::parse::ParseSelector(AsText(data, size));
  if (!selector.ok()) return 0;
  (void)selector->Matches("metric", {{"job", "x"}, {"instance", ""}});
  (void)selector->Matches("", {});
  return 0;
}
