#include <cstdint>

#include "common/clock.h"
#include "fuzz_check.h"
#include "persist/codec.h"
#include "store/series_store.h"

// A log record that passes its checksum but was damaged (or forged) must be refused or
// replayed without harm: decode it, replay it into a store, and re-encode it.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace persist = accumulator::persist;
  auto record = persist::DecodeRecord(AsText(data, size));
  if (!record.ok()) return 0;
  static const accumulator::FakeClock kClock;
  accumulator::store::SeriesStore store(kClock, 100);
  switch (record->kind) {
    case persist::DecodedRecord::Kind::kPush: {
      // Twice: the second merges into what the first stored.
      (void)store.Replay(record->group, record->ttl, record->at, record->push, record->Tag());
      (void)store.Replay(record->group, record->ttl, record->at, record->push, record->Tag());
      const std::string again = persist::EncodePushRecord(record->group, record->ttl, record->at,
                                                          record->push, record->Tag());
      if (!persist::DecodeRecord(again).ok()) __builtin_trap();
      break;
    }
    case persist::DecodedRecord::Kind::kReset:
      store.ReplayReset(record->group);
      break;
    case persist::DecodedRecord::Kind::kDelete:
      store.ReplayDelete(record->group, record->deleted);
      break;
    case persist::DecodedRecord::Kind::kDrop:
      store.ReplayDrop(record->group);
      break;
  }
  (void)store.Checkpoint([] {});
  return 0;
}
