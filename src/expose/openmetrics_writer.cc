#include "expose/openmetrics_writer.h"

#include <string_view>

#include "expose/text_writer.h"
#include "model/number.h"

namespace accumulator::expose {
namespace {

void AppendEscapedOmHelp(std::string_view help, std::string& out) {
  for (char c : help) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        out += c;
    }
  }
}

std::string_view StripSuffix(std::string_view name, std::string_view suffix) {
  if (name.size() > suffix.size() && name.ends_with(suffix)) {
    name.remove_suffix(suffix.size());
  }
  return name;
}

}  // namespace

void WriteOpenMetrics(const std::vector<model::Family>& families, std::string& out) {
  for (const model::Family& family : families) {
    if (family.series.empty()) continue;
    std::string_view om_name = family.name;
    std::string_view sample_suffix;
    std::string_view type = model::TypeName(family.type);
    switch (family.type) {
      case model::MetricType::kCounter:
        om_name = StripSuffix(family.name, "_total");
        sample_suffix = "_total";
        break;
      case model::MetricType::kInfo:
        om_name = StripSuffix(family.name, "_info");
        sample_suffix = "_info";
        break;
      case model::MetricType::kUntyped:
        type = "unknown";
        break;
      default:
        break;
    }
    out += "# TYPE ";
    out += om_name;
    out += ' ';
    out += type;
    out += '\n';
    if (!family.help.empty()) {
      out += "# HELP ";
      out += om_name;
      out += ' ';
      AppendEscapedOmHelp(family.help, out);
      out += '\n';
    }
    for (const model::Series& series : family.series) {
      if (const auto* h = std::get_if<model::HistogramValue>(&series.value)) {
        for (std::size_t i = 0; i < h->upper_bounds.size(); ++i) {
          AppendSample(om_name, "_bucket", series.labels, "le", h->upper_bounds[i],
                       h->bucket_counts[i], out);
        }
        AppendSample(om_name, "_count", series.labels, {}, 0, h->count, out);
        AppendSample(om_name, "_sum", series.labels, {}, 0, h->sum, out);
      } else if (const auto* s = std::get_if<model::SummaryValue>(&series.value)) {
        for (const model::Quantile& q : s->quantiles) {
          AppendSample(om_name, "", series.labels, "quantile", q.quantile, q.value, out);
        }
        AppendSample(om_name, "_count", series.labels, {}, 0, s->count, out);
        AppendSample(om_name, "_sum", series.labels, {}, 0, s->sum, out);
      } else {
        AppendSample(om_name, sample_suffix, series.labels, {}, 0,
                     std::get<model::ScalarValue>(series.value).value, out);
      }
    }
  }
  out += "# EOF\n";
}

}  // namespace accumulator::expose
