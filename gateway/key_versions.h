#pragma once

// Every version of one key as its erasure set holds them: what null-version lookups (S3's
// versionId=null), the Suspended put's retirement of the previous null version and deletes of
// the null version need, since nodes index versions by id only.
// Thread-safety: a free function over a ClusterCore, which is thread-safe.

#include <optional>
#include <string_view>
#include <vector>

#include "common/object_record.h"
#include "common/placement.h"
#include "common/result.h"

namespace shale::gateway {

class ClusterCore;

struct KeyVersion {
  // The newest record of this version among the answers (largest attribute revision); for a
  // purged version only info.bucket, key and version are meaningful.
  ObjectRecord record;
  bool purged = false;  // Some answering node holds a purge tombstone of it.
};

// The versions of exactly (bucket, key) on the nodes of its set, newest first, merged across the
// nodes (a version purged on any answering node is purged; records that do not decode are
// skipped). Unavailable when fewer than read_quorum nodes answered.
Result<std::vector<KeyVersion>> ListKeyVersions(ClusterCore& core, std::string_view bucket,
                                                std::string_view key, const ObjectPlacement& p);

// The newest non-purged null version of `versions` (ListKeyVersions order), if any.
std::optional<ObjectRecord> NewestNull(const std::vector<KeyVersion>& versions);

}  // namespace shale::gateway
