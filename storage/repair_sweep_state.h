#pragma once

// The anti-entropy sweep's persisted state: where a sweep in progress stopped (so a restart,
// even after kill -9, resumes there) and when the last one finished (so the period survives
// restarts). Kept in DATA_DIR/repair_sweep.state, replaced atomically (fs::WriteFileAtomically)
// every few hundred versions. Format in docs/FORMAT.md, "Repair sweep state".
// Thread-safety: pure functions over values, plus Load/Save over a FileSystem.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/fs/file_system.h"
#include "common/node_client.h"
#include "common/result.h"

namespace shale::storage {

inline constexpr char kSweepStateFile[] = "repair_sweep.state";
inline constexpr char kSweepStateMagic[4] = {'S', 'R', 'S', 'W'};
inline constexpr uint8_t kSweepStateFormat = 1;
inline constexpr size_t kMaxSweepStateSize = 8 * 1024;

struct SweepState {
  bool running = false;
  std::string bucket;       // Scope; empty: the whole set.
  std::string prefix;       // Only with bucket.
  uint8_t range_index = 0;  // Scoped sweeps walk bucket, "<b>:parts", "<b>:uploads" in turn.
  std::optional<NodeScanPosition> cursor;  // The last version fully handled in that range.
  uint64_t scanned = 0;                    // Versions handled by this sweep.
  uint64_t total_estimate = 0;             // Versions the last complete sweep saw.
  uint64_t started_ms = 0;
  uint64_t last_completed_ms = 0;  // 0: never.
};

std::string EncodeSweepState(const SweepState& state);
// Strict: Corruption on a bad magic, format, checksum, length or trailing bytes.
Result<SweepState> DecodeSweepState(std::string_view bytes);

// A missing file is a fresh state; a damaged one too (logged by the caller through the
// status): the sweep then starts over, which is safe, only slower.
Result<SweepState> LoadSweepState(fs::FileSystem& fs, const std::string& dir);
Status SaveSweepState(fs::FileSystem& fs, const std::string& dir, const SweepState& state);

}  // namespace shale::storage
