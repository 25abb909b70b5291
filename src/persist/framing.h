#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace accumulator::persist {

// Every record of a log segment and every entry of a snapshot is one frame:
//   u32 little-endian payload length | u32 little-endian CRC-32 of the payload | payload
// so a reader can tell a complete record from a torn or damaged one (docs/persistence.md).
inline constexpr std::size_t kFrameHeaderBytes = 8;
// Larger lengths can only come from damage: no push or snapshot entry is this big.
inline constexpr std::uint32_t kMaxFramePayloadBytes = 256U * 1024 * 1024;

void AppendFrame(std::string_view payload, std::string& out);

void AppendU32(std::uint32_t value, std::string& out);
void AppendU64(std::uint64_t value, std::string& out);
std::uint32_t ReadU32(const char* bytes);
std::uint64_t ReadU64(const char* bytes);

// Reads frames from a buffer, stopping at its end or at the first frame that is not
// whole and intact.
class FrameReader {
 public:
  enum class Outcome {
    kFrame,    // `payload` is the next record
    kEnd,      // the buffer ended exactly after the last frame
    kTorn,     // the buffer ends inside a frame (a write cut short by a crash)
    kCorrupt,  // a frame's length is impossible or its checksum does not match
  };

  explicit FrameReader(std::string_view data) : data_(data) {}

  Outcome Next(std::string_view& payload);
  // Bytes of complete, intact frames read so far: where a damaged tail begins.
  std::size_t good_bytes() const { return offset_; }

 private:
  std::string_view data_;
  std::size_t offset_ = 0;
};

}  // namespace accumulator::persist
