#include "model/labels.h"

#include <algorithm>
#include <cstdint>
#include <functional>

#include "model/bytes.h"

namespace accumulator::model {

bool Canonicalize(Labels& labels) {
  // Clients write labels in a fixed order, usually sorted already.
  const auto out_of_order = [](const Label& a, const Label& b) {
    return CompareBytes(a.name, b.name) >= 0;
  };
  if (std::adjacent_find(labels.begin(), labels.end(), out_of_order) == labels.end()) {
    return true;
  }
  std::sort(labels.begin(), labels.end(),
            [](const Label& a, const Label& b) { return CompareBytes(a.name, b.name) < 0; });
  return std::adjacent_find(labels.begin(), labels.end(), [](const Label& a, const Label& b) {
           return SameBytes(a.name, b.name);
         }) == labels.end();
}

const std::string* FindLabel(const Labels& labels, std::string_view name) {
  for (const Label& l : labels) {
    if (l.name == name) return &l.value;
  }
  return nullptr;
}

bool SetLabel(Labels& labels, std::string_view name, std::string_view value) {
  auto it = std::lower_bound(
      labels.begin(), labels.end(), name,
      [](const Label& l, std::string_view n) { return CompareBytes(l.name, n) < 0; });
  if (it != labels.end() && SameBytes(it->name, name)) {
    it->value.assign(value);
    return true;
  }
  labels.insert(it, Label{std::string(name), std::string(value)});
  return false;
}

namespace {

// One comparison for owned and borrowed label sets alike.
template <typename Other>
int CompareLabelSets(const Labels& a, const Other& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (int c = CompareBytes(a[i].name, b[i].name); c != 0) return c;
    if (int c = CompareBytes(a[i].value, b[i].value); c != 0) return c;
  }
  return static_cast<int>(a.size() > b.size()) - static_cast<int>(a.size() < b.size());
}

template <typename Other>
bool SameLabelSets(const Labels& a, const Other& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!SameBytes(a[i].name, b[i].name) || !SameBytes(a[i].value, b[i].value)) return false;
  }
  return true;
}

}  // namespace

int CompareLabels(const Labels& a, const Labels& b) { return CompareLabelSets(a, b); }
int CompareLabels(const Labels& a, std::span<const LabelRef> b) { return CompareLabelSets(a, b); }
bool SameLabels(const Labels& a, const Labels& b) { return SameLabelSets(a, b); }
bool SameLabels(const Labels& a, std::span<const LabelRef> b) { return SameLabelSets(a, b); }

std::size_t HashLabels(const Labels& labels) {
  // FNV-1a over each name and value and its length: label strings are a few bytes
  // long, where a byte loop costs less than a call to std::hash per string.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto mix = [&h](std::string_view s) {
    h = (h ^ s.size()) * 0x100000001b3ULL;
    for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  };
  for (const Label& l : labels) {
    mix(l.name);
    mix(l.value);
  }
  return h;
}

std::string DescribeSeries(std::string_view name, const Labels& labels) {
  std::string out(name);
  out += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].name;
    out += "=\"";
    out += labels[i].value;
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace accumulator::model
