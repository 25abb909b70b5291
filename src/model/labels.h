#pragma once

#include <compare>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace accumulator::model {

struct Label {
  std::string name;
  std::string value;
  auto operator<=>(const Label&) const = default;  // NOLINT(modernize-use-nullptr): tidy 14 bug
};

// A label name and value that live elsewhere (in a Labels, a PackedLabels, a body
// being parsed): it owns nothing, so it lives no longer than what it views.
struct LabelRef {
  std::string_view name;
  std::string_view value;
};

// A label set kept sorted by name, names unique: the canonical form that makes two
// pushes of the same series compare equal whatever order their labels came in.
using Labels = std::vector<Label>;

// Sorts by name. Returns false (and leaves the order sorted) if a name repeats.
bool Canonicalize(Labels& labels);

// The value of `name`, or nullptr.
const std::string* FindLabel(const Labels& labels, std::string_view name);

// Sets `name` to `value`, keeping the set sorted. Returns true if it replaced a value.
bool SetLabel(Labels& labels, std::string_view name, std::string_view value);

// <0, 0, >0 in the order of Labels' operator<=>, and equality, without its calls to
// memcmp. The span overloads compare a set with borrowed labels, e.g. a body's.
int CompareLabels(const Labels& a, const Labels& b);
int CompareLabels(const Labels& a, std::span<const LabelRef> b);
bool SameLabels(const Labels& a, const Labels& b);
bool SameLabels(const Labels& a, std::span<const LabelRef> b);

std::size_t HashLabels(const Labels& labels);

// {a="1",b="2"} for messages and logs.
std::string DescribeSeries(std::string_view name, const Labels& labels);

}  // namespace accumulator::model
