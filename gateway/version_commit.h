#pragma once

// The version-commit step of every write that makes a new version of a key visible (a put, a
// delete marker, a completed multipart upload), and the retirement of versions (purge
// tombstones). S3's rules (docs/ARCHITECTURE.md, "Versioning"): in an Enabled bucket a new
// version leaves the older ones alone; in an unversioned or Suspended bucket the new version is
// S3's "null" version and retires the key's previous null version (and only it: non-null
// versions from an Enabled period stay).
// Thread-safety: free functions over a ClusterCore, which is thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "common/object_info.h"
#include "common/object_record.h"
#include "common/placement.h"
#include "common/result.h"
#include "common/status.h"

namespace shale::gateway {

class ClusterCore;

struct CommitOptions {
  // Inline (kReplicated) objects: the encoded layout with the bytes, stored in the records of set
  // positions 0..replicas-1 (the others get info.layout). Empty: every record gets info.layout.
  std::string data_layout;
  uint32_t replicas = 0;
  // By set position: the node missed a shard of this version's data (hinted for repair together
  // with the record misses). Empty: no shard was missed.
  std::vector<bool> missed_shards;
};

// Commits `info` (bucket, key, attributes, size, etag, checksums and layout set; delete_marker
// for a marker, with an empty kNone layout) as a new version of its key at placement `p`:
// mints the version id (again if a node already holds a newer one, so a later write never hides
// behind an earlier one), sets null_version from `versioning` (and last_modified_ms when 0),
// writes the records to the set with the write quorum (inline replicas: enough copies too),
// rolls them back and answers Unavailable when the quorum is lost, hints repair of the nodes
// that missed something, and retires what the new version supersedes (unversioned/Suspended:
// the key's older null versions) with purge tombstones. A failed retirement does not fail the
// commit (the new version is visible; the old null version is retried in the background).
// Returns `info` as committed.
Result<ObjectInfo> CommitVersion(ClusterCore& core, const ObjectPlacement& p, ObjectInfo info,
                                 BucketVersioning versioning, const CommitOptions& options = {});

// Retires version `old` of its key for good: a purge tombstone (node_wire::WireKind::kPurged,
// payload = u64 little-endian purge time in ms) on every node of the set, with the write quorum
// (Unavailable otherwise; the tombstones that landed stay, so a retry is safe), then, in the
// background after the clean-up grace, the shards of every erasure extent of its layout except
// those named in `keep_data` (the extents of the version that replaces it: two Completes of one
// multipart upload share their parts).
Status PurgeVersion(ClusterCore& core, const ObjectPlacement& p, const ObjectRecord& old,
                    const std::vector<VersionId>& keep_data = {});

// The payload of a purge tombstone written at `now_ms`.
std::string PurgePayload(int64_t now_ms);

}  // namespace shale::gateway
