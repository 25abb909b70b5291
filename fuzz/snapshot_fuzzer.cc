#include <cstdint>
#include <string>

#include "common/clock.h"
#include "fuzz_check.h"
#include "persist/codec.h"
#include "persist/framing.h"
#include "store/series_store.h"

// A snapshot file read at start-up: refused if damaged, else restored into a store and
// written again, which must read back.
//
// Input starting with 'F': the rest is entries separated by kSeparator, framed here with
// correct checksums, so mutations reach the entry decoding behind the CRC. Otherwise
// the input is the file as is (framing, magic, truncation).
namespace {
constexpr std::string_view kSeparator = "\xff\xfe\xfd\xfc";

std::string FramedFile(std::string_view entries) {
  std::string file(accumulator::persist::kSnapshotMagic);
  while (true) {
    const std::size_t end = entries.find(kSeparator);
    accumulator::persist::AppendFrame(entries.substr(0, end), file);
    if (end == std::string_view::npos) break;
    entries.remove_prefix(end + kSeparator.size());
  }
  return file;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace persist = accumulator::persist;
  const std::string_view input = AsText(data, size);
  const std::string file =
      input.starts_with('F') ? FramedFile(input.substr(1)) : std::string(input);
  auto snapshot = persist::DecodeSnapshot(file);
  if (!snapshot.ok()) return 0;
  static const accumulator::FakeClock kClock;
  accumulator::store::SeriesStore store(kClock, 100);
  store.Restore(snapshot->image);
  const std::string again = persist::EncodeSnapshot(
      store.Checkpoint([] {}), snapshot->first_sequence_after, snapshot->taken, "fuzz");
  if (!persist::DecodeSnapshot(again).ok()) __builtin_trap();
  return 0;
}
