#include "model/equivalent.h"

#include <algorithm>
#include <map>

namespace accumulator::model {
namespace {

std::map<std::string, const Family*> ByName(const Push& push) {
  std::map<std::string, const Family*> out;
  for (const Family& f : push.families) out.emplace(f.name, &f);
  return out;
}

bool SameSeries(const Family& a, const Family& b) {
  if (a.series.size() != b.series.size()) return false;
  std::map<Labels, const Value*> values;
  for (const Series& s : a.series) values.emplace(s.labels, &s.value);
  return std::all_of(b.series.begin(), b.series.end(), [&](const Series& s) {
    auto it = values.find(s.labels);
    return it != values.end() && SameValue(*it->second, s.value);
  });
}

}  // namespace

bool Equivalent(const Push& a, const Push& b) {
  const auto fa = ByName(a);
  const auto fb = ByName(b);
  if (fa.size() != fb.size() || fa.size() != a.families.size() || fb.size() != b.families.size()) {
    return false;
  }
  for (const auto& [name, family] : fa) {
    auto it = fb.find(name);
    if (it == fb.end()) return false;
    const Family& other = *it->second;
    if (family->type != other.type || family->help != other.help) return false;
    if (!SameSeries(*family, other)) return false;
  }
  return true;
}

}  // namespace accumulator::model
