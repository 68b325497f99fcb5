#pragma once

// ScrubState: where the scrubber is, persisted in the index's `meta` table (kMetaScrubState,
// docs/FORMAT.md "`meta` entries") after every step, so a restarted node continues its pass
// instead of starting over. Pure encode/decode; thread-safety: plain values.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace shale::storage {

inline constexpr uint8_t kScrubStateVersion = 1;
inline constexpr size_t kScrubStateSize = 1 + 1 + 4 + 8 * 5;

struct ScrubState {
  bool running = false;          // A pass is under way.
  uint32_t segment_id = 0;       // Running: the segment being scrubbed (or the next one after it).
  uint64_t offset = 0;           // Running: records of segment_id from this offset are still due.
  uint64_t pass_started_ms = 0;  // Of the running or last pass (Unix ms); 0: never.
  uint64_t last_pass_completed_ms = 0;  // 0: no pass completed yet.
  uint64_t pass_bytes_done = 0;         // Live record bytes verified in this pass.
  uint64_t pass_bytes_total = 0;        // Live bytes when the pass started (its estimate).
  friend bool operator==(const ScrubState&, const ScrubState&) = default;
};

std::string EncodeScrubState(const ScrubState& state);
// Corruption unless `bytes` is exactly one version-1 state.
Result<ScrubState> DecodeScrubState(std::string_view bytes);

}  // namespace shale::storage
