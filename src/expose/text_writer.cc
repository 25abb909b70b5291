#include "expose/text_writer.h"

#include "expose/writer.h"

namespace accumulator::expose {

void WriteText(const std::vector<model::Family>& families, std::string& out) {
  ExpositionWriter writer(ScrapeFormat::kText, out);
  for (const model::Family& family : families) writer.AddFamily(family);
  writer.Finish();
}

}  // namespace accumulator::expose
