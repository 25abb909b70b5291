#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace accumulator::http {

// gzip-compresses `data` (zlib). Used for scrapes when the client sends
// Accept-Encoding: gzip.
std::string GzipCompress(std::string_view data);

// Decompresses a gzip body. kPayloadTooLarge once the output would pass `max_output`
// (a zip bomb stops there), kInvalidArgument for corrupt data.
Result<std::string> GzipDecompress(std::string_view data, std::size_t max_output);

// True if an Accept-Encoding header value accepts gzip (q not 0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace accumulator::http
