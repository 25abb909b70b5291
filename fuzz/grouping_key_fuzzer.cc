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
  // Merged into a series with labels of its own: every one of them stays, with its value
  // unless the key names it, and the set stays sorted with unique names.
  const accumulator::model::Labels own = {{"a", "1"}, {"instance", "i"}, {"job", "j"}, {"zz", "2"}};
  accumulator::model::Push with_own;
  with_own.families.push_back({"m",
                               accumulator::model::MetricType::kGauge,
                               "",
                               {{own, accumulator::model::ScalarValue{1}, {}}}});
  MA_FUZZ_REQUIRE(accumulator::parse::AddGroupingLabels(*labels, with_own).ok(),
                  "one series cannot collide with itself");
  const accumulator::model::Labels& merged = with_own.families[0].series[0].labels;
  for (std::size_t i = 1; i < merged.size(); ++i) {
    MA_FUZZ_REQUIRE(merged[i - 1].name < merged[i].name, "merged labels are sorted and unique");
  }
  for (const auto& label : own) {
    const std::string* value = accumulator::model::FindLabel(merged, label.name);
    MA_FUZZ_REQUIRE(value != nullptr, "a series keeps every label name it had");
    const std::string* from_key = accumulator::model::FindLabel(*labels, label.name);
    MA_FUZZ_REQUIRE(*value == (from_key != nullptr ? *from_key : label.value),
                    "a label keeps its value unless the key names it");
  }
  return 0;
}
