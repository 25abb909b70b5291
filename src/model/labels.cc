#include "model/labels.h"

#include <algorithm>
#include <functional>

namespace accumulator::model {

bool Canonicalize(Labels& labels) {
  // Clients write labels in a fixed order, usually sorted already.
  const auto out_of_order = [](const Label& a, const Label& b) { return a.name >= b.name; };
  if (std::adjacent_find(labels.begin(), labels.end(), out_of_order) == labels.end()) {
    return true;
  }
  std::sort(labels.begin(), labels.end(),
            [](const Label& a, const Label& b) { return a.name < b.name; });
  return std::adjacent_find(labels.begin(), labels.end(), [](const Label& a, const Label& b) {
           return a.name == b.name;
         }) == labels.end();
}

const std::string* FindLabel(const Labels& labels, std::string_view name) {
  for (const Label& l : labels) {
    if (l.name == name) return &l.value;
  }
  return nullptr;
}

bool SetLabel(Labels& labels, std::string_view name, std::string_view value) {
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels.end() && it->name == name) {
    it->value.assign(value);
    return true;
  }
  labels.insert(it, Label{std::string(name), std::string(value)});
  return false;
}

std::size_t HashLabels(const Labels& labels) {
  std::size_t h = 0xcbf29ce484222325ULL;
  const std::hash<std::string_view> hasher;
  for (const Label& l : labels) {
    h = (h ^ hasher(l.name)) * 0x100000001b3ULL;
    h = (h ^ hasher(l.value)) * 0x100000001b3ULL;
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
