#pragma once

#include <string>
#include <vector>

#include "model/metric.h"

namespace accumulator::expose {

// Appends `families` in OpenMetrics text 1.0, ending with "# EOF". See ExpositionWriter.
void WriteOpenMetrics(const std::vector<model::Family>& families, std::string& out);

}  // namespace accumulator::expose
