#include "http/gzip.h"

#include <algorithm>
#include <cctype>
#include <new>

#include <zlib.h>

#include "common/ascii.h"

namespace accumulator::http {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 15-bit window, gzip header instead of zlib's

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

struct GzipStream::State {
  z_stream zs{};
};

GzipStream::GzipStream() : state_(std::make_unique<State>()) {
  // Level 1: scrapes are large and frequent; speed matters more than the last few percent.
  if (deflateInit2(&state_->zs, 1, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::bad_alloc();
  }
}

GzipStream::~GzipStream() { deflateEnd(&state_->zs); }

void GzipStream::Add(std::string_view data, bool last, std::string& out) {
  z_stream& zs = state_->zs;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  const int flush = last ? Z_FINISH : Z_NO_FLUSH;
  // Until zlib leaves room in the output: then it has taken all the input (and, when
  // finishing, written the trailer).
  do {
    const std::size_t used = out.size();
    const std::size_t room = std::max<std::size_t>(deflateBound(&zs, zs.avail_in), 4096);
    out.resize(used + room);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    zs.avail_out = static_cast<uInt>(room);
    deflate(&zs, flush);
    out.resize(used + room - zs.avail_out);
  } while (zs.avail_out == 0);
}

std::string GzipCompress(std::string_view data) {
  std::string out;
  GzipStream().Add(data, /*last=*/true, out);
  return out;
}

Result<std::string> GzipDecompress(std::string_view data, std::size_t max_output) {
  z_stream zs{};
  if (inflateInit2(&zs, kGzipWindowBits) != Z_OK) return Status::Internal("zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Status::InvalidArgument("request body is not valid gzip");
    }
    const std::size_t produced = sizeof chunk - zs.avail_out;
    if (out.size() + produced > max_output) {
      inflateEnd(&zs);
      return Status::PayloadTooLarge("decompressed request body exceeds " +
                                     std::to_string(max_output) + " bytes");
    }
    out.append(chunk, produced);
    if (rc == Z_OK && zs.avail_in == 0 && produced == 0) {
      inflateEnd(&zs);
      return Status::InvalidArgument("request body is truncated gzip");
    }
  }
  inflateEnd(&zs);
  return out;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  std::size_t start = 0;
  while (start <= accept_encoding.size()) {
    std::size_t end = accept_encoding.find(',', start);
    if (end == std::string_view::npos) end = accept_encoding.size();
    std::string_view item = Trim(accept_encoding.substr(start, end - start));
    std::string_view coding = item;
    std::string_view params;
    if (const std::size_t semi = item.find(';'); semi != std::string_view::npos) {
      coding = Trim(item.substr(0, semi));
      params = Trim(item.substr(semi + 1));
    }
    if (SameIgnoringAsciiCase(coding, "gzip") || coding == "*") {
      // "q=0" (or 0.0, 0.00...) refuses it.
      const bool refused = params.starts_with("q=") &&
                           params.substr(2).find_first_not_of("0.") == std::string_view::npos;
      return !refused;
    }
    start = end + 1;
  }
  return false;
}

}  // namespace accumulator::http
