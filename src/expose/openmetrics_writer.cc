#include "expose/openmetrics_writer.h"

#include "expose/writer.h"

namespace accumulator::expose {

void WriteOpenMetrics(const std::vector<model::Family>& families, std::string& out) {
  ExpositionWriter writer(ScrapeFormat::kOpenMetrics, out);
  for (const model::Family& family : families) writer.AddFamily(family);
  writer.Finish();
}

}  // namespace accumulator::expose
