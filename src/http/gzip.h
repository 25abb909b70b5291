#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace accumulator::http {

// gzip-compresses `data` (zlib). Used for scrapes when the client sends
// Accept-Encoding: gzip.
std::string GzipCompress(std::string_view data);

// gzip in pieces, for a body that is compressed while it is sent.
class GzipStream {
 public:
  GzipStream();  // throws std::bad_alloc if zlib cannot get its memory
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // Compresses `data` and appends to `out` what zlib has ready (maybe nothing yet);
  // `last` ends the stream, appending everything that is left and the gzip trailer.
  void Add(std::string_view data, bool last, std::string& out);

 private:
  struct State;  // zlib's z_stream, kept out of this header
  std::unique_ptr<State> state_;
};

// Decompresses a gzip body. kPayloadTooLarge once the output would pass `max_output`
// (a zip bomb stops there), kInvalidArgument for corrupt data.
Result<std::string> GzipDecompress(std::string_view data, std::size_t max_output);

// True if an Accept-Encoding header value accepts gzip (q not 0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace accumulator::http
