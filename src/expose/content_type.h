#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace accumulator::expose {

// The one place that knows the MIME strings of the wire formats.

enum class ScrapeFormat { kText, kOpenMetrics };

inline constexpr std::string_view kOpenMetricsContentType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

// Picks the exposition format an Accept header prefers (by q-value; text on a tie, and
// when the header is absent or names neither).
ScrapeFormat NegotiateScrapeFormat(std::string_view accept);
std::string_view ContentTypeOf(ScrapeFormat format);

enum class PushFormat { kText, kOpenMetrics, kProtoDelimited, kJson };

// The push format a Content-Type names. A missing header, text/plain and curl's
// default application/x-www-form-urlencoded are text 0.0.4. kUnsupportedMedia for
// anything else, including protobuf with other parameters than the delimited
// MetricFamily encoding.
Result<PushFormat> PushFormatOf(const std::string* content_type);

}  // namespace accumulator::expose
