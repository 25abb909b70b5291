#include "persist/framing.h"

#include <zlib.h>

namespace accumulator::persist {
namespace {

std::uint32_t Crc32(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; frames are far below 4 GiB.
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
  return static_cast<std::uint32_t>(crc);
}

}  // namespace

void AppendU32(std::uint32_t value, std::string& out) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void AppendU64(std::uint64_t value, std::string& out) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::uint32_t ReadU32(const char* bytes) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

std::uint64_t ReadU64(const char* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

void AppendFrame(std::string_view payload, std::string& out) {
  AppendU32(static_cast<std::uint32_t>(payload.size()), out);
  AppendU32(Crc32(payload), out);
  out.append(payload);
}

FrameReader::Outcome FrameReader::Next(std::string_view& payload) {
  const std::size_t left = data_.size() - offset_;
  if (left == 0) return Outcome::kEnd;
  if (left < kFrameHeaderBytes) return Outcome::kTorn;
  const std::uint32_t length = ReadU32(data_.data() + offset_);
  const std::uint32_t crc = ReadU32(data_.data() + offset_ + 4);
  if (length > kMaxFramePayloadBytes) return Outcome::kCorrupt;
  if (left - kFrameHeaderBytes < length) return Outcome::kTorn;
  const std::string_view body = data_.substr(offset_ + kFrameHeaderBytes, length);
  if (Crc32(body) != crc) return Outcome::kCorrupt;
  payload = body;
  offset_ += kFrameHeaderBytes + length;
  return Outcome::kFrame;
}

}  // namespace accumulator::persist
