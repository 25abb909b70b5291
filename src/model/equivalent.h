#pragma once

#include "model/metric.h"

namespace accumulator::model {

// True if two pushes hold the same families (name, type, help) with the same series
// and values, whatever their order; NaN equals NaN. For round-trip checks in tests and
// fuzzers.
bool Equivalent(const Push& a, const Push& b);

}  // namespace accumulator::model
