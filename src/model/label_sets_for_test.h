#pragma once

#include <string>
#include <vector>

#include "model/labels.h"

namespace accumulator::model {

// Label sets that differ at every place an ordering can go wrong: empty values, a
// prefix, bytes above 0x7f and zero bytes, names around eight bytes, long values.
inline std::vector<Labels> OrderingCases() {
  return {
      {},
      {{"a", ""}},
      {{"a", "1"}},
      {{"a", "1"}, {"b", "2"}},
      {{"a", "10"}},
      {{"a", "2"}},
      {{"a", "\xff"}},
      {{"a", std::string("x\0y", 3)}},
      {{"ab", ""}},
      {{"abcdefgh", "1"}},
      {{"abcdefghi", "1"}},
      {{"b", "1"}},
      {{"a", "1"}, {"c", "0"}},
      {{"a", "1"}, {"b", std::string(200, 'z')}},
      {{"a", "1"}, {"b", std::string(199, 'z') + "y"}},
      {{"a", "1"}, {"b", std::string(127, 'z')}},  // a length of one varint byte
      {{"a", "1"}, {"b", std::string(128, 'z')}},  // ... and of two
      // A push's series: the same first labels, a difference in the last one.
      {{"code", "200"}, {"instance", "wrk"}, {"job", "bench"}, {"route", "r1"}},
      {{"code", "200"}, {"instance", "wrk"}, {"job", "bench"}, {"route", "r10"}},
      {{"code", "200"}, {"instance", "wrk"}, {"job", "bench"}, {"route", "r2"}},
      {{"code", "200"}, {"instance", "wrk"}, {"job", "bench"}, {"route", "r2"}, {"z", ""}},
      {{"code", "200"}, {"instance", "wrk"}, {"job", "bencher"}, {"route", "r1"}},
      {{"code", "500"}, {"instance", "wrk"}, {"job", "bench"}, {"route", "r1"}},
  };
}

}  // namespace accumulator::model
