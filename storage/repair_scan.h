#pragma once

// MergedScan: the version records of every node of an erasure set, merged into one stream in
// (bucket, key, newest version first) order — the order NodeClient::ScanVersions returns —
// grouping the copies of each version. A node whose scan fails is marked as not answering for
// the rest of the scan (its copies are unknown, never "absent"). The anti-entropy sweep and the
// orphan collector's live-set scans read these.
// Thread-safety: not thread-safe; one owner.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "common/node_client.h"
#include "storage/repair_version.h"

namespace shale::storage {

// What part of the key space a scan covers: every bucket (bucket empty), or one bucket's keys
// starting with `prefix`.
struct ScanRange {
  std::string bucket;
  std::string prefix;
};

// One version and its copies across the set.
struct VersionGroup {
  std::string bucket;
  std::string key;
  NodeVersionId version{};
  HeldVersion copies;
};

// Total order of scan positions: bucket, key, then newest version first.
bool ScanBefore(const NodeScanPosition& a, const NodeScanPosition& b);

class MergedScan {
 public:
  // `set` is borrowed and must outlive the scan. Starts after `start_after` when given, else at
  // the start of `range`.
  MergedScan(const RepairSet* set, ScanRange range, std::optional<NodeScanPosition> start_after,
             uint32_t page_limit = 1000);

  // The next version, or nullopt at the end of the range.
  std::optional<VersionGroup> Next();
  // False once some node failed to answer (its copies were unknown for part of the scan).
  bool all_answered() const;

 private:
  struct NodeCursor {
    std::deque<node_wire::WireScanEntry> buffered;
    std::optional<NodeScanPosition> after;
    bool done = false;
    bool answered = true;
  };
  void Refill(NodeCursor& c);
  bool InRange(const node_wire::WireScanEntry& e) const;

  const RepairSet* const set_;
  const ScanRange range_;
  const uint32_t page_limit_;
  std::vector<NodeCursor> cursors_;
};

}  // namespace shale::storage
