#pragma once

#include <string>
#include <vector>

#include "model/metric.h"

namespace accumulator::expose {

// Appends `families` in OpenMetrics text 1.0, ending with "# EOF". Counters stored as
// `x_total` become family `x` with sample `x_total`; info `x_info` becomes family `x`.
// Untyped families are written as `unknown`.
void WriteOpenMetrics(const std::vector<model::Family>& families, std::string& out);

}  // namespace accumulator::expose
