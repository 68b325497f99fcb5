#pragma once

// The index's durability state (docs/FORMAT.md, "index-state"). The engine commits its LMDB
// index without flushing it (one device flush per group commit: the segment's), because every
// index entry can be rebuilt from the segments, which ARE flushed before a write is
// acknowledged. What that needs is knowing, at open, whether the index on disk can be trusted:
//   - after a clean close the index was flushed: trusted;
//   - after a process crash (kill -9, OOM) on the same boot the page cache kept every write in
//     order, and LMDB is crash-consistent: trusted (recovery re-scans the segments' tails);
//   - after a crash on an earlier boot (power loss, kernel panic, VM reset) unflushed index
//     pages may be lost or torn: NOT trusted, the engine rebuilds the index from its segments.
// The file `DIR/index-state` records the boot the index was last opened in and whether it was
// closed cleanly; the boot id is the kernel's (/proc/sys/kernel/random/boot_id).
// Thread-safety: plain functions; the engine calls them from Open and its destructor only.

#include <optional>
#include <string>

#include "common/fs/file_system.h"
#include "common/result.h"
#include "common/status.h"

namespace shale::storage {

inline constexpr char kIndexStateFile[] = "index-state";

struct IndexState {
  std::string boot_id;
  bool clean = false;
};

// The boot id of the running kernel, or nullopt when it cannot be read (then the engine keeps
// flushing every index commit, as without this scheme).
std::optional<std::string> CurrentBootId(fs::FileSystem& fs);

// nullopt when DIR has no state file (a new directory, or one written before this scheme: its
// index was flushed on every commit). Corruption when the file is malformed.
Result<std::optional<IndexState>> ReadIndexState(fs::FileSystem& fs, const std::string& dir);
// Durably replaces the state file (written to a temporary, synced, renamed, directory synced).
Status WriteIndexState(fs::FileSystem& fs, const std::string& dir, const IndexState& state);

// Whether an index left in `state` may have lost or torn writes, seen from boot `boot_id`.
bool IndexMayBeTorn(const std::optional<IndexState>& state, const std::string& boot_id);

}  // namespace shale::storage
