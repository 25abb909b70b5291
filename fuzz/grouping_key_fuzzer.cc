#include <cstdint>

#include "fuzz_check.h"
#include "model/names.h"
#include "parse/grouping_key.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto labels = accumulator::parse::ParseGroupingKey(AsText(data, size));
  if (!labels.ok()) return 0;
  for (const auto& label : *labels) {
    MA_FUZZ_REQUIRE(accumulator::model::IsValidLabelName(label.name), "label names are valid");
    MA_FUZZ_REQUIRE(accumulator::model::IsValidUtf8(label.value), "label values are UTF-8");
  }
  accumulator::model::Push push;
  push.families.push_back({"m",
                           accumulator::model::MetricType::kGauge,
                           "",
                           {{{}, accumulator::model::ScalarValue{1}, {}}}});
  MA_FUZZ_REQUIRE(accumulator::parse::AddGroupingLabels(*labels, push).ok(),
                  "one series cannot collide with itself");
  return 0;
}
