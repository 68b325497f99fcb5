#pragma once

// Orphan collection for one erasure set: shards that no live version references (a failed
// upload, the shards of a purged version, an aborted multipart upload's parts) are deleted
// once their data id's wall time is older than the grace period. Live = the erasure extents of
// every non-purged record of the set (objects, part records in "<b>:parts", completed multipart
// objects). Only safe when every node of the set answered every scan: callers pass a live set
// built by a complete sweep, and the collector re-scans before deleting anything, so a record
// written while the first scan ran (a multipart completion moving parts under an object) is
// seen by the second. Thread-safety: free functions; one caller at a time per set.

#include <cstdint>
#include <set>

#include "common/hlc.h"
#include "common/result.h"
#include "storage/repair_scan.h"

namespace shale::storage {

using LiveDataIds = std::set<VersionId>;

// Adds the data ids a version references (none if its winner is a purge tombstone).
// Corruption when an object record does not decode (then nothing may be collected).
Status AddLiveDataIds(const VersionGroup& group, LiveDataIds* live);

// Scans the whole set for its live data ids; Unavailable when some node did not answer.
Result<LiveDataIds> ScanLiveDataIds(const RepairSet& set);

struct OrphanResult {
  uint64_t shards_deleted = 0;
  uint64_t bytes_deleted = 0;
};
// Deletes every shard of the set whose data id is in neither `live` nor a fresh scan and whose
// data id's wall time is before `cutoff_micros`.
Result<OrphanResult> CollectOrphans(const RepairSet& set, const LiveDataIds& live,
                                    uint64_t cutoff_micros);

}  // namespace shale::storage
