#pragma once

// The payload of a tombstone record (docs/FORMAT.md, "Tombstone payload"): where the deleted
// record lived when it was deleted. Every copy of the target (the deleted record and the
// versions it overwrote) lies in that segment or an older one, so compaction keeps a tombstone
// while any segment with an id <= target_segment_id still exists — once none does, no older
// copy of the target can be replayed by a rebuild, and the tombstone is garbage. Pure
// functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shale::storage {

inline constexpr uint8_t kTombstonePayloadVersion = 1;
inline constexpr size_t kTombstonePayloadSize = 1 + 4 + 8;

struct TombstonePayload {
  uint32_t target_segment_id = 0;  // Segment of the deleted record at delete time.
  uint64_t target_sequence = 0;    // Sequence of the deleted record.
};

std::string EncodeTombstonePayload(const TombstonePayload& payload);
// Corruption unless `bytes` is exactly one version-1 payload.
Result<TombstonePayload> DecodeTombstonePayload(std::string_view bytes);

}  // namespace shale::storage
